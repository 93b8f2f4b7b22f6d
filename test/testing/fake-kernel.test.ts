// nlkit/testing's fake kernel: the client side is the real NetlinkSocket and GenlController,
// the kernel side the service layer at port 0 of an in-memory network. None of this needs root,
// a namespace or the native addon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DumpInterruptedError,
  GENL_HDRLEN,
  MessageWriter,
  NETLINK_GENERIC,
  NETLINK_USERSOCK,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_ECHO,
  NLM_F_REQUEST,
  NetlinkError,
  decodeError,
  genlAttributes,
  genlDump,
  genlHeader,
  genlRequest,
  type NetlinkMessage,
  type Policy,
} from '../../src/index.js';
import { ServiceError, fakeKernel, type FakeKernel } from '../../src/testing/index.js';

const ATTR_VALUE = 1;
const ATTR_NAME = 2;
const POLICY: Policy = { maxType: 2, attrs: { [ATTR_VALUE]: { type: 'u32' }, [ATTR_NAME]: { type: 'string', len: 8 } } };
const CMD_SET = 1;
const CMD_GET = 2;
const CMD_LIST = 3;

/** A small family: SET (admin-perm, notifies 'events'), GET, LIST (a dump of `entries`). */
function demoFamily(kernel: FakeKernel, entries = 3) {
  let value = 0;
  const family = kernel.genl.family({
    name: 'demo',
    version: 2,
    policy: POLICY,
    groups: ['events'],
    ops: [
      {
        cmd: CMD_SET,
        adminPerm: true,
        do: (req, ctx) => {
          value = ctx.require(ATTR_VALUE, 'value is required').u32();
          ctx.notify('events', { cmd: CMD_SET, write: (w) => w.u32(ATTR_VALUE, value) });
        },
      },
      { cmd: CMD_GET, do: () => ({ write: (w) => w.u32(ATTR_VALUE, value) }) },
      {
        cmd: CMD_LIST,
        *dump() {
          for (let i = 0; i < entries; i++) yield { write: (w) => w.u32(ATTR_VALUE, i) };
        },
      },
    ],
  });
  return family;
}

const valueOf = (m: NetlinkMessage): number | undefined => genlAttributes(m).u32(ATTR_VALUE);

test('request and ACK: the handler sees the sender port id from the socket address, not nlmsg_pid', async () => {
  await using kernel = fakeKernel();
  let seen: number | undefined;
  kernel.protocol(20).handle(0x20, {
    do: (req) => {
      seen = req.portId;
    },
  });
  const sock = await kernel.socket(20);
  assert.deepEqual(await sock.request({ type: 0x20 }), []);
  assert.equal(seen, sock.portId);
  // A forged nlmsg_pid changes nothing: the answer goes to the sending socket.
  const forged = new MessageWriter().begin(0x20, NLM_F_REQUEST | NLM_F_ACK, 7, 4242).end().finish();
  const got = sock.receive({ timeout: 5000 });
  sock.send(forged);
  const ack = decodeError((await got).messages[0]!);
  assert.equal(ack.error, 0);
  assert.equal(ack.acked.portId, 4242, 'the ACK copies the header as sent');
  assert.equal(seen, sock.portId);
  assert.deepEqual(
    kernel.received.map((r) => [r.protocol, r.portId, r.type, r.seq === 7]),
    [
      [20, sock.portId, 0x20, false],
      [20, sock.portId, 0x20, true],
    ],
  );
});

test('Generic Netlink: GenlController resolves a fake family through the fake nlctrl', async () => {
  await using kernel = fakeKernel();
  const family = demoFamily(kernel);
  const ctrl = await kernel.controller();
  const f = await ctrl.family('demo');
  assert.equal(f.familyId, family.id);
  assert.equal(f.version, 2);
  assert.equal(f.maxattr, 2);
  assert.deepEqual(f.mcastGroups, [{ name: 'events', id: family.group('events') }]);
  assert.deepEqual(
    f.ops.map((o) => [o.id, o.flags]),
    [
      [CMD_SET, ['admin-perm', 'cmd-cap-do', 'cmd-cap-haspol']],
      [CMD_GET, ['cmd-cap-do', 'cmd-cap-haspol']],
      [CMD_LIST, ['cmd-cap-dump', 'cmd-cap-haspol']],
    ],
  );
  assert.equal((await ctrl.family(family.id)).familyName, 'demo');
  assert.deepEqual((await ctrl.families()).map((x) => x.familyName), ['nlctrl', 'demo']);
  await assert.rejects(ctrl.family('nosuch'), (e: unknown) => e instanceof NetlinkError && e.code === 'ENOENT');
  ctrl.close();
});

