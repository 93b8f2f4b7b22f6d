// Tests of the N-API addon (native/nlkit.c) against the real kernel. Every socket that talks to
// the kernel is created inside a network namespace made for that one test.
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  native,
  META_OFFSET,
  META_LENGTH,
  META_PORTID,
  META_GROUPS,
  META_GROUP,
  META_NSID,
  META_STRIDE,
  type NativeHandle,
} from '../../src/socket/native.js';

const NETLINK_ROUTE = 0;
const NETLINK_USERSOCK = 2;
const SOL_SOCKET = 1;
const SO_SNDBUF = 7;
const SO_RCVBUF = 8;
const SO_SNDBUFFORCE = 32;
const SO_RCVBUFFORCE = 33;
const SOL_NETLINK = 270;
const NETLINK_ADD_MEMBERSHIP = 1;
const NETLINK_DROP_MEMBERSHIP = 2;
const NETLINK_PKTINFO = 3;
const ENOENT = 2;
const EBADF = 9;
const EAGAIN = 11;
const ENOBUFS = 105;
const ENOMEM = 12;
const EMSGSIZE = 90;
const RTM_NEWLINK = 16;
const RTM_GETLINK = 18;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const IFLA_IFNAME = 3;

const nat = native();

interface Rec {
  length: number;
  portId: number;
  groups: number;
  group: number;
  nsid: number;
  data: Buffer | null;
  /** A dropped datagram's size (EMSGSIZE and ENOMEM records). */
  size?: number;
}

// ---- per-test namespace and handle bookkeeping ------------------------------------------------

let nsName = '';
let nsPath = '';
let handles: NativeHandle[] = [];

