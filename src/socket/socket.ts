import {
  DumpInterruptedError,
  MessageBatch,
  MessageWriter,
  NetlinkMessage,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_CAP_ACK,
  NETLINK_DROP_MEMBERSHIP,
  NETLINK_EXT_ACK,
  NETLINK_GET_STRICT_CHK,
  NETLINK_LISTEN_ALL_NSID,
  NETLINK_NO_ENOBUFS,
  NETLINK_PKTINFO,
  NLMSG_HDRLEN,
  NLMSG_MIN_TYPE,
  SOL_NETLINK,
  SOL_SOCKET,
  SO_RCVBUF,
  SO_RCVBUFFORCE,
  SO_SNDBUF,
  SO_SNDBUFFORCE,
  forEachMessage,
  ECONNREFUSED,
  EMSGSIZE,
  ENOBUFS,
  ENOMEM,
  ENOPROTOOPT,
  EPERM,
  messageLength,
  parseMessages,
  type DatagramBytes,
} from '../wire/index.js';
import { DumpCall, RequestCall, type Call } from './calls.js';
import { SocketClosedError, systemError, timeoutError } from './errors.js';
import { META_GROUP, META_GROUPS, META_LENGTH, META_NSID, META_OFFSET, META_PORTID, META_STRIDE, native, type NativeBinding, type NativeHandle } from './native.js';
import { netnsPath } from './netns.js';
import { AsyncQueue } from './queue.js';
import type { CallOptions, Datagram, DumpOptions, NetlinkOverrun, Outgoing, RequestOptions, SocketStats, SubscribeOptions } from './types.js';

const MAX_BATCH_BYTES = 256 * 1024;
// A datagram holds at most one message per 16 bytes (the smallest nlmsghdr); the scratch array
// grows to the largest run met and is shared by every socket: each run is copied out before any
// caller sees it.
const offsetScratch: number[] = [];

export interface OpenOptions {
  /** A network namespace: a name under /var/run/netns (as `ip netns` makes) or a path (/proc/PID/ns/net). */
  netns?: string;
  /** Multicast groups to join at once, by number (NETLINK_ADD_MEMBERSHIP, any u32). */
  groups?: number[];
  /** Bind to this port id instead of letting the kernel choose. */
  portId?: number;
  /** SO_RCVBUF in bytes (SO_RCVBUFFORCE when permitted, so root can exceed rmem_max). Default 1 MiB, as iproute2. */
  rcvbuf?: number;
  /** SO_SNDBUF in bytes. */
  sndbuf?: number;
  /** Default destination of requests: 0, the kernel (default), or another socket's port id. */
  peer?: number;
  /** Requests sent before earlier ones are answered; the rest wait (default 32). Bounds what the kernel queues for us. */
  maxInFlight?: number;
  /** NETLINK_EXT_ACK, NETLINK_CAP_ACK, NETLINK_GET_STRICT_CHK; each on by default where the kernel has it. */
  extendedAck?: boolean;
  capAck?: boolean;
  strictCheck?: boolean;
  /** NETLINK_LISTEN_ALL_NSID: receive notifications from every namespace with an id. */
  listenAllNsid?: boolean;
  /** NETLINK_NO_ENOBUFS: the kernel stops reporting overruns (notifications are then lost silently). */
  noEnobufs?: boolean;
}

class RawDatagram implements Datagram {
  readonly kind = 'datagram' as const;
  private parsed: NetlinkMessage[] | undefined;
  constructor(
    readonly bytes: Uint8Array,
    readonly view: DataView,
    readonly portId: number,
    readonly groups: number,
    readonly group: number,
    readonly nsid: number,
  ) {}
  get messages(): NetlinkMessage[] {
    this.parsed ??= parseMessages(this.bytes, this.view);
    return this.parsed;
  }
}

interface Subscriber {
  groups: Set<number> | null;
  unicast: boolean;
  /** Only datagrams from this port id (the sender's address, not the header's nlmsg_pid). */
  from: number | undefined;
  deliver(item: NetlinkMessage | NetlinkOverrun): void;
  /** The socket closed: a stream ends here. */
  close(): void;
}

/**
 * A Netlink socket: requests matched by sequence number and port id (many in flight), dumps as
 * async iterables with backpressure, multicast subscriptions, and raw datagrams for
 * user-to-user Netlink. Reading happens only while something wants data, so the kernel's
 * receive queue is the buffer and dumps are paced by their consumer.
 */
export class NetlinkSocket implements AsyncDisposable {
  readonly protocol: number;
  readonly portId: number;
  readonly netns: string | undefined;
  readonly stats: SocketStats = { datagrams: 0, messages: 0, dropped: 0, overruns: 0 };

