// Generates the encoders: per record one function that walks the keys of a request value, writes
// each attribute through the MessageWriter, and throws a TypeError naming the path of the first
// key or value that breaks the spec.
import { INT_SIZE, elementOf, formatRecord, recordKey, setterOf, type GenContext, type RecordRef } from './gen-context.js';
import { selectorEnum, subMessageFree } from './gen-decode.js';
import type { AttributeSpec, EnumDefinition, StructMember } from './model.js';
import { headerFieldName } from './names.js';
import { toEnum, toFlags, toFlags64 } from './runtime.js';

const q = JSON.stringify;

interface Convertible {
  enum?: string;
  enumAsFlags?: boolean;
  displayHint?: string;
}

function isFlagsDef(def: EnumDefinition, a: Convertible): boolean {
  return def.kind === 'flags' || a.enumAsFlags === true;
}

/** Statements turning the user's value in `y` into a number or bigint for an integer of `type`. */
function intIn(ctx: GenContext, a: Convertible, type: string, y: string, path: string): string {
  const wide = type === 'uint' || type === 'sint' || INT_SIZE[type] === 8;
  let conv = '';
  if (a.enum !== undefined) {
    const def = ctx.enumDef(a.enum);
    const k = ctx.constant(def);
    if (isFlagsDef(def, a)) conv = wide ? `${y} = toFlags64(${k}, ${y}, ${path});` : `${y} = toFlags(${k}, ${y}, ${path});`;
    else conv = `${y} = toEnum(${k}, ${y}, ${path});`;
  } else if (a.displayHint === 'ipv4' && type === 'u32') {
    conv = `${y} = toIp4Number(${y}, ${path});`;
  }
  const check = wide ? `${y} = toBig(${y}, ${q(type)}, ${path});` : `${y} = toInt(${y}, ${q(type)}, ${path});`;
  return `${conv} ${check}`;
}

/** A conversion function for the items of a binary C array (`sub-type`), when they have an enum. */
function itemConv(ctx: GenContext, a: AttributeSpec): string {
  if (a.enum === undefined) return 'undefined';
  const def = ctx.enumDef(a.enum);
  const wide = INT_SIZE[a.subType ?? ''] === 8;
  const fn = isFlagsDef(def, a)
    ? (y: unknown, p: string): unknown => (wide ? toFlags64(def, y, p) : toFlags(def, y, p))
    : (y: unknown, p: string): unknown => toEnum(def, y, p);
  return ctx.constant(fn);
}

// ---- structs ----

function memberOut(ctx: GenContext, m: StructMember, at: string, path: string): string | undefined {
  const x = 'x';
  if (m.type === 'pad') return undefined;
  if (m.type === 'string') return `putCString(dv, ${at}, ${m.length ?? 0}, ${x}, ${path});`;
  if (m.type === 'binary') {
    if (m.struct !== undefined) return `${structOutFn(ctx, m.struct)}(dv, ${at}, ${x}, ${path}, true);`;
    return `putBytes(dv, ${at}, ${m.length ?? 0}, toBytes(${x}, ${q(m.displayHint ?? 'hex')}, ${path}), ${path});`;
  }
  const le = m.byteOrder === 'big-endian' ? 'false' : 'true';
  const order = INT_SIZE[m.type] === 1 ? '' : `, ${le}`;
  return `{ let y = ${x}; ${intIn(ctx, m, m.type, 'y', path)} dv.${setterOf(m.type)}(${at}, y${order}); }`;
}

/**
 * Writes a struct into `dv` at `at` (zeroed by the caller; absent members stay 0) and returns the
 * bytes written. `strict` (a struct attribute's own object) rejects unknown keys and writes
 * `$trailing`; a fixed header shares its object with the message's attributes.
 */
export function structOutFn(ctx: GenContext, structName: string): string {
  return ctx.fn('SW', structName, (name) => structOut(ctx, structName, name, (m) => m));
}

