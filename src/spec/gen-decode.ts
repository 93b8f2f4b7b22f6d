// Generates the decoders: per record (fixed header + attribute set) one function that walks the
// attributes once, switches on the type, reads each value straight from the DataView into a local
// and returns one object literal, so every object of a set has the same shape.
import {
  INT_SIZE,
  childRecords,
  elementOf,
  formatRecord,
  readExpr,
  recordKey,
  type GenContext,
  type RecordRef,
} from './gen-context.js';
import type { AttributeSpec, EnumDefinition, StructMember } from './model.js';
import { headerFieldName } from './names.js';

const q = JSON.stringify;

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** Bit value → name pairs of a flags-like enum, the wire meaning of `enum-as-flags` included. */
export function flagBits(def: EnumDefinition): [number, string][] {
  return def.entries.map((e) => [def.kind === 'flags' ? e.value : 2 ** e.value, e.name]);
}

function enumFn(ctx: GenContext, def: EnumDefinition): string {
  return ctx.fn('EN', def.name, (name) => {
    const values = def.entries.map((e) => e.value);
    const max = Math.max(-1, ...values);
    const dense = values.every((v) => Number.isInteger(v) && v >= 0) && max < Math.max(256, 4 * values.length);
    if (dense) {
      // Unknown values map to themselves, so one bounds check covers holes and the out of range.
      const table: (string | number)[] = Array.from({ length: max + 1 }, (_, i) => i);
      for (let i = def.entries.length - 1; i >= 0; i--) table[def.entries[i].value] = def.entries[i].name;
      return `const T${name} = ${q(table)};\nfunction ${name}(x) { return x >= 0 && x < ${table.length} ? T${name}[x] : x; }`;
    }
    const cases = [...def.byValue].map(([v, n]) => `case ${v}: return ${q(n)};`).join(' ');
    return `function ${name}(x) { switch (x) { ${cases} default: return x; } }`;
  });
}

function flagsFn(ctx: GenContext, def: EnumDefinition): string {
  return ctx.fn('FL', def.name, (name) => {
    const bits = flagBits(def).filter(([b]) => b < 2 ** 32);
    let mask = 0;
    for (const [b] of bits) mask = (mask | b) >>> 0;
    const tests = bits.map(([b, n]) => `if ((x & ${b}) !== 0) r.push(${q(n)});`).join(' ');
    return `function ${name}(x) { if (x === 0) return noFlags; const r = []; ${tests} const u = (x & ${~mask}) >>> 0; if (u !== 0) r.push(u); return r; }`;
  });
}

interface Convertible {
  enum?: string;
  enumAsFlags?: boolean;
  displayHint?: string;
}

function isFlags(ctx: GenContext, a: Convertible): boolean {
  if (a.enum === undefined) return false;
  return ctx.enumDef(a.enum).kind === 'flags' || a.enumAsFlags === true;
}

/** An integer read, through its enum, flags or ipv4 display hint. */
function intConv(ctx: GenContext, a: Convertible, type: string, expr: string): string {
  const wide = type === 'uint' || type === 'sint' || INT_SIZE[type] === 8;
  if (a.enum !== undefined) {
    const def = ctx.enumDef(a.enum);
    if (wide) {
      if (isFlags(ctx, a)) return `flags64(${ctx.constant(flagBits(def).map(([b, n]) => [BigInt(b), n]))}, ${expr})`;
      return `enum64(${ctx.constant(def.byValue)}, ${expr})`;
    }
    return isFlags(ctx, a) ? `${flagsFn(ctx, def)}(${expr})` : `${enumFn(ctx, def)}(${expr})`;
  }
  if (a.displayHint === 'ipv4' && type === 'u32') return `ip4n(${expr})`;
  return expr;
}

