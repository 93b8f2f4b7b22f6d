// Attribute policy validation with the semantics of the kernel's lib/nlattr.c (validate_nla,
// __nla_validate_parse, nla_validate_array, nla_validate_int_range, nla_validate_mask) and the
// policy description of net/netlink/policy.c (what GETPOLICY dumps and NLMSGERR_ATTR_POLICY
// carries). The error codes and extended-ACK messages are the kernel's own.
import { Attribute } from './attributes.js';
import * as C from './constants.js';
import { POLICY_TYPE_NAMES, type PolicyDescription } from './policy-description.js';

export type PolicyType =
  | 'unspec'
  | 'flag'
  | 'u8'
  | 'u16'
  | 'u32'
  | 'u64'
  | 's8'
  | 's16'
  | 's32'
  | 's64'
  | 'uint'
  | 'sint'
  | 'string'
  | 'nul-string'
  | 'binary'
  | 'nested'
  | 'nested-array'
  | 'bitfield32'
  | 'reject';

/** One entry of a policy: the kernel's struct nla_policy. */
export interface AttributePolicy {
  type: PolicyType;
  /**
   * The kernel's `.len`. For string/nul-string/binary: maximum length (a string's trailing NUL
   * not counted); for unspec: minimum length; for the integer types: a minimum length that
   * replaces the type's own size (rarely used).
   */
  len?: number;
  /** NLA_POLICY_MIN_LEN (binary). */
  minLen?: number;
  /** NLA_POLICY_MAX_LEN (binary). */
  maxLen?: number;
  /** NLA_POLICY_EXACT_LEN (binary): a range of exactly this length. */
  exactLen?: number;
  /** NLA_POLICY_MIN / NLA_POLICY_RANGE lower bound, for the integer types. */
  min?: number | bigint;
  /** NLA_POLICY_MAX / NLA_POLICY_RANGE upper bound, for the integer types. */
  max?: number | bigint;
  /** NLA_POLICY_MASK: the bits an unsigned integer may have set. */
  mask?: number | bigint;
  /** Valid bits for bitfield32 (the kernel rejects every value when this is 0 or unset). */
  bitfield32Valid?: number;
  /** The policy of the payload, for nested (its attributes) and nested-array (each element's). */
  nested?: Policy;
  /** For reject: the extended-ACK message instead of "Attribute failed policy validation". */
  rejectMessage?: string;
}

/** A policy: the kernel's nla_policy array plus its maxtype. */
export interface Policy {
  maxType: number;
  /** Entries by attribute type; a type up to maxType without an entry is 'unspec' (a zeroed entry). */
  attrs: Record<number, AttributePolicy>;
  /**
   * The kernel's policy[0].strict_start_type: attributes of this type and above are validated
   * strictly (and so is everything nested in them) even when the caller asked for liberal.
   */
  strictStartType?: number;
}

export interface ValidationFailure {
  /** Negative errno, as the kernel returns it: -22 (EINVAL) or -34 (ERANGE). */
  errno: number;
  /** The kernel's extended-ACK message. */
  message: string;
  /**
   * Byte offset, within the buffer given, of the offending attribute's header. For bytes left
   * over after the last attribute (the kernel names no attribute then) it is where they start.
   */
  offset: number;
  /** Attribute types from the outermost level down to the offending attribute. */
  path: number[];
  /**
   * The offending attribute's policy as NLMSGERR_ATTR_POLICY would carry it; absent where the
   * kernel sends none (unknown type, reserved bits, reject, unspec, leftover bytes).
   */
  policy?: PolicyDescription;
}

export type ValidationResult = { ok: true; attrs: Attribute[] } | { ok: false; failure: ValidationFailure };

const EINVAL = -22;
const ERANGE = -34;

// enum netlink_validation (include/net/netlink.h).
const V_TRAILING = 1 << 0;
const V_MAXTYPE = 1 << 1;
const V_UNSPEC = 1 << 2;
const V_STRICT_ATTRS = 1 << 3;
const V_NESTED = 1 << 4;
const V_STRICT = V_TRAILING | V_MAXTYPE | V_UNSPEC | V_STRICT_ATTRS | V_NESTED;

