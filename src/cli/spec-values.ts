// Values between the command line's JSON and a spec-named codec (names: 'spec'): JSON has no
// bigint and no bytes, so 64-bit integers arrive as numbers or digit strings and binary as hex;
// the spec says which is which. Output goes the other way through toJson.
import type { AttributeSet, AttributeSpec, FamilySpec, Operation, StructDefinition } from '../spec/model.js';
import { UsageError } from './args.js';

const WIDE = new Set(['u64', 's64', 'uint', 'sint']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bigintOf(v: unknown, path: string): unknown {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?(0x[0-9a-f]+|\d+)$/i.test(v)) {
    const neg = v.startsWith('-');
    const n = BigInt(neg ? v.slice(1) : v);
    return neg ? -n : n;
  }
  if (typeof v === 'number') throw new UsageError(`--json ${path}: ${v} is not an integer`);
  return v; // an enum or flag name, or something the codec's check will name
}

function bytesOf(v: unknown, path: string): unknown {
  if (typeof v !== 'string') return v;
  const hex = v.replace(/[:\s]/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(hex)) throw new UsageError(`--json ${path}: binary values are hex strings, got '${v}'`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

class FromJson {
  constructor(private readonly spec: FamilySpec) {}

  struct(def: StructDefinition, obj: Record<string, unknown>, out: Record<string, unknown>, path: string): void {
    for (const m of def.members) {
      if (!(m.name in obj)) continue;
      const v = obj[m.name];
      const p = `${path}.${m.name}`;
      if (m.struct && isRecord(v)) out[m.name] = this.structValue(m.struct, v, p);
      else if (WIDE.has(m.type) && !m.enum) out[m.name] = bigintOf(v, p);
      else if (m.type === 'binary' && !m.displayHint) out[m.name] = bytesOf(v, p);
      else out[m.name] = v;
    }
  }

  structValue(name: string, obj: Record<string, unknown>, path: string): Record<string, unknown> {
    const def = this.spec.definitions.get(name);
    const out: Record<string, unknown> = { ...obj };
    if (def?.kind === 'struct') this.struct(def, obj, out, path);
    return out;
  }

  /** The attributes of `obj` in `set` (plus, at the top or in a sub-message, a fixed header's fields). */
  attrs(set: AttributeSet | undefined, obj: Record<string, unknown>, path: string, header?: StructDefinition): Record<string, unknown> {
    const out: Record<string, unknown> = { ...obj };
    if (header) this.struct(header, obj, out, path);
    if (!set) return out;
    for (const [key, v] of Object.entries(obj)) {
      const a = set.byName.get(key);
      if (!a) continue;
      const p = `${path}.${key}`;
      out[key] = a.multiAttr && Array.isArray(v) ? v.map((x, i) => this.attr(a, x, obj, `${p}[${i}]`)) : this.attr(a, v, obj, p);
    }
    return out;
  }

  private attr(a: AttributeSpec, v: unknown, siblings: Record<string, unknown>, path: string): unknown {
    switch (a.type) {
      case 'nest':
        return isRecord(v) ? this.attrs(this.set(a.nestedAttributes), v, path) : v;
      case 'indexed-array':
      case 'nest-type-value':
        if (!Array.isArray(v)) return v;
        return v.map((x, i) => (isRecord(x) ? this.attrs(this.set(a.nestedAttributes), x, `${path}[${i}]`) : this.scalar(a.subType ?? 'binary', a, x, `${path}[${i}]`)));
      case 'sub-message':
        return isRecord(v) ? this.subMessage(a, v, siblings, path) : v;
      default:
        return this.scalar(a.type, a, v, path);
    }
  }

  private scalar(type: string, a: AttributeSpec, v: unknown, path: string): unknown {
    if (WIDE.has(type) && !a.enum) return bigintOf(v, path);
    if (type === 'binary') {
      if (a.struct && isRecord(v)) return this.structValue(a.struct, v, path);
      if (!a.displayHint || a.displayHint === 'hex') return bytesOf(v, path);
    }
    return v;
  }

  private subMessage(a: AttributeSpec, v: Record<string, unknown>, siblings: Record<string, unknown>, path: string): unknown {
    const sub = a.subMessage ? this.spec.subMessages.get(a.subMessage) : undefined;
    const selector = a.selector !== undefined ? siblings[a.selector] : undefined;
    const format = sub && selector !== undefined ? sub.formats.get(String(selector)) : undefined;
    if (!format) return v;
    const header = format.fixedHeader ? this.spec.definitions.get(format.fixedHeader) : undefined;
    return this.attrs(this.set(format.attributeSet), v, path, header?.kind === 'struct' ? header : undefined);
  }

  private set(name: string | undefined): AttributeSet | undefined {
    return name !== undefined ? this.spec.attributeSets.get(name) : undefined;
  }
}

/** Parses `--json` text into a request value for `op`, with spec names as keys. */
export function requestFromJson(spec: FamilySpec, op: Operation, text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--json: not valid JSON (${(err as Error).message})`);
  }
  if (!isRecord(parsed)) throw new UsageError('--json: the request must be a JSON object of attributes');
  const headerName = op.fixedHeader ?? spec.fixedHeader;
  const header = headerName !== undefined ? spec.definitions.get(headerName) : undefined;
  const set = op.attributeSet !== undefined ? spec.attributeSets.get(op.attributeSet) : undefined;
  return new FromJson(spec).attrs(set, parsed, '', header?.kind === 'struct' ? header : undefined);
}

/**
 * A decoded value ready for toJson: plain objects become Maps, so their keys print as the spec
 * spells them (toJson kebab-cases object keys for camelCase library values).
 */
export function specNamed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(specNamed);
  if (value instanceof Uint8Array || value instanceof Map || !isRecord(value)) return value;
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(value)) out.set(k, specNamed(v));
  return out;
}