test('a family unregistered is announced by nlctrl and forgotten by the controller cache', async () => {
  await using kernel = fakeKernel();
  const family = demoFamily(kernel);
  const ctrl = await kernel.controller();
  await ctrl.family('demo');
  await ctrl.group('nlctrl', 'notify'); // resolved now, so monitor() subscribes at once
  assert.equal(ctrl.cacheSize, 4);
  const events = ctrl.monitor();
  const first = events.next();
  await new Promise((r) => setImmediate(r));
  family.unregister();
  const ev = (await first).value;
  assert.ok(ev && ev.kind !== 'overrun');
  assert.equal(ev.kind, 'del-group');
  assert.equal(((await events.next()).value as { kind: string }).kind, 'del-family');
  assert.equal(ctrl.cacheSize, 2, 'only nlctrl is left, by name and id');
  await assert.rejects(ctrl.family('demo'), (e: unknown) => e instanceof NetlinkError && e.code === 'ENOENT');
  await events.return(undefined);
  ctrl.close();
});

test('a do reply, and the error with extended ACK: message, missing type, attribute path and policy', async () => {
  await using kernel = fakeKernel();
  const family = demoFamily(kernel);
  const sock = await kernel.socket(NETLINK_GENERIC);
  await genlRequest(sock, family.id, CMD_SET, 1, (w) => w.u32(ATTR_VALUE, 42));
  const [reply] = await genlRequest(sock, family.id, CMD_GET, 1);
  assert.equal(genlHeader(reply!).cmd, CMD_GET);
  assert.equal(genlHeader(reply!).version, 2);
  assert.equal(valueOf(reply!), 42);

  await assert.rejects(genlRequest(sock, family.id, CMD_SET, 1), (e: unknown) => {
    assert.ok(e instanceof NetlinkError);
    assert.equal(e.code, 'EINVAL');
    assert.equal(e.extack?.message, 'value is required');
    assert.equal(e.extack?.missingType, ATTR_VALUE);
    return true;
  });
  // A u32 of two bytes: strict validation names the attribute and its policy.
  await assert.rejects(genlRequest(sock, family.id, CMD_SET, 1, (w) => w.u8(ATTR_NAME, 1).u16(ATTR_VALUE, 1)), (e: unknown) => {
    assert.ok(e instanceof NetlinkError);
    assert.equal(e.code, 'EINVAL');
    assert.equal(e.extack?.message, 'invalid attribute length');
    assert.deepEqual(e.extack?.attributePath, [ATTR_VALUE]);
    assert.deepEqual(e.extack?.policy, { type: 'u32', minValueU: 0n, maxValueU: 0xffffffffn });
    return true;
  });
  await assert.rejects(genlRequest(sock, family.id, CMD_GET, 1, (w) => w.u32(9, 1)), (e: unknown) => {
    assert.ok(e instanceof NetlinkError);
    assert.equal(e.extack?.message, 'Unknown attribute type');
    assert.deepEqual(e.extack?.attributePath, [9]);
    return true;
  });
  await assert.rejects(genlRequest(sock, family.id, CMD_GET, 1, (w) => w.string(ATTR_NAME, 'much too long')), (e: unknown) => {
    assert.ok(e instanceof NetlinkError);
    assert.equal(e.code, 'ERANGE');
    assert.deepEqual(e.extack?.policy, { type: 'string', maxLength: 8 });
    return true;
  });
  assert.equal(valueOf((await genlRequest(sock, family.id, CMD_GET, 1))[0]!), 42, 'the socket is still usable');
});

