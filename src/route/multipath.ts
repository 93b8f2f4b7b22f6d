// RTA_MULTIPATH, which rt-route leaves binary: a run of struct rtnexthop heads (linux/rtnetlink.h:
// u16 rtnh_len, u8 rtnh_flags, u8 rtnh_hops, s32 rtnh_ifindex), each followed by that next hop's
// own route attributes and aligned to 4 bytes. Encoded and decoded here with the wire layer.
import { forEachAttribute, MessageWriter, NetlinkProtocolError } from '../wire/index.js';
import { formatIp } from './inet.js';

const RTNH_SIZE = 8;
const RTA_GATEWAY = 5;
const RTA_VIA = 18;
const AF_INET = 2;
const AF_INET6 = 10;

/** RTNH_F_* bits (linux/rtnetlink.h), named as the rt-route spec's rtnh-flags. */
export const RTNH_FLAGS: readonly [number, string][] = [
  [1, 'dead'],
  [2, 'pervasive'],
  [4, 'onlink'],
  [8, 'offload'],
  [16, 'linkdown'],
  [32, 'unresolved'],
  [64, 'trap'],
];

export const RTNH_F_ONLINK = 4;

export function rtnhFlagNames(bits: number): (string | number)[] {
  const out: (string | number)[] = [];
  let rest = bits;
  for (const [bit, name] of RTNH_FLAGS) {
    if (bits & bit) {
      out.push(name);
      rest &= ~bit;
    }
  }
  if (rest) out.push(rest);
  return out;
}

/** One next hop of a multipath route, decoded. */
export interface NextHop {
  ifindex: number;
  /** The link's name. */
  dev: string | undefined;
  gateway?: string;
  /** rtnh_hops + 1, as ip prints it. */
  weight: number;
  flags: (string | number)[];
}

/** One next hop to encode: the gateway's bytes (of the route's family), the link, the weight. */
export interface NextHopBytes {
  gateway?: Uint8Array;
  ifindex: number;
  weight: number;
  flags: number;
}

export function encodeMultipath(hops: readonly NextHopBytes[]): Uint8Array {
  const w = new MessageWriter(64 + hops.length * 24);
  for (const h of hops) {
    const at = w.header(RTNH_SIZE);
    if (h.gateway) w.binary(RTA_GATEWAY, h.gateway);
    const view = w.dataView;
    view.setUint16(at, w.length - at, true);
    view.setUint8(at + 2, h.flags);
    view.setUint8(at + 3, h.weight - 1);
    view.setInt32(at + 4, h.ifindex, true);
  }
  return w.finish();
}

/** The next hops of an RTA_MULTIPATH payload; `names` maps link indexes to names. */
export function decodeMultipath(data: Uint8Array, names: ReadonlyMap<number, string>): NextHop[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: NextHop[] = [];
  let off = 0;
  while (off + RTNH_SIZE <= data.byteLength) {
    const len = view.getUint16(off, true);
    if (len < RTNH_SIZE || off + len > data.byteLength) throw new NetlinkProtocolError(off, `rtnexthop length ${len} does not fit the ${data.byteLength - off} bytes left of RTA_MULTIPATH`);
    const ifindex = view.getInt32(off + 4, true);
    const hop: NextHop = { ifindex, dev: names.get(ifindex), weight: view.getUint8(off + 3) + 1, flags: rtnhFlagNames(view.getUint8(off + 2)) };
    forEachAttribute(view, off + RTNH_SIZE, off + len, (type, at, length) => {
      if (type === RTA_GATEWAY && (length === 4 || length === 16)) hop.gateway = formatIp(data.subarray(at, at + length));
      // struct rtvia: a u16 family, then the address (an IPv6 gateway of an IPv4 route).
      if (type === RTA_VIA && length >= 2) {
        const fam = view.getUint16(at, true);
        if ((fam === AF_INET && length === 6) || (fam === AF_INET6 && length === 18)) hop.gateway = formatIp(data.subarray(at + 2, at + length));
      }
    });
    out.push(hop);
    off += (len + 3) & ~3;
  }
  return out;
}
