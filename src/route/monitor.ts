// rtnetlink events as a stream of typed changes against a view primed by dumps, which is what
// tells 'added' from 'changed' and what an overrun is repaired against.
import { NetlinkSocket, type NetlinkOverrun } from '../socket/index.js';
import { openFamily, type DecodedObject, type Family } from '../spec/index.js';
import { DumpInterruptedError, NETLINK_ROUTE, NetlinkError, type NetlinkMessage } from '../wire/index.js';
import { DrainBuffer } from './monitor-buffer.js';
import { KINDS, MONITOR_KINDS, type MonitorKind, type MonitorObjects } from './monitor-kinds.js';
import { rtSpec } from './specs.js';
import { MonitorView, type MonitorAction, type MonitorOrigin, type ViewChange } from './monitor-view.js';

export { MONITOR_KINDS, type MonitorKind, type MonitorObjects } from './monitor-kinds.js';
export type { MonitorAction, MonitorOrigin } from './monitor-view.js';

// The kernel charges each queued notification its whole buffer (about 1 KiB for a route), so 4
// MiB held only some 4,000: one busy moment of a consumer on a loaded machine while `ip -batch`
// changed 130 routes a millisecond. systemd-networkd asks 128 MiB for the same reason.
const MONITOR_RCVBUF = 32 * 1024 * 1024;

export interface MonitorOptions {
  /** The kinds to watch; none given means all five. */
  link?: boolean;
  addr?: boolean;
  route?: boolean;
  neigh?: boolean;
  rule?: boolean;
  /** A network namespace: a name under /var/run/netns or a path (/proc/PID/ns/net). */
  netns?: string;
  /** Stops the stream: a pending or later next() rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * SO_RCVBUF in bytes: how much the kernel holds for the monitor while it is busy (beyond
   * net.core.rmem_max only for root). Default 32 MiB, charged only while notifications wait.
   */
  rcvbuf?: number;
  /** Notifications buffered unread before the socket stops reading (and the kernel starts to drop). Default 32768. */
  highWaterMark?: number;
}

/** One object added, changed or removed. */
export type MonitorChange = {
  [K in MonitorKind]: {
    kind: K;
    action: MonitorAction;
    object: MonitorObjects[K];
    /** 'notification' for the kernel's own word; 'flush' and 'resync' for what the monitor worked out (see `monitor`). */
    origin: MonitorOrigin;
  };
}[MonitorKind];

/** After an overrun: the view was re-dumped; its differences, counted here, follow this item. */
export interface MonitorResync {
  kind: 'resync';
  /** The ENOBUFS the socket reported. */
  error: NetlinkError;
  added: number;
  changed: number;
  removed: number;
}

export type MonitorEvent = MonitorChange | MonitorResync;

/** The monitor's current view, for the kinds it watches. */
export type MonitorSnapshot = { [K in MonitorKind]?: Array<MonitorObjects[K]> };

/**
 * What else a kind's view needs: link names for the dev of addresses, routes and neighbours;
 * links and addresses for the routes IPv4 flushes silently (see MonitorView).
 */
const DEPENDS: Record<MonitorKind, MonitorKind[]> = { link: ['addr', 'route', 'neigh'], addr: ['route'], route: [], neigh: [], rule: [] };

/** Tries of a dump; refused (ENOBUFS, EBUSY) and stalled ones wait a little longer each time (about 4 s in all). */
const DUMP_ATTEMPTS = 50;
/** How long a dump may receive nothing at all on a socket that has overrun before it is given up and re-run. */
const STALL_MS = 1000;

/**
 * Watches a dump for a lost answer. The kernel drops what does not fit in a full receive buffer,
 * its answer to a dump request included (the ACK carrying ENOBUFS or EBUSY, or the first part),
 * and then nothing else will come for that request. The socket learns of it at most as one more
 * overrun, and not even that while the kernel still counts the socket congested from an earlier
 * one. So on a socket that has overrun, a dump that receives nothing for STALL_MS is aborted and
 * retried: a dump in progress brings a datagram per read.
 */
function stallWatch(socket: NetlinkSocket): { signal: AbortSignal; stop(): void } {
  const ac = new AbortController();
  let datagrams = socket.stats.datagrams;
  const timer = setInterval(() => {
    if (socket.stats.datagrams === datagrams && socket.stats.overruns > 0) ac.abort(new Error('the dump received nothing after an overrun'));
    datagrams = socket.stats.datagrams;
  }, STALL_MS);
  return { signal: ac.signal, stop: () => clearInterval(timer) };
}

interface Opened {
  socket: NetlinkSocket;
  families: Map<MonitorKind, Family>;
  buffer: DrainBuffer<NetlinkMessage | NetlinkOverrun>;
}