test('NETLINK_CAP_ACK and NETLINK_EXT_ACK of the requesting socket shape its errors', async () => {
  await using kernel = fakeKernel();
  const family = demoFamily(kernel);
  const request = new MessageWriter().begin(family.id, NLM_F_REQUEST | NLM_F_ACK, 1).genlHeader(CMD_SET, 1).u32(ATTR_NAME + 5, 0).end().finish();
  const errorFor = async (opts: { capAck: boolean; extendedAck: boolean }) => {
    const sock = await kernel.socket(NETLINK_GENERIC, opts);
    const got = sock.receive({ timeout: 5000 });
    sock.send(request);
    const m = (await got).messages[0]!;
    sock.close();
    return { flags: m.flags, length: m.length, reply: decodeError(m) };
  };
  const capped = await errorFor({ capAck: true, extendedAck: true });
  assert.equal(capped.flags, 0x300, 'NLM_F_CAPPED | NLM_F_ACK_TLVS');
  assert.equal(capped.reply.extack?.message, 'Unknown attribute type');
  assert.equal(capped.reply.extack?.offset, 20, 'the attribute after nlmsghdr and genlmsghdr');
  const full = await errorFor({ capAck: false, extendedAck: true });
  assert.equal(full.flags, 0x200);
  assert.equal(full.length, capped.length + request.byteLength - 16, 'the whole request is copied');
  const plain = await errorFor({ capAck: false, extendedAck: false });
  assert.equal(plain.flags, 0);
  assert.equal(plain.length, 16 + 4 + request.byteLength);
  assert.equal(plain.reply.error, -22);
  assert.equal(plain.reply.extack, undefined);
});

test('admin-perm: an unprivileged socket gets EPERM; the rest of the family works for it', async () => {
  await using kernel = fakeKernel();
  const family = demoFamily(kernel);
  const user = await kernel.socket(NETLINK_GENERIC, { privileged: false });
  await assert.rejects(genlRequest(user, family.id, CMD_SET, 1, (w) => w.u32(ATTR_VALUE, 1)), (e: unknown) => e instanceof NetlinkError && e.code === 'EPERM');
  assert.equal(valueOf((await genlRequest(user, family.id, CMD_GET, 1))[0]!), 0);
  const classic = kernel.protocol(21).handle(0x10, { adminPerm: true, do: () => {} });
  assert.ok(classic);
  const u21 = await kernel.socket(21, { privileged: false });
  await assert.rejects(u21.request({ type: 0x10 }), (e: unknown) => e instanceof NetlinkError && e.code === 'EPERM');
  const root21 = await kernel.socket(21);
  assert.deepEqual(await root21.request({ type: 0x10 }), []);
});

test('dumps: multipart replies over several datagrams, then NLMSG_DONE', async () => {
  await using kernel = fakeKernel({ service: { dumpBytes: 256 } });
  const family = demoFamily(kernel, 100);
  const sock = await kernel.socket(NETLINK_GENERIC);
  const batches: number[][] = [];
  for await (const b of genlDump(sock, family.id, CMD_LIST, 1).batches()) batches.push(b.toArray().map((m) => valueOf(m)!));
  assert.ok(batches.length > 5, `${batches.length} datagrams`);
  assert.deepEqual(batches.flat(), Array.from({ length: 100 }, (_, i) => i));
  assert.ok(batches.every((b) => b.reduce((n) => n + 28, 0) <= 256));
  // A do-only command asked for a dump, and a dump-only command asked for a do.
  await assert.rejects(genlDump(sock, family.id, CMD_GET, 1).toArray(), (e: unknown) => e instanceof NetlinkError && e.errno === -95);
  await assert.rejects(genlRequest(sock, family.id, CMD_LIST, 1), (e: unknown) => e instanceof NetlinkError && e.errno === -95);
});

test('dumps: NLM_F_DUMP_INTR gives DumpInterruptedError, and a retry runs the dump again', async () => {
  await using kernel = fakeKernel();
  let runs = 0;
  kernel.protocol(22).handle(0x30, {
    *dump(_req, ctx) {
      runs++;
      yield { write: (w) => w.u32(1, 1) };
      if (runs === 1) ctx.interrupt();
      yield { write: (w) => w.u32(1, 2) };
    },
  });
  const sock = await kernel.socket(22);
  await assert.rejects(sock.dump({ type: 0x30 }).toArray(), (e: unknown) => {
    assert.ok(e instanceof DumpInterruptedError);
    assert.deepEqual(e.partial.map((m) => m.attributes().u32(1)), [1, 2]);
    return true;
  });
  runs = 0;
  const got = await sock.dump({ type: 0x30 }, { retry: 1 }).toArray();
  assert.equal(runs, 2);
  assert.deepEqual(got.map((m) => m.attributes().u32(1)), [1, 2]);
});