/** MAX_POLICY_RECURSION_DEPTH: also what keeps a self-referencing policy from recursing forever. */
const MAX_DEPTH = 10;

const MSG_FAILED = 'Attribute failed policy validation';
const MSG_LENGTH = 'invalid attribute length';
const MSG_LEFTOVER = 'bytes leftover after parsing attributes';

const U16_MAX = 0xffffn;

/** nla_attr_len: the exact size strict validation demands (liberal only warns when longer). */
const EXACT_SIZE: Partial<Record<PolicyType, number>> = { u8: 1, u16: 2, u32: 4, u64: 8, s8: 1, s16: 2, s32: 4, s64: 8 };
/** nla_attr_minlen. */
const MIN_SIZE: Partial<Record<PolicyType, number>> = { u8: 1, u16: 2, u32: 4, u64: 8, s8: 1, s16: 2, s32: 4, s64: 8, nested: C.NLA_HDRLEN };

const UNSIGNED_MAX: Partial<Record<PolicyType, bigint>> = {
  u8: 0xffn,
  u16: 0xffffn,
  u32: 0xffffffffn,
  u64: 0xffffffffffffffffn,
  uint: 0xffffffffffffffffn,
};
const SIGNED_RANGE: Partial<Record<PolicyType, readonly [bigint, bigint]>> = {
  s8: [-0x80n, 0x7fn],
  s16: [-0x8000n, 0x7fffn],
  s32: [-0x80000000n, 0x7fffffffn],
  s64: [-0x8000000000000000n, 0x7fffffffffffffffn],
  sint: [-0x8000000000000000n, 0x7fffffffffffffffn],
};

const NL_TYPE: Record<PolicyType, number> = {
  unspec: C.NL_ATTR_TYPE_INVALID,
  reject: C.NL_ATTR_TYPE_INVALID,
  flag: C.NL_ATTR_TYPE_FLAG,
  u8: C.NL_ATTR_TYPE_U8,
  u16: C.NL_ATTR_TYPE_U16,
  u32: C.NL_ATTR_TYPE_U32,
  u64: C.NL_ATTR_TYPE_U64,
  s8: C.NL_ATTR_TYPE_S8,
  s16: C.NL_ATTR_TYPE_S16,
  s32: C.NL_ATTR_TYPE_S32,
  s64: C.NL_ATTR_TYPE_S64,
  uint: C.NL_ATTR_TYPE_UINT,
  sint: C.NL_ATTR_TYPE_SINT,
  string: C.NL_ATTR_TYPE_STRING,
  'nul-string': C.NL_ATTR_TYPE_NUL_STRING,
  binary: C.NL_ATTR_TYPE_BINARY,
  nested: C.NL_ATTR_TYPE_NESTED,
  'nested-array': C.NL_ATTR_TYPE_NESTED_ARRAY,
  bitfield32: C.NL_ATTR_TYPE_BITFIELD32,
};

const UNSPEC: AttributePolicy = { type: 'unspec' };

function typeName(t: PolicyType): string {
  return POLICY_TYPE_NAMES[NL_TYPE[t]] ?? 'invalid';
}

function big(v: number | bigint, what: string): bigint {
  if (typeof v === 'bigint') return v;
  if (!Number.isSafeInteger(v)) throw new RangeError(`policy ${what} ${v} is not an integer`);
  return BigInt(v);
}

/** The unsigned range of an integer type or a binary's length (nla_get_range_unsigned). */
function unsignedRange(p: AttributePolicy): { min: bigint; max: bigint; hasMin: boolean; hasMax: boolean } {
  if (p.type === 'binary') {
    const lo = p.exactLen ?? p.minLen;
    const hi = p.exactLen ?? p.maxLen;
    return {
      min: lo === undefined ? 0n : big(lo, 'minLen'),
      max: hi === undefined ? U16_MAX : big(hi, 'maxLen'),
      hasMin: lo !== undefined,
      hasMax: hi !== undefined,
    };
  }
  return {
    min: p.min === undefined ? 0n : big(p.min, 'min'),
    max: p.max === undefined ? (UNSIGNED_MAX[p.type] ?? 0n) : big(p.max, 'max'),
    hasMin: p.min !== undefined,
    hasMax: p.max !== undefined,
  };
}

