// The real transport: services answering on NETLINK_USERSOCK sockets, in a namespace of their
// own, to clients that are ordinary NetlinkSockets and a GenlController.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GenlController,
  NETLINK_USERSOCK,
  NLM_F_ECHO,
  NetlinkError,
  NetlinkSocket,
  genlAttributes,
  genlDump,
  genlRequest,
  type Policy,
} from '../../src/index.js';
import { GenlService, NetlinkService, serve, type ServeOptions } from '../../src/service/index.js';
import { useNetns } from '../helpers/netns.js';

const ns = useNetns('nlkit-serve');
const POLICY: Policy = { maxType: 1, attrs: { 1: { type: 'u32' } } };

async function genlServer(opts: ServeOptions = {}, entries = 10) {
  const service = new GenlService();
  let value = 0;
  const family = service.family({
    name: 'demo',
    policy: POLICY,
    groups: ['events'],
    ops: [
      {
        cmd: 1,
        adminPerm: true,
        do: (_req, ctx) => {
          value = ctx.require(1, 'value is required').u32();
          ctx.notify('events', { write: (w) => w.u32(1, value) });
        },
      },
      { cmd: 2, do: () => ({ write: (w) => w.u32(1, value) }) },
      {
        cmd: 3,
        *dump() {
          for (let i = 0; i < entries; i++) yield { write: (w) => w.u32(1, i).binary(2, new Uint8Array(64)) };
        },
      },
    ],
  });
  const sock = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name });
  const served = serve(service, sock, opts);
  return { family, served, port: sock.portId };
}

const u32 = (m: { attributes(h?: number): { u32(t: number): number | undefined } }): number | undefined => m.attributes(4).u32(1);

test('a GenlController resolves a served family through the served nlctrl; requests, errors, ECHO, multicast', async () => {
  const { served, port, family } = await genlServer({ privileged: 'everyone' });
  await using client = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name, peer: port });
  await using listener = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name, peer: port });
  const ctrl = new GenlController(client);
  const f = await ctrl.family('demo');
  assert.equal(f.familyId, family.id);
  const group = await ctrl.group('demo', 'events');
  const heard = listener.subscribe(group, { from: port });
  // The echo reaches the requester addressed to the group, as the kernel's does: a stream of
  // whatever arrives for groups (no membership needed) sees it.
  const echoes = client.subscribe([], { from: port });

  const replies = await genlRequest(client, f.familyId, 1, 1, (w) => w.u32(1, 5), { flags: NLM_F_ECHO });
  assert.deepEqual(replies.map((m) => genlAttributes(m).u32(1)), [5], 'the echo answers the request');
  const echo = (await echoes.next()).value;
  assert.ok(echo && echo.kind === 'message');
  assert.equal(genlAttributes(echo).u32(1), 5);
  assert.equal(echo.portId, client.portId);
  const n = (await heard.next()).value;
  assert.ok(n && n.kind === 'message');
  assert.equal(genlAttributes(n).u32(1), 5);
  assert.equal(u32((await genlRequest(client, f.familyId, 2, 1))[0]!), 5);
  await assert.rejects(genlRequest(client, f.familyId, 1, 1), (e: unknown) => {
    assert.ok(e instanceof NetlinkError);
    assert.equal(e.code, 'EINVAL');
    assert.equal(e.extack?.message, 'value is required');
    assert.equal(e.extack?.missingType, 1);
    return true;
  });
  await heard.return?.(undefined);
  await echoes.return?.(undefined);
  ctrl.close();
  served.close();
  await served.done;
});

test('admin-perm on NETLINK_USERSOCK: nobody by default, or the port ids allowed', async () => {
  const closed = await genlServer();
  await using client = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name, peer: closed.port });
  await assert.rejects(genlRequest(client, closed.family.id, 1, 1, (w) => w.u32(1, 1)), (e: unknown) => e instanceof NetlinkError && e.code === 'EPERM');
  assert.equal(u32((await genlRequest(client, closed.family.id, 2, 1))[0]!), 0, 'other commands are open');
  closed.served.close();

  await using admin = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name });
  await using other = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name });
  const listed = await genlServer({ privileged: [admin.portId] });
  await genlRequest(admin, listed.family.id, 1, 1, (w) => w.u32(1, 9), { peer: listed.port });
  await assert.rejects(genlRequest(other, listed.family.id, 1, 1, (w) => w.u32(1, 1), { peer: listed.port }), (e: unknown) => e instanceof NetlinkError && e.code === 'EPERM');
  listed.served.close();
});

test('a dump larger than the reader can hold waits for it to read (no loss, in order)', async () => {
  const entries = 3000;
  const { served, port, family } = await genlServer({}, entries);
  await using client = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name, peer: port, rcvbuf: 16384 });
  let next = 0;
  for await (const m of genlDump(client, family.id, 3, 1)) {
    assert.equal(u32(m), next);
    next++;
  }
  assert.equal(next, entries);
  assert.equal(served.stats.undelivered, 0);
  served.close();
});

test('a classic service on a socket: types, fixed header, unknown type', async () => {
  const service = new NetlinkService().handle(0x20, {
    headerSize: 4,
    policy: POLICY,
    do: (req) => ({ header: req.header, write: (w) => w.u32(1, (req.attrs[1]?.u32() ?? 0) * 2) }),
  });
  const sock = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name });
  const served = serve(service, sock);
  await using client = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name, peer: sock.portId });
  const [r] = await client.request({ type: 0x20, payload: new Uint8Array([1, 2, 3, 4]), write: (w) => w.u32(1, 21) });
  assert.deepEqual([...r!.payload.subarray(0, 4)], [1, 2, 3, 4]);
  assert.equal(r!.attributes(4).u32(1), 42);
  await assert.rejects(client.request({ type: 0x21 }), (e: unknown) => e instanceof NetlinkError && e.errno === -95);
  assert.equal(served.stats.datagrams, 2);
  served.close();
});
