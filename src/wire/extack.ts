import * as C from './constants.js';
import { forEachAttribute } from './attributes.js';
import { NetlinkProtocolError, type ExtendedAck } from './errors.js';
import type { NetlinkMessage } from './message.js';
import { align4, viewOf } from './message.js';
import { decodePolicyDescription } from './policy-description.js';

const decoder = new TextDecoder();

/** The header of the request an NLMSG_ERROR answers (struct nlmsgerr's copy of it). */
export interface AckedHeader {
  length: number;
  type: number;
  flags: number;
  seq: number;
  portId: number;
}

export interface ErrorReply {
  /** 0 for an ACK, a negative errno for an error. */
  error: number;
  acked: AckedHeader;
  /** The extended ACK TLVs, if the kernel sent any (offsets not yet resolved to paths). */
  extack: ExtendedAck | undefined;
}

function decodeTlvs(view: DataView, start: number, end: number): ExtendedAck | undefined {
  if (start >= end) return undefined;
  const ext: ExtendedAck = {};
  let any = false;
  forEachAttribute(view, start, end, (t, off, len) => {
    any = true;
    switch (t) {
      case C.NLMSGERR_ATTR_MSG: {
        const b = new Uint8Array(view.buffer, view.byteOffset + off, len);
        const nul = b.indexOf(0);
        ext.message = decoder.decode(nul < 0 ? b : b.subarray(0, nul));
        break;
      }
      case C.NLMSGERR_ATTR_OFFS:
        if (len >= 4) ext.offset = view.getUint32(off, true);
        break;
      case C.NLMSGERR_ATTR_COOKIE:
        ext.cookie = new Uint8Array(view.buffer.slice(view.byteOffset + off, view.byteOffset + off + len));
        break;
      case C.NLMSGERR_ATTR_POLICY:
        ext.policy = decodePolicyDescription(view, off, off + len);
        break;
      case C.NLMSGERR_ATTR_MISS_TYPE:
        if (len >= 4) ext.missingType = view.getUint32(off, true);
        break;
      case C.NLMSGERR_ATTR_MISS_NEST:
        if (len >= 4) ext.missingNest = view.getUint32(off, true);
        break;
      default:
        break;
    }
  });
  return any ? ext : undefined;
}

/** Decodes an NLMSG_ERROR message: the errno, the acknowledged header and the extended ACK. */
export function decodeError(msg: NetlinkMessage): ErrorReply {
  const view = msg.view;
  const p = msg.payloadOffset;
  if (msg.end - p < 4 + C.NLMSG_HDRLEN) {
    throw new NetlinkProtocolError(msg.offset, `NLMSG_ERROR of ${msg.length} bytes is shorter than struct nlmsgerr (36 bytes)`);
  }
  const error = view.getInt32(p, true);
  const h = p + 4;
  const acked: AckedHeader = {
    length: view.getUint32(h, true),
    type: view.getUint16(h + 4, true),
    flags: view.getUint16(h + 6, true),
    seq: view.getUint32(h + 8, true),
    portId: view.getUint32(h + 12, true),
  };
  let extack: ExtendedAck | undefined;
  if (msg.flags & C.NLM_F_ACK_TLVS) {
    let hlen = 4 + C.NLMSG_HDRLEN;
    if (!(msg.flags & C.NLM_F_CAPPED)) hlen += Math.max(0, acked.length - C.NLMSG_HDRLEN);
    const start = p + align4(hlen);
    if (start <= msg.end) extack = decodeTlvs(view, start, msg.end);
  }
  return { error, acked, extack };
}

/** Decodes an NLMSG_DONE: the dump's final status (0 or -errno) and its extended ACK. */
export function decodeDone(msg: NetlinkMessage): { error: number; extack: ExtendedAck | undefined } {
  const p = msg.payloadOffset;
  // Some families end dumps with an empty NLMSG_DONE; that is success.
  if (msg.end - p < 4) return { error: 0, extack: undefined };
  const error = msg.view.getInt32(p, true);
  const extack = msg.flags & C.NLM_F_ACK_TLVS ? decodeTlvs(msg.view, p + 4, msg.end) : undefined;
  return { error, extack };
}

/**
 * Finds the attribute at `offset` (counted from the start of the request's nlmsghdr, as
 * NLMSGERR_ATTR_OFFS is) in the request that was sent: the types of the attributes containing
 * it, outermost first. An attribute whose payload holds the offset is descended into when its
 * payload parses as attributes. Returns [] when the offset is in no attribute.
 */
export function attributePathAt(request: Uint8Array, offset: number, headerSize: number): number[] {
  const view = viewOf(request);
  if (request.byteLength < C.NLMSG_HDRLEN) return [];
  const end = Math.min(request.byteLength, view.getUint32(0, true));
  const path: number[] = [];
  let start = C.NLMSG_HDRLEN + align4(headerSize);
  let limit = end;
  for (;;) {
    let hit: { type: number; off: number; len: number } | undefined;
    try {
      forEachAttribute(view, start, limit, (type, off, len) => {
        const hdr = off - C.NLA_HDRLEN;
        if (hit === undefined && offset >= hdr && offset < off + len) hit = { type, off, len };
      });
    } catch {
      return path;
    }
    if (!hit) return path;
    path.push(hit.type);
    if (offset === hit.off - C.NLA_HDRLEN || hit.len < C.NLA_HDRLEN) return path;
    start = hit.off;
    limit = hit.off + hit.len;
  }
}

/** `.3.1` for [3, 1]; names from `name` where it knows them. */
export function formatAttributePath(path: number[], name?: (depth: number, type: number, path: number[]) => string | undefined): string {
  return path.map((t, i) => `.${name?.(i, t, path.slice(0, i + 1)) ?? t}`).join('');
}

/** Fills attributePath / attribute / missingNestPath from the request that was sent. */
export function resolveExtendedAck(ext: ExtendedAck, request: Uint8Array | undefined, headerSize: number): ExtendedAck {
  if (!request) return ext;
  if (ext.offset !== undefined) {
    ext.attributePath = attributePathAt(request, ext.offset, headerSize);
    if (ext.attributePath.length > 0) ext.attribute = formatAttributePath(ext.attributePath);
  }
  if (ext.missingNest !== undefined) ext.missingNestPath = attributePathAt(request, ext.missingNest, headerSize);
  return ext;
}
