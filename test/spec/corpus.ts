// The YNL test corpus (the kernel's own specs, ../shared/ynl relative to the project root) and a
// value generator that builds, from a spec alone, values in the form decoders must return.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { formatIp6 } from '../../src/spec/display.js';
import type { AttributeSpec, EnumDefinition, FamilySpec, StructDefinition, StructMember } from '../../src/spec/model.js';
import { headerFieldName, propertyName, type Naming } from '../../src/spec/names.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The corpus folder, or undefined (tests then skip, saying why). */
export function corpusDir(): string | undefined {
  for (const dir of [path.resolve(root, '../shared/ynl'), '/work/shared/ynl']) {
    if (existsSync(path.join(dir, 'specs'))) return dir;
  }
  return undefined;
}

export const CORPUS = corpusDir();
export const SKIP = CORPUS === undefined ? 'the YNL corpus (../shared/ynl) is not here' : false;

export function corpusFiles(): string[] {
  if (!CORPUS) return [];
  const dir = path.join(CORPUS, 'specs');
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => path.join(dir, f));
}

// ---- the value table, restated independently of the compiler ----

export interface Record {
  header?: string;
  set?: string;
}

const INT: { [k: string]: [number, number] } = {
  u8: [0, 0xff],
  u16: [0, 0xffff],
  u32: [0, 0xffffffff],
  s8: [-0x80, 0x7f],
  s16: [-0x8000, 0x7fff],
  s32: [-0x80000000, 0x7fffffff],
};
const BIG: { [k: string]: [bigint, bigint] } = {
  u64: [0n, 2n ** 64n - 1n],
  uint: [0n, 2n ** 64n - 1n],
  s64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint: [-(2n ** 63n), 2n ** 63n - 1n],
};

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}

interface Typed {
  enum?: string;
  enumAsFlags?: boolean;
  displayHint?: string;
}

export class ValueModel {
  constructor(
    readonly spec: FamilySpec,
    readonly naming: Naming,
    readonly maxDepth = 3,
  ) {}

  prop(name: string): string {
    return propertyName(name, this.naming);
  }

  enumOf(t: Typed): EnumDefinition | undefined {
    const d = t.enum !== undefined ? this.spec.definitions.get(t.enum) : undefined;
    return d?.kind === 'enum' || d?.kind === 'flags' ? d : undefined;
  }

  /** What a decoder returns for raw integer `x` of an attribute or member typed `t`. */
  canonical(t: Typed, type: string, x: number | bigint): unknown {
    const def = this.enumOf(t);
    if (def) {
      const flags = def.kind === 'flags' || t.enumAsFlags === true;
      if (!flags) {
        const name = def.byValue.get(Number(x));
        return name ?? x;
      }
      const wide = typeof x === 'bigint';
      const out: unknown[] = [];
      let rest = BigInt(x);
      for (const e of def.entries) {
        const bit = BigInt(def.kind === 'flags' ? e.value : 2 ** e.value);
        if (!wide && bit >= 2n ** 32n) continue;
        if ((BigInt(x) & bit) !== 0n) {
          out.push(e.name);
          rest &= ~bit;
        }
      }
      if (rest !== 0n) out.push(wide ? rest : Number(rest));
      return out;
    }
    if (t.displayHint === 'ipv4' && type === 'u32') {
      const n = Number(x);
      return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
    }
    return x;
  }

  intArb(t: Typed, type: string): fc.Arbitrary<unknown> {
    const def = this.enumOf(t);
    if (BIG[type]) {
      const [lo, hi] = BIG[type];
      const known = def ? def.entries.map((e) => BigInt(e.value)) : [];
      const raw = known.length > 0 ? fc.oneof(fc.constantFrom(...known), fc.bigInt(lo, hi)) : fc.bigInt(lo, hi);
      return raw.filter((x) => x >= lo && x <= hi).map((x) => this.canonical(t, type, x));
    }
    const [lo, hi] = INT[type];
    const known = def ? def.entries.map((e) => (def.kind === 'flags' ? e.value : e.value)).filter((v) => v >= lo && v <= hi) : [];
    const raw = known.length > 0 ? fc.oneof(fc.constantFrom(...known), fc.integer({ min: lo, max: hi })) : fc.integer({ min: lo, max: hi });
    return raw.map((x) => this.canonical(t, type, x));
  }