function signedRange(p: AttributePolicy): { min: bigint; max: bigint } {
  const [lo, hi] = SIGNED_RANGE[p.type] ?? [0n, 0n];
  return {
    min: p.min === undefined ? lo : big(p.min, 'min'),
    max: p.max === undefined ? hi : big(p.max, 'max'),
  };
}

/**
 * __netlink_policy_dump_write_attr. `dump` is true for GETPOLICY (which knows the nested
 * policy's maxtype), false for the extended ACK (which has no dump state and says only the
 * type of a nest). Undefined where the kernel writes nothing (unspec, reject).
 */
function describe(p: AttributePolicy, dump: boolean): PolicyDescription | undefined {
  const type = typeName(p.type);
  switch (p.type) {
    case 'unspec':
    case 'reject':
      return undefined;
    case 'flag':
      return { type };
    case 'nested':
    case 'nested-array': {
      const d: PolicyDescription = { type };
      if (dump && p.nested && p.nested.maxType > 0) d.policyMaxtype = p.nested.maxType;
      return d;
    }
    case 'u8':
    case 'u16':
    case 'u32':
    case 'u64':
    case 'uint': {
      const d: PolicyDescription = { type };
      if (p.mask !== undefined) {
        // NLA_VALIDATE_MASK: the kernel describes the mask and no range. A policy here may
        // carry both (the kernel's cannot); then both are checked, so both are described.
        d.mask = BigInt.asUintN(64, big(p.mask, 'mask'));
        if (p.min === undefined && p.max === undefined) return d;
      }
      const r = unsignedRange(p);
      d.minValueU = r.min;
      d.maxValueU = r.max;
      return d;
    }
    case 's8':
    case 's16':
    case 's32':
    case 's64':
    case 'sint': {
      const r = signedRange(p);
      return { type, minValueS: r.min, maxValueS: r.max };
    }
    case 'bitfield32':
      return { type, bitfield32Mask: (p.bitfield32Valid ?? 0) >>> 0 };
    case 'string':
    case 'nul-string':
    case 'binary': {
      const d: PolicyDescription = { type };
      const r = p.type === 'binary' ? unsignedRange(p) : undefined;
      if (r && r.hasMin && r.hasMax) {
        // Only NLA_VALIDATE_RANGE is described as lengths; the kernel says nothing of a
        // min-only or max-only length (NLA_POLICY_MIN_LEN / NLA_POLICY_MAX_LEN).
        if (r.min > 0n) d.minLength = Number(r.min);
        if (r.max < U16_MAX) d.maxLength = Number(r.max);
      } else if (p.len) {
        d.maxLength = p.len;
      }
      return d;
    }
  }
}

/**
 * The policy described as GETPOLICY would report it (policy index aside, which only a dump
 * assigns). For 'unspec' and 'reject', which the kernel leaves out of dumps, the type is 'invalid'.
 */
export function describePolicy(p: AttributePolicy): PolicyDescription {
  return describe(p, true) ?? { type: POLICY_TYPE_NAMES[C.NL_ATTR_TYPE_INVALID] ?? 'invalid' };
}

interface Ctx {
  bytes: Uint8Array;
  view: DataView;
  /** Types of the nests being walked, outermost first. */
  path: number[];
}

function failure(c: Ctx, errno: number, message: string, offset: number, type: number | undefined, pol?: AttributePolicy): ValidationFailure {
  const path = type === undefined ? c.path.slice() : [...c.path, type];
  const f: ValidationFailure = { errno, message, offset, path };
  const d = pol && describe(pol, false);
  if (d) f.policy = d;
  return f;
}

