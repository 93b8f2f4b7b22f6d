// Adding, replacing and deleting IPv4 and IPv6 addresses through nlkit, checked against ip -j addr.
import assert from 'node:assert/strict';
import { addAddress } from '../../src/route/index.js';
import { ipJson } from '../helpers/netns.js';
import { type IpAddr, type IpAddrInfo, ipBatch, ipScope, ipState, nsTest, settledState, withClient } from './route-env.js';


function ipAddrs(ns: string, dev: string): IpAddrInfo[] {
  return ipJson<IpAddr[]>(ns, 'addr', 'show', 'dev', dev)[0]!.addr_info;
}

function find(ns: string, dev: string, local: string): IpAddrInfo | undefined {
  return ipAddrs(ns, dev).find((a) => a.local === local);
}

nsTest('IPv4: address with brd + and label, a second one with an explicit broadcast and host scope', async (ns) => {
  ipBatch(ns, ['link add va type veth peer name vb']);
  await withClient(ns, async (rt) => {
    await rt.addAddress({ dev: 'va', address: '10.1.0.1/24', broadcast: true, label: 'va:one' });
    await rt.addAddress({ dev: 'va', address: '10.2.0.1/16', broadcast: '10.2.255.254', scope: 'host' });
    await rt.addAddress({ dev: 'va', address: '10.3.0.1' });
    assert.deepEqual(
      [find(ns, 'va', '10.1.0.1'), find(ns, 'va', '10.2.0.1'), find(ns, 'va', '10.3.0.1')].map((a) => a && { prefixlen: a.prefixlen, broadcast: a.broadcast, label: a.label, scope: a.scope }),
      [
        { prefixlen: 24, broadcast: '10.1.0.255', label: 'va:one', scope: 'global' },
        { prefixlen: 16, broadcast: '10.2.255.254', label: 'va', scope: 'host' },
        { prefixlen: 32, broadcast: undefined, label: 'va', scope: 'global' },
      ],
    );
    const mine = await rt.addresses({ dev: 'va', family: 4 }).toArray();
    for (const want of ipAddrs(ns, 'va').filter((a) => a.family === 'inet')) {
      const a = mine.find((x) => x.address === want.local)!;
      assert.equal(a.cidr, `${want.local}/${want.prefixlen}`);
      assert.equal(a.dev, 'va');
      assert.equal(a.broadcast, want.broadcast);
      assert.equal(a.label, want.label);
      assert.equal(ipScope(a.scope), want.scope);
    }
  });
});

nsTest('IPv6: nodad and noprefixroute (IFA_FLAGS beyond the header byte), deleted again', async (ns) => {
  ipBatch(ns, ['link add va type veth peer name vb', 'link set va up']);
  await withClient(ns, async (rt) => {
    await rt.addAddress({ dev: 'va', address: '2001:db8::1/64', flags: ['nodad'] });
    await rt.addAddress({ dev: 'va', address: '2001:db8:1::1/64', flags: ['nodad', 'noprefixroute'] });
    const a = find(ns, 'va', '2001:db8::1')!;
    assert.equal(a.prefixlen, 64);
    assert.equal(a.nodad, true);
    const b = find(ns, 'va', '2001:db8:1::1')!;
    assert.equal(b.noprefixroute, true);
    const mine = (await rt.addresses({ dev: 'va', family: 'inet6' }).toArray()).find((x) => x.address === '2001:db8:1::1')!;
    assert.ok(mine.flags.includes('noprefixroute') && mine.flags.includes('nodad'));
    // noprefixroute: no 2001:db8:1::/64 route, while 2001:db8::/64 has one.
    const routes = ipJson<Array<{ dst: string }>>(ns, '-6', 'route', 'show').map((r) => r.dst);
    assert.ok(routes.includes('2001:db8::/64'));
    assert.ok(!routes.includes('2001:db8:1::/64'));
    await rt.deleteAddress({ dev: 'va', address: '2001:db8::1/64' });
    assert.equal(find(ns, 'va', '2001:db8::1'), undefined);
  });
});

nsTest('replace changes an address in place (metric of its prefix route); add of the same is EEXIST; delete of a missing one names it', async (ns) => {
  ipBatch(ns, ['link add va type veth peer name vb', 'link set va up']);
  await withClient(ns, async (rt) => {
    await rt.addAddress({ dev: 'va', address: '10.1.0.1/24' });
    await rt.replaceAddress({ dev: 'va', address: '10.1.0.1/24', metric: 77 });
    await rt.replaceAddress({ dev: 'va', address: '10.1.0.2/24' });
    assert.equal(find(ns, 'va', '10.1.0.1')!.metric, 77);
    assert.ok(find(ns, 'va', '10.1.0.2'));
    assert.ok(ipJson<Array<{ dst: string; metric?: number }>>(ns, 'route', 'show').some((r) => r.dst === '10.1.0.0/24' && r.metric === 77));
    const before = await settledState(ns);
    await assert.rejects(rt.addAddress({ dev: 'va', address: '10.1.0.1/24' }), { code: 'EEXIST', message: 'EEXIST: address 10.1.0.1/24 on link "va" already exists' });
    await assert.rejects(rt.deleteAddress({ dev: 'va', address: '10.1.0.9/24' }), { code: 'EADDRNOTAVAIL', message: 'EADDRNOTAVAIL: address 10.1.0.9/24 on link "va" not found' });
    assert.deepEqual(ipState(ns), before);
    await rt.deleteAddress({ dev: 'va', address: '10.1.0.1/24' });
    assert.equal(find(ns, 'va', '10.1.0.1'), undefined);
  });
});

nsTest('address arguments checked before sending: malformed CIDR, broadcast on IPv6, a label not starting with the link name, unknown device', async (ns) => {
  ipBatch(ns, ['link add va type veth peer name vb']);
  const before = await settledState(ns);
  await withClient(ns, async (rt) => {
    await assert.rejects(rt.addAddress({ dev: 'va', address: '10.0.0.300/24' }), { code: 'EINVAL', message: /^EINVAL: 10\.0\.0\.300\/24 is not an IPv4 CIDR/ });
    await assert.rejects(rt.addAddress({ dev: 'va', address: '2001:db8::1/129' }), { code: 'EINVAL', message: /^EINVAL: 2001:db8::1\/129 is not an IPv6 CIDR/ });
    await assert.rejects(rt.addAddress({ dev: 'va', address: '2001:db8::1/64', broadcast: true }), { code: 'EINVAL', message: /IPv6, which has no broadcast/ });
    await assert.rejects(rt.addAddress({ dev: 'va', address: '10.0.0.1/24', label: 'eth0:x' }), { code: 'EINVAL', message: /must start with the link's name "va"/ });
    await assert.rejects(rt.addAddress({ dev: 'va', address: '10.0.0.1/24', flags: ['bogus' as 'nodad'] }), { code: 'EINVAL', message: /address flag "bogus"/ });
    await assert.rejects(rt.addAddress({ dev: 'nope', address: '10.0.0.1/24' }), { code: 'ENODEV', message: 'ENODEV: link "nope" not found' });
    await assert.rejects(addAddress({ dev: 'va', address: '10.0.0.1/24' }, { netns: 'nlkit-route-no-such-ns' }), { code: 'ENOENT', message: /^ENOENT: network namespace "nlkit-route-no-such-ns" not found/ });
  });
  assert.deepEqual(ipState(ns), before);
});
