// Helpers the generated encoders and decoders call, and the value conversions check.ts shares
// with them. Decoding helpers sit on the hot path (no closures, no allocation beyond the value);
// encoding helpers validate a request value and throw a TypeError naming its path.
import { NetlinkProtocolError, type MessageWriter } from '../wire/index.js';
import type { DecodedObject } from './codec.js';
import { formatIp4, formatIp4Number, formatIp6, formatMac, formatUuid, parseIp4, parseIp6, parseMac, parseUuid } from './display.js';
import type { DisplayHint, EnumDefinition } from './model.js';

const decoder = new TextDecoder('utf-8', { fatal: false });
const encoder = new TextEncoder();

// ---- decoding ----

export function perr(offset: number, what: string): NetlinkProtocolError {
  return new NetlinkProtocolError(offset, what);
}

/** The error for an attribute header that does not fit: too short, or longer than its parent. */
export function perrHeader(offset: number, len: number, end: number, where: string): NetlinkProtocolError {
  if (len < 4) return new NetlinkProtocolError(offset, `${where}: nla_len ${len} is smaller than the 4-byte attribute header`);
  return new NetlinkProtocolError(offset, `${where}: attribute claims ${len} bytes, only ${end - offset} remain in its parent`);
}

export function perrSize(offset: number, have: number, where: string, need: string): NetlinkProtocolError {
  return new NetlinkProtocolError(offset, `${where} has ${have} bytes, ${need}`);
}

let lastView: DataView | undefined;
let lastBytes: Uint8Array = new Uint8Array(0);

/** The bytes under a DataView, at the same offsets; cached because a batch decodes many messages of one view. */
export function bytesOf(view: DataView): Uint8Array {
  if (view !== lastView) {
    lastBytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    lastView = view;
  }
  return lastBytes;
}

export function utf8(u8: Uint8Array, start: number, end: number): string {
  return decoder.decode(u8.subarray(start, end));
}

/** A string in a fixed-size struct field: up to the first NUL. */
export function cstr(u8: Uint8Array, start: number, len: number): string {
  let z = start;
  const end = start + len;
  while (z < end && u8[z] !== 0) z++;
  return z > start ? decoder.decode(u8.subarray(start, z)) : '';
}

export const mac = formatMac;
export const ip4 = formatIp4;
export const ip4n = formatIp4Number;
export const ip6 = formatIp6;
export const uuid = formatUuid;

export function ip4or6(u8: Uint8Array, start: number, len: number): string | Uint8Array {
  if (len === 4) return formatIp4(u8, start);
  if (len === 16) return formatIp6(u8, start);
  return u8.slice(start, start + len);
}

/** A 64-bit value through an enum: its name, or the bigint when the enum does not know it. */
export function enum64(byValue: ReadonlyMap<number, string>, x: bigint): string | bigint {
  return x <= 0x1fffffffffffffn && x >= -0x1fffffffffffffn ? (byValue.get(Number(x)) ?? x) : x;
}

/** A flags value of up to 32 bits: the names of its known bits, then the unknown bits as one number. */
export function flags32(bits: readonly (readonly [number, string])[], x: number): (string | number)[] {
  const out: (string | number)[] = [];
  let rest = x;
  for (const [bit, name] of bits) {
    if ((x & bit) !== 0) {
      out.push(name);
      rest &= ~bit;
    }
  }
  if (rest !== 0) out.push(rest >>> 0);
  return out;
}

/** A 64-bit flags value: the names of its known bits, then the unknown bits as one bigint. */
export function flags64(bits: readonly (readonly [bigint, string])[], x: bigint): (string | bigint)[] {
  const out: (string | bigint)[] = [];
  let rest = x;
  for (const [bit, name] of bits) {
    if ((x & bit) !== 0n) {
      out.push(name);
      rest &= ~bit;
    }
  }
  if (rest !== 0n) out.push(rest);
  return out;
}

type SetDecoder = (v: DataView, u8: Uint8Array, s: number, e: number) => DecodedObject;

/**
 * nest-type-value (nlctrl's policy dump): each level is one attribute whose type is a value.
 * YNL's shape: `{ [typeValue[i]]: type at level i, ...the innermost nest's attributes }`.
 * Further attributes beside the first at any level are kept under `$unknown`.
 */