function hinted(hint: string | undefined, at: string, len: string, fixed: number | undefined): string {
  const raw = `u8.slice(${at}, ${at} + ${len})`;
  const sized = (size: number, fmt: string): string => (fixed === undefined ? `(${len} === ${size} ? ${fmt} : ${raw})` : fixed === size ? fmt : raw);
  switch (hint) {
    case 'mac':
    case 'fddi':
      return `mac(u8, ${at}, ${len})`;
    case 'ipv4':
      return sized(4, `ip4(u8, ${at})`);
    case 'ipv6':
      return sized(16, `ip6(u8, ${at})`);
    case 'ipv4-or-v6':
      return `ip4or6(u8, ${at}, ${len})`;
    case 'uuid':
      return sized(16, `uuid(u8, ${at})`);
    default:
      return raw;
  }
}

// ---- structs ----

function memberExpr(ctx: GenContext, m: StructMember, at: string): string | undefined {
  if (m.type === 'pad') return undefined;
  if (m.type === 'string') return `cstr(u8, ${at}, ${m.length ?? 0})`;
  if (m.type === 'binary') {
    if (m.struct !== undefined) return `${structFn(ctx, m.struct)}(v, u8, ${at}, ${m.length ?? 0})`;
    return hinted(m.displayHint, at, String(m.length ?? 0), m.length ?? 0);
  }
  return intConv(ctx, m, m.type, readExpr(m.type, at, m.byteOrder === 'big-endian'));
}

function memberSize(m: StructMember): number {
  return INT_SIZE[m.type] ?? m.length ?? 0;
}

/** Decodes a struct of `n` bytes at `d`: a longer one keeps its extra bytes as `$trailing`, a shorter one its complete members. */
export function structFn(ctx: GenContext, structName: string): string {
  return ctx.fn('ST', structName, (name) => {
    const def = ctx.struct(structName);
    const fields: string[] = [];
    const partial: string[] = [];
    let off = 0;
    for (const m of def.members) {
      const size = memberSize(m);
      const expr = memberExpr(ctx, m, `d + ${off}`);
      if (expr !== undefined) {
        fields.push(`${ctx.key(m.name)}: ${expr}`);
        partial.push(`if (n >= ${off + size}) o[${ctx.key(m.name)}] = ${expr};`);
      }
      off += size;
    }
    return `function ${name}(v, u8, d, n) {
  if (n < ${def.size}) { const o = {}; ${partial.join(' ')} return o; }
  const o = { ${fields.join(', ')} };
  if (n > ${def.size}) o.$trailing = u8.slice(d + ${def.size}, d + n);
  return o;
}`;
  });
}

// ---- sub-messages ----

/** Free selectors of a sub-message: those of all its formats. */
export function subMessageFree(ctx: GenContext, smName: string): string[] {
  const sm = ctx.spec.subMessages.get(smName);
  const out = new Set<string>();
  for (const f of sm?.formats.values() ?? []) {
    const r = formatRecord(f);
    if (r) for (const s of ctx.freeSelectors(r)) out.add(s);
  }
  return [...out].sort();
}

/** The enum of a sub-message's selector, when all its uses agree: lets a number select by name. */
export function selectorEnum(ctx: GenContext, smName: string): EnumDefinition | undefined {
  const enums = new Set<string>();
  for (const set of ctx.spec.attributeSets.values()) {
    for (const a of set.attributes) {
      if (a.subMessage !== smName || a.selector === undefined) continue;
      const sel = set.byName.get(a.selector);
      if (sel?.enum !== undefined) enums.add(sel.enum);
    }
  }
  return enums.size === 1 ? ctx.enumDef([...enums][0]) : undefined;
}

function subMessageFn(ctx: GenContext, smName: string): string {
  return ctx.fn('SM', smName, (name) => {
    const sm = ctx.spec.subMessages.get(smName) ?? ctx.fail(`'${smName}' is not a sub-message`);
    const free = subMessageFree(ctx, smName).map((s) => ctx.selectorParam(s));
    const cases: string[] = [];
    for (const f of sm.formats.values()) {
      const r = formatRecord(f);
      if (!r) {
        cases.push(`case ${q(f.value)}: return s === e ? {} : u8.slice(s, e);`);
        continue;
      }
      const args = ctx.freeSelectors(r).map((s) => ctx.selectorParam(s));
      cases.push(`case ${q(f.value)}: return ${decodeRecordFn(ctx, r)}(v, u8, s, e${args.map((x) => `, ${x}`).join('')});`);
    }
    const en = selectorEnum(ctx, smName);
    const key = en ? `selKey(typeof sel === "number" ? ${enumFn(ctx, en)}(sel) : sel)` : 'selKey(sel)';
    return `function ${name}(v, u8, s, e, sel${free.map((x) => `, ${x}`).join('')}) {
  switch (${key}) { ${cases.join('\n    ')} }
  return u8.slice(s, e);
}`;
  });
}