/** A fixed header's writer when some of its fields are renamed beside same-named attributes. */
function headerOutFn(ctx: GenContext, structName: string, attrNames: ReadonlySet<string>): string {
  return ctx.fn('HW', `${structName}|${[...attrNames].join(',')}`, (name) => structOut(ctx, structName, name, (m) => headerFieldName(structName, m, attrNames)));
}

function structOut(ctx: GenContext, structName: string, name: string, field: (member: string) => string): string {
  const def = ctx.struct(structName);
  const lines: string[] = [];
  const known: string[] = [];
  let off = 0;
  for (const m of def.members) {
    const size = INT_SIZE[m.type] ?? m.length ?? 0;
    const key = ctx.key(field(m.name));
    const path = `p + ${q(`.${ctx.prop(field(m.name))}`)}`;
    const out = memberOut(ctx, m, `at + ${off}`, path);
    off += size;
    if (out === undefined) continue;
    known.push(`case ${key}:`);
    lines.push(`x = o[${key}]; if (x !== undefined) ${out}`);
  }
  return `function ${name}(dv, at, o, p, strict) {
  if (o === null || typeof o !== "object" || Array.isArray(o) || o instanceof Uint8Array) throw terr(p, "expected an object (struct ${def.name}), got " + describe(o));
  if (strict) for (const k in o) switch (k) { ${known.join(' ')} case "$trailing": break; default: if (o[k] !== undefined) throw terr(p + "." + k, ${q(`not a field of struct '${def.name}'`)}); }
  let x;
  ${lines.join('\n  ')}
  let m = ${def.size};
  if (strict && o.$trailing !== undefined) { const b = toBytes(o.$trailing, "hex", p + ".$trailing"); for (let i = 0; i < b.length; i++) dv.setUint8(at + m + i, b[i]); m += b.length; }
  return m;
}`;
}

// ---- sub-messages ----

function subMessageOutFn(ctx: GenContext, smName: string): string {
  return ctx.fn('SMW', smName, (name) => {
    const sm = ctx.spec.subMessages.get(smName) ?? ctx.fail(`'${smName}' is not a sub-message`);
    const free = subMessageFree(ctx, smName).map((s) => ctx.selectorParam(s));
    const cases: string[] = [];
    for (const f of sm.formats.values()) {
      const r = formatRecord(f);
      if (!r) {
        cases.push(`case ${q(f.value)}: { if (x instanceof Uint8Array) { w.binary(t, x); return; } const b = toObject(x, p); for (const k in b) if (b[k] !== undefined) throw terr(p + "." + k, ${q(`format '${f.value}' of sub-message '${smName}' carries nothing`)}); w.binary(t, scratch.subarray(0, 0)); return; }`);
        continue;
      }
      const args = ctx.freeSelectors(r).map((s) => `, ${ctx.selectorParam(s)}`).join('');
      cases.push(`case ${q(f.value)}: { if (x instanceof Uint8Array) { w.binary(t, x); return; } const tk = w.beginNest(t, ${f.attributeSet !== undefined}); ${encodeRecordFn(ctx, r)}(w, x, p${args}); w.endNest(tk); return; }`);
    }
    const en = selectorEnum(ctx, smName);
    const key = en ? `selKey(typeof sel === "number" ? (${ctx.constant(en.byValue)}.get(sel) ?? sel) : sel)` : 'selKey(sel)';
    return `function ${name}(w, t, x, sel, p${free.map((s) => `, ${s}`).join('')}) {
  switch (${key}) {
    ${cases.join('\n    ')}
  }
  if (x instanceof Uint8Array) { w.binary(t, x); return; }
  throw terr(p, sel === undefined ? ${q(`the selector that chooses a format of sub-message '${smName}' has no value`)} : ${q(`sub-message '${smName}' has no format for `)} + describe(sel));
}`;
  });
}

// ---- attribute values ----

