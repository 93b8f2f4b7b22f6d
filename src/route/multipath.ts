// RTA_MULTIPATH, which rt-route leaves binary: a run of struct rtnexthop heads (linux/rtnetlink.h:
// u16 rtnh_len, u8 rtnh_flags, u8 rtnh_hops, s32 rtnh_ifindex), each followed by that next hop's
// own route attributes and aligned to 4 bytes. The heads are written and read here; the
// attributes after each are route-attrs, encoded and decoded by the spec's compiled set.
import type { CompiledSet, DecodedObject } from '../spec/index.js';
import { flags32 } from '../spec/runtime.js';
import { MessageWriter, NetlinkProtocolError } from '../wire/index.js';

const RTNH_SIZE = 8;

/** RTNH_F_* bits (linux/rtnetlink.h), named as the rt-route spec's rtnh-flags. */
const RTNH_FLAGS: readonly [number, string][] = [
  [1, 'dead'],
  [2, 'pervasive'],
  [4, 'onlink'],
  [8, 'offload'],
  [16, 'linkdown'],
  [32, 'unresolved'],
  [64, 'trap'],
];

export const RTNH_F_ONLINK = 4;

/** One next hop of a multipath route: its head, plus its route attributes as the spec decodes them. */
export interface NextHop extends DecodedObject {
  ifindex: number;
  /** The link's name. */
  dev: string | undefined;
  gateway?: string;
  /** rtnh_hops + 1, as ip prints it. */
  weight: number;
  flags: (string | number)[];
}

/** One next hop to encode: its head's fields and its route attributes (`{ gateway: '10.0.0.1' }`). */
export interface NextHopRequest {
  ifindex: number;
  /** 1 to 256. */
  weight: number;
  flags: number;
  attrs: object;
}

export function encodeMultipath(routeAttrs: CompiledSet, hops: readonly NextHopRequest[]): Uint8Array {
  const w = new MessageWriter(64 + hops.length * 32);
  for (const h of hops) {
    const at = w.header(RTNH_SIZE);
    routeAttrs.encode(w, h.attrs);
    const view = w.dataView;
    view.setUint16(at, w.length - at, true);
    view.setUint8(at + 2, h.flags);
    view.setUint8(at + 3, h.weight - 1);
    view.setInt32(at + 4, h.ifindex, true);
  }
  return w.finish();
}

/** The next hops of an RTA_MULTIPATH payload; `names` maps link indexes to names. */
export function decodeMultipath(routeAttrs: CompiledSet, data: Uint8Array, names: ReadonlyMap<number, string>): NextHop[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: NextHop[] = [];
  let off = 0;
  while (off + RTNH_SIZE <= data.byteLength) {
    const len = view.getUint16(off, true);
    if (len < RTNH_SIZE || off + len > data.byteLength) throw new NetlinkProtocolError(off, `rtnexthop length ${len} does not fit the ${data.byteLength - off} bytes left of RTA_MULTIPATH`);
    const ifindex = view.getInt32(off + 4, true);
    const hop = routeAttrs.decode(view, off + RTNH_SIZE, off + len) as NextHop;
    hop.ifindex = ifindex;
    hop.dev = names.get(ifindex);
    hop.weight = view.getUint8(off + 3) + 1;
    hop.flags = flags32(RTNH_FLAGS, view.getUint8(off + 2));
    out.push(hop);
    off += (len + 3) & ~3;
  }
  return out;
}
