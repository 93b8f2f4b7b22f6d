// The kernel's receive path for one Netlink protocol, in userspace: netlink_rcv_skb() over each
// datagram, the family's routing (a subclass: classic message types or Generic Netlink), policy
// validation, admin permission, do and dump operations, ACKs and errors as netlink_ack() builds
// them, and notifications as nlmsg_notify() sends them. Transports feed it datagrams with the
// sender's address and give it a ServiceLink to send through.
import * as C from '../wire/constants.js';
import { MessageWriter, NetlinkMessage, NLMSG_HDRLEN, align4, validateAttributes, viewOf, type Attribute, type Policy } from '../wire/index.js';
import { buildAck, writeDone } from './ack.js';
import { ServiceError, type Context, type DoHandler, type DumpHandler, type ErrorReport, type MessageSpec, type Peer, type Request, type ServiceLink } from './types.js';

/** One operation: its policy, permission and handlers. */
export interface OperationSpec {
  /** The attributes' policy (validated before the handler runs); without one, attributes are not parsed. */
  policy?: Policy;
  /** NL_VALIDATE_STRICT (what the kernel applies to new families): unknown attributes, trailing bytes... are errors. Default true. */
  strict?: boolean;
  /** Only privileged senders (GENL_ADMIN_PERM, a CAP_NET_ADMIN check); others get EPERM. */
  adminPerm?: boolean;
  /** Whether dump requests are validated against the policy too (GENL_DONT_VALIDATE_DUMP when false). Default true. */
  validateDump?: boolean;
  do?: DoHandler;
  dump?: DumpHandler;
}

/** How a subclass routes one request message. */
export interface Route {
  op: OperationSpec;
  dump: boolean;
  /** Bytes between nlmsghdr and the attributes (the genl header and family header, or the op's fixed header). */
  headerLength: number;
  /** Where, within those, the handler's `header` starts (after genlmsghdr). */
  fixedOffset: number;
  cmd: number | undefined;
  version: number | undefined;
  /** Writes nlmsghdr and the family's headers of an outgoing message answering this request. */
  begin(w: MessageWriter, spec: MessageSpec, flags: number, seq: number, portId: number): void;
  /** A notification group by number or name. */
  group(group: number | string): number;
}

/** Every message the service receives, for logs and assertions. */
export type Observer = (msg: NetlinkMessage, peer: Peer) => void;

export interface DispatcherOptions {
  /** Called for every message received (before it is processed), requests or not. */
  observe?: Observer;
  /** Called when a handler throws something other than a ServiceError (the request is answered with EIO). */
  onError?: (err: unknown, msg: NetlinkMessage) => void;
  /** Bytes of dump messages per datagram, as a kernel dump fills one skb per round. Default 16384. */
  dumpBytes?: number;
}

const EBUSY = -16;
const EIO = -5;
const EINVAL = -22;

// What __nla_validate_parse reports with NL_SET_ERR_MSG (no attribute) rather than NL_SET_ERR_MSG_ATTR.
const UNATTRIBUTED = new Set(['bytes leftover after parsing attributes', 'allowed policy recursion depth exceeded']);

function errorOf(err: unknown, msg: NetlinkMessage, onError: DispatcherOptions['onError']): { errno: number; report: ErrorReport } {
  if (err instanceof ServiceError) return { errno: err.errno, report: err.report };
  onError?.(err, msg);
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return { errno: EIO, report: { message: `handler for type ${msg.type} failed: ${text}` } };
}

/** A userspace Netlink endpoint with the kernel's semantics. Subclasses route messages to operations. */
export abstract class Dispatcher {
  private link: ServiceLink | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly dumping = new Set<number>();
  protected readonly options: DispatcherOptions;

  constructor(options: DispatcherOptions = {}) {
    this.options = options;
  }

  /** Routes a request, or throws the ServiceError the kernel would answer it with. */
  protected abstract route(msg: NetlinkMessage, peer: Peer): Route;