type Selector = (name: string) => string;

/** Statements writing value `x` of attribute `a` as type `t` (JS expressions); `path` is a JS expression. */
function encodeValue(ctx: GenContext, a: AttributeSpec, x: string, t: string, path: string, sel: Selector): string {
  const type = a.type;
  const be = a.byteOrder === 'big-endian';
  const i = ctx.tmp();
  const y = `y${i}`;
  switch (type) {
    case 'flag':
      return `if (${x} === true) w.flag(${t}); else if (${x} !== false) throw terr(${path}, "expected true or false, got " + describe(${x}));`;
    case 'u8':
    case 's8':
      return `{ let ${y} = ${x}; ${intIn(ctx, a, type, y, path)} w.${type}(${t}, ${y}); }`;
    case 'u16':
    case 'u32':
      return `{ let ${y} = ${x}; ${intIn(ctx, a, type, y, path)} w.${be ? (type === 'u16' ? 'be16' : 'be32') : type}(${t}, ${y}); }`;
    case 's16':
    case 's32':
    case 'u64':
    case 's64': {
      const conv = `let ${y} = ${x}; ${intIn(ctx, a, type, y, path)}`;
      if (!be) return `{ ${conv} w.${type}(${t}, ${y}); }`;
      return `{ ${conv} sv.${setterOf(type)}(0, ${y}, false); w.binary(${t}, scratch.subarray(0, ${INT_SIZE[type]})); }`;
    }
    case 'uint':
    case 'sint': {
      const conv = `let ${y} = ${x}; ${intIn(ctx, a, type, y, path)}`;
      return be ? `{ ${conv} varIntBE(w, ${t}, ${y}, ${type === 'sint'}); }` : `{ ${conv} w.${type}(${t}, ${y}); }`;
    }
    case 'string':
      return `w.string(${t}, toStr(${x}, ${path}));`;
    case 'binary': {
      if (a.struct !== undefined) {
        const size = ctx.struct(a.struct).size;
        return `if (${x} instanceof Uint8Array) w.binary(${t}, ${x}); else { scratch.fill(0, 0, ${size}); const m${i} = ${structOutFn(ctx, a.struct)}(sv, 0, ${x}, ${path}, true); w.binary(${t}, scratch.subarray(0, m${i})); }`;
      }
      if (a.subType !== undefined && INT_SIZE[a.subType] !== undefined) {
        return `w.binary(${t}, cArray(${x}, ${q(a.subType)}, ${!be}, ${itemConv(ctx, a)}, ${path}));`;
      }
      return `w.binary(${t}, toBytes(${x}, ${q(a.displayHint ?? 'hex')}, ${path}));`;
    }
    case 'bitfield32': {
      const part = (field: string): string => {
        const p = `${path} + ".${field}"`;
        return `{ let ${y} = b${i}.${field}; ${intIn(ctx, a, 'u32', y, p)} ${field}${i} = ${y}; }`;
      };
      return `{ const b${i} = toObject(${x}, ${path}); let value${i} = 0, selector${i} = 0; ${part('value')} ${part('selector')} w.bitfield32(${t}, value${i}, selector${i}); }`;
    }
    case 'nest': {
      const r: RecordRef = { set: a.nestedAttributes ?? '' };
      const args = ctx.freeSelectors(r).map((s) => `, ${sel(s)}`).join('');
      return `{ const tk${i} = w.beginNest(${t}); ${encodeRecordFn(ctx, r)}(w, ${x}, ${path}${args}); w.endNest(tk${i}); }`;
    }
    case 'nest-type-value': {
      const keys = ctx.constant((a.typeValue ?? []).map((k) => ctx.prop(k)));
      return `ntvOut(w, ${t}, ${x}, ${keys}, ${encodeRecordFn(ctx, { set: a.nestedAttributes ?? '' })}, ${path});`;
    }
    case 'indexed-array': {
      const item = encodeValue(ctx, elementOf(a), `arr${i}[j${i}]`, `j${i}`, `${path} + "[" + j${i} + "]"`, sel);
      return `{ const arr${i} = toArray(${x}, ${path}); const tk${i} = w.beginNest(${t}); for (let j${i} = 0; j${i} < arr${i}.length; j${i}++) { ${item} } w.endNest(tk${i}); }`;
    }
    case 'sub-message': {
      const sm = a.subMessage ?? '';
      const args = subMessageFree(ctx, sm).map((s) => `, ${sel(s)}`).join('');
      return `${subMessageOutFn(ctx, sm)}(w, ${t}, ${x}, ${sel(a.selector ?? '')}, ${path}${args});`;
    }
    default:
      return `w.binary(${t}, toBytes(${x}, "hex", ${path}));`;
  }
}

