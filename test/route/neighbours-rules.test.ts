// Neighbours and routing rules through nlkit, checked against ip -j neigh and ip -j rule.
import assert from 'node:assert/strict';
import { ipJson } from '../helpers/netns.js';
import { type IpNeigh, type IpRule, ipBatch, ipState, nsTest, settledState, withClient } from './route-env.js';


function neigh(ns: string, dst: string): IpNeigh | undefined {
  return ipJson<IpNeigh[]>(ns, 'neigh', 'show', 'nud', 'all').find((n) => n.dst === dst);
}

nsTest('neighbours: add permanent (default) and other states, IPv6 router, replace, delete', async (ns) => {
  ipBatch(ns, ['link add va type veth peer name vb', 'link set va up', 'addr add 10.1.0.1/24 dev va']);
  await withClient(ns, async (rt) => {
    await rt.addNeighbour({ dst: '10.1.0.5', lladdr: '02:00:00:00:00:05', dev: 'va' });
    await rt.addNeighbour({ dst: '10.1.0.6', lladdr: '2:0:0:0:0:6', dev: 'va', state: 'stale' });
    await rt.addNeighbour({ dst: '2001:db8::5', lladdr: '02:00:00:00:00:15', dev: 'va', router: true });
    await rt.addNeighbour({ dst: '10.1.0.7', lladdr: '02:00:00:00:00:07', dev: 'va', state: 'noarp' });
    assert.deepEqual(neigh(ns, '10.1.0.5'), { dst: '10.1.0.5', dev: 'va', lladdr: '02:00:00:00:00:05', state: ['PERMANENT'] });
    assert.deepEqual(neigh(ns, '10.1.0.6'), { dst: '10.1.0.6', dev: 'va', lladdr: '02:00:00:00:00:06', state: ['STALE'] });
    assert.deepEqual(neigh(ns, '2001:db8::5'), { dst: '2001:db8::5', dev: 'va', lladdr: '02:00:00:00:00:15', router: null, state: ['PERMANENT'] });
    assert.deepEqual(neigh(ns, '10.1.0.7')?.state, ['NOARP']);
    const mine = await rt.neighbours({ dev: 'va' }).toArray();
    const by = (dst: string) => mine.find((n) => n.dst === dst);
    assert.deepEqual([by('10.1.0.5')?.state, by('10.1.0.6')?.lladdr, by('2001:db8::5')?.router, by('2001:db8::5')?.family], [['permanent'], '02:00:00:00:00:06', true, 'inet6']);
    assert.equal(by('10.1.0.7'), undefined, 'noarp entries only with all, as ip neigh show');
    assert.deepEqual((await rt.neighbours({ all: true, family: 4 }).toArray()).find((n) => n.dst === '10.1.0.7')?.state, ['noarp']);
    await rt.replaceNeighbour({ dst: '10.1.0.5', lladdr: '02:00:00:00:00:55', dev: 'va', state: 'reachable' });
    assert.deepEqual(neigh(ns, '10.1.0.5'), { dst: '10.1.0.5', dev: 'va', lladdr: '02:00:00:00:00:55', state: ['REACHABLE'] });
    await rt.deleteNeighbour({ dst: '10.1.0.5', dev: 'va' });
    assert.equal(neigh(ns, '10.1.0.5'), undefined);
    const before = await settledState(ns);
    await assert.rejects(rt.addNeighbour({ dst: '10.1.0.6', lladdr: '02:00:00:00:00:06', dev: 'va' }), { code: 'EEXIST', message: 'EEXIST: neighbour 10.1.0.6 dev "va" already exists' });
    await assert.rejects(rt.deleteNeighbour({ dst: '10.1.0.99', dev: 'va' }), { code: 'ENOENT', message: 'ENOENT: neighbour 10.1.0.99 dev "va" not found' });
    await assert.rejects(rt.addNeighbour({ dst: '10.1.0.8', lladdr: 'zz:00', dev: 'va' }), { code: 'EINVAL', message: /zz:00 is not a link-layer address/ });
    await assert.rejects(rt.addNeighbour({ dst: '10.1.0.300', lladdr: '02:00:00:00:00:08', dev: 'va' }), { code: 'EINVAL', message: /10\.1\.0\.300 is not an IPv4 address/ });
    await assert.rejects(rt.addNeighbour({ dst: '10.1.0.8', lladdr: '02:00:00:00:00:08', dev: 'nope' }), { code: 'ENODEV', message: 'ENODEV: link "nope" not found' });
    await assert.rejects(rt.addNeighbour({ dst: '10.1.0.8', dev: 'va', state: 'sleepy' as 'stale' }), { code: 'EINVAL', message: /state "sleepy"/ });
    assert.deepEqual(ipState(ns), before);
  });
});