/** __nla_validate_parse over bytes[start, end). Fills `tb` when given. */
function walk(c: Ctx, start: number, end: number, policy: Policy, validate: number, depth: number, tb: Attribute[] | undefined): ValidationFailure | undefined {
  const view = c.view;
  let off = start;
  while (end - off >= C.NLA_HDRLEN) {
    const len = view.getUint16(off, true);
    if (len < C.NLA_HDRLEN || len > end - off) break; // !nla_ok: the rest is leftover
    const raw = view.getUint16(off + 2, true);
    const type = raw & C.NLA_TYPE_MASK;
    if (type === 0 || type > policy.maxType) {
      if (validate & V_MAXTYPE) return failure(c, EINVAL, 'Unknown attribute type', off, type);
    } else {
      const f = validateOne(c, off, len - C.NLA_HDRLEN, raw, type, policy, validate, depth);
      if (f) return f;
      if (tb) tb[type] = new Attribute(c.bytes, view, type, off + C.NLA_HDRLEN, len - C.NLA_HDRLEN, raw);
    }
    off += (len + 3) & ~3;
  }
  const rem = end - off;
  if (rem >= C.NLA_HDRLEN) {
    // An attribute header whose nla_len is below 4 or past its parent. The kernel stops there
    // and (unless validating strictly) ignores the rest; a truncated or corrupt stream is
    // refused here whatever the mode, with the message the kernel gives it.
    return failure(c, EINVAL, MSG_LEFTOVER, off, view.getUint16(off + 2, true) & C.NLA_TYPE_MASK);
  }
  if (rem > 0 && validate & V_TRAILING) return failure(c, EINVAL, MSG_LEFTOVER, off, undefined);
  return undefined;
}

/** nla_validate_array: each element is a nest validated against `policy`; their types are free. */
function walkArray(c: Ctx, start: number, end: number, policy: Policy, validate: number, depth: number): ValidationFailure | undefined {
  const view = c.view;
  let off = start;
  while (end - off >= C.NLA_HDRLEN) {
    const len = view.getUint16(off, true);
    if (len < C.NLA_HDRLEN || len > end - off) break;
    const type = view.getUint16(off + 2, true) & C.NLA_TYPE_MASK;
    const attrlen = len - C.NLA_HDRLEN;
    if (attrlen > 0) {
      if (attrlen < C.NLA_HDRLEN) {
        return failure(c, ERANGE, 'Array element too short', off, type, policy.attrs[0] ?? UNSPEC);
      }
      if (depth + 1 >= MAX_DEPTH) return failure(c, EINVAL, 'allowed policy recursion depth exceeded', off, type);
      c.path.push(type);
      const f = walk(c, off + C.NLA_HDRLEN, off + len, policy, validate, depth + 1, undefined);
      c.path.pop();
      if (f) return f;
    }
    off += (len + 3) & ~3;
  }
  // The kernel does not check for leftover bytes between elements, even strictly; a corrupt
  // element header is still refused (see walk).
  if (end - off >= C.NLA_HDRLEN) {
    return failure(c, EINVAL, MSG_LEFTOVER, off, view.getUint16(off + 2, true) & C.NLA_TYPE_MASK);
  }
  return undefined;
}

function checkString(c: Ctx, payload: number, attrlen: number, pt: AttributePolicy, nul: boolean, fail: (errno: number) => ValidationFailure): ValidationFailure | undefined {
  if (nul) {
    const scan = pt.len ? Math.min(attrlen, pt.len + 1) : attrlen;
    let found = false;
    for (let i = 0; i < scan; i++) {
      if (c.bytes[payload + i] === 0) {
        found = true;
        break;
      }
    }
    if (!found) return fail(EINVAL);
  }
  if (attrlen < 1) return fail(ERANGE);
  if (pt.len) {
    const n = c.bytes[payload + attrlen - 1] === 0 ? attrlen - 1 : attrlen;
    if (n > pt.len) return fail(ERANGE);
  }
  return undefined;
}