/**
 * Watches links, addresses, routes, neighbours and rules (see `monitor`). Iterate it once;
 * `ready` resolves when the view is primed: changes made after that are all reported.
 */
export class Monitor implements AsyncIterableIterator<MonitorEvent>, AsyncDisposable {
  /** The kinds whose changes are yielded. */
  readonly kinds: readonly MonitorKind[];
  /** Resolves once subscribed and primed; rejects when the monitor could not start. */
  readonly ready: Promise<void>;
  /** Times the kernel reported an overrun and the view was re-dumped. */
  resyncs = 0;

  private readonly chosen: ReadonlySet<MonitorKind>;
  /** The chosen kinds and what they depend on (see DEPENDS). */
  private readonly tracked: MonitorKind[];
  private readonly view: MonitorView;
  /** Per kind, the arrival number before which notifications are already in the view's dump. */
  private readonly fence = new Map<MonitorKind, number>();
  private readonly byType = new Map<number, { kind: MonitorKind; isNew: boolean }>();
  private readonly events: AsyncGenerator<MonitorEvent>;
  private readonly abort = new AbortController();
  private opened: Opened | undefined;
  private closed = false;

  constructor(private readonly opts: MonitorOptions = {}) {
    const chosen = MONITOR_KINDS.filter((k) => opts[k] === true);
    this.kinds = chosen.length > 0 ? chosen : MONITOR_KINDS;
    this.chosen = new Set(this.kinds);
    this.tracked = MONITOR_KINDS.filter((k) => this.chosen.has(k) || DEPENDS[k].some((d) => this.chosen.has(d)));
    this.view = new MonitorView(this.tracked);
    for (const k of this.tracked) {
      this.byType.set(KINDS[k].newType, { kind: k, isNew: true });
      this.byType.set(KINDS[k].delType, { kind: k, isNew: false });
    }
    const signal = opts.signal;
    if (signal) {
      if (signal.aborted) this.close(signal.reason);
      else signal.addEventListener('abort', () => this.close(signal.reason), { once: true });
    }
    this.ready = this.start();
    this.ready.catch(() => undefined);
    this.events = this.run();
  }

  private async start(): Promise<void> {
    this.abort.signal.throwIfAborted();
    const socket = await NetlinkSocket.open(NETLINK_ROUTE, { netns: this.opts.netns, rcvbuf: this.opts.rcvbuf ?? MONITOR_RCVBUF });
    try {
      const families = new Map<MonitorKind, Family>();
      for (const k of this.tracked) families.set(k, await openFamily(await rtSpec(KINDS[k].spec), { socket }));
      const groups = this.tracked.flatMap((k) => KINDS[k].groups.map((g) => families.get(k)!.group(g)));
      const hwm = this.opts.highWaterMark ?? 32768;
      const buffer = new DrainBuffer(socket.subscribe(groups, { highWaterMark: hwm }), hwm);
      this.opened = { socket, families, buffer };
      this.abort.signal.throwIfAborted();
      for (const k of this.tracked) this.view.replace(k, await this.dump(k));
    } catch (err) {
      this.close();
      throw this.abort.signal.aborted ? this.abort.signal.reason : err;
    }
  }

  /**
   * A kind's whole dump, re-run while the kernel says it was interrupted (NLM_F_DUMP_INTR) or
   * refuses it for want of room (ENOBUFS: the receive buffer is full of notifications, which
   * the buffer's reader is draining); sets the kind's fence before each try.
   */
  private async dump(kind: MonitorKind): Promise<DecodedObject[]> {
    const { socket, families, buffer } = this.opened!;
    for (let attempt = 1; ; attempt++) {
      const release = buffer.hold();
      this.fence.set(kind, buffer.arrived);
      const stall = stallWatch(socket);
      try {
        const family = families.get(kind)!;
        const list = await family.dump(KINDS[kind].dumpOp, {}, { signal: AbortSignal.any([this.abort.signal, stall.signal]) }).toArray();
        return list.map((o) => KINDS[kind].decorate(o, family.spec, this.view.names));
      } catch (err) {
        if (this.abort.signal.aborted) throw err;
        const stalled = stall.signal.aborted;
        // ENOBUFS: the kernel refused the dump for want of room. EBUSY: the kernel still runs the
        // dump an earlier attempt gave up on, and sends its rest to nobody.
        const busy = err instanceof NetlinkError && (err.code === 'ENOBUFS' || err.code === 'EBUSY');
        if (!(busy || stalled || err instanceof DumpInterruptedError) || attempt === DUMP_ATTEMPTS) throw err;
        if (busy || stalled) await new Promise((r) => setTimeout(r, Math.min(2 ** attempt, 100)));
      } finally {
        stall.stop();
        release();
      }
    }
  }

