// An in-memory Netlink network behind the addon's contract (NativeBinding), so a NetlinkSocket
// runs over it unchanged and a userspace service can play the kernel at port id 0. Delivery
// follows net/netlink/af_netlink.c: netlink_sendmsg (multicast to the lowest group of the mask,
// skipping the sender and the destination port, then unicast), netlink_attachskb (a full receiver
// makes a user sender's send fail with EAGAIN, a kernel sender's overrun it), netlink_overrun
// (one ENOBUFS until the queue empties), and netlink_recvmsg's dump pacing (the next part of a
// dump once the reader's queue is at most half full). Batches reach the socket asynchronously,
// like the addon's read loop.
import {
  META_GROUP,
  META_GROUPS,
  META_LENGTH,
  META_NSID,
  META_OFFSET,
  META_PORTID,
  META_STRIDE,
  type NativeBatchCallback,
  type NativeBinding,
  type NativeHandle,
} from '../socket/native.js';
import * as C from '../wire/constants.js';
import { EADDRINUSE, EAGAIN, EBADF, ECONNREFUSED, EINVAL, ENOBUFS, ENOPROTOOPT, EOPNOTSUPP, EPERM, EPROTONOSUPPORT } from '../wire/errno.js';
import type { Peer } from './types.js';


/** net.core.rmem_max / wmem_max and rmem_default as a fresh Linux boots with them. */
const RMEM_MAX = 212992;
const WMEM_MAX = 212992;
const RMEM_DEFAULT = 212992;
const SOCK_MIN_RCVBUF = 2304;
const SOCK_MIN_SNDBUF = 4608;
/** What a queued datagram costs beyond its bytes: roughly an skb's truesize overhead. */
const SKB_OVERHEAD = 576;
/** NETLINK_USERSOCK has 32 groups (netlink_add_usersock_entry); other protocols as many as asked. */
const USERSOCK_GROUPS = 32;
const MAX_RECORDS = 1024;

/** Receives what user sockets send to port 0 of a protocol: the kernel's input callback. */
export type KernelInput = (bytes: Uint8Array, from: Peer) => void;

/** How the kernel side of a protocol sends (see MemoryNetwork.attachKernel). */
export interface KernelPort {
  /**
   * nlmsg_notify / netlink_unicast from the kernel: multicast to `group` (if any) skipping
   * `portId`, then unicast to `portId` (if not 0), which receives it addressed to the group
   * as well, since both legs send one skb. A full receiver is overrun (ENOBUFS).
   * Returns 0 or -errno of the unicast (-ECONNREFUSED: no such port, -EAGAIN: overrun).
   */
  send(bytes: Uint8Array, to: { portId: number; group?: number }): number;
  /** A dump's next datagram: queued whatever the receiver holds; resolves once it has read enough for another (false: it is gone). */
  sendDump(bytes: Uint8Array, portId: number): Promise<boolean>;
  detach(): void;
}

type Queued = { bytes: Uint8Array; from: number; group: number; cost: number };

interface Table {
  readonly protocol: number;
  readonly ports: Map<number, MemorySocket>;
  kernel: KernelInput | undefined;
}

class MemorySocket {
  portId = 0;
  bound = false;
  closed = false;
  readonly groups = new Set<number>();
  readonly queue: Queued[] = [];
  queuedBytes = 0;
  congested = false;
  pendingError = 0;
  rcvbuf = RMEM_DEFAULT;
  sndbuf = WMEM_MAX;
  readonly flags = new Map<number, boolean>();
  cb: NativeBatchCallback | undefined;
  maxBatchBytes = 1;
  polling = false;
  refed = true;
  scheduled = false;
  keepAlive: NodeJS.Timeout | undefined;
  roomWaiters: Array<(alive: boolean) => void> = [];

  constructor(
    readonly network: MemoryNetwork,
    readonly table: Table,
    readonly privileged: boolean,
  ) {}

  flag(name: number): boolean {
    return this.flags.get(name) ?? false;
  }

