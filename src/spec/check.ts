// check(): every problem of a request value, against the types and the spec's `checks` (what the
// kernel's policy would refuse), so a caller can report all of them before sending anything.
// Not on a hot path, so it walks the spec; the conversions are the encoders' own (runtime.ts).
import type { ValueProblem } from './codec.js';
import { elementOf, type RecordRef } from './gen-context.js';
import type { AttributeSpec, StructDefinition, StructMember } from './model.js';
import { headerFieldName, type Naming } from './names.js';
import type { FamilySpec } from './model.js';
import { SpecValueError, cArray, describe, flagBit, toBig, toBytes, toEnum, toFlags, toFlags64, toInt, toIp4Number, toStr, utf8Bytes } from './runtime.js';
import { Walker, type Scope } from './scope.js';

const WIDE = new Set(['u64', 's64', 'uint', 'sint']);
const INTS = new Set(['u8', 'u16', 'u32', 's8', 's16', 's32', 'u64', 's64', 'uint', 'sint']);

class Checker extends Walker {
  readonly out: ValueProblem[] = [];

  problem(path: string, message: string): void {
    this.out.push({ path, message });
  }

  /** Runs a conversion; a SpecValueError becomes a problem and the result undefined. */
  attempt<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof SpecValueError)) throw err;
      this.problem(err.path, err.problem);
      return undefined;
    }
  }

  integer(a: { enum?: string; enumAsFlags?: boolean; displayHint?: string }, type: string, x: unknown, p: string): number | bigint | undefined {
    return this.attempt(() => {
      let y = x;
      const def = a.enum !== undefined ? this.spec.definitions.get(a.enum) : undefined;
      if (def?.kind === 'enum' || def?.kind === 'flags') {
        if (def.kind === 'flags' || a.enumAsFlags) y = WIDE.has(type) ? toFlags64(def, y, p) : toFlags(def, y, p);
        else y = toEnum(def, y, p);
      } else if (a.displayHint === 'ipv4' && type === 'u32') {
        y = toIp4Number(y, p);
      }
      return WIDE.has(type) ? toBig(y, type, p) : toInt(y, type, p);
    });
  }

  record(r: RecordRef, value: unknown, path: string, up: Scope | undefined): void {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
      this.problem(path, `expected an object, got ${describe(value)}`);
      return;
    }
    const scope = this.scope(r, value, up);
    const header = this.header(r);
    const attrNames = new Set(this.attributes(r).map((a) => a.name));
    const members = new Map((header?.members ?? []).filter((m) => m.type !== 'pad').map((m) => [this.prop(headerFieldName(header?.name ?? '', m.name, attrNames)), m]));
    const attrs = new Map(this.attributes(r).filter((a) => a.type !== 'pad' && a.type !== 'unused').map((a) => [this.prop(a.name), a]));
    for (const [k, x] of Object.entries(value)) {
      if (x === undefined) continue;
      const p = `${path}.${k}`;
      const m = members.get(k);
      if (m) {
        this.member(m, x, p);
        continue;
      }
      const a = attrs.get(k);
      if (a) {
        if (a.multiAttr) (Array.isArray(x) ? x : [x]).forEach((y, i) => this.attribute(a, y, `${p}[${i}]`, scope));
        else this.attribute(a, x, p, scope);
        continue;
      }
      if (k === '$unknown') {
        if (!Array.isArray(x)) this.problem(p, `expected an array of { type, data }, got ${describe(x)}`);
        continue;
      }
      const set = r.set !== undefined ? `an attribute of '${r.set}'` : '';
      const hdr = header ? `a field of '${header.name}'` : '';
      this.problem(p, `not ${[set, hdr].filter((s) => s !== '').join(' nor ')}`);
    }
  }

  struct(def: StructDefinition, x: unknown, p: string): void {
    if (x instanceof Uint8Array) return;
    if (x === null || typeof x !== 'object' || Array.isArray(x)) {
      this.problem(p, `expected an object (struct ${def.name}), got ${describe(x)}`);
      return;
    }
    const members = new Map(def.members.filter((m) => m.type !== 'pad').map((m) => [this.prop(m.name), m]));
    for (const [k, y] of Object.entries(x)) {
      if (y === undefined || k === '$trailing') continue;
      const m = members.get(k);
      if (m) this.member(m, y, `${p}.${k}`);
      else this.problem(`${p}.${k}`, `not a field of struct '${def.name}'`);
    }
  }

  member(m: StructMember, x: unknown, p: string): void {
    if (m.type === 'string') {
      const s = this.attempt(() => toStr(x, p));
      if (s !== undefined && utf8Bytes(s).byteLength > (m.length ?? 0)) this.problem(p, `'${s}' does not fit the ${m.length ?? 0}-byte field`);
    } else if (m.type === 'binary') {
      const def = m.struct !== undefined ? this.spec.definitions.get(m.struct) : undefined;
      if (def?.kind === 'struct') this.struct(def, x, p);
      else {
        const b = this.attempt(() => toBytes(x, m.displayHint ?? 'hex', p));
        if (b && b.byteLength !== m.length) this.problem(p, `expected ${m.length ?? 0} bytes, got ${b.byteLength}`);
      }
    } else if (m.type !== 'pad') {
      this.integer(m, m.type, x, p);
    }
  }

  attribute(a: AttributeSpec, x: unknown, p: string, scope: Scope): void {
    const c = a.checks;
    switch (a.type) {
      case 'flag':
        if (typeof x !== 'boolean') this.problem(p, `expected true or false, got ${describe(x)}`);
        return;
      case 'string': {
        const s = this.attempt(() => toStr(x, p));
        if (s !== undefined) this.lengths(a, utf8Bytes(s).byteLength, p, 'string');
        return;
      }
      case 'binary': {
        const def = a.struct !== undefined ? this.spec.definitions.get(a.struct) : undefined;
        if (def?.kind === 'struct') {
          this.struct(def, x, p);
          return;
        }
        if (a.subType !== undefined && INTS.has(a.subType)) {
          const items = Array.isArray(x) ? x : [];
          items.forEach((y, i) => this.integer(a, a.subType ?? 'u8', y, `${p}[${i}]`));
          if (!Array.isArray(x)) this.attempt(() => cArray(x, a.subType ?? 'u8', true, undefined, p));
          return;
        }
        const b = this.attempt(() => toBytes(x, a.displayHint ?? 'hex', p));
        if (b) this.lengths(a, b.byteLength, p, 'binary');
        return;
      }
      case 'bitfield32': {
        if (x === null || typeof x !== 'object' || Array.isArray(x)) {
          this.problem(p, `expected { value, selector }, got ${describe(x)}`);
          return;
        }
        const o = x as Record<string, unknown>;
        this.integer(a, 'u32', o.value ?? 0, `${p}.value`);
        this.integer(a, 'u32', o.selector ?? 0, `${p}.selector`);
        return;
      }
      case 'nest':
        this.record({ set: a.nestedAttributes ?? '' }, x, p, scope);
        return;
      case 'indexed-array': {
        if (!Array.isArray(x)) {
          this.problem(p, `expected an array, got ${describe(x)}`);
          return;
        }
        const e = elementOf(a);
        x.forEach((y, i) => this.attribute(e, y, `${p}[${i}]`, scope));
        return;
      }
      case 'nest-type-value': {
        if (x === null || typeof x !== 'object' || Array.isArray(x)) {
          this.problem(p, `expected an object, got ${describe(x)}`);
          return;
        }
        const rest: Record<string, unknown> = { ...(x as Record<string, unknown>) };
        for (const k of a.typeValue ?? []) {
          this.attempt(() => toInt(rest[this.prop(k)], 'u16', `${p}.${this.prop(k)}`));
          delete rest[this.prop(k)];
        }
        this.record({ set: a.nestedAttributes ?? '' }, rest, p, scope);
        return;
      }
      case 'sub-message': {
        if (x instanceof Uint8Array) return;
        const chosen = this.subMessageRecord(a, scope);
        if (!chosen) {
          this.problem(p, `no format of sub-message '${a.subMessage ?? ''}' matches selector '${a.selector ?? ''}' = ${describe(this.selector(a.selector ?? '', scope))}`);
          return;
        }
        if (chosen.empty) {
          if (x === null || typeof x !== 'object' || Object.values(x).some((v) => v !== undefined)) this.problem(p, 'this format carries nothing');
          return;
        }
        this.record(chosen.record, x, p, scope);
        return;
      }
      default:
        break;
    }
    if (!INTS.has(a.type)) return;
    const v = this.integer(a, a.type, x, p);
    if (v === undefined) return;
    const big = BigInt(v);
    if (c.min !== undefined && big < BigInt(c.min)) this.problem(p, `${v} is below the minimum ${c.min}`);
    if (c.max !== undefined && big > BigInt(c.max)) this.problem(p, `${v} is above the maximum ${c.max}`);
    if (c.flagsMask !== undefined) {
      const def = this.spec.definitions.get(c.flagsMask);
      if (def?.kind === 'enum' || def?.kind === 'flags') {
        let mask = 0n;
        for (const e of def.entries) mask |= BigInt(flagBit(def, e.value));
        const extra = big & ~mask;
        if (extra !== 0n) this.problem(p, `bits 0x${extra.toString(16)} are not in flags '${def.name}'`);
      }
    }
  }

  lengths(a: AttributeSpec, len: number, p: string, what: string): void {
    const c = a.checks;
    if (c.exactLen !== undefined && len !== c.exactLen) this.problem(p, `${what} of ${len} bytes, must be exactly ${c.exactLen}`);
    if (c.minLen !== undefined && len < c.minLen) this.problem(p, `${what} of ${len} bytes, must be at least ${c.minLen}`);
    if (c.maxLen !== undefined && len > c.maxLen) this.problem(p, `${what} of ${len} bytes, must be at most ${c.maxLen}`);
  }
}

/** Every problem of `value` as a request of record `r` (an operation's fixed header and set). */
export function checkRequest(spec: FamilySpec, naming: Naming, r: RecordRef, value: object): ValueProblem[] {
  const c = new Checker(spec, naming);
  c.record(r, value, '', undefined);
  return c.out;
}