function readUnsigned(view: DataView, at: number, attrlen: number, t: PolicyType): bigint {
  switch (t) {
    case 'u8':
      return BigInt(view.getUint8(at));
    case 'u16':
      return BigInt(view.getUint16(at, true));
    case 'u32':
      return BigInt(view.getUint32(at, true));
    case 'uint':
      return attrlen === 4 ? BigInt(view.getUint32(at, true)) : view.getBigUint64(at, true);
    default:
      return view.getBigUint64(at, true);
  }
}

function readSigned(view: DataView, at: number, attrlen: number, t: PolicyType): bigint {
  switch (t) {
    case 's8':
      return BigInt(view.getInt8(at));
    case 's16':
      return BigInt(view.getInt16(at, true));
    case 's32':
      return BigInt(view.getInt32(at, true));
    case 'sint':
      return attrlen === 4 ? BigInt(view.getInt32(at, true)) : view.getBigInt64(at, true);
    default:
      return view.getBigInt64(at, true);
  }
}

/** validate_nla for one attribute whose type is within 1..maxType. */
function validateOne(c: Ctx, off: number, attrlen: number, raw: number, type: number, policy: Policy, validate: number, depth: number): ValidationFailure | undefined {
  let v = validate;
  if (policy.strictStartType && type >= policy.strictStartType) v |= V_STRICT;
  const pt = policy.attrs[type] ?? UNSPEC;
  const payload = off + C.NLA_HDRLEN;
  const withPolicy = (errno: number, message: string): ValidationFailure => failure(c, errno, message, off, type, pt);
  const outErr = (errno: number): ValidationFailure => withPolicy(errno, MSG_FAILED);

  const exact = EXACT_SIZE[pt.type];
  if (exact !== undefined && attrlen !== exact && v & V_STRICT_ATTRS) return withPolicy(EINVAL, MSG_LENGTH);

  if (v & V_NESTED) {
    const nestedType = pt.type === 'nested' || pt.type === 'nested-array';
    const flagged = (raw & C.NLA_F_NESTED) !== 0;
    if (nestedType && !flagged) return withPolicy(EINVAL, 'NLA_F_NESTED is missing');
    if (!nestedType && pt.type !== 'unspec' && flagged) return withPolicy(EINVAL, 'NLA_F_NESTED not expected');
  }

  switch (pt.type) {
    case 'reject':
      if (pt.rejectMessage !== undefined) return failure(c, EINVAL, pt.rejectMessage, off, type);
      return outErr(EINVAL);
    case 'flag':
      if (attrlen > 0) return outErr(ERANGE);
      break;
    case 'uint':
    case 'sint':
      if (attrlen !== 4 && attrlen !== 8) return withPolicy(EINVAL, MSG_LENGTH);
      break;
    case 'bitfield32': {
      if (attrlen !== 8) return outErr(ERANGE);
      const valid = (pt.bitfield32Valid ?? 0) >>> 0;
      const value = c.view.getUint32(payload, true);
      const selector = c.view.getUint32(payload + 4, true);
      // validate_nla_bitfield32: no valid bits at all, a selector or value bit outside them,
      // or a value bit that is not selected.
      if (!valid || (selector & ~valid) !== 0 || (value & ~valid) !== 0 || (value & ~selector) !== 0) return outErr(EINVAL);
      break;
    }
    case 'nul-string':
    case 'string': {
      const f = checkString(c, payload, attrlen, pt, pt.type === 'nul-string', outErr);
      if (f) return f;
      break;
    }
    case 'binary':
      if (pt.len && attrlen > pt.len) return outErr(ERANGE);
      break;
    case 'nested':
    case 'nested-array': {
      // An empty nest is allowed; a non-empty one holds at least one attribute header.
      if (attrlen === 0) break;
      if (attrlen < C.NLA_HDRLEN) return outErr(ERANGE);
      if (!pt.nested) break;
      let f: ValidationFailure | undefined;
      if (pt.type === 'nested') {
        // The kernel checks the depth on entering the nest's parse, before any of its bytes.
        if (depth + 1 >= MAX_DEPTH) return failure(c, EINVAL, 'allowed policy recursion depth exceeded', off, type);
        c.path.push(type);
        f = walk(c, payload, payload + attrlen, pt.nested, v, depth + 1, undefined);
      } else {
        c.path.push(type);
        f = walkArray(c, payload, payload + attrlen, pt.nested, v, depth);
      }
      c.path.pop();
      if (f) return f;
      break;
    }
    case 'unspec':
      if (v & V_UNSPEC) return failure(c, EINVAL, 'Unsupported attribute', off, type);
      if (attrlen < (pt.len ?? 0)) return outErr(ERANGE);
      break;
    default: {
      const min = pt.len || (MIN_SIZE[pt.type] ?? 0);
      if (attrlen < min) return outErr(ERANGE);
    }
  }

  // Further validation: ranges and masks (validation_type).
  switch (pt.type) {
    case 'u8':
    case 'u16':
    case 'u32':
    case 'u64':
    case 'uint': {
      if (pt.min === undefined && pt.max === undefined && pt.mask === undefined) break;
      const value = readUnsigned(c.view, payload, attrlen, pt.type);
      if (pt.min !== undefined || pt.max !== undefined) {
        const r = unsignedRange(pt);
        if (value < r.min || value > r.max) return withPolicy(ERANGE, 'integer out of range');
      }
      if (pt.mask !== undefined && (value & ~BigInt.asUintN(64, big(pt.mask, 'mask'))) !== 0n) {
        return failure(c, EINVAL, 'reserved bit set', off, type);
      }
      break;
    }
    case 's8':
    case 's16':
    case 's32':
    case 's64':
    case 'sint': {
      if (pt.min === undefined && pt.max === undefined) break;
      const value = readSigned(c.view, payload, attrlen, pt.type);
      const r = signedRange(pt);
      if (value < r.min || value > r.max) return withPolicy(ERANGE, 'integer out of range');
      break;
    }
    case 'binary': {
      if (pt.minLen === undefined && pt.maxLen === undefined && pt.exactLen === undefined) break;
      const r = unsignedRange(pt);
      const n = BigInt(attrlen);
      if (n < r.min || n > r.max) return withPolicy(ERANGE, 'binary attribute size out of range');
      break;
    }
    default:
      break;
  }
  return undefined;
}

