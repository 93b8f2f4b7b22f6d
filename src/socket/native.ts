// The N-API addon's surface. Every call that can fail at the OS level returns a negative errno
// instead of throwing, so the socket layer builds one kind of error in one place
// (system-error.ts); only a wrong argument type throws (a programming error, not an OS one):
// TypeError for a wrong type or a foreign handle, RangeError for send() bounds outside the view.
// After close() every call that needs the descriptor returns -EBADF (send included); pause()
// and ref() do nothing, close() again does nothing, fd() returns -1.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Opaque handle owning one AF_NETLINK file descriptor. */
export interface NativeHandle {
  readonly __nativeNetlinkHandle: unique symbol;
}

/**
 * Called once per wakeup of the read loop with every datagram that was ready.
 * `data` is a fresh Buffer owned by JS (views into it stay valid after the call).
 * `meta` holds `count` records of META_STRIDE int32s (see the META_* indexes).
 * A record whose META_LENGTH is negative is an error reported by recvmsg (-errno, for example
 * -ENOBUFS on overrun); its META_NSID is -1 and its other fields are zero. The loop keeps running
 * after an error. A wakeup stops reading once its batch has 1024 records (an error found while
 * consuming the last datagram may add one more); the data records' offsets are contiguous from
 * 0 and `data.length` is the sum of their lengths.
 */
export type NativeBatchCallback = (data: Buffer, meta: Int32Array, count: number) => void;

export const META_OFFSET = 0;
export const META_LENGTH = 1;
/** The sender's port id (sockaddr_nl.nl_pid, as an unsigned value stored in an int32). */
export const META_PORTID = 2;
/** sockaddr_nl.nl_groups: the 32-bit group mask the datagram was sent to (0 for unicast). */
export const META_GROUPS = 3;
/** NETLINK_PKTINFO's group number (any u32), 0 when PKTINFO is off or the datagram was unicast. */
export const META_GROUP = 4;
/** NETLINK_LISTEN_ALL_NSID's peer namespace id; -1 when absent. */
export const META_NSID = 5;
export const META_STRIDE = 6;

export interface NativeBinding {
  /**
   * socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC|SOCK_NONBLOCK, protocol).
   * With `netnsPath` (an absolute path to a netns file such as /var/run/netns/NAME or
   * /proc/PID/ns/net) the socket is created inside that namespace: the calling thread setns()es
   * into it, creates the socket, and setns()es back before returning.
   * Returns the handle, or -errno (ENOENT when the namespace file is missing).
   */
  open(protocol: number, netnsPath: string | null): NativeHandle | number;
  /** bind() with nl_pid = portId (0 lets the kernel choose) and nl_groups = groups. 0 or -errno. */
  bind(h: NativeHandle, portId: number, groups: number): number;
  /** getsockname(): [portId, groups] or -errno. */
  getsockname(h: NativeHandle): [number, number] | number;
  /** setsockopt(level, name, int value). 0 or -errno. */
  setsockopt(h: NativeHandle, level: number, name: number, value: number): number;
  /** getsockopt(level, name) for an int option: `{ value }`, or -errno. */
  getsockopt(h: NativeHandle, level: number, name: number): { value: number } | number;
  /** NETLINK_LIST_MEMBERSHIPS decoded: the group numbers this socket belongs to, or -errno. */
  listMemberships(h: NativeHandle): number[] | number;
  /**
   * sendmsg(MSG_DONTWAIT) of data[offset, offset+length) to sockaddr_nl { portId, groups }.
   * Returns the number of bytes sent or -errno (EAGAIN when a user-space receiver is full).
   * Multicast: the kernel delivers to the group members and then also unicasts to portId; with
   * portId 0 on a protocol that has no kernel socket (NETLINK_USERSOCK) that second part returns
   * -ECONNREFUSED although the multicast went out. -EBADF after close().
   * Throws TypeError unless data is a Uint8Array/Buffer (any byteOffset), RangeError when
   * [offset, offset+length) is not inside it.
   */
  send(h: NativeHandle, data: Uint8Array, offset: number, length: number, portId: number, groups: number): number;
  /**
   * Starts (or restarts after pause) the uv_poll read loop. Each wakeup drains ready datagrams
   * with recvmsg(MSG_DONTWAIT) until EAGAIN or until the batch reaches maxBatchBytes, never
   * truncating: each datagram's size is learned with MSG_PEEK|MSG_TRUNC and the read buffer grows
   * to fit. The callback is stored on the handle; later calls may omit it (the first may not:
   * TypeError). A batch ends once it holds maxBatchBytes or more (so it can exceed it by one
   * datagram; values below 1 count as 1) or 1024 records, so the event loop stays fair. While started, the handle keeps its JS
   * object alive (like any active libuv handle); a paused or never-started handle that is
   * garbage-collected without close() is closed by its finalizer. A socket error (EPOLLERR,
   * sk_err set by an overrun) is fetched with SO_ERROR and reported as an error record, and the
   * poll is re-armed. 0 or -errno (-EBADF after close()).
   */
  start(h: NativeHandle, cb: NativeBatchCallback | undefined, maxBatchBytes: number): number;
  /** Stops polling without closing (backpressure: the kernel then paces dumps). */
  pause(h: NativeHandle): void;
  /** Whether the poll handle keeps the event loop alive (uv_ref / uv_unref). */
  ref(h: NativeHandle, on: boolean): void;
  /** Stops the poll, closes the descriptor once libuv has released the handle. Idempotent. */
  close(h: NativeHandle): void;
  /** The raw descriptor, for diagnostics; -1 after close. */
  fd(h: NativeHandle): number;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const rootFromSrc = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function load(): NativeBinding {
  if (process.platform !== 'linux') {
    throw new Error(`nlkit: Netlink sockets exist only on Linux (this is ${process.platform})`);
  }
  const require = createRequire(import.meta.url);
  const nodeGypBuild = require('node-gyp-build') as (dir: string) => NativeBinding;
  // Compiled code lives in dist/src/socket, sources in src/socket: the package root is two or
  // three levels up; node-gyp-build looks for build/Release and prebuilds/ under it.
  for (const dir of [rootFromSrc, root]) {
    try {
      return nodeGypBuild(dir);
    } catch (err) {
      if (dir === root) {
        throw new Error(`nlkit: the native addon is not built (run "npm install" or "npm run build"): ${(err as Error).message}`);
      }
    }
  }
  throw new Error('unreachable');
}

let binding: NativeBinding | undefined;

/** The addon, loaded on first use so that importing the pure wire layer never needs it. */
export function native(): NativeBinding {
  binding ??= load();
  return binding;
}