  private *changes(list: ViewChange[]): Generator<MonitorChange> {
    for (const c of list) if (this.chosen.has(c.kind)) yield c as unknown as MonitorChange;
  }

  private async *run(): AsyncGenerator<MonitorEvent> {
    try {
      await this.ready;
      const { families, buffer } = this.opened!;
      /** Overruns that arrived before the last resync's dumps began are repaired already. */
      let repaired = 0;
      for (;;) {
        const next = await buffer.take();
        if (next === undefined) return;
        const { n, item } = next;
        if (item.kind === 'overrun') {
          if (n < repaired) continue;
          repaired = buffer.arrived;
          yield* this.resync(item.error);
          continue;
        }
        const t = this.byType.get(item.type);
        if (!t || n < (this.fence.get(t.kind) ?? 0)) continue;
        const family = families.get(t.kind)!;
        const decoded = family.notification(item);
        if (decoded?.kind !== 'notification') continue;
        const object = KINDS[t.kind].decorate(decoded.msg, family.spec, this.view.names);
        yield* this.changes(this.view.apply(t.kind, t.isNew, object));
      }
    } finally {
      this.close();
    }
  }

  private async *resync(error: NetlinkError): AsyncGenerator<MonitorEvent> {
    this.resyncs++;
    const changes: MonitorChange[] = [];
    for (const k of this.tracked) changes.push(...this.changes(this.view.replace(k, await this.dump(k))));
    const count = (a: MonitorAction) => changes.reduce((n, c) => n + (c.action === a ? 1 : 0), 0);
    yield { kind: 'resync', error, added: count('added'), changed: count('changed'), removed: count('removed') };
    yield* changes;
  }

  /** The objects the monitor currently knows, per watched kind (what its events have built). */
  snapshot(): MonitorSnapshot {
    const out: Record<string, DecodedObject[]> = {};
    for (const k of this.kinds) out[k] = this.view.objects(k);
    return out as MonitorSnapshot;
  }

  next(): Promise<IteratorResult<MonitorEvent>> {
    return this.events.next();
  }

  async return(): Promise<IteratorResult<MonitorEvent>> {
    this.close();
    return this.events.return(undefined);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Leaves the groups and closes the socket; a waiting next() ends (or rejects with `reason`). */
  close(reason?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort(reason);
    if (this.opened) {
      this.opened.buffer.close(reason);
      this.opened.socket.close();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }
}

/**
 * Watches rtnetlink: one NETLINK_ROUTE socket joins the multicast groups of the chosen kinds
 * (IPv4 and IPv6 where both exist), each notification is decoded by its rt-* spec according
 * to its nlmsg_type, and the stream yields `{ kind, action, object, origin }` in the kernel's
 * order (`object` as links(), addresses(), routes(), neighbours() and rules() list them), paced by its consumer (unread notifications stop the socket's reading; the kernel
 * then holds up to `rcvbuf` bytes, and drops beyond that: see below).
 *
 * The monitor keeps a view: it dumps each chosen kind once at the start (`ready`), so that an
 * RTM_NEWLINK for a known ifindex, or an RTM_NEWROUTE/NEWADDR/NEWNEIGH for a known key, is
 * 'changed' and not 'added' from the first event on. Keys are the kernel's: a link's ifindex;
 * an address's device, local address, peer and prefix; a route's table, destination, source,
 * TOS and metric; a neighbour's device and address; a rule's whole content. Only IPv4 and IPv6
 * objects are kept (not bridge FDB entries, bridge port messages or multicast-routing rules).
 * A change racing the initial dump may be reported as 'changed' rather than 'added'.
 *
 * The kernel removes some IPv4 routes without a notification: a device's routes when it goes
 * down (all but host scope) or away, and main-table routes whose preferred source address was
 * removed. The monitor applies those itself and yields them as 'removed' with origin 'flush'
 * (watching routes therefore also subscribes to links and addresses, yielding only what was
 * asked for).
 *
 * On an overrun (ENOBUFS: the kernel dropped notifications because the monitor fell behind),
 * the chosen kinds are dumped again and one `{ kind: 'resync' }` item is yielded, followed by
 * the differences against the view as 'added'/'changed'/'removed' with origin 'resync' (their
 * counts are in the resync item). A consumer that applies every change it is given therefore
 * never drifts silently from the kernel: once it has applied them, its state equals a fresh dump.
 *
 * Stop it with `break`, `return()`, the `signal`, or `await using`.
 */
export function monitor(opts: MonitorOptions = {}): Monitor {
  return new Monitor(opts);
}
