// The family object against the kernel: per-operation methods, generic do/dump, request checks
// before sending, kernel errors with named attribute paths, subscriptions, sockets and lifetime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CORPUS } from './family-env.js';
import { NETLINK_GENERIC, NETLINK_ROUTE, NetlinkError, NetlinkSocket } from '../../src/index.js';
import { Family, FamilyDump, FamilyRequestError, loadSpec, openFamily, type FamilyEvent } from '../../src/spec/index.js';
import { ip, ipJson, sh, useNetns } from '../helpers/netns.js';

const ns = useNetns('nlkit-spec-family');

function genlFamilyId(name: string): number {
  const out = sh('ip', ['netns', 'exec', ns.name, 'genl', 'ctrl', 'get', 'name', name]);
  return parseInt(/ID: (0x[0-9a-f]+)/.exec(out)![1]!, 16);
}

test('a genl family: id from nlctrl, a method per operation, do and dump decoded', async () => {
  ip(ns.name, 'link', 'add', 'fa', 'type', 'veth', 'peer', 'name', 'fb');
  await using netdev = await openFamily('netdev', { netns: ns.name });
  assert.ok(netdev instanceof Family);
  assert.equal(netdev.familyId, genlFamilyId('netdev'));
  assert.equal(typeof netdev.devGet, 'function');
  assert.equal(typeof netdev.devGetDump, 'function');
  assert.equal((netdev as unknown as Record<string, unknown>).qstatsGet, undefined, 'qstats-get has only a dump');
  const links = ipJson<Array<{ ifindex: number }>>(ns.name, 'link', 'show').map((l) => l.ifindex).sort();
  const dump = netdev.devGetDump();
  assert.ok(dump instanceof FamilyDump);
  const devs = await dump.toArray();
  assert.deepEqual(devs.map((d) => d.ifindex).sort(), links);
  for (const ifindex of links) {
    const d = await netdev.devGet({ ifindex });
    assert.equal(d!.ifindex, ifindex);
    assert.ok(Array.isArray(d!.xdpFeatures));
  }
  // The generic calls are the same operations by spec name.
  assert.deepEqual(await netdev.do('dev-get', { ifindex: links[0] }), await netdev.devGet({ ifindex: links[0] }));
  let n = 0;
  for await (const d of netdev.dump('dev-get')) {
    assert.ok(links.includes(d.ifindex as number));
    n++;
  }
  assert.equal(n, links.length);
  // batches(): the objects of each datagram
  const batched = [];
  for await (const b of netdev.devGetDump().batches()) batched.push(...b);
  assert.equal(batched.length, links.length);
  ip(ns.name, 'link', 'del', 'fa');
});

