import { NLMSG_HDRLEN } from './constants.js';
import { NetlinkProtocolError } from './errors.js';
import { Attributes } from './attributes.js';

/** A received datagram's bytes and the DataView over them, shared by all its messages. */
export interface DatagramBytes {
  readonly bytes: Uint8Array;
  readonly view: DataView;
}

/**
 * One Netlink message inside a received datagram. It does not copy and holds only where it is:
 * the header fields are read from the datagram on demand, which keeps a 100,000-message dump
 * to small objects (the garbage collector's work grows with their size).
 */
export class NetlinkMessage {
  constructor(
    /** The datagram this message is in. */
    readonly datagram: DatagramBytes,
    /** Offset of this message's nlmsghdr within the datagram. */
    readonly offset: number,
  ) {}

  /** Discriminates messages from other items of a notification stream (see `NetlinkOverrun`). */
  get kind(): 'message' {
    return 'message';
  }
  /** The datagram's bytes. */
  get bytes(): Uint8Array {
    return this.datagram.bytes;
  }
  /** A DataView over the datagram. */
  get view(): DataView {
    return this.datagram.view;
  }
  /** nlmsg_len: header plus payload, without trailing alignment. */
  get length(): number {
    return this.datagram.view.getUint32(this.offset, true);
  }
  get type(): number {
    return this.datagram.view.getUint16(this.offset + 4, true);
  }
  get flags(): number {
    return this.datagram.view.getUint16(this.offset + 6, true);
  }
  get seq(): number {
    return this.datagram.view.getUint32(this.offset + 8, true);
  }
  /** nlmsg_pid as the sender wrote it (the kernel writes the destination's port id). */
  get portId(): number {
    return this.datagram.view.getUint32(this.offset + 12, true);
  }

  /** Offset of the payload (after nlmsghdr) within `bytes`. */
  get payloadOffset(): number {
    return this.offset + NLMSG_HDRLEN;
  }

  /** Offset just past this message's payload within `bytes`. */
  get end(): number {
    return this.offset + this.length;
  }

  /** The payload as a view (no copy). */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.offset + NLMSG_HDRLEN, this.end);
  }

  /** The whole message, header included, as a view (no copy). */
  get raw(): Uint8Array {
    return this.bytes.subarray(this.offset, this.end);
  }

  /**
   * The attributes after a fixed header of `headerSize` bytes (4 for Generic Netlink, the
   * family's struct for rtnetlink). The header is aligned to 4 as NLMSG_ALIGN does.
   */
  attributes(headerSize = 0): Attributes {
    const start = this.offset + NLMSG_HDRLEN + align4(headerSize);
    const end = this.end;
    if (start > end) {
      throw new NetlinkProtocolError(this.offset, `message of ${this.length} bytes is too short for its ${headerSize}-byte fixed header`);
    }
    return new Attributes(this.bytes, this.view, start, end);
  }
}

export function align4(n: number): number {
  return n + ((4 - (n & 3)) & 3);
}

/** A datagram's DataView, made once and shared by its messages. */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * nlmsg_len of the message at `off`, checked against the datagram's `end`: a
 * NetlinkProtocolError for a length smaller than a header or past the end.
 */
export function messageLength(view: DataView, off: number, end: number): number {
  const len = view.getUint32(off, true);
  if (len < NLMSG_HDRLEN) throw new NetlinkProtocolError(off, `nlmsg_len ${len} is smaller than the 16-byte header`);
  if (off + len > end) throw new NetlinkProtocolError(off, `nlmsg_len ${len} runs past the datagram's ${end - off} remaining bytes`);
  return len;
}

/**
 * Calls `fn` for each message of the datagram in bytes[start, end). Allocation-free apart from
 * what `fn` does: the hot path of the receive loop. Returns the number of messages.
 * Throws NetlinkProtocolError for a header that claims more bytes than remain or fewer than a
 * header; trailing bytes too short for a header are ignored, as NLMSG_OK does.
 */
export function forEachMessage(
  view: DataView,
  start: number,
  end: number,
  fn: (offset: number, length: number, type: number, flags: number, seq: number, portId: number) => void,
): number {
  let off = start;
  let count = 0;
  while (off + NLMSG_HDRLEN <= end) {
    const len = messageLength(view, off, end);
    fn(off, len, view.getUint16(off + 4, true), view.getUint16(off + 6, true), view.getUint32(off + 8, true), view.getUint32(off + 12, true));
    count++;
    off += (len + 3) & ~3;
  }
  return count;
}

/** The messages of a datagram as objects. */
export function parseMessages(bytes: Uint8Array, view: DataView = viewOf(bytes), start = 0, end = bytes.byteLength): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  const datagram: DatagramBytes = { bytes, view };
  forEachMessage(view, start, end, (offset) => {
    out.push(new NetlinkMessage(datagram, offset));
  });
  return out;
}
