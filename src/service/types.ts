import { constants } from 'node:os';
import type { Attribute, MessageWriter, NetlinkMessage, PolicyDescription } from '../wire/index.js';

/** The sender of a datagram, as the service's transport knows it. */
export interface Peer {
  /** The sending socket's port id: from the datagram's source address, never from nlmsg_pid. */
  portId: number;
  /** Whether the sender may run admin-perm operations (CAP_NET_ADMIN, or the transport's rule). */
  privileged: boolean;
  /** NETLINK_EXT_ACK on the sender's socket: errors carry the extended-ACK TLVs. */
  extAck: boolean;
  /** NETLINK_CAP_ACK on the sender's socket: errors carry only the request's header. */
  capAck: boolean;
}

/** How a service sends: what a transport provides. */
export interface ServiceLink {
  /**
   * sockaddr_nl semantics: multicast to `group` (if any), skipping port `portId`, then unicast
   * to `portId` (if not 0). Never throws: a receiver that is gone or full loses the message, as
   * it would lose one the kernel sent.
   */
  send(bytes: Uint8Array, to: { portId: number; group?: number }): void;
  /** One datagram of a dump; resolves once the reader can take another (false: it went away). */
  sendDump(bytes: Uint8Array, portId: number): Promise<boolean>;
}

/** A message a handler sends: a reply, a dump entry or a notification. */
export interface MessageSpec {
  /** nlmsg_type. Classic: defaults to the request's type. Generic Netlink: always the family's id. */
  type?: number;
  /** Generic Netlink: the command (defaults to the request's). */
  cmd?: number;
  /** nlmsg_flags added to what the service sets (NLM_F_MULTI in dumps). */
  flags?: number;
  /** The fixed header after nlmsghdr (after genlmsghdr for Generic Netlink). */
  header?: Uint8Array;
  /** Writes the attributes. */
  write?: (w: MessageWriter) => void;
}

/** One request as a handler sees it. */
export interface Request {
  readonly message: NetlinkMessage;
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  /** The sender's port id (its socket address). */
  readonly portId: number;
  readonly privileged: boolean;
  /** Generic Netlink: the command and version of genlmsghdr; undefined for classic Netlink. */
  readonly cmd: number | undefined;
  readonly version: number | undefined;
  /** The fixed header (the op's headerSize bytes, or the family's hdrsize). */
  readonly header: Uint8Array;
  /** Attributes by type, validated against the op's policy (the kernel's tb[]); empty without a policy. */
  readonly attrs: readonly (Attribute | undefined)[];
}

export interface Context {
  /** The request being served. */
  readonly request: Request;
  /** Unicasts a reply to the requester with its seq (as genlmsg_reply / nlmsg_unicast). */
  reply(spec: MessageSpec): void;
  /**
   * nlmsg_notify(): multicasts to `group` (a group number, or a Generic Netlink family's group
   * name), and unicasts to the requester too when it set NLM_F_ECHO (skipping it in the
   * multicast, so it gets one copy; that copy is addressed to the group, as the kernel's is).
   * The message carries the requester's port id and seq.
   */
  notify(group: number | string, spec: MessageSpec): void;
  /** GENL_REQ_ATTR_CHECK: the attribute, or EINVAL with NLMSGERR_ATTR_MISS_TYPE (and `message`). */
  require(type: number, message?: string): Attribute;
  /** Dumps: nl_dump_check_consistent saw a change; every message from now on, DONE included, carries NLM_F_DUMP_INTR. */
  interrupt(): void;
}

/** `do`: returns its reply (or replies) or nothing; throws ServiceError to fail. May be async. */
export type DoHandler = (req: Request, ctx: Context) => MessageSpec | MessageSpec[] | void | Promise<MessageSpec | MessageSpec[] | void>;

/** `dump`: yields the entries; a ServiceError thrown at any point ends the dump with that errno in NLMSG_DONE. */
export type DumpHandler = (req: Request, ctx: Context) => Iterable<MessageSpec> | AsyncIterable<MessageSpec>;

/** What netlink_ack() reports beyond the errno: the kernel's struct netlink_ext_ack. */
export interface ErrorReport {
  message?: string;
  /** NLMSGERR_ATTR_OFFS: the offending attribute, in bytes from the start of the request's nlmsghdr. */
  offset?: number;
  policy?: PolicyDescription;
  missingType?: number;
  /** NLMSGERR_ATTR_MISS_NEST: the nest the missing attribute belonged in, as an offset like `offset`. */
  missingNest?: number;
  cookie?: Uint8Array;
}

/** The errno of an ErrnoName or number (either sign) as the negative value Netlink carries. */
export type Errno = number | keyof typeof constants.errno;

/** A handler's failure: answered with NLMSG_ERROR (or NLMSG_DONE in a dump) carrying the errno and extended ACK. */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  /** Negative, as the kernel returns it. */
  readonly errno: number;
  readonly report: ErrorReport;

  constructor(errno: Errno, report: ErrorReport | string = {}) {
    const n = typeof errno === 'number' ? -Math.abs(errno) : -constants.errno[errno];
    if (!Number.isInteger(n) || n === 0) throw new RangeError(`ServiceError needs a non-zero errno, got ${String(errno)}`);
    const r = typeof report === 'string' ? { message: report } : report;
    super(r.message ?? `errno ${-n}`);
    this.errno = n;
    this.report = r;
  }
}