beforeEach(() => {
  nsName = `nlkit-native-${randomBytes(4).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', nsName]);
  nsPath = `/var/run/netns/${nsName}`;
  handles = [];
});

afterEach(() => {
  for (const h of handles) nat.close(h);
  handles = [];
  execFileSync('ip', ['netns', 'delete', nsName]);
});

function open(protocol: number): NativeHandle {
  const h = nat.open(protocol, nsPath);
  assert.notEqual(typeof h, 'number', `open(${protocol}) failed with ${String(h)}`);
  handles.push(h as NativeHandle);
  return h as NativeHandle;
}

function bound(protocol: number, portId = 0, groups = 0): { h: NativeHandle; port: number } {
  const h = open(protocol);
  assert.equal(nat.bind(h, portId, groups), 0);
  const name = nat.getsockname(h);
  assert.ok(Array.isArray(name), `getsockname failed with ${String(name)}`);
  return { h, port: name[0] };
}

function setInt(h: NativeHandle, level: number, name: number, value: number): void {
  assert.equal(nat.setsockopt(h, level, name, value), 0);
}

function getInt(h: NativeHandle, level: number, name: number): number {
  const r = nat.getsockopt(h, level, name);
  assert.equal(typeof r, 'object', `getsockopt(${level}, ${name}) failed with ${String(r)}`);
  return (r as { value: number }).value;
}

/**
 * Starts the read loop and resolves with every record once `done(records)` is true (the loop is
 * paused then). Each batch is checked for consistency: offsets contiguous from 0, the Buffer
 * exactly as long as the data records, error records zeroed.
 */
function receive(h: NativeHandle, done: (recs: Rec[]) => boolean, maxBatchBytes = 64 * 1024, timeoutMs = 5000): Promise<Rec[]> {
  return new Promise((resolve, reject) => {
    const recs: Rec[] = [];
    const fail = (err: Error) => {
      clearTimeout(timer);
      nat.pause(h);
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`timed out after ${recs.length} records: ${JSON.stringify(recs.map((r) => r.length))}`)), timeoutMs);
    const rc = nat.start(
      h,
      (data, meta, count) => {
        if (!(meta instanceof Int32Array) || meta.length !== count * META_STRIDE || count < 1) {
          return fail(new Error(`bad meta: length ${meta.length}, count ${count}`));
        }
        let expectOffset = 0;
        for (let i = 0; i < count; i++) {
          const m = meta.subarray(i * META_STRIDE, (i + 1) * META_STRIDE);
          const length = m[META_LENGTH];
          if (length < 0) {
            // A dropped datagram's record carries its size and sender; any other error record is zeroed.
            const dropped = length === -EMSGSIZE || length === -ENOMEM;
            if ((!dropped && (m[META_OFFSET] !== 0 || m[META_PORTID] !== 0 || m[META_GROUPS] !== 0)) || m[META_GROUP] !== 0 || m[META_NSID] !== -1) {
              return fail(new Error(`error record ${length} with unexpected fields: ${m.join(',')}`));
            }
            recs.push({ length, portId: m[META_PORTID] >>> 0, groups: m[META_GROUPS] >>> 0, group: 0, nsid: m[META_NSID], data: null, size: m[META_OFFSET] });
            continue;
          }
          if (m[META_OFFSET] !== expectOffset) return fail(new Error(`offset ${m[META_OFFSET]}, expected ${expectOffset}`));
          expectOffset += length;
          recs.push({
            length,
            portId: m[META_PORTID] >>> 0,
            groups: m[META_GROUPS] >>> 0,
            group: m[META_GROUP] >>> 0,
            nsid: m[META_NSID],
            data: data.subarray(m[META_OFFSET], m[META_OFFSET] + length),
          });
        }
        if (!Buffer.isBuffer(data) || data.length !== expectOffset) {
          return fail(new Error(`batch buffer is ${data.length} bytes, records add up to ${expectOffset}`));
        }
        if (done(recs)) {
          clearTimeout(timer);
          nat.pause(h);
          resolve(recs);
        }
      },
      maxBatchBytes,
    );
    if (rc !== 0) fail(new Error(`start failed with ${rc}`));
  });
}

const ECONNREFUSED = 111;

/**
 * Sends the whole of `data`. A multicast send to port 0 also unicasts to port 0, the kernel,
 * which has no USERSOCK socket: that part fails with ECONNREFUSED after the broadcast was done.
 */
function sendAll(h: NativeHandle, data: Uint8Array, portId: number, groups: number): void {
  const rc = nat.send(h, data, 0, data.length, portId, groups);
  if (groups !== 0 && portId === 0 && rc === -ECONNREFUSED) return;
  assert.equal(rc, data.length);
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Rejects when `p` has not settled within `ms` (so a broken read loop fails a test instead of hanging it). */
function within<T>(p: Promise<T>, ms: number, what: string | (() => string)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${typeof what === 'string' ? what : what()}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Runs full garbage collections, giving finalizers and libuv close callbacks turns in between. */
async function collectGarbage(): Promise<void> {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  for (let i = 0; i < 5; i++) {
    await tick();
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A datagram of `size` bytes (at least 4) that starts with the little-endian number `i`. */
function numbered(i: number, size: number): Buffer {
  const b = Buffer.alloc(size, i & 0xff);
  b.writeUInt32LE(i, 0);
  return b;
}

/** The kernel's count of bytes queued for the USERSOCK socket bound to `port` (Rmem in /proc/net/netlink). */
function rmemOf(port: number): number {
  const text = execFileSync('ip', ['netns', 'exec', nsName, 'cat', '/proc/net/netlink'], { encoding: 'utf8' });
  for (const line of text.trim().split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (Number(f[1]) === NETLINK_USERSOCK && Number(f[2]) === port) return Number(f[4]);
  }
  throw new Error(`no USERSOCK socket with port id ${port} in /proc/net/netlink`);
}

// ---- tests ------------------------------------------------------------------------------------

describe('native addon', () => {
  test('exports exactly the contract functions', () => {
    const names = ['open', 'bind', 'getsockname', 'setsockopt', 'getsockopt', 'listMemberships', 'send', 'start', 'pause', 'ref', 'close', 'fd'];
    for (const n of names) assert.equal(typeof (nat as unknown as Record<string, unknown>)[n], 'function', n);
  });

  test('open in a namespace; a missing namespace file gives -ENOENT; bad arguments throw', () => {
    const h = open(NETLINK_ROUTE);
    assert.ok(nat.fd(h) >= 0);
    assert.equal(nat.open(NETLINK_ROUTE, `/var/run/netns/${nsName}-does-not-exist`), -ENOENT);
    assert.equal(nat.open(NETLINK_ROUTE, '/etc/hostname'), -22 /* EINVAL: not a namespace */);
    assert.equal(nat.open(4242, nsPath), -93 /* EPROTONOSUPPORT */);
    assert.throws(() => nat.open('0' as unknown as number, null), TypeError);
    assert.throws(() => nat.open(0, 5 as unknown as string), TypeError);
    assert.throws(() => nat.bind({} as NativeHandle, 0, 0), TypeError);
    assert.throws(() => nat.fd(Buffer.alloc(8) as unknown as NativeHandle), TypeError);
  });

  test('the socket really lives in the namespace, and the thread goes back to its own', async () => {
    // A bridge created in the test namespace shows up in a dump from a socket opened there,
    // and not in one from a socket opened in a second, fresh namespace.
    const ownNs = readlinkSync('/proc/thread-self/ns/net');
    const other = `${nsName}-b`;
    execFileSync('ip', ['netns', 'add', other]);
    try {
      execFileSync('ip', ['-n', nsName, 'link', 'add', 'nlkbr0', 'type', 'bridge']);
      const inside = open(NETLINK_ROUTE);
      assert.equal(readlinkSync('/proc/thread-self/ns/net'), ownNs);
      const elsewhere = nat.open(NETLINK_ROUTE, `/var/run/netns/${other}`);
      assert.notEqual(typeof elsewhere, 'number');
      handles.push(elsewhere as NativeHandle);
      assert.equal(readlinkSync('/proc/thread-self/ns/net'), ownNs);
      const [a, b] = await Promise.all([dumpLinkNames(inside), dumpLinkNames(elsewhere as NativeHandle)]);
      assert.deepEqual(a.sort(), ['lo', 'nlkbr0']);
      assert.deepEqual(b, ['lo']);
    } finally {
      execFileSync('ip', ['netns', 'delete', other]);
    }
  });

  test('bind with a kernel-chosen port id; getsockname reports it', () => {
    const h = open(NETLINK_ROUTE);
    assert.equal(nat.bind(h, 0, 0), 0);
    const name = nat.getsockname(h);
    assert.ok(Array.isArray(name));
    assert.equal(name.length, 2);
    assert.ok(name[0] > 0, `port id ${name[0]}`);
    assert.equal(name[1], 0);
    // Binding twice to another port id is refused by the kernel and reported as -errno.
    assert.ok((nat.bind(h, name[0] + 1, 0) as number) < 0);
  });

  test('two USERSOCK sockets exchange a datagram', async () => {
    const a = bound(NETLINK_USERSOCK, 4242);
    const b = bound(NETLINK_USERSOCK, 4343);
    assert.equal(a.port, 4242);
    assert.equal(b.port, 4343);
    // A view with a byteOffset into a larger buffer, and an offset/length inside that view.
    const backing = Buffer.from('XXXXXhello netlinkYYYY');
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 3, backing.length - 3);
    assert.equal(nat.send(a.h, view, 2, 13, b.port, 0), 13);
    const recs = await receive(b.h, (r) => r.length >= 1);
    assert.equal(recs.length, 1);
    assert.equal(recs[0].length, 13);
    assert.equal(recs[0].data!.toString(), 'hello netlink');
    assert.equal(recs[0].portId, 4242);
    assert.equal(recs[0].groups, 0);
    assert.equal(recs[0].group, 0);
    assert.equal(recs[0].nsid, -1);

    // And back, with a plain Buffer and the callback kept from the first start().
    sendAll(b.h, Buffer.from([1, 2, 3, 0, 255]), a.port, 0);
    const back = await receive(a.h, (r) => r.length >= 1);
    assert.deepEqual([...back[0].data!], [1, 2, 3, 0, 255]);
    assert.equal(back[0].portId, 4343);
  });

  test('send bounds are checked and types are enforced', () => {
    const a = bound(NETLINK_USERSOCK, 5000);
    const data = new Uint8Array(10);
    assert.throws(() => nat.send(a.h, data, 5, 6, 0, 0), RangeError);
    assert.throws(() => nat.send(a.h, data, -1, 2, 0, 0), RangeError);
    assert.throws(() => nat.send(a.h, data, 11, 0, 0, 0), RangeError);
    assert.throws(() => nat.send(a.h, data, 0.5, 1, 0, 0), RangeError);
    assert.throws(() => nat.send(a.h, 'abc' as unknown as Uint8Array, 0, 1, 0, 0), TypeError);
    assert.throws(() => nat.send(a.h, new Uint16Array(4) as unknown as Uint8Array, 0, 1, 0, 0), TypeError);
    // Unicast to a port nobody has: the kernel says ECONNREFUSED (111).
    assert.equal(nat.send(a.h, data, 0, 10, 9999, 0), -111);
  });

  test('setsockopt / getsockopt SO_RCVBUF round trip (the kernel doubles the value)', () => {
    const h = open(NETLINK_ROUTE);
    setInt(h, SOL_SOCKET, SO_RCVBUF, 65536);
    assert.equal(getInt(h, SOL_SOCKET, SO_RCVBUF), 131072);
    setInt(h, SOL_SOCKET, SO_RCVBUF, 100000);
    assert.equal(getInt(h, SOL_SOCKET, SO_RCVBUF), 200000);
    assert.equal(nat.getsockopt(h, SOL_SOCKET, 9999), -92 /* ENOPROTOOPT */);
    assert.equal(nat.setsockopt(h, SOL_NETLINK, 9999, 1), -92);
  });

  test('NETLINK_ADD_MEMBERSHIP / DROP_MEMBERSHIP and listMemberships', () => {
    const { h } = bound(NETLINK_USERSOCK, 0, 0);
    assert.deepEqual(nat.listMemberships(h), []);
    setInt(h, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, 5);
    assert.deepEqual(nat.listMemberships(h), [5]);
    setInt(h, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, 1);
    setInt(h, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, 32);
    assert.deepEqual(nat.listMemberships(h), [1, 5, 32]);
    setInt(h, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, 5);
    assert.deepEqual(nat.listMemberships(h), [1, 32]);

    // NETLINK_ROUTE has more groups than fit in the first buffer: the retry path.
    const r = open(NETLINK_ROUTE);
    for (const g of [1, 5, 33, 34]) {
      const rc = nat.setsockopt(r, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, g);
      assert.equal(rc, 0, `join rtnetlink group ${g}: ${rc}`);
    }
    assert.deepEqual(nat.listMemberships(r), [1, 5, 33, 34]);
  });

  test('a multicast datagram reaches a member with META_GROUPS and, with PKTINFO, META_GROUP', async () => {
    const member = bound(NETLINK_USERSOCK, 6000);
    setInt(member.h, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, 5);
    setInt(member.h, SOL_NETLINK, NETLINK_PKTINFO, 1);
    const plain = bound(NETLINK_USERSOCK, 6001, 1 << 4); // joined through bind's group mask
    const sender = bound(NETLINK_USERSOCK, 6002);
    sendAll(sender.h, Buffer.from('to group 5'), 0, 1 << 4);

    const [m, p] = await Promise.all([receive(member.h, (r) => r.length >= 1), receive(plain.h, (r) => r.length >= 1)]);
    for (const recs of [m, p]) {
      assert.equal(recs.length, 1);
      assert.equal(recs[0].data!.toString(), 'to group 5');
      assert.equal(recs[0].portId, 6002);
      assert.equal(recs[0].groups, 1 << 4);
      assert.equal(recs[0].nsid, -1);
    }
    assert.equal(m[0].group, 5);
    assert.equal(p[0].group, 0); // PKTINFO is off there
  });

  test('an RTM_GETLINK dump answers with lo and ends with NLMSG_DONE', async () => {
    const names = await dumpLinkNames(open(NETLINK_ROUTE));
    assert.deepEqual(names, ['lo']);
  });

  test('a datagram larger than 64 KiB arrives whole (the read buffer grows)', async () => {
    const rx = bound(NETLINK_USERSOCK, 7000);
    const tx = bound(NETLINK_USERSOCK, 7001);
    setInt(rx.h, SOL_SOCKET, SO_RCVBUFFORCE, 4 << 20);
    setInt(tx.h, SOL_SOCKET, SO_SNDBUFFORCE, 4 << 20);
    assert.ok(getInt(tx.h, SOL_SOCKET, SO_SNDBUF) >= 4 << 20);
    const small = randomBytes(1000);
    const big = randomBytes(300_000);
    const big2 = randomBytes(100_000);
    sendAll(tx.h, small, rx.port, 0);
    sendAll(tx.h, big, rx.port, 0);
    sendAll(tx.h, big2, rx.port, 0);
    const recs = await receive(rx.h, (r) => r.length >= 3, 64 * 1024);
    assert.deepEqual(recs.map((r) => r.length), [1000, 300_000, 100_000]);
    assert.ok(recs[0].data!.equals(small));
    assert.ok(recs[1].data!.equals(big));
    assert.ok(recs[2].data!.equals(big2));
    for (const r of recs) assert.equal(r.portId, 7001);
  });

  test('a datagram larger than the 16 MiB read area is dropped as one EMSGSIZE record naming its size and sender; reading goes on', async () => {
    const rx = bound(NETLINK_USERSOCK, 7100);
    const tx = bound(NETLINK_USERSOCK, 7101);
    // The kernel queues one datagram of any size on an empty queue; the sender's buffer bounds it.
    setInt(rx.h, SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20);
    setInt(tx.h, SOL_SOCKET, SO_SNDBUFFORCE, 64 << 20);
    const huge = Buffer.alloc(17 << 20, 0x5a);
    const before = randomBytes(2000);
    const after = randomBytes(40_000); // spills past the batch's 32 KiB free space into the overflow area
    sendAll(tx.h, before, rx.port, 0);
    sendAll(tx.h, huge, rx.port, 0);
    sendAll(tx.h, after, rx.port, 0);
    const recs = await receive(rx.h, (r) => r.length >= 3, 64 * 1024);
    assert.deepEqual(recs.map((r) => r.length), [2000, -EMSGSIZE, 40_000]);
    assert.equal(recs[1].size, huge.length);
    assert.equal(recs[1].portId, 7101);
    assert.ok(recs[0].data!.equals(before));
    assert.ok(recs[2].data!.equals(after));
  });

  test('maxBatchBytes splits the work into several callbacks', async () => {
    const rx = bound(NETLINK_USERSOCK, 7100);
    const tx = bound(NETLINK_USERSOCK, 7101);
    setInt(rx.h, SOL_SOCKET, SO_RCVBUFFORCE, 4 << 20);
    for (let i = 0; i < 40; i++) sendAll(tx.h, Buffer.alloc(1000, i), rx.port, 0);
    const batches: number[] = [];
    const recs: Rec[] = [];
    await new Promise<void>((resolve) => {
      nat.start(
        rx.h,
        (data, meta, count) => {
          batches.push(count);
          for (let i = 0; i < count; i++) {
            const off = meta[i * META_STRIDE + META_OFFSET];
            const len = meta[i * META_STRIDE + META_LENGTH];
            recs.push({ length: len, portId: 0, groups: 0, group: 0, nsid: 0, data: data.subarray(off, off + len) });
          }
          if (recs.length >= 40) {
            nat.pause(rx.h);
            resolve();
          }
        },
        4000,
      );
    });
    assert.equal(recs.length, 40);
    recs.forEach((r, i) => assert.ok(r.data!.equals(Buffer.alloc(1000, i)), `datagram ${i}`));
    // 4000 bytes per batch: 4 datagrams of 1000 reach the limit.
    assert.ok(batches.length >= 10, `batches ${batches.join(',')}`);
    assert.ok(batches.every((c) => c <= 4), `batches ${batches.join(',')}`);
  });

  test('an overrun is reported as -ENOBUFS and reading goes on', async () => {
    const rx = bound(NETLINK_USERSOCK, 8000, 1); // member of group 1 through the bind mask
    const tx = bound(NETLINK_USERSOCK, 8001);
    setInt(rx.h, SOL_SOCKET, SO_RCVBUF, 1024);
    const payload = Buffer.alloc(512, 0xab);
    for (let i = 0; i < 200; i++) {
      const rc = nat.send(tx.h, payload, 0, payload.length, 0, 1);
      assert.ok(rc === payload.length || rc === -ECONNREFUSED || rc === -EAGAIN || rc === -ENOBUFS, `send returned ${rc}`);
    }
    const first = await receive(rx.h, (r) => r.some((x) => x.length === -ENOBUFS), 64 * 1024, 3000);
    const data = first.filter((r) => r.length >= 0);
    assert.ok(data.length > 0, 'nothing arrived at all');
    assert.ok(data.length < 200, `all ${data.length} datagrams arrived: no overrun happened`);
    for (const r of data) assert.ok(r.data!.equals(payload));

    // The socket still works after the error.
    sendAll(tx.h, Buffer.from('after the storm'), 0, 1);
    const after = await receive(rx.h, (r) => r.some((x) => x.data?.toString() === 'after the storm'));
    assert.ok(after.every((r) => r.length !== -EBADF), 'EPOLLERR must not surface as EBADF');
  });

  test('close is idempotent; after close fd() is -1 and calls return -EBADF', async () => {
    const { h } = bound(NETLINK_USERSOCK, 9000);
    assert.equal(nat.start(h, () => {}, 65536), 0);
    nat.ref(h, false);
    nat.ref(h, true);
    const fd = nat.fd(h);
    assert.ok(fd >= 0);
    const link = readlinkSync(`/proc/self/fd/${fd}`);
    assert.match(link, /^socket:/);
    nat.close(h);
    assert.equal(nat.fd(h), -1);
    nat.close(h);
    assert.equal(nat.fd(h), -1);
    assert.equal(nat.send(h, Buffer.from('x'), 0, 1, 0, 0), -EBADF);
    assert.equal(nat.bind(h, 0, 0), -EBADF);
    assert.equal(nat.getsockname(h), -EBADF);
    assert.equal(nat.setsockopt(h, SOL_SOCKET, SO_RCVBUF, 4096), -EBADF);
    assert.equal(nat.getsockopt(h, SOL_SOCKET, SO_RCVBUF), -EBADF);
    assert.equal(nat.listMemberships(h), -EBADF);
    assert.equal(nat.start(h, () => {}, 65536), -EBADF);
    nat.pause(h);
    nat.ref(h, false);
    // The descriptor itself is closed once libuv has released the poll handle.
    await tick();
    await new Promise((r) => setTimeout(r, 10));
    assert.notEqual(linkOf(fd), link, 'the descriptor is still open');
  });

  test('close from inside the callback stops delivery', async () => {
    const rx = bound(NETLINK_USERSOCK, 9100);
    const tx = bound(NETLINK_USERSOCK, 9101);
    for (let i = 0; i < 3; i++) sendAll(tx.h, Buffer.from([i]), rx.port, 0);
    let calls = 0;
    nat.start(rx.h, () => {
      calls++;
      nat.close(rx.h);
    }, 1); // maxBatchBytes 1: one datagram per callback
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(calls, 1);
    assert.equal(nat.fd(rx.h), -1);
  });

  test('paused and idle handles are garbage-collected and their descriptors closed; a started one is kept', async () => {
    const openRaw = () => {
      const h = nat.open(NETLINK_USERSOCK, nsPath);
      assert.notEqual(typeof h, 'number');
      return h as NativeHandle;
    };
    // Paused after a start, so the poll handle was initialised (uv_close path of the finalizer).
    let paused: NativeHandle | undefined = openRaw();
    assert.equal(nat.start(paused, () => {}, 1024), 0);
    nat.pause(paused);
    const pausedFd = nat.fd(paused);
    const pausedLink = readlinkSync(`/proc/self/fd/${pausedFd}`);
    const pausedRef = new WeakRef(paused);
    paused = undefined;

    // Never started: no poll handle, the finalizer closes the descriptor at once.
    let idle: NativeHandle | undefined = openRaw();
    const idleFd = nat.fd(idle);
    const idleLink = readlinkSync(`/proc/self/fd/${idleFd}`);
    const idleRef = new WeakRef(idle);
    idle = undefined;

    let started: NativeHandle | undefined = openRaw();
    assert.equal(nat.start(started, () => {}, 1024), 0);
    nat.ref(started, false);
    const startedRef = new WeakRef(started);
    started = undefined;

    await collectGarbage();
    assert.equal(pausedRef.deref(), undefined, 'the paused handle was not collected');
    assert.notEqual(linkOf(pausedFd), pausedLink, 'the collected handle left its descriptor open');
    assert.equal(idleRef.deref(), undefined, 'the idle handle was not collected');
    assert.notEqual(linkOf(idleFd), idleLink, 'the collected idle handle left its descriptor open');

    const alive = startedRef.deref();
    assert.ok(alive, 'a started handle must stay alive');
    assert.ok(nat.fd(alive) >= 0);
    nat.close(alive);
  });

  // ---- streaming: a batch that stops at its limit hands the next reads to a thread-pool worker --

  test('streaming: pause stops the read-ahead, the rest stays in the kernel queue, start resumes in order', async () => {
    const rx = bound(NETLINK_USERSOCK, 9200);
    const tx = bound(NETLINK_USERSOCK, 9201);
    setInt(rx.h, SOL_SOCKET, SO_RCVBUFFORCE, 32 << 20);
    const n = 3000;
    for (let i = 0; i < n; i++) sendAll(tx.h, numbered(i, 1000), rx.port, 0);
    const full = rmemOf(rx.port);
    assert.ok(full >= n * 1000, `queued ${full} bytes`);
    const got: number[] = [];
    let calls = 0;
    const collect = (data: Buffer, meta: Int32Array, count: number) => {
      calls++;
      for (let i = 0; i < count; i++) got.push(data.readUInt32LE(meta[i * META_STRIDE + META_OFFSET]));
    };
    // 4000 bytes per batch: 4 datagrams, so every batch stops at its limit and reading streams.
    await within(new Promise<void>((resolve) => {
      nat.start(rx.h, (data, meta, count) => {
        collect(data, meta, count);
        nat.pause(rx.h);
        resolve();
      }, 4000);
    }), 5000, 'the first batch');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(calls, 1, 'a batch arrived while paused');
    // The first batch, plus at most the two ring slots the worker may have filled before it saw
    // the pause (4 datagrams each), left the kernel's queue; the rest waits there.
    const queued = rmemOf(rx.port);
    assert.ok(queued >= (n - 12) * 1000, `only ${queued} of ${full} bytes still queued`);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(rmemOf(rx.port), queued, 'the queue shrank while paused');

    await within(new Promise<void>((resolve) => {
      nat.start(rx.h, (data, meta, count) => {
        collect(data, meta, count);
        if (got.length >= n) {
          nat.pause(rx.h);
          resolve();
        }
      }, 4000);
    }), 5000, () => `${got.length} of ${n} datagrams`);
    assert.deepEqual(got, Array.from({ length: n }, (_, i) => i));
    assert.equal(rmemOf(rx.port), 0);
  });

  test('streaming: pause/start from inside callbacks and from timers delivers every datagram once, in order', async () => {
    const rx = bound(NETLINK_USERSOCK, 9300);
    const tx = bound(NETLINK_USERSOCK, 9301);
    setInt(rx.h, SOL_SOCKET, SO_RCVBUFFORCE, 32 << 20);
    const n = 5000;
    for (let i = 0; i < n; i++) sendAll(tx.h, numbered(i, 100 + (i % 7) * 50), rx.port, 0);
    const got: number[] = [];
    let calls = 0;
    await within(new Promise<void>((resolve) => {
      const cb = (data: Buffer, meta: Int32Array, count: number) => {
        calls++;
        for (let i = 0; i < count; i++) {
          const off = meta[i * META_STRIDE + META_OFFSET];
          const len = meta[i * META_STRIDE + META_LENGTH];
          const k = data.readUInt32LE(off);
          assert.equal(len, 100 + (k % 7) * 50);
          got.push(k);
        }
        if (got.length >= n) {
          nat.pause(rx.h);
          return resolve();
        }
        if (calls % 3 === 0) {
          nat.pause(rx.h);
          setTimeout(() => nat.start(rx.h, cb, 1500), calls % 2);
        } else if (calls % 5 === 0) {
          nat.pause(rx.h);
          nat.start(rx.h, cb, 1500); // at once, from inside the callback
        }
      };
      nat.start(rx.h, cb, 1500);
    }), 10_000, () => `${got.length} of ${n} datagrams`);
    assert.deepEqual(got, Array.from({ length: n }, (_, i) => i));
  });

  test('streaming: a datagram larger than 64 KiB read by the worker arrives whole', async () => {
    const rx = bound(NETLINK_USERSOCK, 9400);
    const tx = bound(NETLINK_USERSOCK, 9401);
    setInt(rx.h, SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20);
    setInt(tx.h, SOL_SOCKET, SO_SNDBUFFORCE, 4 << 20);
    const big = randomBytes(300_000);
    const sent: Buffer[] = [];
    for (let i = 0; i < 20; i++) sent.push(numbered(i, 1000));
    sent.push(big);
    for (let i = 0; i < 20; i++) sent.push(numbered(100 + i, 1000));
    for (const d of sent) sendAll(tx.h, d, rx.port, 0);
    const recs = await receive(rx.h, (r) => r.length >= sent.length, 2000);
    assert.deepEqual(recs.map((r) => r.length), sent.map((d) => d.length));
    recs.forEach((r, i) => assert.ok(r.data!.equals(sent[i]), `datagram ${i}`));
  });

  test('streaming: close while the worker reads; nothing is delivered after, the descriptor is closed', async () => {
    const rx = bound(NETLINK_USERSOCK, 9500);
    const tx = bound(NETLINK_USERSOCK, 9501);
    setInt(rx.h, SOL_SOCKET, SO_RCVBUFFORCE, 32 << 20);
    for (let i = 0; i < 3000; i++) sendAll(tx.h, numbered(i, 1000), rx.port, 0);
    const fd = nat.fd(rx.h);
    const link = linkOf(fd);
    let calls = 0;
    nat.start(rx.h, () => {
      calls++;
      nat.close(rx.h); // the worker was queued for the next batch before this call
    }, 2000);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(calls, 1);
    assert.equal(nat.fd(rx.h), -1);
    assert.notEqual(linkOf(fd), link, 'the descriptor is still open');
  });

  test('streaming: a handle paused midway and dropped is collected, and its descriptor closed', async () => {
    const tx = bound(NETLINK_USERSOCK, 9601);
    let rx: NativeHandle | undefined = nat.open(NETLINK_USERSOCK, nsPath) as NativeHandle;
    assert.equal(nat.bind(rx, 9600, 0), 0);
    setInt(rx, SOL_SOCKET, SO_RCVBUFFORCE, 32 << 20);
    for (let i = 0; i < 3000; i++) sendAll(tx.h, numbered(i, 1000), 9600, 0);
    const fd = nat.fd(rx);
    const link = linkOf(fd);
    const ref = new WeakRef(rx);
    await within(new Promise<void>((resolve) => {
      nat.start(rx!, () => {
        nat.pause(ref.deref()!);
        resolve();
      }, 2000);
    }), 5000, 'the first batch');
    rx = undefined;
    await collectGarbage();
    assert.equal(ref.deref(), undefined, 'the paused handle was not collected');
    assert.notEqual(linkOf(fd), link, 'the collected handle left its descriptor open');
  });

  test('an exception thrown by the callback becomes an uncaught exception, not a crash', () => {
    const addon = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../build/Release/nlkit.node');
    const script = `
      const nat = require(${JSON.stringify(addon)});
      const a = nat.open(2, ${JSON.stringify(nsPath)}), b = nat.open(2, ${JSON.stringify(nsPath)});
      nat.bind(a, 100, 0); nat.bind(b, 101, 0);
      let n = 0;
      process.on('uncaughtException', (e) => {
        console.log('caught ' + e.message);
        if (++n === 2) { nat.close(a); nat.close(b); }
      });
      nat.start(b, (data) => { throw new Error('boom ' + data.toString()); }, 1);
      nat.send(a, Buffer.from('1'), 0, 1, 101, 0);
      nat.send(a, Buffer.from('2'), 0, 1, 101, 0);
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'caught boom 1\ncaught boom 2\n');
  });
});