  bytes(hint: string | undefined, len?: number): fc.Arbitrary<unknown> {
    const b = (n: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: n, maxLength: n });
    switch (hint) {
      case 'mac':
      case 'fddi':
        return b(len ?? 6).map((x) => Array.from(x, hex2).join(':'));
      case 'ipv4':
        return len === undefined || len === 4 ? b(4).map((x) => x.join('.')) : b(len);
      case 'ipv6':
        return len === undefined || len === 16 ? b(16).map((x) => formatIp6(x, 0)) : b(len);
      case 'ipv4-or-v6':
        return fc.oneof(b(4).map((x) => x.join('.')), b(16).map((x) => formatIp6(x, 0)));
      case 'uuid':
        return len === undefined || len === 16
          ? b(16).map((x) => {
              const h = Array.from(x, hex2).join('');
              return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
            })
          : b(len);
      default:
        return len === undefined ? fc.uint8Array({ maxLength: 24 }) : b(len);
    }
  }

  struct(def: StructDefinition, depth = 0): fc.Arbitrary<unknown> {
    const fields: { [k: string]: fc.Arbitrary<unknown> } = {};
    for (const m of def.members) {
      const arb = this.member(m, depth);
      if (arb) fields[this.prop(m.name)] = arb;
    }
    return fc.record(fields);
  }

  member(m: StructMember, depth: number): fc.Arbitrary<unknown> | undefined {
    if (m.type === 'pad') return undefined;
    if (m.type === 'string') return text(m.length ?? 0);
    if (m.type === 'binary') {
      if (m.struct !== undefined) return this.struct(this.spec.definitions.get(m.struct) as StructDefinition, depth + 1);
      return this.bytes(m.displayHint, m.length ?? 0);
    }
    return this.intArb(m, m.type);
  }

  /** Arbitrary for a non-container attribute value (null for pad and unused). */
  leaf(a: AttributeSpec): fc.Arbitrary<unknown> | undefined {
    switch (a.type) {
      case 'pad':
      case 'unused':
        return undefined;
      case 'flag':
        return fc.constant(true);
      case 'string':
        return text(24);
      case 'binary':
        if (a.struct !== undefined) return this.struct(this.spec.definitions.get(a.struct) as StructDefinition);
        if (a.subType !== undefined && (INT[a.subType] || BIG[a.subType])) return fc.array(this.intArb({ ...a, displayHint: undefined }, a.subType), { maxLength: 4 });
        return this.bytes(a.displayHint);
      case 'bitfield32':
        return fc.record({ value: this.intArb(a, 'u32'), selector: this.intArb(a, 'u32') });
      default:
        if (INT[a.type] || BIG[a.type]) return this.intArb(a, a.type);
        return undefined;
    }
  }

  isContainer(a: AttributeSpec): boolean {
    return a.type === 'nest' || a.type === 'sub-message' || a.type === 'indexed-array' || a.type === 'nest-type-value';
  }

  /**
   * A record's value: header fields (always present, as a decoder returns them), then leaves,
   * then containers, whose sub-message formats follow the selector values chosen so far.
   */
  record(r: Record, depth: number, outer: ReadonlyMap<string, unknown>): fc.Arbitrary<{ [k: string]: unknown }> {
    const set = r.set !== undefined ? this.spec.attributeSets.get(r.set) : undefined;
    const attrs = set?.attributes ?? [];
    const attrNames = new Set(attrs.map((a) => a.name));
    const header = r.header !== undefined ? (this.spec.definitions.get(r.header) as StructDefinition) : undefined;
    const selectors = new Map<string, string[]>();
    for (const a of attrs) {
      const sm = a.type === 'sub-message' && a.subMessage !== undefined ? this.spec.subMessages.get(a.subMessage) : undefined;
      if (sm && a.selector !== undefined) selectors.set(a.selector, [...(selectors.get(a.selector) ?? []), ...sm.formats.keys()]);
    }
    const fixed: { [k: string]: fc.Arbitrary<unknown> } = {};
    for (const m of header?.members ?? []) {
      const arb = this.member(m, 0);
      if (arb) fixed[this.prop(headerFieldName(header?.name ?? '', m.name, attrNames))] = arb;
    }
    const leaves: { [k: string]: fc.Arbitrary<unknown> } = {};
    for (const a of attrs) {
      if (this.isContainer(a)) continue;
      const formats = selectors.get(a.name);
      let arb = formats ? this.selectorArb(a, formats) : this.leaf(a);
      if (!arb) continue;
      if (a.multiAttr) arb = fc.array(arb, { minLength: 1, maxLength: 3 });
      leaves[this.prop(a.name)] = arb;
    }
    const first = fc.tuple(fc.record(fixed), fc.record(leaves, { requiredKeys: [] }));
    return first.chain(([h, l]) => {
      const scope = new Map(outer);
      for (const m of header?.members ?? []) if (!attrNames.has(m.name)) scope.set(m.name, h[this.prop(m.name)]);
      for (const a of attrs) if (!this.isContainer(a) && !a.multiAttr) scope.set(a.name, l[this.prop(a.name)]);
      const containers: { [k: string]: fc.Arbitrary<unknown> } = {};
      if (depth < this.maxDepth) {
        for (const a of attrs) {
          if (!this.isContainer(a)) continue;
          let arb = this.container(a, depth, scope);
          if (!arb) continue;
          if (a.multiAttr) arb = fc.array(arb, { minLength: 1, maxLength: 2 });
          containers[this.prop(a.name)] = arb;
        }
      }
      return fc.record(containers, { requiredKeys: [] }).map((c) => ({ ...h, ...l, ...c }));
    });
  }

  selectorArb(a: AttributeSpec, formats: string[]): fc.Arbitrary<unknown> | undefined {
    const def = this.enumOf(a);
    const usable = formats.filter((f) => (a.type === 'string' ? true : def ? def.byName.has(f) : /^[0-9]+$/.test(f)));
    if (usable.length === 0) return this.leaf(a);
    return fc.constantFrom(...usable).map((f) => (a.type === 'string' || def ? f : BIG[a.type] ? BigInt(f) : Number(f)));
  }

  container(a: AttributeSpec, depth: number, scope: ReadonlyMap<string, unknown>): fc.Arbitrary<unknown> | undefined {
    switch (a.type) {
      case 'nest':
        return this.record({ set: a.nestedAttributes }, depth + 1, scope);
      case 'indexed-array':
        if (a.subType === 'nest') return fc.array(this.record({ set: a.nestedAttributes }, depth + 1, scope), { maxLength: 2 });
        {
          const e = this.leaf({ ...a, type: a.subType ?? 'binary', subType: undefined, multiAttr: false });
          return e ? fc.array(e, { maxLength: 3 }) : undefined;
        }
      case 'nest-type-value': {
        const keys = Object.fromEntries((a.typeValue ?? []).map((k) => [this.prop(k), fc.integer({ min: 0, max: 0x3fff })]));
        return fc.tuple(fc.record(keys), this.record({ set: a.nestedAttributes }, depth + 1, scope)).map(([k, v]) => ({ ...k, ...v }));
      }
      case 'sub-message': {
        const sm = a.subMessage !== undefined ? this.spec.subMessages.get(a.subMessage) : undefined;
        if (!sm || a.selector === undefined || !scope.has(a.selector)) return undefined;
        const f = sm.formats.get(String(scope.get(a.selector)));
        if (!f) return undefined;
        if (f.fixedHeader === undefined && f.attributeSet === undefined) return fc.constant({});
        const r: Record = {};
        if (f.fixedHeader !== undefined) r.header = f.fixedHeader;
        if (f.attributeSet !== undefined) r.set = f.attributeSet;
        return this.record(r, depth + 1, scope);
      }
      default:
        return undefined;
    }
  }
}

/** Text without NULs whose UTF-8 fits `maxBytes`. */
function text(maxBytes: number): fc.Arbitrary<string> {
  return fc
    .string({ unit: fc.oneof(fc.constantFrom('a', 'b', 'z', '0', '-', ' '), fc.constantFrom('é', 'ü', '☃')), maxLength: maxBytes })
    .filter((s) => Buffer.byteLength(s) <= maxBytes);
}

/** Removes undefined properties, recursively: decoders return every attribute of a set, undefined when absent. */
export function strip(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(strip);
  if (x === null || typeof x !== 'object' || x instanceof Uint8Array) return x;
  const out: { [k: string]: unknown } = {};
  for (const [k, v] of Object.entries(x)) if (v !== undefined) out[k] = strip(v);
  return out;
}