nsTest('rules: from/to prefixes, tables above 255, fwmark/mask, iif/oif, actions, not, IPv6; deleted again', async (ns) => {
  ipBatch(ns, ['link add va type veth peer name vb']);
  await withClient(ns, async (rt) => {
    await rt.addRule({ from: '10.9.0.0/16', table: 100, priority: 1000 });
    await rt.addRule({ fwmark: 0x10, fwmask: 0xff, iif: 'va', table: 200, priority: 1100 });
    await rt.addRule({ to: '10.8.0.0/24', action: 'prohibit', priority: 1200 });
    await rt.addRule({ not: true, from: '10.7.0.0/16', oif: 'vb', action: 'unreachable', priority: 900 });
    await rt.addRule({ from: '10.10.0.0/16', table: 5000, priority: 1300 });
    await rt.addRule({ from: '2001:db8:9::/48', table: 100, priority: 1000 });
    await rt.addRule({ to: '10.11.0.0/16', priority: 1400 });
    const rules4 = ipJson<IpRule[]>(ns, 'rule', 'show');
    const at = (p: number) => rules4.find((r) => r.priority === p);
    assert.deepEqual(at(1000), { priority: 1000, src: '10.9.0.0', srclen: 16, table: '100' });
    assert.deepEqual(at(1100), { priority: 1100, src: 'all', fwmark: '0x10', fwmask: '0xff', iif: 'va', table: '200' });
    assert.deepEqual(at(1200), { priority: 1200, src: 'all', dst: '10.8.0.0', dstlen: 24, action: 'prohibit' });
    assert.deepEqual(at(900), { priority: 900, not: null, src: '10.7.0.0', srclen: 16, oif: 'vb', action: 'unreachable' });
    assert.deepEqual(at(1300), { priority: 1300, src: '10.10.0.0', srclen: 16, table: '5000' });
    assert.deepEqual(at(1400), { priority: 1400, src: 'all', dst: '10.11.0.0', dstlen: 16, table: 'main' });
    assert.deepEqual(ipJson<IpRule[]>(ns, '-6', 'rule', 'show').find((r) => r.priority === 1000), { priority: 1000, src: '2001:db8:9::', srclen: 48, table: '100' });
    const mine = await rt.rules().toArray();
    const m = (p: number) => mine.find((r) => r.priority === p)!;
    assert.deepEqual([m(1000).from, m(1000).table, m(1000).action], ['10.9.0.0/16', 100, 'to-tbl']);
    assert.deepEqual([m(1100).fwmark, m(1100).fwmask, m(1100).iif, m(1100).table], [0x10, 0xff, 'va', 200]);
    assert.deepEqual([m(1200).to, m(1200).action], ['10.8.0.0/24', 'prohibit']);
    assert.deepEqual([m(900).flags.includes('invert'), m(900).oif, m(900).action], [true, 'vb', 'unreachable']);
    assert.equal(m(1300).table, 5000);
    assert.equal((await rt.rules({ family: 'inet6' }).toArray()).find((r) => r.priority === 1000)?.from, '2001:db8:9::/48');
    await rt.deleteRule({ priority: 1300 });
    await rt.deleteRule({ from: '10.9.0.0/16', table: 100 });
    assert.deepEqual(
      ipJson<IpRule[]>(ns, 'rule', 'show').map((r) => r.priority),
      [0, 900, 1100, 1200, 1400, 32766, 32767],
    );
    const before = await settledState(ns);
    await assert.rejects(rt.addRule({ fwmark: 0x10, fwmask: 0xff, iif: 'va', table: 200, priority: 1100 }), { code: 'EEXIST', message: 'EEXIST: rule priority 1100 from all fwmark 16 iif va table 200 already exists' });
    await assert.rejects(rt.deleteRule({ priority: 4321 }), { code: 'ENOENT', message: 'ENOENT: rule priority 4321 from all not found' });
    await assert.rejects(rt.addRule({ from: '10.9.0.0/16', to: '2001:db8::/32' }), { code: 'EINVAL', message: /to 2001:db8::\/32 is IPv6, expected IPv4/ });
    await assert.rejects(rt.addRule({ from: '10.9.0.0/33' }), { code: 'EINVAL', message: /10\.9\.0\.0\/33 is not an IPv4 CIDR/ });
    await assert.rejects(rt.addRule({ action: 'jump' as 'goto' }), { code: 'EINVAL', message: /action: "jump" is not one of/ });
    assert.deepEqual(ipState(ns), before);
  });
});
