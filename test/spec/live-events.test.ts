// Notifications through subscribe (a link added, a route added), the kernel's extended ACK named
// by the spec (a vxlan id of 2^24), and a request the spec's checks refuse before it is sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import './family-env.js';
import { NetlinkError } from '../../src/index.js';
import { FamilyRequestError, openFamily, type FamilyEvent } from '../../src/spec/index.js';
import { ip, ipJson, useNetns } from '../helpers/netns.js';

const ns = useNetns('nlkit-spec-events');

/** Reads `events` until `match` finds one (others pass by), leaving the subscription open. */
async function until(events: AsyncIterator<FamilyEvent>, match: (e: FamilyEvent) => boolean): Promise<FamilyEvent> {
  for (;;) {
    const r = await events.next();
    if (r.done) throw new Error('the subscription ended without the notification');
    if (match(r.value)) return r.value;
  }
}

test('subscribe rtnlgrp-link: a link added arrives as newlink-ntf, decoded', async () => {
  await using link = await openFamily('rt-link', { netns: ns.name });
  const events = link.subscribe('rtnlgrp-link');
  ip(ns.name, 'link', 'add', 'la', 'address', '02:00:00:00:01:0a', 'mtu', '1444', 'type', 'veth', 'peer', 'name', 'lb');
  const e = await until(events, (x) => x.kind === 'notification' && x.msg.ifname === 'la');
  assert.ok(e.kind === 'notification');
  assert.equal(e.name, 'newlink-ntf');
  const ref = ipJson<Array<{ ifindex: number; mtu: number; address: string }>>(ns.name, 'link', 'show', 'la')[0]!;
  assert.equal(e.msg.ifiIndex, ref.ifindex);
  assert.equal(e.msg.mtu, 1444);
  assert.equal(e.msg.address, '02:00:00:00:01:0a');
  assert.equal((e.msg.linkinfo as { kind: string }).kind, 'veth');
  await events.return?.();
});

test('subscribe rtnlgrp-ipv4-route: a route added arrives as newroute-ntf, decoded', async () => {
  ip(ns.name, 'link', 'set', 'la', 'up');
  ip(ns.name, 'addr', 'add', '10.20.0.1/24', 'dev', 'la');
  await using route = await openFamily('rt-route', { netns: ns.name });
  const events = route.subscribe('rtnlgrp-ipv4-route');
  ip(ns.name, 'route', 'add', '10.77.0.0/16', 'via', '10.20.0.2', 'dev', 'la', 'metric', '7');
  const e = await until(events, (x) => x.kind === 'notification' && x.msg.dst === '10.77.0.0');
  assert.ok(e.kind === 'notification');
  assert.equal(e.name, 'newroute-ntf');
  assert.equal(e.msg.rtmDstLen, 16);
  assert.equal(e.msg.gateway, '10.20.0.2');
  assert.equal(e.msg.priority, 7);
  assert.equal(e.msg.oif, ipJson<Array<{ ifindex: number }>>(ns.name, 'link', 'show', 'la')[0]!.ifindex);
  // and its removal
  ip(ns.name, 'route', 'del', '10.77.0.0/16');
  const d = await until(events, (x) => x.kind === 'notification' && x.message.type === 25 && x.msg.dst === '10.77.0.0');
  assert.ok(d.kind === 'notification');
  assert.equal(d.name, 'delroute-ntf');
  await events.return?.();
});

test('a vxlan id of 2^24: the kernel refuses it, the extended ACK names .linkinfo.data.id', async (t) => {
  await using link = await openFamily('rt-link', { netns: ns.name });
  if (!link.spec.subMessages.get('linkinfo-data-msg')?.formats.has('vxlan')) return t.skip('the rt-link spec in use has no vxlan format');
  const req = { ifname: 'vx0', linkinfo: { kind: 'vxlan', data: { id: 2 ** 24 } } };
  await assert.rejects(link.newlink(req, { flags: ['create', 'excl'] }), (e: unknown) => {
    assert.ok(e instanceof NetlinkError, String(e));
    assert.equal(e.code, 'ERANGE');
    assert.equal(e.extack?.message, 'VXLAN ID must be lower than 16777216');
    assert.equal(e.extack?.attribute, '.linkinfo.data.id');
    assert.equal(e.message, 'rt-link newlink: ERANGE (result too large): VXLAN ID must be lower than 16777216 (attribute .linkinfo.data.id)');
    return true;
  });
  assert.ok(!ipJson<Array<{ ifname: string }>>(ns.name, 'link', 'show').some((l) => l.ifname === 'vx0'));
  // The largest id is fine.
  await link.newlink({ ...req, linkinfo: { kind: 'vxlan', data: { id: 2 ** 24 - 1, port: 4789 } } }, { flags: ['create', 'excl'] });
  const made = ipJson<Array<{ linkinfo: { info_data: { id: number } } }>>(ns.name, '-d', 'link', 'show', 'vx0')[0]!;
  assert.equal(made.linkinfo.info_data.id, 2 ** 24 - 1);
});

test('a request failing the spec checks is refused before sending', async () => {
  await using link = await openFamily('rt-link', { netns: ns.name });
  await using netdev = await openFamily('netdev', { netns: ns.name });
  // netdev dev-get: ifindex has checks min 1; the kernel would say EINVAL, nothing is asked.
  await assert.rejects(netdev.devGet({ ifindex: 0 }), (e: unknown) => e instanceof FamilyRequestError && e.problems[0]!.path === '.ifindex');
  // A value of the wrong type deep in a nest names its path, and nothing reaches the kernel:
  // were it sent, a link named lz would exist afterwards.
  await assert.rejects(link.newlink({ ifname: 'lz', mtu: -1, linkinfo: { kind: 'veth' } }, { flags: ['create'] }), (e: unknown) => {
    assert.ok(e instanceof TypeError && !(e instanceof NetlinkError));
    assert.match(e.message, /^rt-link newlink: \.mtu: /);
    return true;
  });
  assert.ok(!ipJson<Array<{ ifname: string }>>(ns.name, 'link', 'show').some((l) => l.ifname === 'lz'));
  // The same socket still works.
  assert.equal((await link.getlink({ ifname: 'lo' }))!.ifiIndex, 1);
});
