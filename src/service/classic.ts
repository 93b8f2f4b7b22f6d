// A classic Netlink protocol served from userspace: operations by message type, as a kernel
// subsystem's input callback dispatches them (seed 002's nl_step, rtnetlink_rcv_msg).
import * as C from '../wire/constants.js';
import type { MessageWriter, NetlinkMessage } from '../wire/index.js';
import { Dispatcher, type DispatcherOptions, type OperationSpec, type Route } from './dispatcher.js';
import { ServiceError, type MessageSpec, type Peer } from './types.js';

export interface ClassicOperation extends OperationSpec {
  /** Size of the fixed header after nlmsghdr (struct ifinfomsg and the like); 0 by default. */
  headerSize?: number;
}

const EPERM = -1;
const EOPNOTSUPP = -95;

function checkType(type: number): void {
  if (!Number.isInteger(type) || type < C.NLMSG_MIN_TYPE || type > 0xffff) {
    throw new RangeError(`message type must be an integer from ${C.NLMSG_MIN_TYPE} to 65535 (below ${C.NLMSG_MIN_TYPE} are control messages), got ${type}`);
  }
}

function checkGroup(group: number | string): number {
  if (typeof group !== 'number' || !Number.isInteger(group) || group < 1 || group > 0xffffffff) {
    throw new RangeError(`a classic Netlink group is a number from 1 to 2^32-1, got ${String(group)}`);
  }
  return group;
}

function beginClassic(w: MessageWriter, spec: MessageSpec, type: number, flags: number, seq: number, portId: number): void {
  w.begin(spec.type ?? type, flags, seq, portId);
  if (spec.header) w.header(spec.header);
}

/**
 * Classic Netlink: one operation per message type. Unknown types are answered with EOPNOTSUPP;
 * an admin-perm operation from an unprivileged sender with EPERM, before its message is parsed.
 */
export class NetlinkService extends Dispatcher {
  private readonly ops = new Map<number, ClassicOperation>();

  constructor(options: DispatcherOptions = {}) {
    super(options);
  }

  /** Serves message type `type` (16 and up). A dump handler serves requests flagged NLM_F_DUMP. */
  handle(type: number, op: ClassicOperation): this {
    checkType(type);
    if (!op.do && !op.dump) throw new TypeError(`operation for type ${type} needs a do or a dump handler`);
    if (this.ops.has(type)) throw new Error(`message type ${type} is already handled`);
    const size = op.headerSize ?? 0;
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`headerSize must be a non-negative integer, got ${size}`);
    this.ops.set(type, op);
    return this;
  }

  protected route(msg: NetlinkMessage, peer: Peer): Route {
    const op = this.ops.get(msg.type);
    if (!op) throw new ServiceError(EOPNOTSUPP);
    // NLM_F_DUMP's bits double as NLM_F_REPLACE|NLM_F_EXCL on new-object requests, so they mean
    // a dump only for a type that has one (as rtnetlink decides by the message's kind).
    const dump = op.dump !== undefined && (msg.flags & C.NLM_F_DUMP) === C.NLM_F_DUMP;
    if (!dump && !op.do) throw new ServiceError(EOPNOTSUPP);
    if (op.adminPerm && !peer.privileged) throw new ServiceError(EPERM);
    return {
      op,
      dump,
      headerLength: op.headerSize ?? 0,
      fixedOffset: 0,
      cmd: undefined,
      version: undefined,
      begin: (w, spec, flags, seq, portId) => beginClassic(w, spec, msg.type, flags, seq, portId),
      group: checkGroup,
    };
  }

  protected beginUnsolicited(w: MessageWriter, spec: MessageSpec, group: number | string): number {
    if (spec.type === undefined) throw new TypeError('notify: a classic notification needs its message type');
    beginClassic(w, spec, spec.type, spec.flags ?? 0, 0, 0);
    return checkGroup(group);
  }
}