  private handle: NativeHandle | undefined;
  private seq: number;
  private readonly calls = new Map<number, Call>();
  private readonly sendQueue: Array<() => void> = [];
  private inFlight = 0;
  private readonly maxInFlight: number;
  private readonly peer: number;
  private dumpBusy = false;
  private readonly dumpQueue: Array<() => void> = [];
  private readonly subscribers = new Set<Subscriber>();
  private readonly groupRefs = new Map<number, number>();
  private rawQueue: AsyncQueue<Datagram | NetlinkOverrun> | undefined;
  private waiting = 0;
  private pressure = 0;
  private reading = false;
  private refed = false;

  private constructor(
    private readonly binding: NativeBinding,
    handle: NativeHandle,
    protocol: number,
    portId: number,
    netns: string | undefined,
    opts: OpenOptions,
  ) {
    this.handle = handle;
    this.protocol = protocol;
    this.portId = portId;
    this.netns = netns;
    this.peer = opts.peer ?? 0;
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 32);
    this.seq = (Math.floor(Math.random() * 0x7fffffff) + 1) >>> 0;
  }

  /** Opens and binds a socket of `protocol` (NETLINK_ROUTE, NETLINK_GENERIC, ...). */
  static async open(protocol: number, opts: OpenOptions = {}): Promise<NetlinkSocket> {
    return NetlinkSocket.openOn(native(), protocol, opts);
  }

  /**
   * @internal Opens a socket over another implementation of the addon's contract (nlkit/testing's
   * in-memory network). Not part of the public API.
   */
  static async openOn(n: NativeBinding, protocol: number, opts: OpenOptions = {}): Promise<NetlinkSocket> {
    if (!Number.isInteger(protocol) || protocol < 0 || protocol > 31) {
      throw new RangeError(`netlink protocol must be an integer from 0 to 31, got ${protocol}`);
    }
    const nsFile = opts.netns === undefined ? null : netnsPath(opts.netns);
    const h = n.open(protocol, nsFile);
    if (typeof h === 'number') {
      if (nsFile && h === -2) throw systemError(h, 'setns', `network namespace '${opts.netns}' does not exist (${nsFile})`);
      throw systemError(h, 'socket', `AF_NETLINK protocol ${protocol}${nsFile ? ` in ${nsFile}` : ''}`);
    }
    try {
      setBuffer(n, h, SO_RCVBUFFORCE, SO_RCVBUF, opts.rcvbuf ?? 1024 * 1024, opts.rcvbuf !== undefined);
      if (opts.sndbuf !== undefined) setBuffer(n, h, SO_SNDBUFFORCE, SO_SNDBUF, opts.sndbuf, true);
      const portId = opts.portId ?? 0;
      const rc = n.bind(h, portId, 0);
      if (rc < 0) throw systemError(rc, 'bind', portId ? `port id ${portId}` : undefined);
      const name = n.getsockname(h);
      if (typeof name === 'number') throw systemError(name, 'getsockname');
      // Optional features: an older kernel without one still gives a working socket.
      setOptional(n, h, NETLINK_EXT_ACK, opts.extendedAck ?? true);
      setOptional(n, h, NETLINK_CAP_ACK, opts.capAck ?? true);
      setOptional(n, h, NETLINK_GET_STRICT_CHK, opts.strictCheck ?? true);
      setOptional(n, h, NETLINK_PKTINFO, true);
      if (opts.listenAllNsid) setRequired(n, h, NETLINK_LISTEN_ALL_NSID, 'NETLINK_LISTEN_ALL_NSID');
      if (opts.noEnobufs) setRequired(n, h, NETLINK_NO_ENOBUFS, 'NETLINK_NO_ENOBUFS');
      const sock = new NetlinkSocket(n, h, protocol, name[0] >>> 0, opts.netns, opts);
      for (const g of opts.groups ?? []) sock.join(g);
      return sock;
    } catch (err) {
      n.close(h);
      throw err;
    }
  }

  get closed(): boolean {
    return this.handle === undefined;
  }

  private live(what: string): NativeHandle {
    if (!this.handle) throw new SocketClosedError(what);
    return this.handle;
  }

  // ---- reading: on only while there is demand ------------------------------------------------

  private readonly onBatch = (data: Buffer, meta: Int32Array, count: number): void => {
    for (let i = 0; i < count; i++) {
      const b = i * META_STRIDE;
      const len = meta[b + META_LENGTH]!;
      if (len < 0) {
        this.onReceiveError(len, meta[b + META_OFFSET]!, meta[b + META_PORTID]! >>> 0, meta[b + META_GROUPS]! >>> 0);
        continue;
      }
      this.stats.datagrams++;
      const off = meta[b + META_OFFSET]!;
      const bytes = data.subarray(off, off + len);
      const view = new DataView(data.buffer, data.byteOffset + off, len);
      const portId = meta[b + META_PORTID]! >>> 0;
      const groups = meta[b + META_GROUPS]! >>> 0;
      const group = meta[b + META_GROUP]! >>> 0;
      if (group !== 0 || groups !== 0) this.deliverMulticast(bytes, view, portId, groups, group, meta[b + META_NSID]!);
      else this.deliverUnicast(bytes, view, portId, meta[b + META_NSID]!);
      if (!this.handle) return;
    }
    this.updateReading();
  };

  private deliverUnicast(bytes: Uint8Array, view: DataView, portId: number, nsid: number): void {
    const datagram: DatagramBytes = { bytes, view };
    const end = bytes.byteLength;
    let call: Call | undefined;
    let unclaimed: NetlinkMessage[] | undefined;
    // Consecutive messages with one seq go to their call as one array (a dump's datagram is one
    // queue item), with their flags OR-ed and whether a control message is among them, so the
    // call need not look at each message again. This loop is the receive path's hot spot, so it
    // walks the headers itself rather than through forEachMessage's callback.
    let off = 0;
    while (off + NLMSG_HDRLEN <= end) {
      const seq = view.getUint32(off + 8, true);
      call = this.calls.get(seq);
      // Offsets are gathered in a scratch array and copied out at their final size: pushing onto
      // a fresh array regrows it several times, which was most of what framing allocated.
      let count = 0;
      let flags = 0;
      let control = false;
      while (off + NLMSG_HDRLEN <= end && view.getUint32(off + 8, true) === seq) {
        let len: number;
        try {
          len = messageLength(view, off, end);
        } catch (err) {
          if (count > 0 && call !== undefined && call.peer === portId) call.onMessages(new MessageBatch(datagram, offsetScratch.slice(0, count)), flags, control);
          // Whoever the bad message answered learns why; nothing else is affected.
          if (call !== undefined && call.peer === portId) call.fail(err);
          else this.stats.dropped++;
          return;
        }
        if (view.getUint16(off + 4, true) < NLMSG_MIN_TYPE) control = true;
        flags |= view.getUint16(off + 6, true);
        offsetScratch[count++] = off;
        off += (len + 3) & ~3;
      }
      const run = offsetScratch.slice(0, count);
      this.stats.messages += count;
      if (call !== undefined && call.peer === portId) call.onMessages(new MessageBatch(datagram, run), flags, control);
      else (unclaimed ??= []).push(...new MessageBatch(datagram, run));
    }
    if (unclaimed) this.deliverUnclaimed(bytes, view, portId, nsid, unclaimed);
  }

  private deliverUnclaimed(bytes: Uint8Array, view: DataView, portId: number, nsid: number, msgs: NetlinkMessage[]): void {
    let taken = false;
    if (portId === this.peer) {
      for (const s of this.subscribers) {
        if (!s.unicast || (s.from !== undefined && s.from !== portId)) continue;
        taken = true;
        for (const m of msgs) s.deliver(m);
      }
    }
    if (this.rawQueue && !this.rawQueue.done) {
      this.rawQueue.push(new RawDatagram(bytes, view, portId, 0, 0, nsid));
      taken = true;
    }
    if (!taken) this.stats.dropped += msgs.length;
  }

  private deliverMulticast(bytes: Uint8Array, view: DataView, portId: number, groups: number, group: number, nsid: number): void {
    const g = group !== 0 ? group : 31 - Math.clz32(groups & -groups) + 1;
    let msgs: NetlinkMessage[] | undefined;
    let taken = this.claimEcho(bytes, view, portId);
    for (const s of this.subscribers) {
      if (s.groups !== null && !s.groups.has(g)) continue;
      if (s.from !== undefined && s.from !== portId) continue;
      try {
        msgs ??= parseMessages(bytes, view);
      } catch {
        this.stats.dropped++;
        return;
      }
      taken = true;
      for (const m of msgs) s.deliver(m);
    }
    if (msgs) this.stats.messages += msgs.length;
    if (!taken && this.rawQueue && !this.rawQueue.done) {
      this.rawQueue.push(new RawDatagram(bytes, view, portId, groups, group, nsid));
      taken = true;
    }
    if (!taken) this.stats.dropped++;
  }

  /**
   * NLM_F_ECHO: the kernel hands the requester the notification skb itself (nlmsg_notify's
   * `report`), so the copy arrives addressed to the group although it answers our request; its
   * seq and our port id in nlmsg_pid say which. It goes to that request as a reply (as `ip -echo`
   * reads it) and still to the subscribers of its group.
   */
  private claimEcho(bytes: Uint8Array, view: DataView, portId: number): boolean {
    if (bytes.byteLength < NLMSG_HDRLEN) return false;
    const seq = view.getUint32(8, true);
    const call = seq !== 0 && view.getUint32(12, true) === this.portId ? this.calls.get(seq) : undefined;
    if (call === undefined || call.peer !== portId) return false;
    const run: number[] = [];
    let flags = 0;
    let control = false;
    try {
      forEachMessage(view, 0, bytes.byteLength, (off) => {
        if (view.getUint32(off + 8, true) !== seq) return;
        if (view.getUint16(off + 4, true) < NLMSG_MIN_TYPE) control = true;
        flags |= view.getUint16(off + 6, true);
        run.push(off);
      });
    } catch {
      return false;
    }
    call.onMessages(new MessageBatch({ bytes, view }, run), flags, control);
    return true;
  }

  /** A receive error record; for a datagram read and dropped, `size` and its sender are known. */
  private onReceiveError(errno: number, size: number, portId: number, groups: number): void {
    const dropped = errno === -EMSGSIZE || errno === -ENOMEM;
    const detail = errno === -ENOBUFS
      ? 'the receive buffer overran and the kernel dropped messages'
      : dropped
        ? `a datagram of ${size} bytes from port ${portId}${groups ? ` (groups 0x${groups.toString(16)})` : ''} was dropped: ${errno === -EMSGSIZE ? 'larger than the 16 MiB nlkit reads' : 'no memory to hold it'}`
        : undefined;
    const err = systemError(errno, 'recvmsg', detail);
    if (errno === -ENOBUFS) this.stats.overruns++;
    // A unicast datagram lost this way may have been a reply: the calls waiting on its sender
    // learn it rather than wait for their timeout.
    if (dropped && groups === 0) for (const c of [...this.calls.values()]) if (c.peer === portId) c.fail(err);
    const overrun: NetlinkOverrun = { kind: 'overrun', error: err };
    for (const s of this.subscribers) s.deliver(overrun);
    if (this.rawQueue && !this.rawQueue.done) this.rawQueue.push(overrun);
  }

  /** Reads while a call is open, a subscriber listens or a raw consumer waits, and no queue is full. */
  private updateReading(): void {
    const h = this.handle;
    if (!h) return;
    const demand = this.pressure === 0 && (this.calls.size > 0 || this.subscribers.size > 0 || (this.rawQueue !== undefined && this.waiting > 0));
    if (demand !== this.reading) {
      this.reading = demand;
      if (demand) {
        const rc = this.binding.start(h, this.onBatch, MAX_BATCH_BYTES);
        if (rc < 0) this.failAll(systemError(rc, 'uv_poll_start'));
      } else {
        this.binding.pause(h);
      }
    }
    // Only calls and waiting consumers keep the process alive; an idle listener does not.
    const ref = this.reading && (this.calls.size > 0 || this.waiting > 0);
    if (ref !== this.refed) {
      this.refed = ref;
      this.binding.ref(h, ref);
    }
  }

  private readonly queueHooks = {
    onPressure: (full: boolean): void => {
      this.pressure += full ? 1 : -1;
      this.updateReading();
    },
    onWaiting: (w: boolean): void => {
      this.waiting += w ? 1 : -1;
      this.updateReading();
    },
  };

  // ---- sending --------------------------------------------------------------------------------

  private nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0;
    if (this.seq === 0) this.seq = 1;
    while (this.calls.has(this.seq)) this.seq = (this.seq + 1) >>> 0 || 1;
    return this.seq;
  }

  private encode(msg: Outgoing, flags: number, seq: number): Uint8Array {
    let bytes: Uint8Array;
    if (msg instanceof Uint8Array) {
      if (msg.byteLength < NLMSG_HDRLEN) throw new RangeError(`a netlink message needs at least ${NLMSG_HDRLEN} bytes, got ${msg.byteLength}`);
      bytes = msg.slice();
      const v = new DataView(bytes.buffer);
      if (v.getUint32(0, true) !== bytes.byteLength) v.setUint32(0, bytes.byteLength, true);
      v.setUint16(6, v.getUint16(6, true) | flags, true);
      v.setUint32(8, seq, true);
      return bytes;
    }
    const w = new MessageWriter(64 + (msg.payload?.byteLength ?? 0));
    w.begin(msg.type, (msg.flags ?? 0) | flags, seq, 0);
    if (msg.payload) w.header(msg.payload);
    msg.write?.(w);
    return w.end().finish();
  }

  private transmit(bytes: Uint8Array, peer: number, label: string): void {
    const rc = this.binding.send(this.live(label), bytes, 0, bytes.byteLength, peer, 0);
    if (rc < 0) throw systemError(rc, 'sendmsg', label);
  }

  private labelOf(opts: CallOptions, bytes: Uint8Array, seq: number, kind: string): string {
    if (opts.label) return opts.label;
    const type = new DataView(bytes.buffer, bytes.byteOffset).getUint16(4, true);
    return `netlink ${kind} type ${type} seq ${seq}`;
  }

  /**
   * Sends a request (NLM_F_REQUEST, and NLM_F_ACK unless `ack: false`) and resolves with its
   * replies once the kernel acknowledges it; rejects with a NetlinkError carrying the errno and
   * extended ACK when it fails.
   */
  request(msg: Outgoing, opts: RequestOptions = {}): Promise<NetlinkMessage[]> {
    const ack = opts.ack ?? true;
    return new Promise<NetlinkMessage[]>((resolve, reject) => {
      this.live('request');
      let started = false;
      let done = false;
      let seq = 0;
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => settle(opts.signal!.reason);
      const settle = (err: unknown, replies?: NetlinkMessage[]): void => {
        if (done) return;
        done = true;
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (started) {
          this.calls.delete(seq);
          this.inFlight--;
          this.pump();
        } else {
          const i = this.sendQueue.indexOf(start);
          if (i >= 0) this.sendQueue.splice(i, 1);
        }
        this.updateReading();
        if (err !== undefined) reject(err);
        else resolve(replies!);
      };
      const start = (): void => {
        if (done) return;
        started = true;
        this.inFlight++;
        seq = this.nextSeq();
        let bytes: Uint8Array;
        let label = opts.label ?? `netlink request seq ${seq}`;
        try {
          bytes = this.encode(msg, NLM_F_REQUEST | (ack ? NLM_F_ACK : 0), seq);
          label = this.labelOf(opts, bytes, seq, 'request');
          const peer = opts.peer ?? this.peer;
          this.calls.set(seq, new RequestCall(seq, peer, bytes, label, opts, ack, settle));
          this.updateReading();
          this.transmit(bytes, peer, label);
        } catch (err) {
          settle(err);
        }
      };
      if (opts.signal?.aborted) return reject(opts.signal.reason);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.timeout !== undefined) timer = setTimeout(() => settle(timeoutError(opts.label ?? 'netlink request', opts.timeout!)), opts.timeout);
      if (this.inFlight < this.maxInFlight) start();
      else this.sendQueue.push(start);
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.sendQueue.length > 0) this.sendQueue.shift()!();
  }

  /**
   * Starts a dump (NLM_F_REQUEST|NLM_F_DUMP) when iterated: yields each message until
   * NLMSG_DONE. Dumps on one socket run one at a time (the kernel allows no more); later ones
   * wait their turn. Stopping early (break) drains the rest of the dump in the background.
   */
  dump(msg: Outgoing, opts: DumpOptions = {}): DumpStream {
    return new DumpStream(this, msg, opts);
  }

  /** @internal Runs one dump for a DumpStream. */
  runDump(msg: Outgoing, opts: DumpOptions, queue: AsyncQueue<MessageBatch>): { cancel(): void } {
    let call: DumpCall | undefined;
    let cancelled = false;
    let attemptsLeft = opts.retry ?? 0;
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      queue.fail(opts.signal!.reason);
      cancel();
    };
    const dropCall = (): void => {
      if (call) this.calls.delete(call.seq);
      call = undefined;
    };
    const release = (): void => {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      dropCall();
      this.dumpBusy = false;
      const next = this.dumpQueue.shift();
      if (next) next();
      this.updateReading();
    };
    const cancel = (): void => {
      if (cancelled) return;
      cancelled = true;
      if (call) call.draining = true; // keep reading until the kernel's DONE frees the dump slot
      else {
        const i = this.dumpQueue.indexOf(begin);
        if (i >= 0) this.dumpQueue.splice(i, 1);
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
      }
    };
    const begin = (): void => {
      if (cancelled) return release();
      if (!this.handle) return queue.fail(new SocketClosedError('dump'));
      this.dumpBusy = true;
      const seq = this.nextSeq();
      let bytes: Uint8Array;
      let label = opts.label ?? `netlink dump seq ${seq}`;
      try {
        bytes = this.encode(msg, NLM_F_REQUEST | NLM_F_DUMP, seq);
        label = this.labelOf(opts, bytes, seq, 'dump');
      } catch (err) {
        queue.fail(err);
        return release();
      }
      const peer = opts.peer ?? this.peer;
      const c: DumpCall = new DumpCall(seq, peer, bytes, label, opts, queue, (opts.retry ?? 0) > 0, (outcome, err) => {
        if (c.draining || cancelled) return release();
        if (outcome === 'error') {
          queue.fail(err);
          return release();
        }
        if (outcome === 'interrupted' && attemptsLeft > 0) {
          attemptsLeft--;
          c.takeBuffer();
          dropCall();
          return begin();
        }
        const held = c.takeBuffer();
        for (const run of held) queue.push(run);
        if (outcome === 'interrupted') queue.fail(c.interruptedError(held.flatMap((b) => b.toArray())));
        else queue.end();
        release();
      });
      call = c;
      this.calls.set(seq, c);
      this.updateReading();
      try {
        this.transmit(bytes, peer, label);
      } catch (err) {
        queue.fail(err);
        release();
      }
    };
    if (opts.signal?.aborted) {
      queue.fail(opts.signal.reason);
      return { cancel: () => {} };
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.timeout !== undefined) {
      timer = setTimeout(() => {
        queue.fail(timeoutError(opts.label ?? 'netlink dump', opts.timeout!));
        cancel();
      }, opts.timeout);
    }
    if (this.dumpBusy) this.dumpQueue.push(begin);
    else begin();
    return { cancel };
  }

  /** @internal */
  makeQueue<T>(highWaterMark: number, onCancel?: () => void): AsyncQueue<T> {
    return new AsyncQueue<T>({ ...this.queueHooks, onCancel }, highWaterMark);
  }

  // ---- multicast --------------------------------------------------------------------------------

  /** Joins a multicast group by number (NETLINK_ADD_MEMBERSHIP). Counted: a group joined twice needs two leaves. */
  join(group: number): void {
    checkGroup(group);
    const n = this.groupRefs.get(group) ?? 0;
    if (n === 0) {
      const rc = this.binding.setsockopt(this.live('join'), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group);
      if (rc < 0) throw systemError(rc, 'setsockopt', `NETLINK_ADD_MEMBERSHIP group ${group}`);
    }
    this.groupRefs.set(group, n + 1);
  }

  /** Leaves a group joined with `join` (NETLINK_DROP_MEMBERSHIP when the last user leaves). */
  leave(group: number): void {
    checkGroup(group);
    const n = this.groupRefs.get(group) ?? 0;
    if (n <= 1) {
      this.groupRefs.delete(group);
      if (this.handle) {
        const rc = this.binding.setsockopt(this.handle, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, group);
        if (rc < 0) throw systemError(rc, 'setsockopt', `NETLINK_DROP_MEMBERSHIP group ${group}`);
      }
    } else this.groupRefs.set(group, n - 1);
  }

  /** The groups this socket belongs to, as the kernel reports them (NETLINK_LIST_MEMBERSHIPS). */
  memberships(): number[] {
    const r = this.binding.listMemberships(this.live('memberships'));
    if (typeof r === 'number') throw systemError(r, 'getsockopt', 'NETLINK_LIST_MEMBERSHIPS');
    return r;
  }

  /**
   * Joins `groups` and yields their notifications until the loop stops or `signal` aborts; then
   * leaves them. An overrun (the kernel dropped notifications: ENOBUFS) arrives as an item of
   * kind 'overrun', and the stream goes on. With no groups, yields what the socket's other
   * memberships bring.
   */
  subscribe(groups: number | number[] = [], opts: SubscribeOptions = {}): AsyncIterableIterator<NetlinkMessage | NetlinkOverrun> {
    const list = Array.isArray(groups) ? groups : [groups];
    list.forEach(checkGroup);
    const joined: number[] = [];
    let sub: Subscriber | undefined;
    const stop = (): void => {
      if (!sub) return;
      this.subscribers.delete(sub);
      sub = undefined;
      opts.signal?.removeEventListener('abort', onAbort);
      for (const g of joined) {
        try {
          this.leave(g);
        } catch {
          // Leaving can only fail if the socket is gone, which leaves no membership behind.
        }
      }
      this.updateReading();
    };
    const queue = this.makeQueue<NetlinkMessage | NetlinkOverrun>(opts.highWaterMark ?? 4096, stop);
    const onAbort = (): void => {
      queue.fail(opts.signal!.reason);
      stop();
    };
    if (opts.signal?.aborted) {
      queue.fail(opts.signal.reason);
      return queue;
    }
    try {
      for (const g of list) {
        this.join(g);
        joined.push(g);
      }
    } catch (err) {
      for (const g of joined) this.leave(g);
      throw err;
    }
    sub = {
      groups: list.length > 0 ? new Set(list) : null,
      unicast: opts.unicast ?? false,
      from: opts.from,
      deliver: (item) => queue.push(item),
      close: () => queue.end(),
    };
    this.subscribers.add(sub);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    this.updateReading();
    return queue;
  }

  /**
   * Calls `fn` for each notification of `groups` (joined here) sent by the socket's peer (the
   * kernel, unless opened with another) until the returned function is called: a privileged
   * process can multicast on a kernel family's group, and state kept from notifications must not
   * follow its word. Unlike `subscribe`, a listener never keeps the process alive by itself.
   */
  listen(groups: number[], fn: (item: NetlinkMessage | NetlinkOverrun) => void): () => void {
    for (const g of groups) this.join(g);
    const sub: Subscriber = { groups: groups.length > 0 ? new Set(groups) : null, unicast: false, from: this.peer, deliver: fn, close: () => {} };
    this.subscribers.add(sub);
    this.updateReading();
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      this.subscribers.delete(sub);
      if (this.handle) for (const g of groups) this.leave(g);
      this.updateReading();
    };
  }

  // ---- raw datagrams (user-to-user Netlink) ---------------------------------------------------

  /** Sends bytes as they are to a port id and/or group mask (sockaddr_nl). Throws on EAGAIN and other errors. */
  send(bytes: Uint8Array, to: { portId?: number; groups?: number } = {}): void {
    const rc = this.binding.send(this.live('send'), bytes, 0, bytes.byteLength, to.portId ?? 0, to.groups ?? 0);
    // netlink_sendmsg broadcasts to the groups, then unicasts to nl_pid; with nl_pid 0 on a
    // protocol that has no kernel socket (NETLINK_USERSOCK) that second leg is refused although
    // the multicast went out.
    if (rc === -ECONNREFUSED && (to.groups ?? 0) !== 0 && (to.portId ?? 0) === 0) return;
    if (rc < 0) throw systemError(rc, 'sendmsg', `to port id ${to.portId ?? 0}${to.groups ? ` groups 0x${to.groups.toString(16)}` : ''}`);
  }

  private raw(): AsyncQueue<Datagram | NetlinkOverrun> {
    this.rawQueue ??= this.makeQueue<Datagram | NetlinkOverrun>(1024);
    return this.rawQueue;
  }

  /**
   * The next datagram no request or subscription claimed (user-to-user messages, multicast on
   * groups joined with `join`). Rejects with ENOBUFS on overrun; the socket keeps working.
   * One receive at a time.
   */
  async receive(opts: { signal?: AbortSignal; timeout?: number } = {}): Promise<Datagram> {
    const q = this.raw();
    this.live('receive');
    const next = q.next();
    let r: IteratorResult<Datagram | NetlinkOverrun>;
    try {
      r = await raceWith(next, opts.signal, opts.timeout, 'receive');
    } catch (err) {
      q.abandonWait();
      throw err;
    }
    if (r.done) throw new SocketClosedError('receive');
    if (r.value.kind === 'overrun') throw r.value.error;
    return r.value;
  }

  /** Every unclaimed datagram, as a stream (see `receive`); overruns are items of kind 'overrun'. */
  datagrams(): AsyncIterableIterator<Datagram | NetlinkOverrun> {
    this.live('datagrams');
    return this.raw();
  }

  // ---- options and lifetime -----------------------------------------------------------------

  /** setsockopt for an int option (SOL_NETLINK or SOL_SOCKET). */
  setOption(level: number, name: number, value: number): void {
    const rc = this.binding.setsockopt(this.live('setOption'), level, name, value);
    if (rc < 0) throw systemError(rc, 'setsockopt', `level ${level} option ${name}`);
  }

  /** getsockopt for an int option. */
  getOption(level: number, name: number): number {
    const r = this.binding.getsockopt(this.live('getOption'), level, name);
    if (typeof r === 'number') throw systemError(r, 'getsockopt', `level ${level} option ${name}`);
    return r.value;
  }

  /** Fails every call waiting for an answer. Requests not yet sent stay queued: they are sent as slots free and answer for themselves. */
  private failAll(err: unknown): void {
    for (const c of [...this.calls.values()]) c.fail(err);
  }

  /** Closes the socket: open calls reject with ERR_SOCKET_CLOSED, streams end. Idempotent. */
  close(): void {
    const h = this.handle;
    if (!h) return;
    this.handle = undefined;
    this.binding.close(h);
    this.failAll(new SocketClosedError('call'));
    this.calls.clear();
    // With the handle gone, a queued request's start() rejects it with ERR_SOCKET_CLOSED.
    for (const start of this.sendQueue.splice(0)) start();
    for (const begin of this.dumpQueue.splice(0)) begin();
    for (const s of [...this.subscribers]) s.close();
    this.subscribers.clear();
    this.rawQueue?.end();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }
}