// ---- records ----

export function encodeRecordFn(ctx: GenContext, r: RecordRef): string {
  return ctx.fn('W', recordKey(r), (name) => buildRecord(ctx, r, name));
}

function buildRecord(ctx: GenContext, r: RecordRef, name: string): string {
  const params = ctx.freeSelectors(r).map((s) => `, ${ctx.selectorParam(s)}`).join('');
  const header = r.header !== undefined ? ctx.struct(r.header) : undefined;
  const set = r.set !== undefined ? ctx.set(r.set) : undefined;
  const lines: string[] = [];
  lines.push(`if (o === null || typeof o !== "object" || Array.isArray(o) || o instanceof Uint8Array) throw terr(p, "expected an object, got " + describe(o));`);
  const own = new Set<string>();
  const cases: string[] = [];
  const attrNames = new Set((set?.attributes ?? []).map((a) => a.name));
  if (header) {
    const collide = header.members.some((m) => attrNames.has(m.name));
    const writer = collide ? headerOutFn(ctx, header.name, attrNames) : structOutFn(ctx, header.name);
    lines.push(`{ const at = w.header(${header.size}); ${writer}(w.dataView, at, o, p, false); }`);
    const fields = header.members.filter((m) => m.type !== 'pad').map((m) => headerFieldName(header.name, m.name, attrNames));
    for (const f of fields) own.add(f);
    if (fields.length > 0) cases.push(`${fields.map((f) => `case ${ctx.key(f)}:`).join(' ')} break;`);
  }
  for (const a of attrNames) own.add(a);
  const sel: Selector = (s) => (own.has(s) ? `o[${ctx.key(s)}]` : ctx.selectorParam(s));
  for (const a of set?.attributes ?? []) {
    if (a.type === 'pad' || a.type === 'unused') continue;
    const path = `p + ${q(`.${ctx.prop(a.name)}`)}`;
    if (a.multiAttr) {
      const i = ctx.tmp();
      const item = encodeValue(ctx, a, `arr${i}[j${i}]`, String(a.id), `${path} + "[" + j${i} + "]"`, sel);
      cases.push(`case ${ctx.key(a.name)}: { const arr${i} = Array.isArray(x) ? x : [x]; for (let j${i} = 0; j${i} < arr${i}.length; j${i}++) { ${item} } break; }`);
    } else {
      cases.push(`case ${ctx.key(a.name)}: ${encodeValue(ctx, a, 'x', String(a.id), path, sel)} break;`);
    }
  }
  const what = set ? `an attribute of '${set.name}'${header ? ` nor a field of '${header.name}'` : ''}` : `a field of '${header?.name ?? ''}'`;
  lines.push(`for (const k in o) {
    const x = o[k];
    if (x === undefined) continue;
    switch (k) {
      ${cases.join('\n      ')}
      case "$unknown": unknownOut(w, x, p + ".$unknown"); break;
      default: throw terr(p + "." + k, ${q(`not ${what}`)});
    }
  }`);
  return `function ${name}(w, o, p${params}) {\n  ${lines.join('\n  ')}\n}`;
}
