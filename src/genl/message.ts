import { GENL_HDRLEN, NetlinkProtocolError, type Attributes, type MessageWriter, type NetlinkMessage } from '../wire/index.js';
import type { CallOptions, DumpStream, NetlinkSocket, Outgoing, RequestOptions } from '../socket/index.js';

/** struct genlmsghdr. */
export interface GenlHeader {
  cmd: number;
  version: number;
}

/** The Generic Netlink header of a received message. */
export function genlHeader(msg: NetlinkMessage): GenlHeader {
  if (msg.length < 16 + GENL_HDRLEN) throw new NetlinkProtocolError(msg.offset, `generic netlink message of ${msg.length} bytes has no genlmsghdr`);
  return { cmd: msg.view.getUint8(msg.payloadOffset), version: msg.view.getUint8(msg.payloadOffset + 1) };
}

/** The attributes after the genl header (and after the family's own `hdrsize` bytes, if any). */
export function genlAttributes(msg: NetlinkMessage, familyHeaderSize = 0): Attributes {
  return msg.attributes(GENL_HDRLEN + familyHeaderSize);
}

/** A genl message to send: family id as the Netlink type, then cmd/version, then attributes. */
export function genlOutgoing(familyId: number, cmd: number, version: number, write?: (w: MessageWriter) => void, flags = 0): Outgoing {
  return {
    type: familyId,
    flags,
    write: (w) => {
      w.genlHeader(cmd, version);
      write?.(w);
    },
  };
}

/** request() with the genl header accounted for in extended-ACK attribute paths. */
export function genlRequest(sock: NetlinkSocket, familyId: number, cmd: number, version: number, write?: (w: MessageWriter) => void, opts: RequestOptions & { flags?: number } = {}): Promise<NetlinkMessage[]> {
  return sock.request(genlOutgoing(familyId, cmd, version, write, opts.flags), { headerSize: GENL_HDRLEN, ...opts });
}

/** dump() with the genl header accounted for. */
export function genlDump(sock: NetlinkSocket, familyId: number, cmd: number, version: number, write?: (w: MessageWriter) => void, opts: CallOptions = {}): DumpStream {
  return sock.dump(genlOutgoing(familyId, cmd, version, write), { headerSize: GENL_HDRLEN, ...opts });
}
