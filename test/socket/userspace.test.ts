// User-to-user Netlink (seed 003) and the engine's edge cases, driven by a peer socket on
// NETLINK_USERSOCK that answers the way a kernel would, or deliberately would not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DumpInterruptedError,
  MessageWriter,
  NETLINK_USERSOCK,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLM_F_DUMP_INTR,
  NLM_F_MULTI,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
  NetlinkError,
  NetlinkSocket,
  SOL_SOCKET,
  SO_RCVBUFFORCE,
  SO_SNDBUFFORCE,
  type Datagram,
} from '../../src/index.js';
import { useNetns } from '../helpers/netns.js';

const ns = useNetns('nlkit-user');

function errorReply(seq: number, errno: number, req: Uint8Array, tlvs?: (w: MessageWriter) => void): Uint8Array {
  const w = new MessageWriter();
  w.begin(NLMSG_ERROR, NLM_F_CAPPED | (tlvs ? NLM_F_ACK_TLVS : 0), seq, 0);
  const e = new Uint8Array(4);
  new DataView(e.buffer).setInt32(0, errno, true);
  w.header(e);
  w.header(req.subarray(0, 16));
  tlvs?.(w);
  return w.end().finish();
}

test('seed 003: send and receive between two user sockets, with the sender port id', async () => {
  await using a = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name });
  await using b = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name });
  const text = 'Welcome to Pennsylvania!';
  const bytes = new MessageWriter().begin(0x20, 0, 1, a.portId).binary(1, new TextEncoder().encode(text)).end().finish();
  const got = b.receive({ timeout: 5000 });
  a.send(bytes, { portId: b.portId });
  const d = await got;
  assert.equal(d.portId, a.portId);
  assert.equal(d.group, 0);
  assert.equal(d.messages.length, 1);
  assert.equal(d.messages[0]!.attributes().string(1), text);
  assert.deepEqual([...d.bytes], [...bytes]);
});

test('a datagram that arrives before receive() is called waits in the kernel queue', async () => {
  await using a = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name });
  await using b = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name });
  a.send(new MessageWriter().begin(0x20).u32(1, 7).end().finish(), { portId: b.portId });
  await new Promise((r) => setTimeout(r, 20));
  const d = await b.receive({ timeout: 5000 });
  assert.equal(d.messages[0]!.attributes().u32(1), 7);
});

test('multicast between user sockets: join, receive on the group, leave', async () => {
  await using listener = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name });
  await using sender = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name });
  const ac = new AbortController();
  const events = listener.subscribe(3, { signal: ac.signal });
  assert.deepEqual(listener.memberships(), [3]);
  sender.send(new MessageWriter().begin(0x21).u32(1, 42).end().finish(), { groups: 1 << 2 });
  const r = await events.next();
  assert.equal(r.done, false);
  const m = r.value;
  assert.ok(m.kind === 'message');
  assert.equal(m.attributes().u32(1), 42);
  ac.abort();
  assert.deepEqual(listener.memberships(), []);
});

/** A peer that answers each request with `answer(request, datagram)`. */
async function serve(peer: NetlinkSocket, count: number, answer: (req: Uint8Array, seq: number, from: Datagram) => Uint8Array[]): Promise<void> {
  for (let i = 0; i < count; i++) {
    const d = await peer.receive({ timeout: 5000 });
    for (const m of d.messages) for (const reply of answer(m.raw, m.seq, d)) peer.send(reply, { portId: d.portId });
  }
}

function dumpPart(seq: number, values: number[], flags = 0): Uint8Array {
  const w = new MessageWriter();
  for (const v of values) w.begin(0x30, NLM_F_MULTI | flags, seq, 0).u32(1, v).end();
  return w.finish();
}

function done(seq: number, flags = 0): Uint8Array {
  const w = new MessageWriter().begin(NLMSG_DONE, NLM_F_MULTI | flags, seq, 0);
  w.header(4);
  return w.end().finish();
}

test('NLM_F_DUMP_INTR: DumpInterruptedError with the partial results; retry re-runs the dump', async () => {
  await using peer = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name });
  await using client = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name, peer: peer.portId });
  let attempt = 0;
  const answer = (_req: Uint8Array, seq: number): Uint8Array[] => {
    attempt++;
    const intr = attempt === 1 ? NLM_F_DUMP_INTR : 0;
    return [dumpPart(seq, [1, 2], intr), dumpPart(seq, [3]), done(seq, intr)];
  };
  const server = serve(peer, 1, answer);
  await assert.rejects(client.dump({ type: 0x30 }).toArray(), (e: unknown) => {
    assert.ok(e instanceof DumpInterruptedError);
    assert.equal(e.received, 3);
    assert.deepEqual(e.partial.map((m) => m.attributes().u32(1)), [1, 2, 3]);
    return true;
  });
  await server;
  attempt = 0;
  const server2 = serve(peer, 2, answer);
  const got = await client.dump({ type: 0x30 }, { retry: 2 }).toArray();
  await server2;
  assert.equal(attempt, 2);
  assert.deepEqual(got.map((m) => m.attributes().u32(1)), [1, 2, 3]);
});

test('replies from a sender other than the peer are dropped and counted', async () => {
  await using peer = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name });
  await using intruder = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name });
  await using client = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name, peer: peer.portId });
  const server = serve(peer, 1, (req, seq) => {
    // The intruder forges an error with the right seq first; only the peer's ACK counts.
    intruder.send(errorReply(seq, -1, req), { portId: client.portId });
    return [new MessageWriter().begin(0x31, 0, seq).u32(1, 5).end().finish(), errorReply(seq, 0, req)];
  });
  const replies = await client.request({ type: 0x31 });
  await server;
  assert.equal(replies.length, 1);
  assert.equal(replies[0]!.attributes().u32(1), 5);
  assert.equal(client.stats.dropped, 1);
});

