// The messages that end a request, built as the kernel builds them: netlink_ack() (NLMSG_ERROR
// with the request's header, the whole request unless the sender set NETLINK_CAP_ACK, and the
// extended-ACK TLVs if it set NETLINK_EXT_ACK) and netlink_dump_done() (NLMSG_DONE with the
// dump's status and, since "netlink: support all extack types in dumps", the same TLVs).
import * as C from '../wire/constants.js';
import { MessageWriter, NLMSG_HDRLEN, POLICY_TYPE_NAMES, type PolicyDescription } from '../wire/index.js';
import type { ErrorReport, Peer } from './types.js';

const POLICY_TYPE_NUMBERS = new Map(Object.entries(POLICY_TYPE_NAMES).map(([n, name]) => [name, Number(n)]));

/**
 * __netlink_policy_dump_write_attr without dump state (as the extended ACK carries it): the
 * type's limits, then NL_POLICY_TYPE_ATTR_TYPE last.
 */
export function writePolicyDescription(w: MessageWriter, attrType: number, d: PolicyDescription): void {
  w.nest(attrType, (n) => {
    if (d.mask !== undefined) n.u64(C.NL_POLICY_TYPE_ATTR_MASK, d.mask);
    if (d.minValueU !== undefined) n.u64(C.NL_POLICY_TYPE_ATTR_MIN_VALUE_U, d.minValueU);
    if (d.maxValueU !== undefined) n.u64(C.NL_POLICY_TYPE_ATTR_MAX_VALUE_U, d.maxValueU);
    if (d.minValueS !== undefined) n.s64(C.NL_POLICY_TYPE_ATTR_MIN_VALUE_S, d.minValueS);
    if (d.maxValueS !== undefined) n.s64(C.NL_POLICY_TYPE_ATTR_MAX_VALUE_S, d.maxValueS);
    if (d.minLength !== undefined) n.u32(C.NL_POLICY_TYPE_ATTR_MIN_LENGTH, d.minLength);
    if (d.maxLength !== undefined) n.u32(C.NL_POLICY_TYPE_ATTR_MAX_LENGTH, d.maxLength);
    if (d.policyIdx !== undefined) n.u32(C.NL_POLICY_TYPE_ATTR_POLICY_IDX, d.policyIdx);
    if (d.policyMaxtype !== undefined) n.u32(C.NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE, d.policyMaxtype);
    if (d.bitfield32Mask !== undefined) n.u32(C.NL_POLICY_TYPE_ATTR_BITFIELD32_MASK, d.bitfield32Mask);
    const type = typeof d.type === 'number' ? d.type : (POLICY_TYPE_NUMBERS.get(d.type) ?? C.NL_ATTR_TYPE_INVALID);
    n.u32(C.NL_POLICY_TYPE_ATTR_TYPE, type);
  });
}

/** nlmsg_check_in_payload: an offset the kernel reports points into the request's payload. */
function inPayload(offset: number | undefined, requestLength: number): offset is number {
  return offset !== undefined && offset >= NLMSG_HDRLEN && offset < requestLength;
}

/** netlink_ack_tlv_fill: the message and cookie always; the rest only for an error. */
function writeTlvs(w: MessageWriter, errno: number, r: ErrorReport, requestLength: number): void {
  if (r.message !== undefined) w.string(C.NLMSGERR_ATTR_MSG, r.message);
  if (r.cookie !== undefined) w.binary(C.NLMSGERR_ATTR_COOKIE, r.cookie);
  if (errno === 0) return;
  if (inPayload(r.offset, requestLength)) w.u32(C.NLMSGERR_ATTR_OFFS, r.offset);
  if (r.policy !== undefined) writePolicyDescription(w, C.NLMSGERR_ATTR_POLICY, r.policy);
  if (r.missingType !== undefined && r.missingType !== 0) w.u32(C.NLMSGERR_ATTR_MISS_TYPE, r.missingType);
  if (inPayload(r.missingNest, requestLength)) w.u32(C.NLMSGERR_ATTR_MISS_NEST, r.missingNest);
}

/** netlink_ack_tlv_len() > 0: whether any TLV will be written. */
function hasTlvs(errno: number, r: ErrorReport | undefined): boolean {
  if (!r) return false;
  if (r.message !== undefined || r.cookie !== undefined) return true;
  return errno !== 0 && (r.offset !== undefined || r.policy !== undefined || !!r.missingType || r.missingNest !== undefined);
}

function requestLength(request: Uint8Array): number {
  return Math.min(new DataView(request.buffer, request.byteOffset, request.byteLength).getUint32(0, true), request.byteLength);
}

/**
 * netlink_ack(): the NLMSG_ERROR answering `request` (one whole message, header included) for
 * `peer`. `errno` is 0 for an ACK or negative.
 */
export function buildAck(request: Uint8Array, errno: number, peer: Peer, report?: ErrorReport): Uint8Array {
  const seq = new DataView(request.buffer, request.byteOffset, request.byteLength).getUint32(8, true);
  const length = requestLength(request);
  const full = errno !== 0 && !peer.capAck;
  const tlvs = peer.extAck && hasTlvs(errno, report);
  const flags = (full ? 0 : C.NLM_F_CAPPED) | (tlvs ? C.NLM_F_ACK_TLVS : 0);
  const w = new MessageWriter(64 + (full ? length : NLMSG_HDRLEN) + (tlvs ? 128 : 0));
  w.begin(C.NLMSG_ERROR, flags, seq, peer.portId);
  const at = w.header(4);
  w.dataView.setInt32(at, errno, true);
  w.header(request.subarray(0, full ? length : NLMSG_HDRLEN));
  if (tlvs) writeTlvs(w, errno, report!, length);
  return w.end().finish();
}

/**
 * netlink_dump_done(): appends NLMSG_DONE (NLM_F_MULTI, NLM_F_DUMP_INTR if the dump was
 * inconsistent) answering the dump `request`, with the dump's status and, if the reader asked
 * for extended ACKs, the TLVs (offsets count from the start of the request).
 */
export function writeDone(w: MessageWriter, request: Uint8Array, peer: Peer, errno: number, interrupted: boolean, report?: ErrorReport): void {
  const seq = new DataView(request.buffer, request.byteOffset, request.byteLength).getUint32(8, true);
  const tlvs = peer.extAck && hasTlvs(errno, report);
  w.begin(C.NLMSG_DONE, C.NLM_F_MULTI | (interrupted ? C.NLM_F_DUMP_INTR : 0) | (tlvs ? C.NLM_F_ACK_TLVS : 0), seq, peer.portId);
  const at = w.header(4);
  w.dataView.setInt32(at, errno, true);
  if (tlvs) writeTlvs(w, errno, report!, requestLength(request));
  w.end();
}