// ---- attribute values ----

type Selector = (name: string) => string;

function needs(d: string, n: string, size: number, where: string, what: string): string {
  return `if (${n} < ${size}) throw perrSize(${d} - 4, ${n}, ${q(where)}, ${q(`${what} needs ${size}`)});`;
}

function childArgs(ctx: GenContext, r: RecordRef, sel: Selector): string {
  return ctx.freeSelectors(r).map((s) => `, ${sel(s)}`).join('');
}

/** Statements that decode the payload at `d` (length `n`) of attribute `a` into `out`. */
function decodeValue(ctx: GenContext, a: AttributeSpec, where: string, d: string, n: string, out: string, sel: Selector): string {
  const t = a.type;
  const be = a.byteOrder === 'big-endian';
  if (t === 'flag') return `${out} = true;`;
  if (t === 'u8' || t === 's8' || t === 'u16' || t === 's16' || t === 'u32' || t === 's32' || t === 'u64' || t === 's64') {
    return `${needs(d, n, INT_SIZE[t], where, t)} ${out} = ${intConv(ctx, a, t, readExpr(t, d, be))};`;
  }
  if (t === 'uint' || t === 'sint') {
    const r32 = t === 'uint' ? `BigInt(v.getUint32(${d}, ${!be}))` : `BigInt(v.getInt32(${d}, ${!be}))`;
    const r64 = t === 'uint' ? `v.getBigUint64(${d}, ${!be})` : `v.getBigInt64(${d}, ${!be})`;
    const x = `x${ctx.tmp()}`;
    return `{ let ${x}; if (${n} === 4) ${x} = ${r32}; else if (${n} === 8) ${x} = ${r64}; else throw perrSize(${d} - 4, ${n}, ${q(where)}, ${q(`${t} needs 4 or 8`)}); ${out} = ${intConv(ctx, a, t, x)}; }`;
  }
  if (t === 'string') {
    const z = `z${ctx.tmp()}`;
    return `{ let ${z} = ${d} + ${n}; while (${z} > ${d} && u8[${z} - 1] === 0) ${z}--; ${out} = ${z} > ${d} ? utf8(u8, ${d}, ${z}) : ""; }`;
  }
  if (t === 'binary') {
    if (a.struct !== undefined) return `${out} = ${structFn(ctx, a.struct)}(v, u8, ${d}, ${n});`;
    if (a.subType !== undefined && INT_SIZE[a.subType] !== undefined) {
      const st = a.subType;
      const size = INT_SIZE[st];
      const k = `k${ctx.tmp()}`;
      const r = `r${ctx.tmp()}`;
      return `{ if (${n} % ${size} !== 0) throw perrSize(${d} - 4, ${n}, ${q(where)}, ${q(`an array of ${st} needs a multiple of ${size}`)}); const ${r} = []; for (let ${k} = 0; ${k} < ${n}; ${k} += ${size}) ${r}.push(${intConv(ctx, a, st, readExpr(st, `${d} + ${k}`, be))}); ${out} = ${r}; }`;
    }
    return `${out} = ${hinted(a.displayHint, d, n, undefined)};`;
  }
  if (t === 'bitfield32') {
    // Its bits are what a bitfield32 is about: with an enum, both words read as flag names.
    const c = (e: string): string => (a.enum !== undefined ? intConv(ctx, { ...a, enumAsFlags: true }, 'u32', e) : e);
    return `${needs(d, n, 8, where, 'bitfield32')} ${out} = { value: ${c(`v.getUint32(${d}, true)`)}, selector: ${c(`v.getUint32(${d} + 4, true)`)} };`;
  }
  if (t === 'nest') {
    const r: RecordRef = { set: a.nestedAttributes ?? '' };
    return `${out} = ${decodeRecordFn(ctx, r)}(v, u8, ${d}, ${d} + ${n}${childArgs(ctx, r, sel)});`;
  }
  if (t === 'nest-type-value') {
    const r: RecordRef = { set: a.nestedAttributes ?? '' };
    const keys = ctx.constant((a.typeValue ?? []).map((k) => ctx.prop(k)));
    return `${out} = ntv(v, u8, ${d}, ${d} + ${n}, ${keys}, ${decodeRecordFn(ctx, r)});`;
  }
  if (t === 'indexed-array') {
    const i = ctx.tmp();
    const e = elementOf(a);
    const item = decodeValue(ctx, e, `${where}[]`, `d${i}`, `n${i}`, `y${i}`, sel);
    return `{ const r${i} = []; let q${i} = ${d}; const e${i} = ${d} + ${n};
      while (q${i} + 4 <= e${i}) { const l${i} = v.getUint16(q${i}, true); if (l${i} < 4 || q${i} + l${i} > e${i}) throw perrHeader(q${i}, l${i}, e${i}, ${q(where)});
        const d${i} = q${i} + 4, n${i} = l${i} - 4; let y${i}; ${item} r${i}.push(y${i}); q${i} += (l${i} + 3) & ~3; }
      ${out} = r${i}; }`;
  }
  if (t === 'sub-message') {
    const sm = a.subMessage ?? '';
    const args = subMessageFree(ctx, sm).map((s) => `, ${sel(s)}`).join('');
    return `${out} = ${subMessageFn(ctx, sm)}(v, u8, ${d}, ${d} + ${n}, ${sel(a.selector ?? '')}${args});`;
  }
  return `${out} = u8.slice(${d}, ${d} + ${n});`;
}