export function ntv(v: DataView, u8: Uint8Array, s: number, e: number, keys: readonly string[], dec: SetDecoder): DecodedObject {
  const out: DecodedObject = {};
  const extra: { type: number; data: Uint8Array }[] = [];
  let a = s;
  let b = e;
  for (const key of keys) {
    if (a + 4 > b) return out;
    const len = v.getUint16(a, true);
    if (len < 4 || a + len > b) throw perrHeader(a, len, b, `nest-type-value level '${key}'`);
    for (let q = a + ((len + 3) & ~3); q + 4 <= b; ) {
      const l2 = v.getUint16(q, true);
      if (l2 < 4 || q + l2 > b) throw perrHeader(q, l2, b, `nest-type-value level '${key}'`);
      extra.push({ type: v.getUint16(q + 2, true) & 0x3fff, data: u8.slice(q + 4, q + l2) });
      q += (l2 + 3) & ~3;
    }
    out[key] = v.getUint16(a + 2, true) & 0x3fff;
    b = a + len;
    a += 4;
  }
  const inner = dec(v, u8, a, b);
  Object.assign(out, inner);
  if (extra.length > 0) out.$unknown = [...(inner.$unknown ?? []), ...extra];
  return out;
}

// ---- encoding ----

export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (Array.isArray(x)) return 'an array';
  if (x instanceof Uint8Array) return `${x.byteLength} bytes`;
  if (typeof x === 'string') return `'${x}'`;
  if (typeof x === 'bigint') return `${x}n`;
  if (typeof x === 'object') return 'an object';
  return String(x);
}