test('a request that breaks the spec is refused before sending; the socket stays usable', async () => {
  await using netdev = await openFamily('netdev', { netns: ns.name });
  // dev-get's ifindex has `checks: min: 1`; the kernel would answer EINVAL, we never ask.
  await assert.rejects(netdev.devGet({ ifindex: 0 }), (e: unknown) => {
    assert.ok(e instanceof FamilyRequestError && e instanceof TypeError);
    assert.deepEqual(e.problems.map((p) => p.path), ['.ifindex']);
    assert.match(e.message, /^netdev dev-get: \.ifindex: /);
    return true;
  });
  await assert.rejects(netdev.devGet({ ifindx: 1 } as object), (e: unknown) => e instanceof TypeError && /\.ifindx/.test(e.message));
  await assert.rejects(netdev.devGet({ ifindex: 'one' } as object), (e: unknown) => e instanceof TypeError && /\.ifindex/.test(e.message));
  assert.throws(() => netdev.devGetDump({ ifindex: -1 } as object), TypeError, 'a dump is checked when it is made');
  assert.throws(() => netdev.dump('no-such-op'), /netdev: no operation 'no-such-op' \(it has: dev-get, /);
  assert.throws(() => netdev.dump('bind-rx'), /has no dump; use do\(\)/);
  await assert.rejects(netdev.do('qstats-get'), /has no do; use dump\(\)/);
  await assert.rejects(netdev.devGet({ ifindex: 1 }, { flags: ['bogus' as 'create'] }), /unknown request flag 'bogus'/);
  // The kernel's own errors are NetlinkErrors, and the socket goes on.
  await assert.rejects(netdev.devGet({ ifindex: 0x7ffffff0 }), (e: unknown) => e instanceof NetlinkError && e.code === 'ENODEV' && /^netdev dev-get: ENODEV/.test(e.message));
  assert.equal((await netdev.devGet({ ifindex: 1 }))!.ifindex, 1);
});

test('a netlink-raw family: the spec protonum, directional ids, fixed headers, request flags', async () => {
  await using link = await openFamily('rt-link', { netns: ns.name });
  assert.equal(link.socket.protocol, NETLINK_ROUTE);
  assert.equal(link.familyId, undefined);
  // newlink with create|excl: a veth pair; then the same again is EEXIST because of excl.
  const req = { ifname: 'ra', linkinfo: { kind: 'veth' } };
  assert.equal(await link.newlink(req, { flags: ['create', 'excl'] }), undefined);
  const made = ipJson<Array<{ ifname: string; ifindex: number }>>(ns.name, 'link', 'show', 'ra')[0]!;
  await assert.rejects(link.newlink(req, { flags: ['create', 'excl'] }), (e: unknown) => e instanceof NetlinkError && e.code === 'EEXIST');
  // Without create the kernel does not make a link.
  await assert.rejects(link.newlink({ ifname: 'rz', linkinfo: { kind: 'veth' } }), (e: unknown) => e instanceof NetlinkError && e.code === 'ENODEV');
  // A fixed-header field selects the link (ifinfomsg.ifi_index), and setlink changes it.
  await link.setlink({ ifiIndex: made.ifindex, mtu: 1280 });
  const got = (await link.getlink({ ifiIndex: made.ifindex }))!;
  assert.equal(got.ifname, 'ra');
  assert.equal(got.mtu, 1280);
  assert.equal(ipJson<Array<{ mtu: number }>>(ns.name, 'link', 'show', 'ra')[0]!.mtu, 1280);
  await link.dellink({ ifname: 'ra' });
  assert.equal(ipJson<unknown[]>(ns.name, 'link', 'show').length, 1);
});

test('subscribe: notifications decoded and named by operation; overrun items pass through', async () => {
  await using link = await openFamily('rt-link', { netns: ns.name });
  const sub = link.subscribe('rtnlgrp-link');
  ip(ns.name, 'link', 'add', 'na', 'type', 'veth', 'peer', 'name', 'nb');
  const seen: FamilyEvent[] = [];
  for await (const e of sub) {
    seen.push(e);
    const names = seen.map((x) => (x.kind === 'notification' ? x.msg.ifname : undefined));
    if (names.includes('na') && names.includes('nb')) break;
  }
  const na = seen.find((e) => e.kind === 'notification' && e.msg.ifname === 'na');
  assert.ok(na && na.kind === 'notification');
  assert.equal(na.name, 'newlink-ntf');
  assert.equal(na.message.type, 16);
  assert.equal(na.msg.ifiIndex, ipJson<Array<{ ifindex: number }>>(ns.name, 'link', 'show', 'na')[0]!.ifindex);
  // The group was left when the loop stopped.
  assert.deepEqual(link.socket.memberships(), []);
  // A deletion: RTM_DELLINK has no notification op in the spec and is named by the request that makes it.
  const sub2 = link.subscribe('rtnlgrp-link');
  ip(ns.name, 'link', 'del', 'na');
  for await (const e of sub2) {
    if (e.kind === 'notification' && e.message.type === 17) {
      assert.equal(e.name, 'dellink');
      assert.ok(e.msg.ifname === 'na' || e.msg.ifname === 'nb');
      break;
    }
  }
  assert.throws(() => link.subscribe('no-such-group'), (e: unknown) => e instanceof NetlinkError && e.code === 'ENOENT' && /it has: rtnlgrp-link/.test(e.message));
});

test('subscribe to a genl group: the id comes from nlctrl', async () => {
  await using netdev = await openFamily('netdev', { netns: ns.name });
  const ac = new AbortController();
  const sub = netdev.subscribe('mgmt', { signal: ac.signal });
  const ids = sh('ip', ['netns', 'exec', ns.name, 'genl', 'ctrl', 'get', 'name', 'netdev']);
  const mgmt = parseInt(/ID-(0x[0-9a-f]+)\s+name: mgmt/.exec(ids)![1]!, 16);
  assert.deepEqual(netdev.socket.memberships(), [mgmt]);
  ip(ns.name, 'link', 'add', 'ga', 'type', 'veth', 'peer', 'name', 'gb');
  const names = new Set<string>();
  for await (const e of sub) {
    if (e.kind !== 'notification') continue;
    names.add(e.name);
    if (e.msg.ifindex === ipJson<Array<{ ifindex: number }>>(ns.name, 'link', 'show', 'gb')[0]!.ifindex) break;
  }
  assert.ok(names.has('dev-add-ntf'), [...names].join());
  // An aborted subscription rejects its iteration with the signal's reason.
  const more = netdev.subscribe('mgmt', { signal: ac.signal });
  ac.abort();
  await assert.rejects(more.next(), { name: 'AbortError' });
  ip(ns.name, 'link', 'del', 'ga');
});

test('opening: by path or loaded spec, a given socket, a family the kernel lacks', async (t) => {
  const spec = await loadSpec('netdev');
  await using byObject = await openFamily(spec, { netns: ns.name });
  assert.equal(byObject.spec, spec);
  if (spec.source) {
    await using byPath = await openFamily(spec.source, { netns: ns.name });
    assert.equal(byPath.spec.name, 'netdev');
  }
  // A socket the caller owns survives the family's close.
  const sock = await NetlinkSocket.open(NETLINK_GENERIC, { netns: ns.name });
  {
    await using shared = await openFamily('netdev', { socket: sock });
    assert.equal(shared.socket, sock);
    await shared.devGet({ ifindex: 1 });
  }
  assert.equal(sock.closed, false);
  sock.close();
  const route = await NetlinkSocket.open(NETLINK_ROUTE, { netns: ns.name });
  await assert.rejects(openFamily('netdev', { socket: route }), /the given socket speaks netlink protocol 0, the family needs 16/);
  route.close();
  // A Generic Netlink family this kernel does not register (the corpus has specs for several).
  if (!CORPUS) return t.skip('no spec corpus for a family the kernel lacks');
  const absent = ['wireguard', 'ovs_datapath', 'team', 'fou'].find((f) => !sh('ip', ['netns', 'exec', ns.name, 'genl', 'ctrl', 'list']).includes(`Name: ${f}\n`))!;
  await assert.rejects(openFamily(`${CORPUS}/${absent}.yaml`, { netns: ns.name }), (e: unknown) => {
    assert.ok(e instanceof NetlinkError);
    assert.equal(e.code, 'ENOENT');
    assert.match(e.message, new RegExp(`^open family '${absent}': ENOENT .*has no Generic Netlink family of that name`));
    return true;
  });
});

test('close: calls after it fail with ERR_SOCKET_CLOSED', async () => {
  const netdev = await openFamily('netdev', { netns: ns.name });
  netdev.close();
  await assert.rejects(netdev.devGet({ ifindex: 1 }), { code: 'ERR_SOCKET_CLOSED' });
});