// ---- helpers that speak a little rtnetlink ------------------------------------------------------

/** What /proc/self/fd/N points to (socket:[inode] for a socket), or null when N is not open. */
function linkOf(fd: number): string | null {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return null;
  }
}

/** Dumps links with RTM_GETLINK and returns their IFLA_IFNAME values, checking the framing. */
async function dumpLinkNames(h: NativeHandle): Promise<string[]> {
  assert.equal(nat.bind(h, 0, 0), 0);
  const port = (nat.getsockname(h) as [number, number])[0];
  const req = Buffer.alloc(32);
  const dv = new DataView(req.buffer, req.byteOffset, req.length);
  dv.setUint32(0, 32, true); // nlmsg_len
  dv.setUint16(4, RTM_GETLINK, true);
  dv.setUint16(6, 0x301, true); // NLM_F_REQUEST | NLM_F_DUMP
  dv.setUint32(8, 1, true); // seq
  dv.setUint32(12, 0, true); // pid
  // struct ifinfomsg: 16 zero bytes
  sendAll(h, req, 0, 0);

  const names: string[] = [];
  let sawDone = false;
  let newlinks = 0;
  const recs = await receive(h, (rs) => rs.some((r) => r.data !== null && hasDone(r.data)));
  for (const r of recs) {
    assert.ok(r.length > 0, `error record ${r.length}`);
    assert.equal(r.portId, 0, 'from the kernel');
    const d = new DataView(r.data!.buffer, r.data!.byteOffset, r.data!.length);
    let off = 0;
    while (off + 16 <= d.byteLength) {
      const len = d.getUint32(off, true);
      const type = d.getUint16(off + 4, true);
      const seq = d.getUint32(off + 8, true);
      const pid = d.getUint32(off + 12, true);
      assert.ok(len >= 16 && off + len <= d.byteLength, `bad nlmsg_len ${len}`);
      assert.equal(seq, 1);
      assert.equal(pid, port);
      assert.notEqual(type, NLMSG_ERROR);
      if (type === NLMSG_DONE) {
        sawDone = true;
      } else {
        assert.equal(type, RTM_NEWLINK);
        newlinks++;
        // rtattrs follow the 16-byte header and the 16-byte ifinfomsg.
        let a = off + 32;
        while (a + 4 <= off + len) {
          const alen = d.getUint16(a, true);
          const atype = d.getUint16(a + 2, true) & 0x3fff;
          assert.ok(alen >= 4, 'bad rta_len');
          if (atype === IFLA_IFNAME) {
            names.push(r.data!.subarray(a + 4, a + alen).toString('latin1').replace(/\0+$/, ''));
          }
          a += (alen + 3) & ~3;
        }
      }
      off += (len + 3) & ~3;
    }
  }
  assert.ok(sawDone, 'no NLMSG_DONE');
  assert.ok(newlinks >= 1, 'no RTM_NEWLINK');
  return names;
}

function hasDone(data: Buffer): boolean {
  const d = new DataView(data.buffer, data.byteOffset, data.length);
  for (let off = 0; off + 16 <= d.byteLength; ) {
    const len = d.getUint32(off, true);
    if (d.getUint16(off + 4, true) === NLMSG_DONE) return true;
    if (len < 16) return false;
    off += (len + 3) & ~3;
  }
  return false;
}
