import * as C from './constants.js';
import { forEachAttribute } from './attributes.js';

/** Names of enum netlink_attribute_type, as the kernel's YNL spells them. */
export const POLICY_TYPE_NAMES: Record<number, string> = {
  [C.NL_ATTR_TYPE_INVALID]: 'invalid',
  [C.NL_ATTR_TYPE_FLAG]: 'flag',
  [C.NL_ATTR_TYPE_U8]: 'u8',
  [C.NL_ATTR_TYPE_U16]: 'u16',
  [C.NL_ATTR_TYPE_U32]: 'u32',
  [C.NL_ATTR_TYPE_U64]: 'u64',
  [C.NL_ATTR_TYPE_S8]: 's8',
  [C.NL_ATTR_TYPE_S16]: 's16',
  [C.NL_ATTR_TYPE_S32]: 's32',
  [C.NL_ATTR_TYPE_S64]: 's64',
  [C.NL_ATTR_TYPE_BINARY]: 'binary',
  [C.NL_ATTR_TYPE_STRING]: 'string',
  [C.NL_ATTR_TYPE_NUL_STRING]: 'nul-string',
  [C.NL_ATTR_TYPE_NESTED]: 'nested',
  [C.NL_ATTR_TYPE_NESTED_ARRAY]: 'nested-array',
  [C.NL_ATTR_TYPE_BITFIELD32]: 'bitfield32',
  [C.NL_ATTR_TYPE_SINT]: 'sint',
  [C.NL_ATTR_TYPE_UINT]: 'uint',
};

/**
 * One attribute's policy as the kernel describes it (NL_POLICY_TYPE_ATTR_*), in policy dumps
 * and in the extended ACK; field names are nlctrl's policy-attrs. A type the kernel adds later
 * stays a number.
 */
export interface PolicyDescription {
  type: string | number;
  minValueS?: bigint;
  maxValueS?: bigint;
  minValueU?: bigint;
  maxValueU?: bigint;
  minLength?: number;
  maxLength?: number;
  /** For nested types: the index of the nested policy in the same dump. */
  policyIdx?: number;
  policyMaxtype?: number;
  bitfield32Mask?: number;
  mask?: bigint;
}

/** Decodes the NL_POLICY_TYPE_ATTR_* attributes in view[start, end). */
export function decodePolicyDescription(view: DataView, start: number, end: number): PolicyDescription {
  const d: PolicyDescription = { type: 'invalid' };
  forEachAttribute(view, start, end, (t, off, len) => {
    switch (t) {
      case C.NL_POLICY_TYPE_ATTR_TYPE:
        if (len >= 4) {
          const n = view.getUint32(off, true);
          d.type = POLICY_TYPE_NAMES[n] ?? n;
        }
        break;
      case C.NL_POLICY_TYPE_ATTR_MIN_VALUE_S:
        if (len >= 8) d.minValueS = view.getBigInt64(off, true);
        break;
      case C.NL_POLICY_TYPE_ATTR_MAX_VALUE_S:
        if (len >= 8) d.maxValueS = view.getBigInt64(off, true);
        break;
      case C.NL_POLICY_TYPE_ATTR_MIN_VALUE_U:
        if (len >= 8) d.minValueU = view.getBigUint64(off, true);
        break;
      case C.NL_POLICY_TYPE_ATTR_MAX_VALUE_U:
        if (len >= 8) d.maxValueU = view.getBigUint64(off, true);
        break;
      case C.NL_POLICY_TYPE_ATTR_MIN_LENGTH:
        if (len >= 4) d.minLength = view.getUint32(off, true);
        break;
      case C.NL_POLICY_TYPE_ATTR_MAX_LENGTH:
        if (len >= 4) d.maxLength = view.getUint32(off, true);
        break;
      case C.NL_POLICY_TYPE_ATTR_POLICY_IDX:
        if (len >= 4) d.policyIdx = view.getUint32(off, true);
        break;
      case C.NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE:
        if (len >= 4) d.policyMaxtype = view.getUint32(off, true);
        break;
      case C.NL_POLICY_TYPE_ATTR_BITFIELD32_MASK:
        if (len >= 4) d.bitfield32Mask = view.getUint32(off, true);
        break;
      case C.NL_POLICY_TYPE_ATTR_MASK:
        if (len >= 8) d.mask = view.getBigUint64(off, true);
        break;
      default:
        break;
    }
  });
  return d;
}