  /** netlink_attachskb's test: the queue is over its budget, or congested since an overrun. */
  get full(): boolean {
    return this.queuedBytes > this.rcvbuf || this.congested;
  }
}

function toHandle(s: MemorySocket): NativeHandle {
  return s as unknown as NativeHandle;
}

/** ffs(): the group a sockaddr_nl mask sends to (its lowest bit), 0 for none. */
function lowestGroup(mask: number): number {
  const m = mask >>> 0;
  return m === 0 ? 0 : 32 - Math.clz32(m & -m);
}

/**
 * One Netlink "namespace" in memory. `binding()` gives a NativeBinding for sockets of one set of
 * credentials; `attachKernel()` puts a kernel-side input at port 0 of a protocol.
 */
export class MemoryNetwork {
  private readonly tables = new Map<number, Table>();
  private nextAutoPort = 0xffffefff; // the kernel's rover after a pid collision: -4097 and down

  constructor() {
    this.table(C.NETLINK_USERSOCK);
  }

  private table(protocol: number): Table {
    let t = this.tables.get(protocol);
    if (!t) this.tables.set(protocol, (t = { protocol, ports: new Map(), kernel: undefined }));
    return t;
  }

  /** The kernel side of `protocol`: datagrams sent to port 0 go to `input`. One per protocol. */
  attachKernel(protocol: number, input: KernelInput): KernelPort {
    const t = this.table(protocol);
    if (t.kernel) throw new Error(`memory netlink: protocol ${protocol} already has a kernel side`);
    t.kernel = input;
    return {
      send: (bytes, to) => {
        const copy = bytes.slice();
        if (to.group) this.broadcast(t, copy, 0, to.group, to.portId, undefined);
        if (!to.portId) return 0;
        const dst = t.ports.get(to.portId);
        if (!dst) return -ECONNREFUSED;
        if (dst.full) {
          this.overrun(dst);
          return -EAGAIN;
        }
        // One skb for both legs: the unicast copy still carries the group (NETLINK_CB dst_group).
        this.enqueue(dst, copy, 0, to.group ?? 0);
        return 0;
      },
      sendDump: (bytes, portId) => {
        const dst = t.ports.get(portId);
        if (!dst) return Promise.resolve(false);
        this.enqueue(dst, bytes.slice(), 0, 0);
        if (dst.queuedBytes <= dst.rcvbuf / 2) return Promise.resolve(true);
        return new Promise((resolve) => dst.roomWaiters.push(resolve));
      },
      detach: () => {
        if (t.kernel === input) t.kernel = undefined;
      },
    };
  }

  /** A NativeBinding whose sockets belong to a process with (or without) CAP_NET_ADMIN. */
  binding(opts: { privileged?: boolean } = {}): NativeBinding {
    return new MemoryBinding(this, opts.privileged ?? true);
  }

  /** @internal */
  open(protocol: number, privileged: boolean): MemorySocket | number {
    const t = this.tables.get(protocol);
    // netlink_create: a protocol nobody registered does not exist.
    if (!t || (protocol !== C.NETLINK_USERSOCK && !t.kernel)) return -EPROTONOSUPPORT;
    return new MemorySocket(this, t, privileged);
  }

  /** @internal */
  bind(s: MemorySocket, portId: number, groups: number): number {
    if (s.bound) {
      if (portId !== 0 && portId !== s.portId) return -EINVAL;
    } else {
      const rc = portId === 0 ? this.autobind(s) : this.claim(s, portId);
      if (rc < 0) return rc;
    }
    // netlink_update_subscriptions: the mask replaces the memberships in groups 1..32.
    for (let g = 1; g <= 32; g++) {
      if (groups & (1 << (g - 1))) s.groups.add(g);
      else s.groups.delete(g);
    }
    return 0;
  }

  private claim(s: MemorySocket, portId: number): number {
    if (s.table.ports.has(portId)) return -EADDRINUSE;
    s.portId = portId;
    s.bound = true;
    s.table.ports.set(portId, s);
    return 0;
  }