  /** Starts an outgoing message that answers no request (a notification from the service itself). */
  protected abstract beginUnsolicited(w: MessageWriter, spec: MessageSpec, group: number | string): number;

  /** Connects the service to its transport; returns the function that disconnects it. */
  attach(link: ServiceLink): () => void {
    if (this.link) throw new Error('this service is already attached to a transport');
    this.link = link;
    return () => {
      if (this.link === link) this.link = undefined;
    };
  }

  protected get attached(): ServiceLink | undefined {
    return this.link;
  }

  /**
   * Processes one datagram from `peer`, after the ones before it. Resolves when its messages have
   * been answered (a dump may still be running).
   */
  input(bytes: Uint8Array, peer: Peer): Promise<void> {
    const run = this.chain.then(() => this.rcvSkb(bytes, peer));
    this.chain = run.catch(() => {});
    return run;
  }

  /** Multicasts a message the service sends on its own (no request): port id 0, seq 0. */
  notify(group: number | string, message: MessageSpec | Uint8Array): void {
    const link = this.link;
    if (!link) throw new Error('notify: the service is not attached to a transport');
    let bytes: Uint8Array;
    let id: number;
    if (message instanceof Uint8Array) {
      if (typeof group !== 'number') throw new TypeError('notify: raw bytes need a group number');
      bytes = message;
      id = group;
    } else {
      const w = new MessageWriter(256);
      id = this.beginUnsolicited(w, message, group);
      message.write?.(w);
      bytes = w.end().finish();
    }
    link.send(bytes, { portId: 0, group: id });
  }

  /** netlink_rcv_skb: each message in turn; a malformed header ends the datagram silently. */
  private async rcvSkb(bytes: Uint8Array, peer: Peer): Promise<void> {
    const view = viewOf(bytes);
    const datagram = { bytes, view };
    let off = 0;
    while (bytes.byteLength - off >= NLMSG_HDRLEN) {
      const len = view.getUint32(off, true);
      if (len < NLMSG_HDRLEN || len > bytes.byteLength - off) return;
      const msg = new NetlinkMessage(datagram, off);
      this.options.observe?.(msg, peer);
      await this.rcvMsg(msg, peer);
      off += align4(len);
    }
  }

  private async rcvMsg(msg: NetlinkMessage, peer: Peer): Promise<void> {
    let errno = 0;
    let report: ErrorReport | undefined;
    // Only requests are handled, and control messages are skipped; either may still be ACKed.
    if (msg.flags & C.NLM_F_REQUEST && msg.type >= C.NLMSG_MIN_TYPE) {
      try {
        const route = this.route(msg, peer);
        const req = this.parse(msg, peer, route);
        if (route.dump) {
          // netlink_dump_start returns -EINTR: no ACK, the dump's NLMSG_DONE ends the exchange.
          if (this.dumping.has(peer.portId)) throw new ServiceError(EBUSY);
          this.dumping.add(peer.portId);
          void this.runDump(route, req, peer).finally(() => this.dumping.delete(peer.portId));
          return;
        }
        await this.runDo(route, req, peer);
      } catch (err) {
        ({ errno, report } = errorOf(err, msg, this.options.onError));
      }
    }
    if (msg.flags & C.NLM_F_ACK || errno !== 0) this.send(buildAck(msg.raw, errno, peer, report), { portId: peer.portId });
  }

  private send(bytes: Uint8Array, to: { portId: number; group?: number }): void {
    this.link?.send(bytes, to);
  }

