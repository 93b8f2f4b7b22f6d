// Creating, changing, moving and deleting links through nlkit, checked against ip -j -d link and
// against nlkit's own reading of them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { addLink, deleteLink, link, setLink, type RouteClient } from '../../src/route/index.js';
import { createNetns, deleteNetns, ip, ipJson } from '../helpers/netns.js';
import { type IpLink, ipState, nsTest, settledState, withClient } from './route-env.js';

function ipLink(ns: string, name: string): IpLink {
  return ipJson<IpLink[]>(ns, '-d', 'link', 'show', name)[0]!;
}


/** What ip and nlkit both say about a link: index, name, mtu, mac, up, kind, master and lower link by name. */
async function agree(rt: RouteClient, ns: string, name: string): Promise<IpLink> {
  const want = ipLink(ns, name);
  const got = await rt.link(name);
  const names = new Map(ipJson<IpLink[]>(ns, 'link', 'show').map((l) => [l.ifindex, l.ifname]));
  assert.equal(got.index, want.ifindex, `${name} index`);
  assert.equal(got.name, want.ifname);
  assert.equal(got.mtu, want.mtu, `${name} mtu`);
  assert.equal(got.address, want.address, `${name} address`);
  assert.equal(got.up, want.flags.includes('UP'), `${name} up`);
  assert.equal(got.kind, want.linkinfo?.info_kind, `${name} kind`);
  assert.equal(got.master === undefined ? undefined : names.get(got.master), want.master, `${name} master`);
  if (want.link !== undefined) assert.equal(names.get(got.link!), want.link, `${name} lower link`);
  return want;
}

nsTest('veth pair: both ends with names, mtu, mac and up, as ip -j -d link shows them', async (ns) => {
  await withClient(ns, async (rt) => {
    await rt.addLink({ name: 'va', kind: 'veth', mtu: 1400, address: '02:00:00:00:00:0a', up: true, peer: { name: 'vb', address: '02:00:00:00:00:0b', mtu: 1300 } });
    const va = await agree(rt, ns, 'va');
    const vb = await agree(rt, ns, 'vb');
    assert.equal(va.linkinfo?.info_kind, 'veth');
    assert.equal(va.link, 'vb');
    assert.equal(vb.link, 'va');
    assert.equal(va.mtu, 1400);
    assert.equal(vb.mtu, 1300);
    assert.equal(va.address, '02:00:00:00:00:0a');
    assert.equal(vb.address, '02:00:00:00:00:0b');
    assert.ok(va.flags.includes('UP'));
    assert.ok(!vb.flags.includes('UP'));
    // A veth without a peer name gets one from the kernel (vethN).
    await rt.addLink({ name: 'vc', kind: 'veth' });
    assert.equal(ipLink(ns, 'vc').linkinfo?.info_kind, 'veth');
    assert.match(ipLink(ns, 'vc').link ?? '', /^veth\d+$/);
  });
});

nsTest('bridge with settings, a port enslaved (master) and released (nomaster)', async (ns) => {
  await withClient(ns, async (rt) => {
    await rt.addLink({ name: 'br0', kind: 'bridge', stp: true, forwardDelay: 500, helloTime: 300, ageingTime: 10000, up: true });
    const br = await agree(rt, ns, 'br0');
    assert.deepEqual(
      { stp: br.linkinfo?.info_data?.stp_state, fd: br.linkinfo?.info_data?.forward_delay, hello: br.linkinfo?.info_data?.hello_time, ageing: br.linkinfo?.info_data?.ageing_time },
      { stp: 1, fd: 500, hello: 300, ageing: 10000 },
    );
    const data = (await rt.link('br0')).linkinfo!.data!;
    assert.equal(data.stpState, 1);
    assert.equal(data.forwardDelay, 500);
    await rt.addLink({ name: 'va', kind: 'veth', peer: { name: 'vb' }, master: 'br0' });
    assert.equal((await agree(rt, ns, 'va')).master, 'br0');
    await rt.setLink('vb', { master: 'br0' });
    assert.equal((await agree(rt, ns, 'vb')).master, 'br0');
    assert.equal((await rt.link('vb')).linkinfo?.slaveKind, 'bridge');
    assert.deepEqual((await rt.links({ master: 'br0' }).toArray()).map((l) => l.name).sort(), ['va', 'vb']);
    await rt.setLink('va', { master: null });
    assert.equal((await agree(rt, ns, 'va')).master, undefined);
  });
});

nsTest('macvlan on a lower link, mode bridge and private', async (ns) => {
  await withClient(ns, async (rt) => {
    await rt.addLink({ name: 'va', kind: 'veth', peer: { name: 'vb' } });
    await rt.addLink({ name: 'mv0', kind: 'macvlan', link: 'va', mode: 'bridge' });
    await rt.addLink({ name: 'mv1', kind: 'macvlan', link: 'va', mode: 'private', address: '02:00:00:00:01:01' });
    const mv0 = await agree(rt, ns, 'mv0');
    assert.equal(mv0.link, 'va');
    assert.equal(mv0.linkinfo?.info_data?.mode, 'bridge');
    assert.equal((await rt.link('mv0')).linkinfo?.data?.mode, 'bridge');
    const mv1 = await agree(rt, ns, 'mv1');
    assert.equal(mv1.linkinfo?.info_data?.mode, 'private');
    assert.equal(mv1.address, '02:00:00:00:01:01');
  });
});