/**
 * Validates the attributes in bytes[start, end) against `policy` as the kernel's
 * __nla_parse() would, and returns its tb[] table: index = type, for types 1..maxType, the
 * last of duplicates winning; unknown types are not in it. `strict` is NL_VALIDATE_STRICT (what
 * genetlink applies to new families and commands); the default is NL_VALIDATE_LIBERAL.
 * Never throws on any bytes; throws RangeError for bounds outside the buffer, or a policy whose
 * bounds are not integers.
 */
export function validateAttributes(
  bytes: Uint8Array,
  view: DataView,
  start: number,
  end: number,
  policy: Policy,
  opts?: { strict?: boolean },
): ValidationResult {
  const size = Math.min(bytes.byteLength, view.byteLength);
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start > end || end > size) {
    throw new RangeError(`validateAttributes: [${start}, ${end}) is not within the ${size}-byte buffer`);
  }
  const tb: Attribute[] = [];
  // Sized like the kernel's tb[maxtype + 1]; the entries stay holes until an attribute fills them.
  if (Number.isSafeInteger(policy.maxType) && policy.maxType >= 0 && policy.maxType <= 0xffff) tb.length = policy.maxType + 1;
  const c: Ctx = { bytes, view, path: [] };
  const f = walk(c, start, end, policy, opts?.strict ? V_STRICT : 0, 0, tb);
  return f ? { ok: false, failure: f } : { ok: true, attrs: tb };
}

/**
 * GENL_REQ_ATTR_CHECK over several types, in order: the first of `types` absent from `attrs` (a
 * tb[] as validateAttributes returns), which the kernel reports as NLMSGERR_ATTR_MISS_TYPE
 * (no message; the command then fails with -EINVAL); undefined when all are present.
 */
export function requireAttributes(attrs: Attribute[], types: number[]): { missingType: number } | undefined {
  for (const t of types) if (attrs[t] === undefined) return { missingType: t };
  return undefined;
}