  /** __nlmsg_parse: the fixed header must be there, then the attributes must pass the policy. */
  private parse(msg: NetlinkMessage, peer: Peer, route: Route): Request {
    if (msg.length < NLMSG_HDRLEN + route.headerLength) throw new ServiceError(EINVAL, 'Invalid header length');
    const payload = msg.payloadOffset;
    const header = msg.bytes.subarray(payload + route.fixedOffset, payload + route.headerLength);
    let attrs: (Attribute | undefined)[] = [];
    const policy = route.dump && route.op.validateDump === false ? undefined : route.op.policy;
    if (policy) {
      const start = Math.min(payload + align4(route.headerLength), msg.end);
      const r = validateAttributes(msg.bytes, msg.view, start, msg.end, policy, { strict: route.op.strict ?? true });
      if (!r.ok) {
        const f = r.failure;
        const report: ErrorReport = { message: f.message };
        if (!UNATTRIBUTED.has(f.message)) report.offset = f.offset - msg.offset;
        if (f.policy) report.policy = f.policy;
        throw new ServiceError(f.errno, report);
      }
      attrs = r.attrs;
    }
    return {
      message: msg,
      type: msg.type,
      flags: msg.flags,
      seq: msg.seq,
      portId: peer.portId,
      privileged: peer.privileged,
      cmd: route.cmd,
      version: route.version,
      header,
      attrs,
    };
  }

  private build(route: Route, spec: MessageSpec, flags: number, seq: number, portId: number): Uint8Array {
    const w = new MessageWriter(128);
    route.begin(w, spec, flags, seq, portId);
    spec.write?.(w);
    return w.end().finish();
  }

  private context(route: Route, req: Request, peer: Peer, onInterrupt: () => void): Context {
    return {
      request: req,
      reply: (spec) => this.send(this.build(route, spec, spec.flags ?? 0, req.seq, peer.portId), { portId: peer.portId }),
      notify: (group, spec) => {
        // nlmsg_notify(sk, skb, portid, group, report = NLM_F_ECHO): with report, the multicast
        // skips the requester and a unicast reaches it instead, so it gets the message once.
        const echo = (req.flags & C.NLM_F_ECHO) !== 0;
        const bytes = this.build(route, spec, spec.flags ?? 0, req.seq, peer.portId);
        this.send(bytes, { portId: echo ? peer.portId : 0, group: route.group(group) });
      },
      require: (type, message) => {
        const a = req.attrs[type];
        if (a) return a;
        throw new ServiceError(EINVAL, message === undefined ? { missingType: type } : { message, missingType: type });
      },
      interrupt: onInterrupt,
    };
  }

  private async runDo(route: Route, req: Request, peer: Peer): Promise<void> {
    const ctx = this.context(route, req, peer, () => {});
    const result = await route.op.do!(req, ctx);
    if (result === undefined) return;
    for (const spec of Array.isArray(result) ? result : [result]) ctx.reply(spec);
  }

  /** netlink_dump: entries packed into datagrams, each sent once the reader has room, then NLMSG_DONE. */
  private async runDump(route: Route, req: Request, peer: Peer): Promise<void> {
    const link = this.link;
    if (!link) return;
    const budget = this.options.dumpBytes ?? 16384;
    let interrupted = false;
    const ctx = this.context(route, req, peer, () => {
      interrupted = true;
    });
    let pending: Uint8Array[] = [];
    let size = 0;
    let alive = true;
    const flush = async (): Promise<void> => {
      if (pending.length === 0) return;
      const bytes = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
      pending = [];
      size = 0;
      alive = await link.sendDump(bytes, peer.portId);
    };
    let errno = 0;
    let report: ErrorReport | undefined;
    try {
      for await (const spec of route.op.dump!(req, ctx)) {
        const flags = C.NLM_F_MULTI | (spec.flags ?? 0) | (interrupted ? C.NLM_F_DUMP_INTR : 0);
        const m = this.build(route, spec, flags, req.seq, peer.portId);
        if (size > 0 && size + m.byteLength > budget) await flush();
        if (!alive) return;
        pending.push(m);
        size += m.byteLength;
      }
    } catch (err) {
      ({ errno, report } = errorOf(err, req.message, this.options.onError));
    }
    const w = new MessageWriter(64);
    writeDone(w, req.message.raw, peer, errno, interrupted, report);
    pending.push(w.finish());
    await flush();
  }
}
