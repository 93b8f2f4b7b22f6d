// Checks messages the kernel sent against a spec: every attribute is one the spec's set knows,
// its payload has the size its type needs, nests decode with their nested set, and the
// top-level attributes are ones the operation's reply lists.
import type { Attributes } from '../../../src/wire/index.js';
import { findSet, resolveAttribute, type RawAttribute, type RawAttributeSet, type RawSpec } from './raw-spec.js';

const FIXED: Record<string, number> = { u8: 1, u16: 2, u32: 4, u64: 8, s8: 1, s16: 2, s32: 4, s64: 8, flag: 0, bitfield32: 8 };

function sizeProblem(attr: RawAttribute, type: string, len: number, bytes: Uint8Array): string | undefined {
  const fixed = FIXED[type];
  if (fixed !== undefined) return len === fixed ? undefined : `${len} bytes for a ${type}`;
  if (type === 'uint' || type === 'sint') return len === 4 || len === 8 ? undefined : `${len} bytes for a ${type} (4 or 8)`;
  if (type === 'string') {
    if (attr.checks?.['unterminated-ok']) return undefined;
    return len > 0 && bytes[len - 1] === 0 ? undefined : 'a string without its terminating NUL';
  }
  if (type === 'binary') {
    const exact = attr.checks?.['exact-len'];
    return typeof exact === 'number' && len !== exact ? `${len} bytes, the spec says exactly ${exact}` : undefined;
  }
  return undefined;
}

/** Problems with one attribute payload `attrs` decoded as `set`, into nests. */
export function checkAttributes(spec: RawSpec, set: RawAttributeSet, attrs: Attributes, path: string, out: string[]): void {
  const seen = new Map<number, number>();
  for (const a of attrs) {
    seen.set(a.type, (seen.get(a.type) ?? 0) + 1);
    const name = set.attributes.map((x) => x.name).find((n) => resolveAttribute(spec, set, n)?.id === a.type);
    const found = name !== undefined ? resolveAttribute(spec, set, name) : undefined;
    if (!found) {
      out.push(`${path}: the kernel sent attribute ${a.type} (${a.length} bytes), set '${set.name}' has no such id`);
      continue;
    }
    const { attr } = found;
    const where = `${path}.${attr.name}`;
    const type = attr.type ?? '';
    const bad = sizeProblem(attr, type, a.length, a.data());
    if (bad) out.push(`${where}: ${bad}`);
    const nested = attr['nested-attributes'] !== undefined ? findSet(spec, attr['nested-attributes']) : undefined;
    if (type === 'nest' && nested) {
      checkAttributes(spec, nested, a.nested(), where, out);
    } else if (type === 'indexed-array') {
      for (const item of a.nested()) {
        const sub = attr['sub-type'] ?? 'nest';
        if (sub === 'nest' && nested) checkAttributes(spec, nested, item.nested(), `${where}[${item.type}]`, out);
        else {
          const b = sizeProblem(attr, sub, item.length, item.data());
          if (b) out.push(`${where}[${item.type}]: ${b}`);
        }
      }
    } else if (type === 'nest-type-value' && nested) {
      // One level of nesting per type-value name, the innermost holding the nested set.
      const levels = (attr['type-value'] ?? []).length;
      const walk = (inner: Attributes, depth: number, label: string): void => {
        for (const item of inner) {
          if (depth + 1 < levels) walk(item.nested(), depth + 1, `${label}[${item.type}]`);
          else checkAttributes(spec, nested, item.nested(), `${label}[${item.type}]`, out);
        }
      };
      walk(a.nested(), 0, where);
    }
  }
  for (const [id, count] of seen) {
    if (count < 2) continue;
    const name = set.attributes.map((x) => x.name).find((n) => resolveAttribute(spec, set, n)?.id === id);
    const r = name !== undefined ? resolveAttribute(spec, set, name) : undefined;
    if (r && !r.attr['multi-attr']) out.push(`${path}.${r.attr.name}: sent ${count} times, the spec does not say multi-attr`);
  }
}

/** Top-level attributes the kernel sent that the operation's reply does not list. */
export function unlisted(spec: RawSpec, set: RawAttributeSet, attrs: Attributes, reply: string[]): string[] {
  const listed = new Set(reply.map((n) => resolveAttribute(spec, set, n)?.id));
  const out = new Set<string>();
  for (const a of attrs) {
    if (listed.has(a.type)) continue;
    const name = set.attributes.map((x) => x.name).find((n) => resolveAttribute(spec, set, n)?.id === a.type);
    if (name !== undefined) out.add(name);
  }
  return [...out];
}