test('dumps: an error inside the dump ends it with that errno and message in NLMSG_DONE', async () => {
  await using kernel = fakeKernel();
  kernel.protocol(22).handle(0x31, {
    async *dump() {
      yield { write: (w) => w.u32(1, 1) };
      throw new ServiceError('ENOSPC', { message: 'table is full' });
    },
  });
  const sock = await kernel.socket(22);
  const seen: number[] = [];
  await assert.rejects(
    (async () => {
      for await (const m of sock.dump({ type: 0x31 })) seen.push(m.attributes().u32(1)!);
    })(),
    (e: unknown) => {
      assert.ok(e instanceof NetlinkError);
      assert.equal(e.code, 'ENOSPC');
      assert.equal(e.extack?.message, 'table is full');
      return true;
    },
  );
  assert.deepEqual(seen, [1]);
});

test('a handler that throws something else answers EIO and names the failure', async () => {
  const failures: unknown[] = [];
  await using kernel = fakeKernel({ service: { onError: (e) => failures.push(e) } });
  kernel.protocol(23).handle(0x10, {
    do: () => {
      throw new TypeError('oops');
    },
  });
  const sock = await kernel.socket(23);
  await assert.rejects(sock.request({ type: 0x10 }), (e: unknown) => e instanceof NetlinkError && e.code === 'EIO' && /TypeError: oops/.test(e.message));
  assert.equal(failures.length, 1);
});

test('NLM_F_ECHO: the requester gets the notification once, addressed to the group; listeners by multicast', async () => {
  await using kernel = fakeKernel();
  const family = demoFamily(kernel);
  const group = family.group('events');
  const listener = await kernel.socket(NETLINK_GENERIC);
  const heard = listener.subscribe(group);
  const sender = await kernel.socket(NETLINK_GENERIC);
  // No membership: what arrives addressed to any group (nlmsg_notify's unicast leg is).
  const echoes = sender.subscribe([]);

  const replies = await genlRequest(sender, family.id, CMD_SET, 1, (w) => w.u32(ATTR_VALUE, 7), { flags: NLM_F_ECHO });
  assert.equal(replies.length, 1, 'the echo answers the request (seq and port id)...');
  assert.equal(valueOf(replies[0]!), 7);
  // ...and is still the group's notification for whoever streams it.
  const echo = (await echoes.next()).value;
  assert.ok(echo && echo.kind === 'message');
  assert.equal(genlHeader(echo).cmd, CMD_SET);
  assert.equal(valueOf(echo), 7);
  assert.equal(echo.portId, sender.portId, 'the notification names the requester');
  const m = (await heard.next()).value;
  assert.ok(m && m.kind === 'message');
  assert.equal(valueOf(m), 7);

  // Without ECHO a non-member hears nothing; a member with ECHO gets one copy, not two.
  await genlRequest(sender, family.id, CMD_SET, 1, (w) => w.u32(ATTR_VALUE, 8));
  sender.join(group);
  await genlRequest(sender, family.id, CMD_SET, 1, (w) => w.u32(ATTR_VALUE, 9), { flags: NLM_F_ECHO });
  family.notify('events', { cmd: CMD_GET, write: (w) => w.u32(ATTR_VALUE, 100) });
  const seen: number[] = [];
  while (seen.at(-1) !== 100) {
    const r = (await echoes.next()).value;
    assert.ok(r && r.kind === 'message');
    seen.push(valueOf(r)!);
  }
  assert.deepEqual(seen, [9, 100]);
  await heard.return?.(undefined);
  await echoes.return?.(undefined);
});