nsTest('vxlan: unicast remote with local, dev and port; multicast group; IPv6 remote', async (ns) => {
  await withClient(ns, async (rt) => {
    await rt.addLink({ name: 'va', kind: 'veth', peer: { name: 'vb' } });
    await rt.addLink({ name: 'vx0', kind: 'vxlan', id: 42, port: 4789, remote: '10.1.0.9', local: '10.1.0.1', dev: 'va', ttl: 64, learning: false });
    await rt.addLink({ name: 'vx1', kind: 'vxlan', id: 43, group: '239.1.1.1', dev: 'va' });
    await rt.addLink({ name: 'vx6', kind: 'vxlan', id: 44, remote: '2001:db8::9', local: '2001:db8::1', port: 4790 });
    const d0 = (await agree(rt, ns, 'vx0')).linkinfo!.info_data!;
    assert.deepEqual({ id: d0.id, port: d0.port, remote: d0.remote, local: d0.local, link: d0.link, ttl: d0.ttl, learning: d0.learning }, { id: 42, port: 4789, remote: '10.1.0.9', local: '10.1.0.1', link: 'va', ttl: 64, learning: false });
    const d1 = (await agree(rt, ns, 'vx1')).linkinfo!.info_data!;
    assert.deepEqual({ id: d1.id, group: d1.group, link: d1.link, port: d1.port }, { id: 43, group: '239.1.1.1', link: 'va', port: 8472 });
    const d6 = (await agree(rt, ns, 'vx6')).linkinfo!.info_data!;
    assert.deepEqual({ id: d6.id, remote6: d6.remote6, local6: d6.local6, port: d6.port }, { id: 44, remote6: '2001:db8::9', local6: '2001:db8::1', port: 4790 });
    const mine = (await rt.link('vx0')).linkinfo!.data!;
    assert.deepEqual({ id: mine.id, port: mine.port, group: mine.group, local: mine.local }, { id: 42, port: 4789, group: '10.1.0.9', local: '10.1.0.1' });
  });
});

nsTest('ifb, and the kinds this kernel lacks (dummy, vlan, bond): one EOPNOTSUPP naming the kind, nothing created', async (ns) => {
  await withClient(ns, async (rt) => {
    await rt.addLink({ name: 'ifb0', kind: 'ifb', up: true });
    assert.equal((await agree(rt, ns, 'ifb0')).linkinfo?.info_kind, 'ifb');
    await rt.addLink({ name: 'va', kind: 'veth', peer: { name: 'vb' } });
    const before = await settledState(ns);
    await assert.rejects(rt.addLink({ name: 'd0', kind: 'dummy' }), {
      name: 'NetlinkError',
      code: 'EOPNOTSUPP',
      message: /^EOPNOTSUPP: cannot add link "d0": kind "dummy" is not supported by this kernel \(Unknown device type\.?\)$/,
    });
    await assert.rejects(rt.addLink({ name: 'va.5', kind: 'vlan', link: 'va', id: 5 }), { code: 'EOPNOTSUPP', message: /kind "vlan" is not supported/ });
    await assert.rejects(rt.addLink({ name: 'bond0', kind: 'bond', mode: 'active-backup', miimon: 100 }), { code: 'EOPNOTSUPP', message: /kind "bond" is not supported/ });
    await assert.rejects(rt.addLink({ name: 'x0', kind: 'no-such-kind' as 'ifb' }), { code: 'EOPNOTSUPP', message: /kind "no-such-kind" is not supported/ });
    await assert.rejects(rt.addLink({ name: 'x0', kind: 'Bad Kind' as 'ifb' }), { code: 'EINVAL', message: /link kind "Bad Kind" is not a kind name/ });
    await assert.rejects(rt.addLink({ name: 'bond0', kind: 'bond', mode: 'fastest' as 'xor' }), { code: 'EINVAL', message: /bond mode: "fastest" is not one of roundrobin, .*balance-rr/ });
    assert.deepEqual(ipState(ns), before);
  });
});

