// The N-API addon's surface. Every call that can fail at the OS level returns a negative errno
// instead of throwing, so the socket layer builds one kind of error in one place
// (system-error.ts); only a wrong argument type throws (a programming error, not an OS one):
// TypeError for a wrong type or a foreign handle, RangeError for send() bounds outside the view.
// After close() every call that needs the descriptor returns -EBADF (send included); pause()
// and ref() do nothing, close() again does nothing, fd() returns -1.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Opaque handle owning one AF_NETLINK file descriptor. */
export interface NativeHandle {
  readonly __nativeNetlinkHandle: unique symbol;
}

/**
 * Called with each batch of datagrams the read loop read, in the order they arrived.
 * `data` is a fresh Buffer owned by JS (views into it stay valid after the call).
 * `meta` holds `count` records of META_STRIDE int32s (see the META_* indexes).
 * A record whose META_LENGTH is negative is an error (-errno); its META_NSID is -1. Either
 * recvmsg failed (for example -ENOBUFS on overrun; its other fields are zero), or a datagram was
 * read and dropped: -EMSGSIZE when it was larger than the 16 MiB (plus the batch's free space)
 * nlkit reads, -ENOMEM when the batch could not grow to hold it; then META_OFFSET is its size and
 * META_PORTID/META_GROUPS name its sender. The loop keeps running after an error. A batch ends
 * once it has 1024 records (a socket error found on wakeup may add one more); the data records'
 * offsets are contiguous from 0 and `data.length` is the sum of their lengths.
 * Never called while paused or after close(), nor from inside start(), pause() or close().
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
   * Starts (or restarts after pause) reading. A batch is read with recvmsg(MSG_DONTWAIT) until
   * EAGAIN or until it reaches a limit, one recvmsg per datagram: into the batch's free space (at
   * least 32 KiB) and on into a 16 MiB overflow area that costs memory only where a datagram
   * touches it; what spilled is appended. A larger datagram is dropped and reported as an
   * EMSGSIZE record (see NativeBatchCallback), never silently truncated. A batch ends once it holds
   * maxBatchBytes or more (so it can exceed it by one datagram; values below 1 count as 1) or
   * 1024 records. Two modes:
   * - idle: a uv_poll handle wakes the event loop, which reads one batch and calls back;
   * - streaming: once a batch stopped at a limit (a large dump, a burst), the next batches are
   *   read on the libuv thread pool, at most two ahead of the callback, while JS works on the
   *   previous one (the kernel builds a dump's next datagrams only inside recvmsg, so its work
   *   and JS's overlap). Batches are handed over in order from the event loop, at most two per
   *   turn of it. A read that finds the queue empty returns to idle mode.
   * The callback is stored on the handle; later calls may omit it (the first may not:
   * TypeError). While started, the handle keeps its JS object alive (like any active libuv
   * handle); a paused or never-started handle that is garbage-collected without close() is
   * closed by its finalizer. A socket error (EPOLLERR, sk_err set by an overrun) is fetched with
   * SO_ERROR and reported as an error record, and the poll is re-armed. Batches read ahead before
   * a pause() are delivered after the next start(). 0 or -errno (-EBADF after close()).
   */
  start(h: NativeHandle, cb: NativeBatchCallback | undefined, maxBatchBytes: number): number;
  /**
   * Stops reading without closing (backpressure: the kernel's receive queue fills and paces
   * dumps and user-space senders). A read already running on the thread pool finishes its
   * batch; nothing is delivered until start().
   */
  pause(h: NativeHandle): void;
  /**
   * Whether waiting for data keeps the event loop alive (uv_ref / uv_unref of the poll handle, and
   * of the one that hands over read-ahead batches). A read running on the thread pool keeps it
   * alive until it returns, whatever this says.
   */
  ref(h: NativeHandle, on: boolean): void;
  /**
   * Stops reading and drops batches not yet delivered; the descriptor is closed once libuv has
   * released the handles and a read running on the thread pool has returned. Idempotent.
   */
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
  // Compiled code lives in dist/src/socket, sources in src/socket: the package root is two or
  // three levels up. The addon `npm install` built is loaded straight from build/Release (what
  // node-gyp-build tries first anyway); node-gyp-build itself, which reads package.json and
  // searches prebuilds/, costs a few milliseconds of every command's start-up.
  for (const dir of [rootFromSrc, root]) {
    const built = path.join(dir, 'build', 'Release', 'nlkit.node');
    if (existsSync(built)) return require(built) as NativeBinding;
  }
  const nodeGypBuild = require('node-gyp-build') as (dir: string) => NativeBinding;
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
