// Turns a validated YNL document into the normalized model: every implicit rule of the format
// (id counting, enum values, subsets, message ids of both enum models, const references) is
// applied here once, so nothing downstream ever re-derives it.
import { SpecError, type SpecProblem } from './errors.js';
import type {
  AttributeChecks,
  AttributeSet,
  AttributeSpec,
  AttributeType,
  ConstDefinition,
  Definition,
  EnumDefinition,
  EnumEntry,
  FamilySpec,
  McastGroup,
  MessageSpec,
  Operation,
  OperationMode,
  Protocol,
  StructDefinition,
  StructMember,
  SubMessage,
  SubMessageFormat,
} from './model.js';

type Raw = Record<string, unknown>;

const NETLINK_GENERIC = 16;

const INT_SIZES: Record<string, number> = { u8: 1, s8: 1, u16: 2, s16: 2, u32: 4, s32: 4, u64: 8, s64: 8 };

function obj(v: unknown): Raw {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {};
}
function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function strings(v: unknown): string[] {
  return list(v).filter((x): x is string => typeof x === 'string');
}
function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/**
 * Const definitions by every name a reference may use: the spec name, and the C name a `checks`
 * entry sometimes spells (`wg-key-len` for `key-len` with `name-prefix: wg-`; the prefix defaults
 * to the family name).
 */
export function constTable(doc: unknown): Map<string, number | string> {
  const r = obj(doc);
  const out = new Map<string, number | string>();
  for (const d of list(r.definitions)) {
    const rd = obj(d);
    if (rd.type !== 'const' || typeof rd.name !== 'string') continue;
    const value = typeof rd.value === 'number' ? rd.value : String(rd.value ?? '');
    out.set(rd.name, value);
    const prefix = typeof rd['name-prefix'] === 'string' ? rd['name-prefix'] : `${String(r.name)}-`;
    if (!out.has(prefix + rd.name)) out.set(prefix + rd.name, value);
  }
  return out;
}

/** A const's value as an integer, when it is one. */
export function integerConst(value: number | string | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (value !== undefined && /^(0x[0-9a-fA-F]+|-?[0-9]+)$/.test(value)) return Number(value);
  return undefined;
}

/** `u32-max`, `s8-min`…: the limits of a fixed-width type, as the `checks` of the format allow. */
export function typeLimit(text: string): number | bigint | undefined {
  const m = /^([us])(8|16|32|64)-(min|max)$/.exec(text);
  if (!m) return undefined;
  const bits = BigInt(m[2]);
  const signed = m[1] === 's';
  let v: bigint;
  if (m[3] === 'min') v = signed ? -(1n << (bits - 1n)) : 0n;
  else v = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  return bits === 64n ? v : Number(v);
}

class Normalizer {
  readonly problems: SpecProblem[] = [];
  readonly definitions = new Map<string, Definition>();

  constructor(
    readonly source: string,
    readonly consts: Map<string, number | string>,
  ) {}