nsTest('setLink: up and down, mtu, address, alias, rename; deleteLink; as ip shows after each', async (ns) => {
  await withClient(ns, async (rt) => {
    await rt.addLink({ name: 'va', kind: 'veth', peer: { name: 'vb' } });
    await rt.setLink('va', { up: true, mtu: 1280, address: '02:00:00:00:00:aa', alias: 'uplink' });
    const va = await agree(rt, ns, 'va');
    assert.ok(va.flags.includes('UP'));
    assert.equal(va.mtu, 1280);
    assert.equal(va.address, '02:00:00:00:00:aa');
    assert.equal((ipJson<Array<{ ifalias?: string }>>(ns, 'link', 'show', 'va')[0]!).ifalias, 'uplink');
    await rt.setLink('va', { up: false });
    assert.ok(!(await agree(rt, ns, 'va')).flags.includes('UP'));
    const index = va.ifindex;
    await rt.setLink(index, { name: 'uplink0' });
    const renamed = await agree(rt, ns, 'uplink0');
    assert.equal(renamed.ifindex, index);
    await rt.deleteLink('uplink0');
    assert.deepEqual(ipJson<IpLink[]>(ns, 'link', 'show').map((l) => l.ifname).sort(), ['lo']);
    await assert.rejects(rt.deleteLink('uplink0'), { code: 'ENODEV', message: 'ENODEV: link "uplink0" not found' });
  });
});

nsTest('a rename onto an existing name is EEXIST naming both links, nothing changed', async (ns) => {
  await withClient(ns, async (rt) => {
    await rt.addLink({ name: 'va', kind: 'veth', peer: { name: 'vb' } });
    const before = await settledState(ns);
    await assert.rejects(rt.setLink('va', { name: 'vb' }), { code: 'EEXIST', message: 'EEXIST: link "vb" already exists (cannot rename link "va")' });
    await assert.rejects(rt.addLink({ name: 'va', kind: 'veth', peer: { name: 'vz' } }), { code: 'EEXIST', message: 'EEXIST: link "va" (veth peer "vz") already exists' });
    assert.deepEqual(ipState(ns), before);
  });
});

nsTest('links in another namespace: moved by name, by path, by process; created there, and a veth peer created there', async (ns) => {
  const other = createNetns('nlkit-route-other');
  try {
    await withClient(ns, async (rt) => {
      await rt.addLink({ name: 'va', kind: 'veth', peer: { name: 'vb' } });
      await rt.addLink({ name: 'ifb0', kind: 'ifb' });
      await rt.addLink({ name: 'ifb1', kind: 'ifb' });
      await rt.addLink({ name: 'vc', kind: 'veth', peer: { name: 'vd', netns: other } });
      await rt.addLink({ name: 'ifb2', kind: 'ifb', netns: `/var/run/netns/${other}` });
      await rt.setLink('vb', { netns: other });
      await rt.moveLink('ifb0', `/var/run/netns/${other}`);
      // A process inside the other namespace: IFLA_NET_NS_PID.
      const child = spawn('ip', ['netns', 'exec', other, 'sleep', '30'], { stdio: 'ignore' });
      try {
        await once(child, 'spawn');
        let pid = 0;
        for (let i = 0; i < 100 && pid === 0; i++) {
          const pids = ip(other, 'netns', 'pids', other).trim().split('\n').filter((p) => p !== '');
          pid = Number(pids[0] ?? 0);
          if (pid === 0) await new Promise((r) => setTimeout(r, 20));
        }
        assert.ok(pid > 0, 'the sleeper is in the other namespace');
        await rt.setLink('ifb1', { netns: { pid } });
      } finally {
        child.kill();
      }
      const here = ipJson<IpLink[]>(ns, 'link', 'show').map((l) => l.ifname).sort();
      const there = ipJson<IpLink[]>(other, 'link', 'show').map((l) => l.ifname).sort();
      assert.deepEqual(here, ['lo', 'va', 'vc'].sort());
      assert.deepEqual(there, ['ifb0', 'ifb1', 'ifb2', 'lo', 'vb', 'vd'].sort());
      assert.deepEqual((await rt.links().toArray()).map((l) => l.name).sort(), here);
      await assert.rejects(rt.link('vb'), { code: 'ENODEV' });
    });
    assert.equal((await link('vb', { netns: other })).kind, 'veth');
    // A missing target namespace is one ENOENT naming it; the link stays.
    await assert.rejects(setLink('va', { netns: 'nlkit-route-no-such-ns' }, { netns: ns }), {
      code: 'ENOENT',
      message: 'ENOENT: network namespace "nlkit-route-no-such-ns" not found (/var/run/netns/nlkit-route-no-such-ns)',
    });
    assert.equal(ipLink(ns, 'va').ifname, 'va');
  } finally {
    deleteNetns(other);
  }
});

nsTest('the one-shot functions open a client in the namespace and close it', async (ns) => {
  await addLink({ name: 'ifb0', kind: 'ifb' }, { netns: ns });
  assert.equal((await link('ifb0', { netns: ns })).index, ipLink(ns, 'ifb0').ifindex);
  await setLink('ifb0', { mtu: 1400 }, { netns: ns });
  assert.equal(ipLink(ns, 'ifb0').mtu, 1400);
  await deleteLink('ifb0', { netns: ns });
  assert.deepEqual(ipJson<IpLink[]>(ns, 'link', 'show').map((l) => l.ifname), ['lo']);
});
