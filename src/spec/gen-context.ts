// What the encoder and decoder generators share: the spec, the property naming, the constants
// and helper functions emitted once per family, and the scope analysis of sub-message selectors.
//
// A "record" is what one nest, message or sub-message format holds: an optional fixed header
// (struct) followed by the attributes of an optional set. A sub-message's selector is an attribute
// of the record it sits in or of an enclosing one (tc's stats2 nest reads `kind` from its parent).
// The selectors a record needs from outside are its free selectors: generated functions take them
// as parameters, so resolving a selector costs nothing at run time.
import { SpecError } from './errors.js';
import type { AttributeSet, AttributeSpec, EnumDefinition, FamilySpec, StructDefinition, SubMessageFormat } from './model.js';
import { propertyName, type Naming } from './names.js';

export interface RecordRef {
  header?: string;
  set?: string;
}

export function recordKey(r: RecordRef): string {
  return `${r.header ?? ''}|${r.set ?? ''}`;
}

/** The record a sub-message format holds; undefined for a format that carries nothing. */
export function formatRecord(f: SubMessageFormat): RecordRef | undefined {
  if (f.fixedHeader === undefined && f.attributeSet === undefined) return undefined;
  const r: RecordRef = {};
  if (f.fixedHeader !== undefined) r.header = f.fixedHeader;
  if (f.attributeSet !== undefined) r.set = f.attributeSet;
  return r;
}

/** The records an attribute's value holds (nests, arrays of nests, each sub-message format). */
export function childRecords(spec: FamilySpec, a: AttributeSpec): RecordRef[] {
  if (a.type === 'nest' || a.type === 'nest-type-value' || (a.type === 'indexed-array' && a.subType === 'nest')) {
    return a.nestedAttributes !== undefined ? [{ set: a.nestedAttributes }] : [];
  }
  if (a.type === 'sub-message' && a.subMessage !== undefined) {
    const sm = spec.subMessages.get(a.subMessage);
    if (!sm) return [];
    return [...sm.formats.values()].map(formatRecord).filter((r): r is RecordRef => r !== undefined);
  }
  return [];
}

export class GenContext {
  readonly constants: unknown[] = [];
  readonly functions: string[] = [];
  private readonly memo = new Map<string, string>();
  private counter = 0;
  private readonly free = new Map<string, string[]>();
  private readonly selectorIds = new Map<string, number>();

  constructor(
    readonly spec: FamilySpec,
    readonly naming: Naming,
  ) {
    this.analyzeSelectors();
  }

  fail(message: string): never {
    throw new SpecError(this.spec.source ?? this.spec.name, [{ path: '', message }]);
  }

  /** The property name of a spec name, as a JS string literal. */
  key(name: string): string {
    return JSON.stringify(propertyName(name, this.naming));
  }

  prop(name: string): string {
    return propertyName(name, this.naming);
  }

  /** A value the generated code reads as `K[i]`. */
  constant(value: unknown): string {
    let i = this.constants.indexOf(value);
    if (i < 0) i = this.constants.push(value) - 1;
    return `K[${i}]`;
  }

  /** A fresh identifier suffix for nested generated blocks. */
  tmp(): number {
    return this.counter++;
  }

  /**
   * The name of a generated function, built once: the name is reserved before `build` runs, so
   * recursive sets (nftables expressions, tc actions) refer to themselves.
   */
  fn(kind: string, key: string, build: (name: string) => string): string {
    const memoKey = `${kind}:${key}`;
    const known = this.memo.get(memoKey);
    if (known !== undefined) return known;
    const name = `${kind}${this.memo.size}`;
    this.memo.set(memoKey, name);
    this.functions.push(build(name));
    return name;
  }

  set(name: string): AttributeSet {
    return this.spec.attributeSets.get(name) ?? this.fail(`'${name}' is not an attribute set`);
  }

  struct(name: string): StructDefinition {
    const d = this.spec.definitions.get(name);
    return d?.kind === 'struct' ? d : this.fail(`'${name}' is not a struct definition`);
  }