test('kernel.notify multicasts to members only; unicast to an unknown port is ECONNREFUSED', async () => {
  await using kernel = fakeKernel();
  kernel.protocol(24).handle(0x10, { do: () => {} });
  const member = await kernel.socket(24);
  const other = await kernel.socket(24);
  const events = member.subscribe(3);
  other.join(4);
  const raw = other.receive({ timeout: 5000 });
  kernel.notify(24, 3, { type: 0x11, write: (w) => w.u32(1, 1) });
  kernel.notify(24, 4, { type: 0x12, write: (w) => w.u32(1, 2) });
  const m = (await events.next()).value;
  assert.ok(m && m.kind === 'message');
  assert.equal(m.type, 0x11);
  const d = await raw;
  assert.equal(d.group, 4, 'only its own group reached the other socket');
  assert.equal(d.messages[0]!.type, 0x12);
  assert.throws(() => member.send(new MessageWriter().begin(0x10).end().finish(), { portId: 0x7777 }), (e: unknown) => e instanceof NetlinkError && e.code === 'ECONNREFUSED');
  await events.return?.();
});

test('overrun: a listener that falls behind gets one ENOBUFS, then the stream goes on', async () => {
  await using kernel = fakeKernel();
  kernel.protocol(25).handle(0x10, { do: () => {} });
  const slow = await kernel.socket(25, { rcvbuf: 4096 });
  const events = slow.subscribe(1);
  for (let i = 0; i < 100; i++) kernel.notify(25, 1, { type: 0x11, write: (w) => w.u32(1, i) });
  const items: Array<number | 'overrun'> = [];
  for (;;) {
    const r = (await events.next()).value;
    assert.ok(r);
    items.push(r.kind === 'overrun' ? 'overrun' : r.attributes().u32(1)!);
    if (items.length > 1 && typeof items.at(-1) === 'number' && items.includes('overrun') && items.length >= 3) break;
  }
  assert.equal(items[0], 'overrun', 'the error comes before what was queued, as sock_error does');
  assert.equal(slow.stats.overruns, 1);
  kernel.notify(25, 1, { type: 0x11, write: (w) => w.u32(1, 1000) });
  let last: number | undefined;
  while (last !== 1000) {
    const r = (await events.next()).value;
    assert.ok(r && r.kind === 'message', 'no second overrun once the queue drained');
    last = r.attributes().u32(1);
  }
  await events.return?.();
});

test('malformed requests: short headers and corrupt attributes are EINVAL; a truncated message ends the datagram', async () => {
  await using kernel = fakeKernel();
  const family = demoFamily(kernel);
  kernel.protocol(26).handle(0x10, { headerSize: 8, policy: POLICY, do: () => {} });
  const genl = await kernel.socket(NETLINK_GENERIC);
  const classic = await kernel.socket(26);
  const answer = async (sock: typeof genl, bytes: Uint8Array) => {
    const got = sock.receive({ timeout: 5000 });
    sock.send(bytes);
    return (await got).messages.map((m) => decodeError(m));
  };

  // No genlmsghdr: EINVAL without a message, as genl_family_rcv_msg answers.
  let [r] = await answer(genl, new MessageWriter().begin(family.id, NLM_F_REQUEST, 1).end().finish());
  assert.equal(r!.error, -22);
  assert.equal(r!.extack, undefined);
  // A fixed header shorter than the op's: __nlmsg_parse's "Invalid header length".
  const short = new MessageWriter().begin(0x10, NLM_F_REQUEST, 2);
  short.header(4);
  [r] = await answer(classic, short.end().finish());
  assert.equal(r!.error, -22);
  assert.equal(r!.extack?.message, 'Invalid header length');
  // An attribute whose length runs past the message.
  const bw = new MessageWriter().begin(0x10, NLM_F_REQUEST, 3);
  bw.header(8);
  const bad = bw.u32(ATTR_VALUE, 1).end().finish();
  new DataView(bad.buffer).setUint16(16 + 8, 64, true);
  [r] = await answer(classic, bad);
  assert.equal(r!.error, -22);
  assert.equal(r!.extack?.message, 'bytes leftover after parsing attributes');
  assert.equal(r!.extack?.offset, undefined);
  // genlmsghdr.reserved set, and flags the family does not take.
  const reserved = new MessageWriter().begin(family.id, NLM_F_REQUEST, 4);
  reserved.header(new Uint8Array([CMD_GET, 1, 1, 0]));
  [r] = await answer(genl, reserved.end().finish());
  assert.equal(r!.extack?.message, 'genlmsghdr.reserved field is not 0');
  [r] = await answer(genl, new MessageWriter().begin(family.id, NLM_F_REQUEST | 0x800, 5).genlHeader(CMD_GET, 1).end().finish());
  assert.equal(r!.extack?.message, 'ambiguous or reserved bits set in nlmsg_flags');
  // Unknown family, unknown command, unknown classic type.
  [r] = await answer(genl, new MessageWriter().begin(0x3ff, NLM_F_REQUEST, 6).genlHeader(1, 1).end().finish());
  assert.equal(r!.error, -2);
  [r] = await answer(genl, new MessageWriter().begin(family.id, NLM_F_REQUEST, 7).genlHeader(99, 1).end().finish());
  assert.equal(r!.error, -95);
  [r] = await answer(classic, new MessageWriter().begin(0x99, NLM_F_REQUEST, 8).end().finish());
  assert.equal(r!.error, -95);

  // netlink_rcv_skb: not a request, or a control message: no handler, but an ACK when asked.
  // Then a message claiming more bytes than the datagram has ends it without an answer.
  const w = new MessageWriter();
  w.begin(0x10, NLM_F_ACK, 9).header(8);
  w.end();
  w.begin(3, NLM_F_REQUEST | NLM_F_ACK, 10).end();
  w.begin(0x10, NLM_F_REQUEST | NLM_F_ACK, 11).header(8);
  w.end();
  const datagram = w.finish();
  const before = kernel.received.length;
  classic.send(Buffer.concat([datagram, Buffer.from([64, 0, 0, 0, 0x10, 0, 1, 0, 12, 0, 0, 0, 0, 0, 0, 0])]));
  const replies = [];
  for (let i = 0; i < 3; i++) replies.push(...(await classic.receive({ timeout: 5000 })).messages.map((m) => decodeError(m)));
  assert.deepEqual(replies.map((x) => [x.acked.seq, x.error]), [
    [9, 0],
    [10, 0],
    [11, 0],
  ]);
  assert.equal(kernel.received.length - before, 3);
  assert.deepEqual(await classic.request({ type: 0x10, payload: new Uint8Array(8) }), [], 'still answering');
});