  /** netlink_autobind: the process id first, then negative port ids. */
  private autobind(s: MemorySocket): number {
    if (s.bound) return 0;
    if (!s.table.ports.has(process.pid)) return this.claim(s, process.pid);
    while (s.table.ports.has(this.nextAutoPort)) this.nextAutoPort = (this.nextAutoPort - 1) >>> 0;
    return this.claim(s, this.nextAutoPort);
  }

  /** @internal netlink_sendmsg from a user socket. */
  send(s: MemorySocket, bytes: Uint8Array, portId: number, groups: number): number {
    const rc = this.autobind(s);
    if (rc < 0) return rc;
    const t = s.table;
    const group = lowestGroup(groups);
    // Only NETLINK_USERSOCK lets an unprivileged sender multicast (NL_CFG_F_NONROOT_SEND).
    if (group && t.protocol !== C.NETLINK_USERSOCK && !s.privileged) return -EPERM;
    const copy = bytes.slice();
    if (group) this.broadcast(t, copy, s.portId, group, portId, s);
    if (portId === 0) {
      if (!t.kernel) return -ECONNREFUSED;
      t.kernel(copy, { portId: s.portId, privileged: s.privileged, extAck: s.flag(C.NETLINK_EXT_ACK), capAck: s.flag(C.NETLINK_CAP_ACK) });
      return bytes.byteLength;
    }
    const dst = t.ports.get(portId);
    if (!dst) return -ECONNREFUSED;
    if (dst.full) return -EAGAIN; // a user sender never overruns a peer: MSG_DONTWAIT fails instead
    this.enqueue(dst, copy, s.portId, group);
    return bytes.byteLength;
  }

  /** netlink_broadcast: every member but the sending socket and the excluded port id. */
  private broadcast(t: Table, bytes: Uint8Array, from: number, group: number, exclude: number, sender: MemorySocket | undefined): void {
    for (const dst of t.ports.values()) {
      if (dst === sender || dst.portId === exclude || !dst.groups.has(group)) continue;
      if (dst.full) this.overrun(dst);
      else this.enqueue(dst, bytes, from, group);
    }
  }

  private overrun(s: MemorySocket): void {
    if (s.flag(C.NETLINK_NO_ENOBUFS) || s.congested) return;
    s.congested = true;
    s.pendingError = ENOBUFS;
    this.schedule(s);
  }

  private enqueue(s: MemorySocket, bytes: Uint8Array, from: number, group: number): void {
    const cost = bytes.byteLength + SKB_OVERHEAD;
    s.queue.push({ bytes, from, group, cost });
    s.queuedBytes += cost;
    this.schedule(s);
  }

  /** @internal */
  schedule(s: MemorySocket): void {
    if (s.scheduled || !s.polling || s.closed) return;
    if (s.queue.length === 0 && s.pendingError === 0) return;
    s.scheduled = true;
    setImmediate(() => this.flush(s));
  }

  /** One wakeup of the read loop: a pending error first (sock_error comes before the queue), then datagrams. */
  private flush(s: MemorySocket): void {
    s.scheduled = false;
    if (!s.polling || s.closed || !s.cb) return;
    const taken: Queued[] = [];
    let bytes = 0;
    const error = s.pendingError;
    s.pendingError = 0;
    let records = error ? 1 : 0;
    while (s.queue.length > 0 && records < MAX_RECORDS && bytes < s.maxBatchBytes) {
      const q = s.queue.shift()!;
      s.queuedBytes -= q.cost;
      taken.push(q);
      bytes += q.bytes.byteLength;
      records++;
    }
    if (s.queue.length === 0) s.congested = false; // netlink_rcv_wake
    if (records === 0) return;
    const data = Buffer.allocUnsafe(bytes);
    const meta = new Int32Array(records * META_STRIDE);
    let r = 0;
    if (error) {
      meta[META_LENGTH] = -error;
      meta[META_NSID] = -1;
      r = 1;
    }
    let off = 0;
    const pktinfo = s.flag(C.NETLINK_PKTINFO);
    for (const q of taken) {
      const b = r * META_STRIDE;
      data.set(q.bytes, off);
      meta[b + META_OFFSET] = off;
      meta[b + META_LENGTH] = q.bytes.byteLength;
      meta[b + META_PORTID] = q.from | 0;
      meta[b + META_GROUPS] = q.group >= 1 && q.group <= 32 ? 1 << (q.group - 1) : 0;
      meta[b + META_GROUP] = pktinfo ? q.group | 0 : 0;
      meta[b + META_NSID] = -1;
      off += q.bytes.byteLength;
      r++;
    }
    this.wakeDumps(s);
    s.cb(data, meta, records);
    this.schedule(s);
  }