/** A dump as an async iterable of messages; `toArray()` collects it, `batches()` yields what each datagram brought. */
export class DumpStream implements AsyncIterable<NetlinkMessage> {
  private used = false;
  constructor(
    private readonly socket: NetlinkSocket,
    private readonly msg: Outgoing,
    private readonly opts: DumpOptions,
  ) {}

  private start(): AsyncQueue<MessageBatch> {
    if (this.used) throw new Error('a DumpStream can be iterated once; call dump() again for a new dump');
    this.used = true;
    let handle: { cancel(): void } | undefined;
    const queue = this.socket.makeQueue<MessageBatch>(this.opts.highWaterMark ?? 64, () => handle?.cancel());
    handle = this.socket.runDump(this.msg, this.opts, queue);
    return queue;
  }

  [Symbol.asyncIterator](): AsyncIterator<NetlinkMessage> {
    const q = this.start();
    let run: MessageBatch | undefined;
    let i = 0;
    const next = (): Promise<IteratorResult<NetlinkMessage>> => {
      if (run !== undefined && i < run.length) return Promise.resolve({ value: run.at(i++), done: false });
      return q.next().then((r) => {
        if (r.done) return { value: undefined, done: true };
        run = r.value;
        i = 0;
        return next();
      });
    };
    return { next, return: () => q.return().then(() => ({ value: undefined, done: true })) };
  }

