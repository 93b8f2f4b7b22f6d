// The real transport: a service answering on a NetlinkSocket bound to a port id of its own
// (NETLINK_USERSOCK, or another protocol's user port). Requests are whatever unicast datagrams
// reach the socket; the sender is the datagram's source address.
import * as C from '../wire/constants.js';
import { NetlinkError } from '../wire/index.js';
import type { NetlinkSocket } from '../socket/index.js';
import type { Dispatcher } from './dispatcher.js';
import type { Peer, ServiceLink } from './types.js';

const EAGAIN = -11;

/**
 * Who may run admin-perm operations. A datagram carries no capability: the kernel only checks
 * one when it decides whether the sender may address a user port at all.
 * - 'kernel-rule' (default): on NETLINK_USERSOCK nobody (any local process may send there); on
 *   every other protocol everyone (the kernel refused the datagram unless its sender held
 *   CAP_NET_ADMIN, since only USERSOCK has NL_CFG_F_NONROOT_SEND).
 * - 'everyone' / 'nobody', a list of port ids, or a function of the port id. A port id names a
 *   socket, not a user: any process may bind any free one, so a list is only as good as the
 *   guarantee that the trusted process holds its port first.
 */
export type Admission = 'kernel-rule' | 'everyone' | 'nobody' | readonly number[] | ((portId: number) => boolean);

export interface ServeOptions {
  privileged?: Admission;
  /**
   * What the service assumes of its clients' sockets, which it cannot read: NETLINK_EXT_ACK
   * (errors carry the extended ACK; default true) and NETLINK_CAP_ACK (errors carry only the
   * request's header; default false, the kernel's default). Both are flagged in the reply
   * (NLM_F_ACK_TLVS, NLM_F_CAPPED), so any client parses either.
   */
  extAck?: boolean;
  capAck?: boolean;
  /** How long a dump waits for a reader whose queue stays full before it is abandoned (ms). Default 30000. */
  dumpStallMs?: number;
}

export interface ServeStats {
  /** Datagrams served. */
  datagrams: number;
  /** Replies and notifications that could not be delivered (receiver gone or full). */
  undelivered: number;
  /** Times the service's own receive queue overran (requests were lost). */
  overruns: number;
}

export interface Served {
  readonly stats: ServeStats;
  /** Settles when the socket closes. */
  readonly done: Promise<void>;
  /** Detaches the service and closes the socket. */
  close(): void;
}

function admission(rule: Admission, protocol: number): (portId: number) => boolean {
  if (typeof rule === 'function') return rule;
  if (Array.isArray(rule)) {
    const set = new Set(rule as readonly number[]);
    return (p) => set.has(p);
  }
  switch (rule) {
    case 'everyone':
      return () => true;
    case 'nobody':
      return () => false;
    default:
      return () => protocol !== C.NETLINK_USERSOCK;
  }
}

function groupMask(group: number): number {
  if (group < 1 || group > 32) throw new RangeError(`group ${group}: a socket can only send to groups 1-32 (sockaddr_nl's mask)`);
  return (1 << (group - 1)) >>> 0;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Serves `service` on `sock` until the socket closes. */
export function serve(service: Dispatcher, sock: NetlinkSocket, opts: ServeOptions = {}): Served {
  const stats: ServeStats = { datagrams: 0, undelivered: 0, overruns: 0 };
  const isPrivileged = admission(opts.privileged ?? 'kernel-rule', sock.protocol);
  const stallMs = opts.dumpStallMs ?? 30000;
  const link: ServiceLink = {
    send(bytes, to) {
      try {
        sock.send(bytes, { portId: to.portId, groups: to.group ? groupMask(to.group) : 0 });
      } catch {
        stats.undelivered++;
      }
    },
    // A user socket cannot queue past a full reader (EAGAIN): wait for it to read, as the
    // kernel waits for recvmsg before the next round of a dump.
    async sendDump(bytes, portId) {
      let waited = 0;
      for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
        try {
          sock.send(bytes, { portId });
          return true;
        } catch (err) {
          if (!(err instanceof NetlinkError) || err.errno !== EAGAIN || waited >= stallMs || sock.closed) {
            stats.undelivered++;
            return false;
          }
        }
        await sleep(delay);
        waited += delay;
      }
    },
  };
  const detach = service.attach(link);
  const done = (async () => {
    try {
      for await (const item of sock.datagrams()) {
        if (item.kind === 'overrun') {
          stats.overruns++;
          continue;
        }
        if (item.groups !== 0 || item.group !== 0) continue; // a multicast is nobody's request
        stats.datagrams++;
        const peer: Peer = { portId: item.portId, privileged: isPrivileged(item.portId), extAck: opts.extAck ?? true, capAck: opts.capAck ?? false };
        await service.input(item.bytes, peer);
      }
    } finally {
      detach();
    }
  })();
  return {
    stats,
    done,
    close() {
      detach();
      sock.close();
    },
  };
}