// ---- records ----

export function decodeRecordFn(ctx: GenContext, r: RecordRef): string {
  return ctx.fn('R', recordKey(r), (name) => buildRecord(ctx, r, name));
}

function buildRecord(ctx: GenContext, r: RecordRef, name: string): string {
  const params = ctx.freeSelectors(r).map((s) => `, ${ctx.selectorParam(s)}`).join('');
  const header = r.header !== undefined ? ctx.struct(r.header) : undefined;
  if (r.set === undefined) {
    return `function ${name}(v, u8, s, e${params}) { return ${header ? `${structFn(ctx, header.name)}(v, u8, s, e - s)` : '{}'}; }`;
  }
  const set = ctx.set(r.set);
  const where = set.name;
  const lines: string[] = [];
  const fields: Array<[key: string, local: string]> = [];
  const locals = new Map<string, string>();
  const keys = new Map<string, string>();
  const claim = (spec: string, local: string): void => {
    const key = ctx.prop(spec);
    const other = keys.get(key);
    if (other !== undefined) ctx.fail(`'${spec}' and '${other}' are both '${key}' in ${r.header ?? ''}${r.header ? ' + ' : ''}${set.name}`);
    keys.set(key, spec);
    locals.set(spec, local);
    fields.push([ctx.key(spec), local]);
  };
  const own = new Set(set.attributes.map((a) => a.name));
  if (header) {
    const partial: string[] = [];
    const at = lines.push('') - 1;
    let off = 0;
    header.members.forEach((m, i) => {
      const expr = memberExpr(ctx, m, `s + ${off}`);
      off += memberSize(m);
      if (expr === undefined) return;
      lines.push(`const h${i} = ${expr};`);
      partial.push(`if (e - s >= ${off}) o[${ctx.key(headerFieldName(header.name, m.name, own))}] = ${expr};`);
      claim(headerFieldName(header.name, m.name, own), `h${i}`);
      if (!own.has(m.name)) locals.set(m.name, `h${i}`);
    });
    // A message too short for its fixed header: the complete fields, no attributes.
    lines[at] = `if (e - s < ${header.size}) { const o = {}; ${partial.join(' ')} return o; }`;
    lines.push(`let p = s + ${align4(header.size)}; if (p > e) p = e;`);
  } else {
    lines.push('let p = s;');
  }
  const headerFields = fields.length;
  const live = set.attributes.filter((a) => a.type !== 'pad' && a.type !== 'unused');
  live.forEach((a, i) => claim(a.name, `a${i}`));
  const sel: Selector = (s) => locals.get(s) ?? ctx.selectorParam(s);
  const deferred = (a: AttributeSpec): boolean => {
    if (a.type === 'sub-message' && a.selector !== undefined && own.has(a.selector)) return true;
    return childRecords(ctx.spec, a).some((c) => ctx.freeSelectors(c).some((s) => own.has(s)));
  };
  const cases: string[] = [];
  const after: string[] = [];
  live.forEach((a, i) => {
    const w = `${where}.${a.name}`;
    lines.push(`let a${i};`);
    if (deferred(a)) {
      // Decoded after the loop: its selector may come later in the nest.
      if (a.multiAttr) {
        lines.push(`let o${i};`);
        cases.push(`case ${a.id}: (o${i} === undefined ? (o${i} = []) : o${i}).push(d, n); break;`);
        after.push(`if (o${i} !== undefined) { a${i} = []; for (let k = 0; k < o${i}.length; k += 2) { const d = o${i}[k], n = o${i}[k + 1]; let x; ${decodeValue(ctx, a, w, 'd', 'n', 'x', sel)} a${i}.push(x); } }`);
      } else {
        lines.push(`let o${i} = -1, n${i} = 0;`);
        cases.push(`case ${a.id}: o${i} = d; n${i} = n; break;`);
        after.push(`if (o${i} >= 0) { const d = o${i}, n = n${i}; ${decodeValue(ctx, a, w, 'd', 'n', `a${i}`, sel)} }`);
      }
    } else if (a.multiAttr) {
      cases.push(`case ${a.id}: { let x; ${decodeValue(ctx, a, w, 'd', 'n', 'x', sel)} (a${i} === undefined ? (a${i} = []) : a${i}).push(x); break; }`);
    } else {
      cases.push(`case ${a.id}: { ${decodeValue(ctx, a, w, 'd', 'n', `a${i}`, sel)} break; }`);
    }
  });
  const skipped = set.attributes.filter((a) => a.type === 'pad' || a.type === 'unused').map((a) => `case ${a.id}:`);
  if (skipped.length > 0) cases.push(`${skipped.join(' ')} break;`);
  lines.push('let unk;');
  lines.push(`while (p + 4 <= e) {
    const l = v.getUint16(p, true);
    if (l < 4 || p + l > e) throw perrHeader(p, l, e, ${q(where)});
    const d = p + 4, n = l - 4;
    const t = v.getUint16(p + 2, true) & 0x3fff;
    switch (t) {
      ${cases.join('\n      ')}
      default: (unk === undefined ? (unk = []) : unk).push({ type: t, data: u8.slice(d, p + l) });
    }
    p += (l + 3) & ~3;
  }`);
  lines.push(...after);
  // Only the attributes present become properties: a route carries a handful of its set's forty
  // attributes, and allocating every slot as undefined cost as much as decoding the rest. Objects
  // of one kind (routes of one shape) still share a hidden class, since keys are added in spec order.
  // They are built by a constructor, not a literal: V8 then reserves in-object room for the
  // attributes added after the header fields, where a literal has exactly its own fields and
  // puts the rest in a second, separately allocated property array (a route: 136 bytes instead
  // of 160). Its prototype is Object.prototype, so a decoded object is still a plain object.
  const init = fields.slice(0, headerFields);
  const ctor = `${name}$`;
  const args = init.map((_, i) => `x${i}`);
  const assign = init.map(([key], i) => `this[${key}] = x${i};`);
  lines.push(`const o = new ${ctor}(${init.map(([, local]) => local).join(', ')});`);
  live.forEach((a, i) => lines.push(`if (a${i} !== undefined) o[${ctx.key(a.name)}] = a${i};`));
  lines.push('if (unk !== undefined) o.$unknown = unk;');
  lines.push('return o;');
  return `function ${ctor}(${args.join(', ')}) { ${assign.join(' ')} }
${ctor}.prototype = Object.prototype;
function ${name}(v, u8, s, e${params}) {\n  ${lines.join('\n  ')}\n}`;
}
