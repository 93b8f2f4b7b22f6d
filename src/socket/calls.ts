// The two kinds of exchange the engine tracks by sequence number: a request (replies until its
// ACK) and a dump (a multipart stream until NLMSG_DONE).
import {
  DumpInterruptedError,
  NetlinkError,
  NLM_F_DUMP_INTR,
  NLM_F_MULTI,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_MIN_TYPE,
  NLMSG_NOOP,
  NLMSG_OVERRUN,
  decodeDone,
  decodeError,
  formatAttributePath,
  resolveExtendedAck,
  type ExtendedAck,
  type MessageBatch,
  type NetlinkMessage,
} from '../wire/index.js';
import type { AsyncQueue } from './queue.js';
import type { CallOptions } from './types.js';

export interface Call {
  readonly seq: number;
  readonly peer: number;
  /**
   * The messages of one datagram that carry this call's seq, in order, with their nlmsg_flags
   * OR-ed together and whether any is a control message (type below NLMSG_MIN_TYPE).
   */
  onMessages(batch: MessageBatch, flags: number, control: boolean): void;
  fail(err: unknown): void;
}

/** Builds the NetlinkError for a kernel error answering `bytes`. */
export function kernelError(errno: number, ext: ExtendedAck | undefined, bytes: Uint8Array, opts: CallOptions, label: string): NetlinkError {
  if (ext) {
    resolveExtendedAck(ext, bytes, opts.headerSize ?? 0);
    if (ext.attributePath && ext.attributePath.length > 0 && opts.attributeName) {
      ext.attribute = formatAttributePath(ext.attributePath, opts.attributeName);
    }
  }
  return new NetlinkError(errno, { request: label, extack: ext });
}

/** What both kinds of call know: their seq, peer, the bytes sent (for extended-ACK paths), a name. */
abstract class Exchange {
  constructor(
    readonly seq: number,
    readonly peer: number,
    readonly bytes: Uint8Array,
    readonly label: string,
    protected readonly opts: CallOptions,
  ) {}

  /** The NetlinkError for an errno (and extended ACK) the peer answered this call with. */
  protected failure(errno: number, ext: ExtendedAck | undefined): NetlinkError {
    return kernelError(errno, ext, this.bytes, this.opts, this.label);
  }
}

export class RequestCall extends Exchange implements Call {
  readonly replies: NetlinkMessage[] = [];
  private settled = false;

  constructor(
    seq: number,
    peer: number,
    bytes: Uint8Array,
    label: string,
    opts: CallOptions,
    private readonly ack: boolean,
    private readonly done: (err: unknown, replies?: NetlinkMessage[]) => void,
  ) {
    super(seq, peer, bytes, label, opts);
  }

  private settle(err: unknown, replies?: NetlinkMessage[]): void {
    this.settled = true;
    this.done(err, replies);
  }

  onMessages(batch: MessageBatch): void {
    for (let i = 0; i < batch.length && !this.settled; i++) this.onMessage(batch.at(i));
  }

  private onMessage(msg: NetlinkMessage): void {
    switch (msg.type) {
      case NLMSG_NOOP:
      case NLMSG_OVERRUN:
        return;
      case NLMSG_ERROR: {
        const r = decodeError(msg);
        if (r.error === 0) this.settle(undefined, this.replies);
        else this.settle(this.failure(r.error, r.extack));
        return;
      }
      case NLMSG_DONE: {
        const d = decodeDone(msg);
        if (d.error < 0) this.settle(this.failure(d.error, d.extack));
        else if (!this.ack) this.settle(undefined, this.replies);
        return;
      }
      default:
        this.replies.push(msg);
        if (!this.ack && !(msg.flags & NLM_F_MULTI)) this.settle(undefined, this.replies);
    }
  }

  fail(err: unknown): void {
    this.settle(err);
  }
}

/**
 * A running dump. Messages go to `queue` as they arrive, or, when the caller asked for retries
 * on NLM_F_DUMP_INTR, into a buffer released only once NLMSG_DONE shows the dump was consistent.
 */
export class DumpCall extends Exchange implements Call {
  interrupted = false;
  received = 0;
  /** Set when the consumer went away: the rest of the dump is read and discarded. */
  draining = false;
  private buffer: MessageBatch[] | undefined;

  constructor(
    seq: number,
    peer: number,
    bytes: Uint8Array,
    label: string,
    opts: CallOptions,
    private readonly queue: AsyncQueue<MessageBatch>,
    buffered: boolean,
    /** Called once when the kernel ended the dump (DONE or error), with how it ended. */
    private readonly finished: (outcome: 'done' | 'interrupted' | 'error', err?: unknown) => void,
  ) {
    super(seq, peer, bytes, label, opts);
    if (buffered) this.buffer = [];
  }

  onMessages(batch: MessageBatch, flags: number, control: boolean): void {
    if (flags & NLM_F_DUMP_INTR) this.interrupted = true;
    // The common case is a datagram of data messages only: it is queued as it is.
    let data = batch;
    let end: NetlinkMessage | undefined;
    if (control) {
      let stop = batch.length;
      for (let i = 0; i < batch.length; i++) {
        const t = batch.type(i);
        if (t === NLMSG_DONE || t === NLMSG_ERROR) {
          end = batch.at(i);
          stop = i;
          break;
        }
      }
      const head = batch.slice(0, stop);
      data = head.filter((i) => head.type(i) >= NLMSG_MIN_TYPE);
    }
    if (data.length > 0) {
      this.received += data.length;
      if (!this.draining) {
        if (this.buffer) this.buffer.push(data);
        else this.queue.push(data);
      }
    }
    if (end) this.onControl(end);
  }

  private onControl(msg: NetlinkMessage): void {
    if (msg.type === NLMSG_DONE) {
      const d = decodeDone(msg);
      if (d.error < 0) return this.finished('error', this.failure(d.error, d.extack));
      return this.finished(this.interrupted ? 'interrupted' : 'done');
    }
    const r = decodeError(msg);
    if (r.error < 0) return this.finished('error', this.failure(r.error, r.extack));
    return this.finished(this.interrupted ? 'interrupted' : 'done');
  }


  /** The messages held back for a retrying dump, one batch per datagram. */
  takeBuffer(): MessageBatch[] {
    const b = this.buffer ?? [];
    this.buffer = [];
    return b;
  }

  interruptedError(partial: NetlinkMessage[]): DumpInterruptedError<NetlinkMessage> {
    return new DumpInterruptedError(partial, this.received, this.label);
  }

  fail(err: unknown): void {
    this.finished('error', err);
  }
}
