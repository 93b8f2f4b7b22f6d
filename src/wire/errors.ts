import { getSystemErrorMap } from 'node:util';
import type { PolicyDescription } from './policy-description.js';

/** What the kernel said beyond the errno, decoded from NLMSGERR_ATTR_* (linux/netlink.h). */
export interface ExtendedAck {
  /** NLMSGERR_ATTR_MSG: the human-readable reason. */
  message?: string;
  /** NLMSGERR_ATTR_OFFS: byte offset of the offending attribute, from the start of the request's nlmsghdr. */
  offset?: number;
  /**
   * The offending attribute as a path of attribute types in the request that was sent,
   * outermost first (resolved from `offset`); empty when the offset points at no attribute.
   */
  attributePath?: number[];
  /** `attributePath` spelled as text: `.3.1`, or with names when a layer above knows them (`.linkinfo.data.id`). */
  attribute?: string;
  /** NLMSGERR_ATTR_COOKIE. */
  cookie?: Uint8Array;
  /** NLMSGERR_ATTR_POLICY: the policy the offending attribute failed. */
  policy?: PolicyDescription;
  /** NLMSGERR_ATTR_MISS_TYPE: the type of a required attribute that was missing. */
  missingType?: number;
  /** NLMSGERR_ATTR_MISS_NEST: offset of the nest the missing attribute belonged in. */
  missingNest?: number;
  /** `missingNest` resolved to a path, as for `attributePath`. */
  missingNestPath?: number[];
}

const errorMap = getSystemErrorMap();

/** 'ENOENT' for 2 or -2; 'E<n>' for a number the platform does not name. */
export function errnoName(errno: number): string {
  // 95 is both EOPNOTSUPP and ENOTSUP on Linux; Node names it ENOTSUP, but the kernel's Netlink
  // code returns it as EOPNOTSUPP ("operation not supported"), and that is the name users match.
  if (Math.abs(errno) === 95) return 'EOPNOTSUPP';
  return errorMap.get(-Math.abs(errno))?.[0] ?? `E${Math.abs(errno)}`;
}

/** 'no such file or directory' for 2 or -2. */
export function errnoDescription(errno: number): string {
  return errorMap.get(-Math.abs(errno))?.[1] ?? `error ${Math.abs(errno)}`;
}


/**
 * An error reported by the kernel (an NLMSG_ERROR or a failed NLMSG_DONE) or by a socket call.
 * Shaped like Node's system errors: `errno` is negative as in Node (-2), `code` is the name
 * ('ENOENT'), `syscall` says which operation failed.
 */
export class NetlinkError extends Error {
  override readonly name = 'NetlinkError';
  readonly errno: number;
  readonly code: string;
  readonly syscall: string;
  readonly extack: ExtendedAck | undefined;
  /** The request this answers, when there was one. */
  readonly request: string | undefined;

  constructor(errno: number, options: { syscall?: string; request?: string; extack?: ExtendedAck; detail?: string } = {}) {
    const n = -Math.abs(errno);
    const code = errnoName(n);
    const what = options.request ?? options.syscall ?? 'netlink';
    let message = `${what}: ${code} (${errnoDescription(n)})`;
    if (options.detail) message += `: ${options.detail}`;
    const ext = options.extack;
    if (ext?.message) message += `: ${ext.message}`;
    if (ext?.attribute) message += ` (attribute ${ext.attribute})`;
    else if (ext?.missingType !== undefined) message += ` (missing attribute ${ext.missingType})`;
    super(message);
    this.errno = n;
    this.code = code;
    this.syscall = options.syscall ?? 'netlink';
    this.extack = ext;
    this.request = options.request;
  }
}

/** Bytes that do not form valid Netlink: names the offset where parsing failed. */
export class NetlinkProtocolError extends Error {
  override readonly name = 'NetlinkProtocolError';
  readonly code = 'ERR_NETLINK_PROTOCOL';
  constructor(readonly offset: number, what: string) {
    super(`malformed netlink data at offset ${offset}: ${what}`);
  }
}

/**
 * A dump whose messages carried NLM_F_DUMP_INTR: the kernel's data changed while it was being
 * dumped, so the result may be inconsistent. Carries what was received.
 */
export class DumpInterruptedError<T = unknown> extends Error {
  override readonly name = 'DumpInterruptedError';
  readonly code = 'ERR_NETLINK_DUMP_INTERRUPTED';
  constructor(
    /** The messages of the interrupted dump, when they were buffered (toArray, retry); otherwise empty. */
    readonly partial: T[],
    /** How many messages the interrupted dump delivered. */
    readonly received: number,
    request?: string,
  ) {
    super(`${request ?? 'dump'}: interrupted (NLM_F_DUMP_INTR): the kernel's data changed during the dump, the ${received} messages received may be inconsistent`);
  }
}