  fail(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  /** A `len-or-define`: a number, a const name, or `const - 1`. */
  length(v: unknown, path: string): number | undefined {
    if (typeof v === 'number') return v;
    if (typeof v !== 'string') return undefined;
    const m = /^([0-9A-Za-z_-]+)( - 1)?$/.exec(v);
    const base = m ? this.constNumber(m[1]) : undefined;
    if (base === undefined) {
      this.fail(path, `'${v}' is neither a number nor an integer const definition`);
      return undefined;
    }
    return m?.[2] ? base - 1 : base;
  }

  /** A `len-or-limit`: a number, a const name, or a type limit such as `u32-max`. */
  limit(v: unknown, path: string): number | bigint | undefined {
    if (typeof v === 'number') return v;
    if (typeof v !== 'string') return undefined;
    const byType = typeLimit(v);
    if (byType !== undefined) return byType;
    const c = this.constNumber(v);
    if (c === undefined) this.fail(path, `'${v}' is neither a number, a type limit (u32-max) nor an integer const definition`);
    return c;
  }

  constNumber(name: string): number | undefined {
    if (/^(0x[0-9a-fA-F]+|-?[0-9]+)$/.test(name)) return Number(name);
    return integerConst(this.consts.get(name));
  }

  definitionsOf(raw: unknown[]): void {
    // Consts first: enums (`value-start`) and struct member lengths may name them.
    raw.forEach((d) => {
      const r = obj(d);
      if (r.type !== 'const') return;
      const c: ConstDefinition = { kind: 'const', name: String(r.name), value: typeof r.value === 'number' ? r.value : String(r.value ?? '') };
      if (typeof r.doc === 'string') c.doc = r.doc;
      this.definitions.set(c.name, c);
    });
    raw.forEach((d, i) => {
      const r = obj(d);
      const path = `definitions[${i}]`;
      if (r.type === 'enum' || r.type === 'flags') this.definitions.set(String(r.name), this.enumOf(r, path));
    });
    const structs = new Map<string, { raw: Raw; path: string }>();
    raw.forEach((d, i) => {
      const r = obj(d);
      if (r.type === 'struct') structs.set(String(r.name), { raw: r, path: `definitions[${i}]` });
    });
    const sizing = new Set<string>();
    const build = (name: string): StructDefinition | undefined => {
      const done = this.definitions.get(name);
      if (done?.kind === 'struct') return done;
      const entry = structs.get(name);
      if (!entry) return undefined;
      if (sizing.has(name)) {
        this.fail(entry.path, `struct '${name}' contains itself`);
        return undefined;
      }
      sizing.add(name);
      const def = this.structOf(entry.raw, entry.path, build);
      sizing.delete(name);
      this.definitions.set(name, def);
      return def;
    };
    for (const name of structs.keys()) build(name);
  }

  enumOf(r: Raw, path: string): EnumDefinition {
    const kind = r.type === 'flags' ? 'flags' : 'enum';
    let start = 0;
    if (r['value-start'] !== undefined) start = this.length(r['value-start'], `${path}.value-start`) ?? 0;
    const entries: EnumEntry[] = [];
    let next = start;
    list(r.entries).forEach((e) => {
      const entry = typeof e === 'string' ? { name: e } : obj(e);
      const position = typeof entry.value === 'number' ? entry.value : next;
      next = position + 1;
      const out: EnumEntry = { name: String(entry.name), value: kind === 'flags' ? 2 ** position : position };
      if (typeof entry.doc === 'string') out.doc = entry.doc;
      entries.push(out);
    });
    const byName = new Map<string, number>();
    const byValue = new Map<number, string>();
    for (const e of entries) {
      byName.set(e.name, e.value);
      if (!byValue.has(e.value)) byValue.set(e.value, e.name);
    }
    const def: EnumDefinition = { kind, name: String(r.name), entries, byName, byValue };
    if (typeof r.doc === 'string') def.doc = r.doc;
    return def;
  }

  structOf(r: Raw, path: string, build: (name: string) => StructDefinition | undefined): StructDefinition {
    const members: StructMember[] = [];
    let size = 0;
    list(r.members).forEach((m, i) => {
      const raw = obj(m);
      const mpath = `${path}.members[${i}]`;
      const member: StructMember = { name: String(raw.name), type: raw.type as StructMember['type'] };
      const fixed = INT_SIZES[member.type];
      if (typeof raw.struct === 'string') member.struct = raw.struct;
      if (fixed !== undefined) {
        size += fixed;
      } else if (member.struct !== undefined && raw.len === undefined) {
        const inner = build(member.struct);
        if (inner === undefined) this.fail(`${mpath}.struct`, `'${member.struct}' is not a struct definition`);
        else {
          member.length = inner.size;
          size += inner.size;
        }
      } else {
        const len = this.length(raw.len, `${mpath}.len`);
        if (len === undefined) this.fail(mpath, `a ${member.type} member needs a 'len' to have a size`);
        else {
          member.length = len;
          size += len;
        }
      }
      if (raw['byte-order'] === 'big-endian' || raw['byte-order'] === 'little-endian') member.byteOrder = raw['byte-order'];
      if (typeof raw.enum === 'string') member.enum = raw.enum;
      if (raw['enum-as-flags'] === true) member.enumAsFlags = true;
      if (typeof raw['display-hint'] === 'string') member.displayHint = raw['display-hint'] as StructMember['displayHint'];
      if (typeof raw.doc === 'string') member.doc = raw.doc;
      members.push(member);
    });
    const def: StructDefinition = { kind: 'struct', name: String(r.name), members, size };
    if (typeof r.doc === 'string') def.doc = r.doc;
    return def;
  }

  checksOf(raw: unknown, path: string): AttributeChecks {
    const r = obj(raw);
    const c: AttributeChecks = {};
    if (r.min !== undefined) c.min = this.limit(r.min, `${path}.min`);
    if (r.max !== undefined) c.max = this.limit(r.max, `${path}.max`);
    if (r['min-len'] !== undefined) c.minLen = this.length(r['min-len'], `${path}.min-len`);
    if (r['max-len'] !== undefined) c.maxLen = this.length(r['max-len'], `${path}.max-len`);
    if (r['exact-len'] !== undefined) c.exactLen = this.length(r['exact-len'], `${path}.exact-len`);
    if (r['unterminated-ok'] === true) c.unterminatedOk = true;
    if (typeof r['flags-mask'] === 'string') c.flagsMask = r['flags-mask'];
    for (const k of Object.keys(c) as (keyof AttributeChecks)[]) if (c[k] === undefined) delete c[k];
    return c;
  }

  attributeOf(r: Raw, id: number, path: string): AttributeSpec {
    let type = r.type as AttributeType | 'array-nest';
    let subType = str(r['sub-type']) as AttributeType | 'array-nest' | undefined;
    // `array-nest` (kernels before 6.7) is what the format now calls an indexed-array of nests.
    if (type === 'array-nest') {
      type = 'indexed-array';
      subType = 'nest';
    }
    if (subType === 'array-nest') subType = 'nest';
    const a: AttributeSpec = {
      name: String(r.name),
      id,
      type,
      multiAttr: r['multi-attr'] === true,
      enumAsFlags: r['enum-as-flags'] === true,
      checks: this.checksOf(r.checks, `${path}.checks`),
    };
    if (subType !== undefined) a.subType = subType;
    if (r['byte-order'] === 'big-endian' || r['byte-order'] === 'little-endian') a.byteOrder = r['byte-order'];
    if (typeof r['nested-attributes'] === 'string') a.nestedAttributes = r['nested-attributes'];
    if (typeof r.enum === 'string') a.enum = r.enum;
    if (typeof r['display-hint'] === 'string') a.displayHint = r['display-hint'] as AttributeSpec['displayHint'];
    if (typeof r.struct === 'string') a.struct = r.struct;
    if (typeof r['sub-message'] === 'string') a.subMessage = r['sub-message'];
    if (typeof r.selector === 'string') a.selector = r.selector;
    if (Array.isArray(r['type-value'])) a.typeValue = strings(r['type-value']);
    if (typeof r.doc === 'string') a.doc = r.doc;
    return a;
  }

  attributeSets(raw: unknown[]): Map<string, AttributeSet> {
    const sets = new Map<string, AttributeSet>();
    const rawByName = new Map<string, { raw: Raw; path: string }>();
    raw.forEach((s, i) => rawByName.set(String(obj(s).name), { raw: obj(s), path: `attribute-sets[${i}]` }));
    const pending = new Set<string>();
    const build = (name: string): AttributeSet | undefined => {
      const done = sets.get(name);
      if (done) return done;
      const entry = rawByName.get(name);
      if (!entry || pending.has(name)) return undefined;
      pending.add(name);
      const { raw: r, path } = entry;
      const attributes: AttributeSpec[] = [];
      const parentName = str(r['subset-of']);
      if (parentName === undefined) {
        let id = 1;
        list(r.attributes).forEach((a, i) => {
          const ra = obj(a);
          if (typeof ra.value === 'number') id = ra.value;
          attributes.push(this.attributeOf(ra, id, `${path}.attributes[${i}]`));
          id++;
        });
      } else {
        const parent = build(parentName);
        if (parent === undefined) this.fail(`${path}.subset-of`, `'${parentName}' is not an attribute set (or the subsets form a loop)`);
        const parentRaw = rawByName.get(parentName);
        const seen = new Set<string>();
        list(r.attributes).forEach((a, i) => {
          const ra = obj(a);
          const apath = `${path}.attributes[${i}]`;
          // A subset may name a member twice (devlink's dl-dpipe-table): it is the same attribute.
          if (seen.has(String(ra.name))) return;
          seen.add(String(ra.name));
          const inherited = parent?.byName.get(String(ra.name));
          if (!parent || !inherited) {
            if (parent) this.fail(`${apath}.name`, `'${String(ra.name)}' is not an attribute of '${parentName}'`);
            return;
          }
          // A subset member is its parent's attribute with the subset's keys laid over it.
          const base = parentRaw ? this.rawAttribute(parentRaw.raw, inherited.name) : {};
          attributes.push(this.attributeOf({ ...base, ...ra }, inherited.id, apath));
        });
      }
      const set: AttributeSet = {
        name,
        attributes,
        byName: new Map(attributes.map((a) => [a.name, a])),
        byId: new Map(attributes.map((a) => [a.id, a])),
      };
      if (parentName !== undefined) set.subsetOf = parentName;
      if (typeof r.doc === 'string') set.doc = r.doc;
      sets.set(name, set);
      pending.delete(name);
      return set;
    };
    for (const name of rawByName.keys()) build(name);
    // Keep the document's order.
    return new Map([...rawByName.keys()].filter((n) => sets.has(n)).map((n) => [n, sets.get(n) as AttributeSet]));
  }

  rawAttribute(set: Raw, name: string): Raw {
    return obj(list(set.attributes).find((a) => obj(a).name === name));
  }

  subMessages(raw: unknown[]): Map<string, SubMessage> {
    const out = new Map<string, SubMessage>();
    for (const s of raw) {
      const r = obj(s);
      const formats = new Map<string, SubMessageFormat>();
      for (const f of list(r.formats)) {
        const rf = obj(f);
        const format: SubMessageFormat = { value: String(rf.value) };
        if (typeof rf['fixed-header'] === 'string') format.fixedHeader = rf['fixed-header'];
        if (typeof rf['attribute-set'] === 'string') format.attributeSet = rf['attribute-set'];
        formats.set(format.value, format);
      }
      out.set(String(r.name), { name: String(r.name), formats });
    }
    return out;
  }

  mode(raw: unknown, request: number | undefined, reply: number | undefined): OperationMode | undefined {
    if (raw === undefined) return undefined;
    const r = obj(raw);
    const mode: OperationMode = {};
    const message = (m: unknown, fallback: number | undefined): MessageSpec | undefined => {
      if (m === undefined) return undefined;
      const rm = obj(m);
      const value = num(rm.value) ?? fallback;
      return { value: value ?? 0, attributes: strings(rm.attributes) };
    };
    const req = message(r.request, request);
    const rep = message(r.reply, reply);
    if (req) mode.request = req;
    if (rep) mode.reply = rep;
    return mode;
  }

  operations(raw: Raw, enumModel: 'unified' | 'directional', familyHeader: string | undefined): Operation[] {
    const rawOps = list(raw.list).map(obj);
    const values = enumModel === 'unified' ? unifiedValues(rawOps) : directionalValues(rawOps);
    const byName = new Map(rawOps.map((o) => [String(o.name), o]));
    return rawOps.map((r, i) => {
      const [requestValue, replyValue] = values[i];
      const op: Operation = {
        name: String(r.name),
        flags: strings(r.flags),
        dontValidate: strings(r['dont-validate']),
      };
      if (typeof r.doc === 'string') op.doc = r.doc;
      let set = str(r['attribute-set']);
      if (set === undefined && typeof r.notify === 'string') set = str(byName.get(r.notify)?.['attribute-set']);
      if (set !== undefined) op.attributeSet = set;
      const header = str(r['fixed-header']) ?? familyHeader;
      if (header !== undefined) op.fixedHeader = header;
      if (requestValue !== undefined) op.requestValue = requestValue;
      if (replyValue !== undefined) op.replyValue = replyValue;
      const doMode = this.mode(r.do, requestValue, replyValue);
      const dumpMode = this.mode(r.dump, requestValue, replyValue);
      if (doMode) op.do = doMode;
      if (dumpMode) op.dump = dumpMode;
      if (typeof r.notify === 'string') op.notify = r.notify;
      if (r.event !== undefined) op.event = { attributes: strings(obj(r.event).attributes) };
      if (typeof r.mcgrp === 'string') op.mcgrp = r.mcgrp;
      return op;
    });
  }
}

/** `unified`: one counter from 1, an explicit `value` restarts it; both directions share the id. */
function unifiedValues(ops: Raw[]): [number | undefined, number | undefined][] {
  let val = 1;
  return ops.map((o) => {
    if (typeof o.value === 'number') val = o.value;
    const isCall = o.do !== undefined || o.dump !== undefined;
    const isAsync = o.notify !== undefined || o.event !== undefined;
    const out: [number | undefined, number | undefined] = [isCall ? val : undefined, isCall || isAsync ? val : undefined];
    val++;
    return out;
  });
}

/**
 * `directional`: requests and replies count separately, as the kernel's nlspec.py does.
 * Notifications and events take a reply id only; a call takes the ids its do (else dump) mode
 * declares, and moves the reply counter only when it has a reply.
 */
function directionalValues(ops: Raw[]): [number | undefined, number | undefined][] {
  let req: number | undefined = 1;
  let rsp: number | undefined = 1;
  return ops.map((o) => {
    let reqNext: number | undefined;
    let rspNext: number | undefined;
    if (o.notify !== undefined || o.event !== undefined) {
      if (typeof o.value === 'number') rsp = o.value;
      reqNext = req;
      rspNext = (rsp ?? 0) + 1;
      req = undefined;
    } else {
      const mode = obj(o.do !== undefined ? o.do : o.dump);
      const rv = obj(mode.request).value;
      if (typeof rv === 'number' && rv !== 0) req = rv;
      const pv = obj(mode.reply).value;
      if (typeof pv === 'number' && pv !== 0) rsp = pv;
      reqNext = (req ?? 0) + 1;
      rspNext = (rsp ?? 0) + (mode.reply !== undefined ? 1 : 0);
    }
    const out: [number | undefined, number | undefined] = [
      req === reqNext ? undefined : req,
      rsp === rspNext ? undefined : rsp,
    ];
    req = reqNext;
    rsp = rspNext;
    return out;
  });
}

/** The normalized model of a spec document that passed `validateSpec`. */
export function normalizeSpec(doc: unknown, source: string): FamilySpec {
  const r = obj(doc);
  const n = new Normalizer(source, constTable(doc));
  n.definitionsOf(list(r.definitions));
  const protocol = (str(r.protocol) ?? 'genetlink') as Protocol;
  const rawOps = obj(r.operations);
  const enumModel = rawOps['enum-model'] === 'directional' ? 'directional' : 'unified';
  const fixedHeader = str(rawOps['fixed-header']);
  const attributeSets = n.attributeSets(list(r['attribute-sets']));
  const operations = n.operations(rawOps, enumModel, fixedHeader);
  const mcastGroups: McastGroup[] = list(obj(r['mcast-groups']).list).map((g) => {
    const rg = obj(g);
    const group: McastGroup = { name: String(rg.name), flags: strings(rg.flags) };
    if (typeof rg.value === 'number') group.value = rg.value;
    return group;
  });
  if (n.problems.length > 0) throw new SpecError(source, n.problems);
  const spec: FamilySpec = {
    name: String(r.name),
    protocol,
    protonum: protocol === 'netlink-raw' ? (num(r.protonum) ?? 0) : NETLINK_GENERIC,
    version: num(r.version) ?? 1,
    source,
    definitions: n.definitions,
    attributeSets,
    subMessages: n.subMessages(list(r['sub-messages'])),
    operations,
    operationsByName: new Map(operations.map((o) => [o.name, o])),
    enumModel,
    mcastGroups,
  };
  if (typeof r.doc === 'string') spec.doc = r.doc;
  if (typeof r['uapi-header'] === 'string') spec.uapiHeader = r['uapi-header'];
  if (fixedHeader !== undefined) spec.fixedHeader = fixedHeader;
  if (r['kernel-policy'] === 'split' || r['kernel-policy'] === 'per-op' || r['kernel-policy'] === 'global') spec.kernelPolicy = r['kernel-policy'];
  return spec;
}