  enumDef(name: string): EnumDefinition {
    const d = this.spec.definitions.get(name);
    return d?.kind === 'enum' || d?.kind === 'flags' ? d : this.fail(`'${name}' is not an enum definition`);
  }

  /** Names a record defines itself: its header's members and its attributes. */
  names(r: RecordRef): Set<string> {
    const out = new Set<string>();
    if (r.header !== undefined) for (const m of this.struct(r.header).members) out.add(m.name);
    if (r.set !== undefined) for (const a of this.set(r.set).attributes) out.add(a.name);
    return out;
  }

  /** Selector names a record needs from enclosing records, sorted. */
  freeSelectors(r: RecordRef): string[] {
    return this.free.get(recordKey(r)) ?? [];
  }

  /** The parameter a generated function receives a free selector in. */
  selectorParam(name: string): string {
    let id = this.selectorIds.get(name);
    if (id === undefined) {
      id = this.selectorIds.size;
      this.selectorIds.set(name, id);
    }
    return `f${id}`;
  }

  private analyzeSelectors(): void {
    const records = new Map<string, RecordRef>();
    const add = (r: RecordRef): void => {
      const k = recordKey(r);
      if (records.has(k) || (r.set !== undefined && !this.spec.attributeSets.has(r.set))) return;
      records.set(k, r);
      if (r.set !== undefined) for (const a of this.set(r.set).attributes) for (const c of childRecords(this.spec, a)) add(c);
    };
    for (const name of this.spec.attributeSets.keys()) add({ set: name });
    for (const op of this.spec.operations) {
      const r: RecordRef = {};
      if (op.fixedHeader !== undefined) r.header = op.fixedHeader;
      if (op.attributeSet !== undefined) r.set = op.attributeSet;
      add(r);
    }
    const sets = new Map<string, Set<string>>();
    for (const [k, r] of records) {
      const own = this.names(r);
      const direct = new Set<string>();
      if (r.set !== undefined) {
        for (const a of this.set(r.set).attributes) if (a.selector !== undefined && !own.has(a.selector)) direct.add(a.selector);
      }
      sets.set(k, direct);
    }
    for (let changed = true; changed; ) {
      changed = false;
      for (const [k, r] of records) {
        if (r.set === undefined) continue;
        const own = this.names(r);
        const mine = sets.get(k) as Set<string>;
        for (const a of this.set(r.set).attributes) {
          for (const c of childRecords(this.spec, a)) {
            for (const s of sets.get(recordKey(c)) ?? []) {
              if (!own.has(s) && !mine.has(s)) {
                mine.add(s);
                changed = true;
              }
            }
          }
        }
      }
    }
    for (const [k, s] of sets) this.free.set(k, [...s].sort());
  }
}

/** An attribute's value spec for the elements of its indexed-array. */
export function elementOf(a: AttributeSpec): AttributeSpec {
  const e: AttributeSpec = { ...a, type: a.subType ?? 'binary', multiAttr: false };
  delete e.subType;
  return e;
}

export const INT_SIZE: Record<string, number> = { u8: 1, s8: 1, u16: 2, s16: 2, u32: 4, s32: 4, u64: 8, s64: 8 };

const GETTERS: Record<string, string> = {
  u8: 'getUint8',
  s8: 'getInt8',
  u16: 'getUint16',
  s16: 'getInt16',
  u32: 'getUint32',
  s32: 'getInt32',
  u64: 'getBigUint64',
  s64: 'getBigInt64',
};

/** `v.getUint32(d, true)`: reading a fixed-width integer at an offset expression. */
export function readExpr(type: string, at: string, bigEndian: boolean, view = 'v'): string {
  const size = INT_SIZE[type];
  return size === 1 ? `${view}.${GETTERS[type]}(${at})` : `${view}.${GETTERS[type]}(${at}, ${bigEndian ? 'false' : 'true'})`;
}

export function setterOf(type: string): string {
  return GETTERS[type].replace('get', 'set');
}