  private wakeDumps(s: MemorySocket): void {
    if (s.roomWaiters.length === 0 || (!s.closed && s.queuedBytes > s.rcvbuf / 2)) return;
    const waiters = s.roomWaiters;
    s.roomWaiters = [];
    for (const w of waiters) w(!s.closed);
  }

  /** @internal */
  close(s: MemorySocket): void {
    if (s.closed) return;
    s.closed = true;
    s.polling = false;
    if (s.bound && s.table.ports.get(s.portId) === s) s.table.ports.delete(s.portId);
    s.queue.length = 0;
    s.queuedBytes = 0;
    s.groups.clear();
    updateKeepAlive(s);
    this.wakeDumps(s);
  }
}

/** The addon keeps the process alive while a ref'ed poll runs; a long timer stands in for it. */
function updateKeepAlive(s: MemorySocket): void {
  const want = s.polling && s.refed && !s.closed;
  if (want && !s.keepAlive) s.keepAlive = setInterval(() => {}, 0x7fffffff);
  else if (!want && s.keepAlive) {
    clearInterval(s.keepAlive);
    s.keepAlive = undefined;
  }
}

class MemoryBinding implements NativeBinding {
  constructor(
    private readonly network: MemoryNetwork,
    private readonly privileged: boolean,
  ) {}

  private sock(h: NativeHandle): MemorySocket {
    const s = h as unknown;
    if (!(s instanceof MemorySocket) || s.network !== this.network) throw new TypeError('nlkit: not a handle of this memory network');
    return s;
  }

  open(protocol: number, netnsPath: string | null): NativeHandle | number {
    if (netnsPath !== null) return -EOPNOTSUPP; // one memory network is one namespace
    const s = this.network.open(protocol, this.privileged);
    return typeof s === 'number' ? s : toHandle(s);
  }

  bind(h: NativeHandle, portId: number, groups: number): number {
    const s = this.sock(h);
    return s.closed ? -EBADF : this.network.bind(s, portId >>> 0, groups >>> 0);
  }

  getsockname(h: NativeHandle): [number, number] | number {
    const s = this.sock(h);
    if (s.closed) return -EBADF;
    let mask = 0;
    for (const g of s.groups) if (g <= 32) mask |= 1 << (g - 1);
    return [s.portId, mask >>> 0];
  }

