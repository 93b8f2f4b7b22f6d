import { NetlinkError } from '../wire/index.js';

/** A call on a socket that is closed, or that was closed while the call was waiting. */
export class SocketClosedError extends Error {
  override readonly name = 'SocketClosedError';
  readonly code = 'ERR_SOCKET_CLOSED';
  constructor(what: string) {
    super(`${what}: the netlink socket is closed`);
  }
}

/** An OS-level failure of a socket call (-errno from the addon). */
export function systemError(errno: number, syscall: string, detail?: string): NetlinkError {
  return new NetlinkError(errno, { syscall, request: syscall, detail });
}

/** A call that got no answer in time. */
export function timeoutError(label: string, ms: number): NetlinkError {
  return new NetlinkError(-110, { request: label, detail: `no answer within ${ms} ms` });
}
