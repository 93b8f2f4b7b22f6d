// Index to name of every link, for the listings that print `dev` names: one RTM_GETLINK dump of
// which only ifi_index and IFLA_IFNAME are read. Going through the rt-link spec would load and
// compile the largest rt-* spec (about 40 ms) and decode every attribute of every link, which is
// most of the cost of `nlkit route show` for a listing that needs two fields.
import type { NetlinkSocket } from '../socket/index.js';
import { NLMSG_HDRLEN, forEachAttribute, type MessageWriter } from '../wire/index.js';

// linux/rtnetlink.h and linux/if_link.h.
const RTM_NEWLINK = 16;
const RTM_GETLINK = 18;
const IFLA_IFNAME = 3;
const IFLA_EXT_MASK = 29;
const RTEXT_FILTER_SKIP_STATS = 1 << 3;
/** struct ifinfomsg: family, pad, type (u16), index (s32), flags (u32), change (u32). */
const IFINFOMSG_SIZE = 16;

const decoder = new TextDecoder();

/** struct ifinfomsg of family AF_UNSPEC (all zero), then IFLA_EXT_MASK: skip the statistics. */
function request(w: MessageWriter): void {
  w.header(new Uint8Array(IFINFOMSG_SIZE));
  w.u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
}

/** Every link's index and name, in the socket's namespace. */
export async function linkNames(socket: NetlinkSocket): Promise<Map<number, string>> {
  const names = new Map<number, string>();
  const stream = socket.dump({ type: RTM_GETLINK, write: request }, { label: 'rt-link getlink dump', headerSize: IFINFOMSG_SIZE });
  for await (const batch of stream.batches()) {
    const { bytes, view } = batch.datagram;
    for (const off of batch.offsets) {
      if (view.getUint16(off + 4, true) !== RTM_NEWLINK) continue;
      const start = off + NLMSG_HDRLEN;
      const end = off + view.getUint32(off, true);
      if (end < start + IFINFOMSG_SIZE) continue;
      const index = view.getInt32(start + 4, true);
      forEachAttribute(view, start + IFINFOMSG_SIZE, end, (type, at, length) => {
        if (type !== IFLA_IFNAME) return;
        const nul = bytes.indexOf(0, at);
        names.set(index, decoder.decode(bytes.subarray(at, nul >= 0 && nul < at + length ? nul : at + length)));
      });
    }
  }
  return names;
}