test('classic dumps: NLM_F_DUMP selects the dump handler only where there is one', async () => {
  await using kernel = fakeKernel();
  const svc = kernel.protocol(27);
  svc.handle(0x10, { do: () => ({ write: (w) => w.u32(1, 1) }), dump: () => [{ write: (w) => w.u32(1, 2) }, { write: (w) => w.u32(1, 3) }] });
  svc.handle(0x11, { do: (req) => ({ write: (w) => w.u32(1, req.flags) }) });
  const sock = await kernel.socket(27);
  assert.deepEqual((await sock.dump({ type: 0x10 }).toArray()).map((m) => m.attributes().u32(1)), [2, 3]);
  assert.deepEqual((await sock.request({ type: 0x10 })).map((m) => m.attributes().u32(1)), [1]);
  // NLM_F_REPLACE|NLM_F_EXCL share NLM_F_DUMP's bits: for a type without a dump they are flags.
  const [r] = await sock.request({ type: 0x11, flags: NLM_F_DUMP });
  assert.equal(r!.attributes().u32(1)! & NLM_F_DUMP, NLM_F_DUMP);
});

test('user-to-user on NETLINK_USERSOCK: the sender port id comes with the datagram', async () => {
  await using kernel = fakeKernel();
  const a = await kernel.socket(NETLINK_USERSOCK);
  const b = await kernel.socket(NETLINK_USERSOCK, { privileged: false });
  assert.notEqual(a.portId, b.portId);
  const got = b.receive({ timeout: 5000 });
  a.send(new MessageWriter().begin(0x20, 0, 1, 999).string(1, 'hello').end().finish(), { portId: b.portId });
  const d = await got;
  assert.equal(d.portId, a.portId);
  assert.equal(d.messages[0]!.attributes().string(1), 'hello');
  // Any user may multicast on USERSOCK; the sender does not hear itself.
  a.join(5);
  const heard = a.receive({ timeout: 5000 });
  b.send(new MessageWriter().begin(0x21).end().finish(), { groups: 1 << 4 });
  assert.equal((await heard).group, 5);
  await assert.rejects(kernel.socket(30), (e: unknown) => e instanceof NetlinkError && e.code === 'EPROTONOSUPPORT');
  assert.equal(GENL_HDRLEN, 4);
});
