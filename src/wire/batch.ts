import { NetlinkMessage, type DatagramBytes } from './message.js';

/**
 * Framed messages of one datagram: where each message starts, and nothing else until asked.
 * Framing a datagram then costs one array, however many messages it holds; a NetlinkMessage
 * object is made only by `at()` or iteration. Header fields can be read without one.
 */
export class MessageBatch implements Iterable<NetlinkMessage> {
  constructor(
    readonly datagram: DatagramBytes,
    /** Offset of each message's nlmsghdr within the datagram. */
    readonly offsets: number[],
  ) {}

  get length(): number {
    return this.offsets.length;
  }

  /** The i-th message as an object. */
  at(i: number): NetlinkMessage {
    return new NetlinkMessage(this.datagram, this.offsets[i]!);
  }

  /** nlmsg_type of the i-th message. */
  type(i: number): number {
    return this.datagram.view.getUint16(this.offsets[i]! + 4, true);
  }

  /** nlmsg_flags of the i-th message. */
  flags(i: number): number {
    return this.datagram.view.getUint16(this.offsets[i]! + 6, true);
  }

  /** A batch of the messages from `start` to `end`. */
  slice(start: number, end = this.offsets.length): MessageBatch {
    return new MessageBatch(this.datagram, this.offsets.slice(start, end));
  }

  /** A batch of the messages `keep` accepts, by index. */
  filter(keep: (i: number) => boolean): MessageBatch {
    return new MessageBatch(this.datagram, this.offsets.filter((_, i) => keep(i)));
  }

  toArray(): NetlinkMessage[] {
    return this.offsets.map((o) => new NetlinkMessage(this.datagram, o));
  }

  [Symbol.iterator](): Iterator<NetlinkMessage> {
    let i = 0;
    return {
      next: (): IteratorResult<NetlinkMessage> =>
        i < this.offsets.length ? { value: new NetlinkMessage(this.datagram, this.offsets[i++]!), done: false } : { value: undefined, done: true },
    };
  }
}