/** A request value that breaks the spec: where (in the codec's naming) and what. */
export class SpecValueError extends TypeError {
  override readonly name = 'SpecValueError';
  readonly code = 'ERR_NLKIT_VALUE';
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path || '(message)'}: ${problem}`);
  }
}

export function terr(path: string, message: string): SpecValueError {
  return new SpecValueError(path, message);
}

const LIMITS: Record<string, readonly [number, number]> = {
  u8: [0, 0xff],
  u16: [0, 0xffff],
  u32: [0, 0xffffffff],
  s8: [-0x80, 0x7f],
  s16: [-0x8000, 0x7fff],
  s32: [-0x80000000, 0x7fffffff],
};
const BIG_LIMITS: Record<string, readonly [bigint, bigint]> = {
  u64: [0n, 0xffffffffffffffffn],
  uint: [0n, 0xffffffffffffffffn],
  s64: [-0x8000000000000000n, 0x7fffffffffffffffn],
  sint: [-0x8000000000000000n, 0x7fffffffffffffffn],
};

export function toInt(x: unknown, kind: string, path: string): number {
  const [lo, hi] = LIMITS[kind];
  if (typeof x === 'number' && Number.isInteger(x) && x >= lo && x <= hi) return x;
  if (typeof x === 'bigint' && x >= BigInt(lo) && x <= BigInt(hi)) return Number(x);
  throw terr(path, `expected a ${kind} (an integer from ${lo} to ${hi}), got ${describe(x)}`);
}

export function toBig(x: unknown, kind: string, path: string): bigint {
  const [lo, hi] = BIG_LIMITS[kind];
  let v: bigint | undefined;
  if (typeof x === 'bigint') v = x;
  else if (typeof x === 'number' && Number.isSafeInteger(x)) v = BigInt(x);
  if (v === undefined || v < lo || v > hi) throw terr(path, `expected a ${kind} (a bigint from ${lo} to ${hi}), got ${describe(x)}`);
  return v;
}

function enumValue(def: EnumDefinition, name: string, path: string): number {
  const v = def.byName.get(name);
  if (v === undefined) {
    const names = def.entries.map((e) => e.name);
    const shown = names.length > 12 ? `${names.slice(0, 12).join(', ')}, …` : names.join(', ');
    throw terr(path, `'${name}' is not a value of ${def.kind} '${def.name}' (${shown})`);
  }
  return v;
}

/** An enum value: its name or a number (range-checked by the caller's integer conversion). */
export function toEnum(def: EnumDefinition, x: unknown, path: string): unknown {
  return typeof x === 'string' ? enumValue(def, x, path) : x;
}

/** The wire bit of a flags entry: `flags` definitions hold bit values, enums used as flags positions. */
export function flagBit(def: EnumDefinition, value: number): number {
  return def.kind === 'flags' ? value : 2 ** value;
}

/** Flags: an array of names and numbers, one name, or a number; OR-ed together. */
export function toFlags(def: EnumDefinition, x: unknown, path: string): number {
  if (typeof x === 'number') return x;
  const items = typeof x === 'string' ? [x] : x;
  if (!Array.isArray(items)) throw terr(path, `expected an array of ${def.name} flag names, got ${describe(x)}`);
  let out = 0;
  for (const item of items) {
    let bit: number;
    if (typeof item === 'string') bit = flagBit(def, enumValue(def, item, path));
    else if (typeof item === 'number' && Number.isInteger(item) && item >= 0) bit = item;
    else if (typeof item === 'bigint' && item >= 0n) bit = Number(item);
    else throw terr(path, `expected a flag name or a number, got ${describe(item)}`);
    out = (out | bit) >>> 0;
  }
  return out;
}

export function toFlags64(def: EnumDefinition, x: unknown, path: string): bigint {
  if (typeof x === 'bigint') return x;
  if (typeof x === 'number') return BigInt(x);
  const items = typeof x === 'string' ? [x] : x;
  if (!Array.isArray(items)) throw terr(path, `expected an array of ${def.name} flag names, got ${describe(x)}`);
  let out = 0n;
  for (const item of items) {
    if (typeof item === 'string') out |= BigInt(flagBit(def, enumValue(def, item, path)));
    else if (typeof item === 'bigint' || (typeof item === 'number' && Number.isSafeInteger(item))) out |= BigInt(item);
    else throw terr(path, `expected a flag name or a number, got ${describe(item)}`);
  }
  return out;
}

/** An integer attribute with display-hint ipv4: dotted text or the number. */
export function toIp4Number(x: unknown, path: string): unknown {
  if (typeof x !== 'string') return x;
  const b = parseIp4(x);
  if (!b) throw terr(path, `expected an IPv4 address, got ${describe(x)}`);
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

export function toStr(x: unknown, path: string): string {
  if (typeof x !== 'string') throw terr(path, `expected a string, got ${describe(x)}`);
  return x;
}

function hexBytes(x: string): Uint8Array | undefined {
  const clean = x.replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) return undefined;
  return Uint8Array.from({ length: clean.length / 2 }, (_, i) => parseInt(clean.slice(2 * i, 2 * i + 2), 16));
}

/** Binary: a Uint8Array, or text in the attribute's display hint (hex digits when it has none). */
export function toBytes(x: unknown, hint: DisplayHint | undefined, path: string): Uint8Array {
  if (x instanceof Uint8Array) return x;
  if (typeof x !== 'string') throw terr(path, `expected a Uint8Array${hint && hint !== 'hex' ? ` or ${hint} text` : ' or hex text'}, got ${describe(x)}`);
  let b: Uint8Array | undefined;
  switch (hint) {
    case 'mac':
    case 'fddi':
      b = parseMac(x);
      break;
    case 'ipv4':
      b = parseIp4(x);
      break;
    case 'ipv6':
      b = parseIp6(x);
      break;
    case 'ipv4-or-v6':
      b = x.includes(':') ? parseIp6(x) : parseIp4(x);
      break;
    case 'uuid':
      b = parseUuid(x);
      break;
    default:
      b = hexBytes(x);
  }
  if (!b) throw terr(path, `${describe(x)} is not ${hint && hint !== 'hex' ? `a valid ${hint} value` : 'hex text'}`);
  return b;
}

/** Text as UTF-8 (for struct string fields and length checks). */
export function utf8Bytes(x: string): Uint8Array {
  return encoder.encode(x);
}

const ARRAY_KINDS: Record<string, number> = { u8: 1, s8: 1, u16: 2, s16: 2, u32: 4, s32: 4, u64: 8, s64: 8 };

/** A binary attribute holding a C array of `kind` (binary with sub-type). */
export function cArray(x: unknown, kind: string, le: boolean, conv: ((y: unknown, p: string) => unknown) | undefined, path: string): Uint8Array {
  if (x instanceof Uint8Array) return x;
  if (!Array.isArray(x)) throw terr(path, `expected an array of ${kind}, got ${describe(x)}`);
  const size = ARRAY_KINDS[kind];
  const out = new Uint8Array(x.length * size);
  const dv = new DataView(out.buffer);
  x.forEach((item, i) => {
    const p = `${path}[${i}]`;
    const y = conv ? conv(item, p) : item;
    const at = i * size;
    switch (kind) {
      case 'u8': dv.setUint8(at, toInt(y, kind, p)); break;
      case 's8': dv.setInt8(at, toInt(y, kind, p)); break;
      case 'u16': dv.setUint16(at, toInt(y, kind, p), le); break;
      case 's16': dv.setInt16(at, toInt(y, kind, p), le); break;
      case 'u32': dv.setUint32(at, toInt(y, kind, p), le); break;
      case 's32': dv.setInt32(at, toInt(y, kind, p), le); break;
      case 'u64': dv.setBigUint64(at, toBig(y, kind, p), le); break;
      default: dv.setBigInt64(at, toBig(y, kind, p), le); break;
    }
  });
  return out;
}

export function toObject(x: unknown, path: string): Record<string, unknown> {
  if (x === null || typeof x !== 'object' || Array.isArray(x) || x instanceof Uint8Array) throw terr(path, `expected an object, got ${describe(x)}`);
  return x as Record<string, unknown>;
}

export function toArray(x: unknown, path: string): unknown[] {
  if (!Array.isArray(x)) throw terr(path, `expected an array, got ${describe(x)}`);
  return x;
}

/** `$unknown` written back: attributes decoded from a kernel that knew more than the spec. */
export function unknownOut(w: MessageWriter, x: unknown, path: string): void {
  for (const [i, item] of toArray(x, path).entries()) {
    const u = toObject(item, `${path}[${i}]`);
    w.binary(toInt(u.type, 'u16', `${path}[${i}].type`), toBytes(u.data, 'hex', `${path}[${i}].data`));
  }
}

/** Scratch space for struct attributes and big-endian integers the writer has no method for. */
/**
 * What a flags field with no bit set decodes to: one shared, frozen empty array. A dump of
 * 100,000 routes, nearly all without flags, would otherwise allocate 100,000 empty arrays.
 */
export const noFlags: readonly never[] = Object.freeze([]);

export const scratch = new Uint8Array(0x10000);
export const sv = new DataView(scratch.buffer);

/** A fixed-size struct field from bytes: exactly `len` of them (missing means zeros). */
export function putBytes(dv: DataView, at: number, len: number, b: Uint8Array, path: string): void {
  if (b.byteLength !== len) throw terr(path, `expected ${len} bytes, got ${b.byteLength}`);
  for (let i = 0; i < len; i++) dv.setUint8(at + i, b[i]);
}

/** A fixed-size struct string field: UTF-8, NUL-padded, at most `len` bytes. */
export function putCString(dv: DataView, at: number, len: number, x: unknown, path: string): void {
  const b = utf8Bytes(toStr(x, path));
  if (b.byteLength > len) throw terr(path, `'${String(x)}' takes ${b.byteLength} bytes, the field holds ${len}`);
  for (let i = 0; i < b.byteLength; i++) dv.setUint8(at + i, b[i]);
}

/** NLA_UINT/NLA_SINT in big-endian order: 4 bytes when the value fits, else 8. */
export function varIntBE(w: MessageWriter, type: number, v: bigint, signed: boolean): void {
  const fits = signed ? v >= -0x80000000n && v <= 0x7fffffffn : v <= 0xffffffffn;
  if (fits) {
    if (signed) sv.setInt32(0, Number(v), false);
    else sv.setUint32(0, Number(v), false);
    w.binary(type, scratch.subarray(0, 4));
  } else {
    if (signed) sv.setBigInt64(0, v, false);
    else sv.setBigUint64(0, v, false);
    w.binary(type, scratch.subarray(0, 8));
  }
}

/** A selector value as sub-message formats spell theirs. */
export function selKey(x: unknown): string | undefined {
  if (typeof x === 'string') return x;
  if (typeof x === 'number' || typeof x === 'bigint') return String(x);
  return undefined;
}

/** nest-type-value from YNL's shape: one nest per type-value key, the other keys inside. */
export function ntvOut(
  w: MessageWriter,
  type: number,
  x: unknown,
  keys: readonly string[],
  enc: (w: MessageWriter, o: object, p: string) => void,
  path: string,
): void {
  const o = toObject(x, path);
  const rest: Record<string, unknown> = { ...o };
  const tokens = [w.beginNest(type)];
  for (const key of keys) {
    tokens.push(w.beginNest(toInt(o[key], 'u16', `${path}.${key}`) & 0x3fff));
    delete rest[key];
  }
  enc(w, rest, path);
  for (let i = tokens.length - 1; i >= 0; i--) w.endNest(tokens[i]);
}