  /**
   * Yields each datagram's messages as a MessageBatch (framed: offsets and header fields, message
   * objects only on request): one await and one allocation per datagram instead of per message.
   */
  async *batches(): AsyncGenerator<MessageBatch> {
    const q = this.start();
    try {
      for (;;) {
        const r = await q.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      await q.return();
    }
  }

  /** The whole dump. A DumpInterruptedError then carries every message received. */
  async toArray(): Promise<NetlinkMessage[]> {
    const out: NetlinkMessage[] = [];
    try {
      for await (const batch of this.batches()) for (const m of batch) out.push(m);
    } catch (err) {
      if (err instanceof DumpInterruptedError) {
        const e = err as DumpInterruptedError<NetlinkMessage>;
        if (e.partial.length === 0) e.partial.push(...out);
      }
      throw err;
    }
    return out;
  }
}

function checkGroup(group: number): void {
  if (!Number.isInteger(group) || group < 1 || group > 0xffffffff) throw new RangeError(`multicast group must be an integer from 1 to 2^32-1, got ${group}`);
}

function setBuffer(n: NativeBinding, h: NativeHandle, force: number, plain: number, size: number, explicit: boolean): void {
  let rc = n.setsockopt(h, SOL_SOCKET, force, size);
  if (rc === -EPERM) rc = n.setsockopt(h, SOL_SOCKET, plain, size);
  if (rc < 0 && explicit) throw systemError(rc, 'setsockopt', `buffer size ${size}`);
}

function setOptional(n: NativeBinding, h: NativeHandle, opt: number, on: boolean): void {
  const rc = n.setsockopt(h, SOL_NETLINK, opt, on ? 1 : 0);
  if (rc < 0 && rc !== -ENOPROTOOPT) throw systemError(rc, 'setsockopt', `SOL_NETLINK option ${opt}`);
}

function setRequired(n: NativeBinding, h: NativeHandle, opt: number, name: string): void {
  const rc = n.setsockopt(h, SOL_NETLINK, opt, 1);
  if (rc < 0) throw systemError(rc, 'setsockopt', name);
}

async function raceWith<T>(p: Promise<T>, signal: AbortSignal | undefined, timeout: number | undefined, label: string): Promise<T> {
  if (!signal && timeout === undefined) return p;
  if (signal?.aborted) throw signal.reason;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        if (timeout !== undefined) timer = setTimeout(() => reject(timeoutError(label, timeout)), timeout);
        if (signal) {
          onAbort = () => reject(signal.reason);
          signal.addEventListener('abort', onAbort, { once: true });
        }
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