  setsockopt(h: NativeHandle, level: number, name: number, value: number): number {
    const s = this.sock(h);
    if (s.closed) return -EBADF;
    if (level === C.SOL_SOCKET) {
      // sock_setsockopt: the plain options are capped at [rw]mem_max, FORCE needs CAP_NET_ADMIN;
      // the kernel doubles the value to account for its bookkeeping.
      switch (name) {
        case C.SO_RCVBUF:
          s.rcvbuf = Math.max(Math.min(value >>> 0, RMEM_MAX) * 2, SOCK_MIN_RCVBUF);
          return 0;
        case C.SO_SNDBUF:
          s.sndbuf = Math.max(Math.min(value >>> 0, WMEM_MAX) * 2, SOCK_MIN_SNDBUF);
          return 0;
        case C.SO_RCVBUFFORCE:
          if (!this.privileged) return -EPERM;
          s.rcvbuf = Math.max((value >>> 0) * 2, SOCK_MIN_RCVBUF);
          return 0;
        case C.SO_SNDBUFFORCE:
          if (!this.privileged) return -EPERM;
          s.sndbuf = Math.max((value >>> 0) * 2, SOCK_MIN_SNDBUF);
          return 0;
        default:
          return -ENOPROTOOPT;
      }
    }
    if (level !== C.SOL_NETLINK) return -ENOPROTOOPT;
    switch (name) {
      case C.NETLINK_ADD_MEMBERSHIP:
      case C.NETLINK_DROP_MEMBERSHIP: {
        const g = value >>> 0;
        if (g === 0 || (s.table.protocol === C.NETLINK_USERSOCK && g > USERSOCK_GROUPS)) return -EINVAL;
        if (name === C.NETLINK_ADD_MEMBERSHIP) s.groups.add(g);
        else s.groups.delete(g);
        return 0;
      }
      case C.NETLINK_LISTEN_ALL_NSID:
        if (!this.privileged) return -EPERM; // CAP_NET_BROADCAST
        s.flags.set(name, value !== 0);
        return 0;
      case C.NETLINK_PKTINFO:
      case C.NETLINK_BROADCAST_ERROR:
      case C.NETLINK_NO_ENOBUFS:
      case C.NETLINK_CAP_ACK:
      case C.NETLINK_EXT_ACK:
      case C.NETLINK_GET_STRICT_CHK:
        s.flags.set(name, value !== 0);
        if (name === C.NETLINK_NO_ENOBUFS && value !== 0) s.congested = false;
        return 0;
      default:
        return -ENOPROTOOPT;
    }
  }

  getsockopt(h: NativeHandle, level: number, name: number): { value: number } | number {
    const s = this.sock(h);
    if (s.closed) return -EBADF;
    if (level === C.SOL_SOCKET) {
      if (name === C.SO_RCVBUF) return { value: s.rcvbuf };
      if (name === C.SO_SNDBUF) return { value: s.sndbuf };
      return -ENOPROTOOPT;
    }
    if (level !== C.SOL_NETLINK) return -ENOPROTOOPT;
    switch (name) {
      case C.NETLINK_PKTINFO:
      case C.NETLINK_BROADCAST_ERROR:
      case C.NETLINK_NO_ENOBUFS:
      case C.NETLINK_LISTEN_ALL_NSID:
      case C.NETLINK_CAP_ACK:
      case C.NETLINK_EXT_ACK:
      case C.NETLINK_GET_STRICT_CHK:
        return { value: s.flag(name) ? 1 : 0 };
      default:
        return -ENOPROTOOPT;
    }
  }

  listMemberships(h: NativeHandle): number[] | number {
    const s = this.sock(h);
    if (s.closed) return -EBADF;
    return [...s.groups].sort((a, b) => a - b);
  }

  send(h: NativeHandle, data: Uint8Array, offset: number, length: number, portId: number, groups: number): number {
    const s = this.sock(h);
    if (!(data instanceof Uint8Array)) throw new TypeError('nlkit: send data must be a Uint8Array');
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > data.byteLength) {
      throw new RangeError(`nlkit: send range [${offset}, ${offset + length}) is outside the ${data.byteLength}-byte buffer`);
    }
    if (s.closed) return -EBADF;
    return this.network.send(s, data.subarray(offset, offset + length), portId >>> 0, groups >>> 0);
  }

  start(h: NativeHandle, cb: NativeBatchCallback | undefined, maxBatchBytes: number): number {
    const s = this.sock(h);
    if (cb === undefined && !s.cb) throw new TypeError('nlkit: start needs a callback the first time');
    if (s.closed) return -EBADF;
    if (cb) s.cb = cb;
    s.maxBatchBytes = Math.max(1, maxBatchBytes);
    s.polling = true;
    updateKeepAlive(s);
    this.network.schedule(s);
    return 0;
  }

  pause(h: NativeHandle): void {
    const s = this.sock(h);
    s.polling = false;
    updateKeepAlive(s);
  }

  ref(h: NativeHandle, on: boolean): void {
    const s = this.sock(h);
    s.refed = on;
    updateKeepAlive(s);
  }

  close(h: NativeHandle): void {
    this.network.close(this.sock(h));
  }

  fd(h: NativeHandle): number {
    this.sock(h);
    return -1; // a memory socket has no descriptor
  }
}