test('a reply larger than nlkit reads (16 MiB) fails its request with EMSGSIZE naming the size; the socket goes on', async () => {
  await using peer = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name });
  await using client = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name, peer: peer.portId });
  peer.setOption(SOL_SOCKET, SO_SNDBUFFORCE, 64 << 20);
  client.setOption(SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20);
  const huge = 17 << 20;
  let n = 0;
  const server = serve(peer, 2, (req, seq) => {
    if (n++ === 0) {
      const w = new MessageWriter().begin(0x31, 0, seq);
      w.header(new Uint8Array(huge));
      return [w.end().finish()];
    }
    return [new MessageWriter().begin(0x31, 0, seq).u32(1, 9).end().finish(), errorReply(seq, 0, req)];
  });
  await assert.rejects(client.request({ type: 0x31 }, { timeout: 5000 }), (err: NetlinkError) => {
    assert.equal(err.code, 'EMSGSIZE');
    assert.match(err.message, new RegExp(`datagram of ${huge + 16} bytes from port ${peer.portId}`));
    return true;
  });
  const replies = await client.request({ type: 0x31 }, { timeout: 5000 });
  await server;
  assert.equal(replies[0]!.attributes().u32(1), 9);
});

test('an error with extended ACK from the peer: message and attribute path', async () => {
  await using peer = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name });
  await using client = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name, peer: peer.portId });
  const server = serve(peer, 1, (req, seq) => [
    errorReply(seq, -22, req, (w) => {
      w.string(NLMSGERR_ATTR_MSG, 'bad value');
      w.u32(NLMSGERR_ATTR_OFFS, 16 + 4 + 8 + 4); // the u8 inside nest 2, after a 4-byte header
    }),
  ]);
  const req = {
    type: 0x32,
    write: (w: MessageWriter) => {
      w.header(4);
      w.u32(1, 1);
      w.nest(2, (n) => n.u8(7, 1));
    },
  };
  await assert.rejects(client.request(req, { headerSize: 4, attributeName: (_d, t) => ({ 2: 'opts', 7: 'level' })[t] }), (e: unknown) => {
    assert.ok(e instanceof NetlinkError);
    assert.equal(e.code, 'EINVAL');
    assert.equal(e.extack?.message, 'bad value');
    assert.deepEqual(e.extack?.attributePath, [2, 7]);
    assert.equal(e.extack?.attribute, '.opts.level');
    return true;
  });
  await server;
});

test('timeout and abort reject the call and leave the socket usable', async () => {
  await using peer = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name });
  await using client = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name, peer: peer.portId });
  await assert.rejects(client.request({ type: 0x33 }, { timeout: 50 }), (e: unknown) => e instanceof NetlinkError && e.code === 'ETIMEDOUT');
  const ac = new AbortController();
  const p = client.request({ type: 0x33 }, { signal: ac.signal });
  ac.abort();
  await assert.rejects(p, (e: unknown) => e instanceof Error && e.name === 'AbortError');
  await assert.rejects(client.dump({ type: 0x33 }, { signal: AbortSignal.abort() }).toArray(), { name: 'AbortError' });
  // The peer got the two requests that were sent; drain them, then a real exchange works.
  await peer.receive({ timeout: 1000 });
  await peer.receive({ timeout: 1000 });
  await assert.rejects(peer.receive({ timeout: 30 }), (e: unknown) => e instanceof NetlinkError && e.code === 'ETIMEDOUT');
  const server = serve(peer, 1, (req, seq) => [errorReply(seq, 0, req)]);
  assert.deepEqual(await client.request({ type: 0x34 }), []);
  await server;
});

test('ack: false completes on the first reply', async () => {
  await using peer = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name });
  await using client = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name, peer: peer.portId });
  const server = serve(peer, 1, (req, seq) => {
    assert.equal(new DataView(req.buffer, req.byteOffset).getUint16(6, true) & 0x4, 0, 'no NLM_F_ACK was asked');
    return [new MessageWriter().begin(0x35, 0, seq).u32(1, 9).end().finish()];
  });
  const [r] = await client.request({ type: 0x35 }, { ack: false });
  assert.equal(r!.attributes().u32(1), 9);
  await server;
});

test('a malformed reply fails that request with NetlinkProtocolError, the socket goes on', async () => {
  await using peer = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name });
  await using client = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name, peer: peer.portId });
  const server = serve(peer, 1, (_req, seq) => {
    const bad = new MessageWriter().begin(0x36, 0, seq).u32(1, 1).end().finish();
    new DataView(bad.buffer).setUint32(16, 0x00400008, true); // attribute claims 64 bytes
    const twice = new Uint8Array(bad.byteLength + 16);
    twice.set(bad);
    new DataView(twice.buffer).setUint32(0, 200, true); // and the message claims 200
    return [twice];
  });
  await assert.rejects(client.request({ type: 0x36 }, { timeout: 5000 }), { name: 'NetlinkProtocolError' });
  await server;
  const server2 = serve(peer, 1, (req, seq) => [errorReply(seq, 0, req)]);
  assert.deepEqual(await client.request({ type: 0x37 }), []);
  await server2;
});
