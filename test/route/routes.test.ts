// Adding, replacing, changing and deleting routes through nlkit, checked against ip -j route and
// against nlkit's own listing: gateways, devs, tables, metrics, types, multipath, IPv6.
import assert from 'node:assert/strict';
import { addRoute, type Route, type RouteClient } from '../../src/route/index.js';
import { ipJson } from '../helpers/netns.js';
import { type IpRoute, ipBatch, ipState, nsTest, settledState, withClient } from './route-env.js';


/** Two veths up with addresses, so gateways are reachable. */
function wire(ns: string): void {
  ipBatch(ns, [
    'link set lo up',
    'link add va type veth peer name vb',
    'link add vc type veth peer name vd',
    'link set va up',
    'link set vb up',
    'link set vc up',
    'link set vd up',
    'addr add 10.1.0.1/24 dev va',
    'addr add 10.2.0.1/24 dev vc',
    'addr add 2001:db8::1/64 dev va nodad',
  ]);
}

function ipRoute(ns: string, dst: string, ...table: string[]): IpRoute | undefined {
  return ipJson<IpRoute[]>(ns, 'route', 'show', 'table', ...(table.length ? table : ['all'])).find((r) => r.dst === dst);
}

async function mine(rt: RouteClient, dst: string): Promise<Route | undefined> {
  return (await rt.routes({ table: 'all' }).toArray()).find((r) => r.dst === dst);
}

nsTest('gateway, dev, metric, table, src: as ip -j shows them and as nlkit reads them back', async (ns) => {
  wire(ns);
  await withClient(ns, async (rt) => {
    await rt.addRoute({ dst: '10.10.0.0/16', gateway: '10.1.0.2', metric: 50 });
    await rt.addRoute({ dst: '10.11.0.0/24', dev: 'vc', src: '10.2.0.1' });
    await rt.addRoute({ dst: '10.12.0.0/24', gateway: '10.2.0.2', dev: 'vc', table: 100 });
    await rt.addRoute({ dst: '10.13.0.0/24', gateway: '10.1.0.2', table: 70000, metric: 5 });
    await rt.addRoute({ dst: 'default', gateway: '10.1.0.254' });
    await rt.addRoute({ dst: '10.14.0.1', dev: 'va', protocol: 'static' });
    assert.deepEqual(ipRoute(ns, '10.10.0.0/16', 'main'), { dst: '10.10.0.0/16', gateway: '10.1.0.2', dev: 'va', metric: 50, flags: [] });
    assert.deepEqual(ipRoute(ns, '10.11.0.0/24', 'main'), { dst: '10.11.0.0/24', dev: 'vc', scope: 'link', prefsrc: '10.2.0.1', flags: [] });
    assert.deepEqual(ipRoute(ns, '10.12.0.0/24'), { dst: '10.12.0.0/24', gateway: '10.2.0.2', dev: 'vc', table: '100', flags: [] });
    assert.deepEqual(ipRoute(ns, '10.13.0.0/24'), { dst: '10.13.0.0/24', gateway: '10.1.0.2', dev: 'va', table: '70000', metric: 5, flags: [] });
    assert.deepEqual(ipRoute(ns, 'default', 'main'), { dst: 'default', gateway: '10.1.0.254', dev: 'va', flags: [] });
    assert.deepEqual(ipRoute(ns, '10.14.0.1', 'main'), { dst: '10.14.0.1', dev: 'va', protocol: 'static', scope: 'link', flags: [] });
    const r = (await mine(rt, '10.13.0.0/24'))!;
    assert.deepEqual({ table: r.table, metric: r.metric, gateway: r.gateway, dev: r.dev, protocol: r.protocol, scope: r.scope, type: r.type }, { table: 70000, metric: 5, gateway: '10.1.0.2', dev: 'va', protocol: 'boot', scope: 'universe', type: 'unicast' });
    const s = (await mine(rt, '10.11.0.0/24'))!;
    assert.deepEqual({ dev: s.dev, prefsrc: s.prefsrc, scope: s.scope, table: s.table }, { dev: 'vc', prefsrc: '10.2.0.1', scope: 'link', table: 254 });
  });
});

nsTest('blackhole, unreachable, prohibit, in main and in a numbered table; IPv6 routes', async (ns) => {
  wire(ns);
  await withClient(ns, async (rt) => {
    await rt.addRoute({ dst: '10.20.0.0/24', type: 'blackhole' });
    await rt.addRoute({ dst: '10.21.0.0/24', type: 'unreachable', table: 100 });
    await rt.addRoute({ dst: '10.22.0.0/24', type: 'prohibit', metric: 9 });
    await rt.addRoute({ dst: '2001:db8:1::/64', gateway: '2001:db8::2', metric: 300 });
    await rt.addRoute({ dst: '2001:db8:2::/48', type: 'blackhole', table: 100 });
    await rt.addRoute({ dst: 'default', family: 'inet6', dev: 'va' });
    assert.deepEqual(ipRoute(ns, '10.20.0.0/24', 'main'), { type: 'blackhole', dst: '10.20.0.0/24', flags: [] });
    assert.deepEqual(ipRoute(ns, '10.21.0.0/24'), { type: 'unreachable', dst: '10.21.0.0/24', table: '100', flags: [] });
    assert.deepEqual(ipRoute(ns, '10.22.0.0/24', 'main'), { type: 'prohibit', dst: '10.22.0.0/24', metric: 9, flags: [] });
    const v6 = ipJson<IpRoute[]>(ns, '-6', 'route', 'show', 'table', 'all');
    assert.deepEqual(v6.find((r) => r.dst === '2001:db8:1::/64'), { dst: '2001:db8:1::/64', gateway: '2001:db8::2', dev: 'va', metric: 300, flags: [], pref: 'medium' });
    assert.equal(v6.find((r) => r.dst === '2001:db8:2::/48')?.type, 'blackhole');
    assert.equal(v6.find((r) => r.dst === 'default')?.dev, 'va');
    const all = await rt.routes({ table: 'all' }).toArray();
    const pick = (dst: string) => all.find((r) => r.dst === dst)!;
    assert.deepEqual([pick('10.20.0.0/24'), pick('10.21.0.0/24'), pick('10.22.0.0/24'), pick('2001:db8:2::/48')].map((r) => [r.type, r.table]), [
      ['blackhole', 254],
      ['unreachable', 100],
      ['prohibit', 254],
      ['blackhole', 100],
    ]);
    assert.equal(pick('2001:db8:1::/64').family, 'inet6');
  });
});

nsTest('multipath: next hops with gateways, devs and weights encoded as RTA_MULTIPATH', async (ns) => {
  wire(ns);
  await withClient(ns, async (rt) => {
    await rt.addRoute({
      dst: '10.30.0.0/24',
      nexthops: [
        { gateway: '10.1.0.2', dev: 'va', weight: 3 },
        { gateway: '10.2.0.2', dev: 'vc' },
        { gateway: '10.1.0.3', weight: 256 },
      ],
    });
    await rt.addRoute({ dst: '2001:db8:30::/64', nexthops: [{ gateway: '2001:db8::2', dev: 'va' }, { gateway: '2001:db8::3', dev: 'va', weight: 2 }] });
    assert.deepEqual(ipRoute(ns, '10.30.0.0/24', 'main'), {
      dst: '10.30.0.0/24',
      flags: [],
      nexthops: [
        { gateway: '10.1.0.2', dev: 'va', weight: 3, flags: [] },
        { gateway: '10.2.0.2', dev: 'vc', weight: 1, flags: [] },
        { gateway: '10.1.0.3', dev: 'va', weight: 256, flags: [] },
      ],
    });
    const r = (await mine(rt, '10.30.0.0/24'))!;
    assert.deepEqual(
      r.nexthops!.map((h) => ({ gateway: h.gateway, dev: h.dev, weight: h.weight })),
      [
        { gateway: '10.1.0.2', dev: 'va', weight: 3 },
        { gateway: '10.2.0.2', dev: 'vc', weight: 1 },
        { gateway: '10.1.0.3', dev: 'va', weight: 256 },
      ],
    );
    const v6 = ipJson<IpRoute[]>(ns, '-6', 'route', 'show').find((x) => x.dst === '2001:db8:30::/64')!;
    assert.deepEqual(v6.nexthops?.map((h) => [h.gateway, h.dev, h.weight]), [
      ['2001:db8::2', 'va', 1],
      ['2001:db8::3', 'va', 2],
    ]);
    const m6 = (await rt.routes({ family: 'inet6' }).toArray()).find((x) => x.dst === '2001:db8:30::/64')!;
    assert.deepEqual(m6.nexthops?.map((h) => [h.gateway, h.dev, h.weight]), [
      ['2001:db8::2', 'va', 1],
      ['2001:db8::3', 'va', 2],
    ]);
  });
});

nsTest('replace, change, append and delete, with the flags ip uses', async (ns) => {
  wire(ns);
  await withClient(ns, async (rt) => {
    await rt.replaceRoute({ dst: '10.40.0.0/24', gateway: '10.1.0.2' });
    assert.equal(ipRoute(ns, '10.40.0.0/24', 'main')?.gateway, '10.1.0.2');
    await rt.replaceRoute({ dst: '10.40.0.0/24', gateway: '10.2.0.2' });
    assert.deepEqual(ipRoute(ns, '10.40.0.0/24', 'main'), { dst: '10.40.0.0/24', gateway: '10.2.0.2', dev: 'vc', flags: [] });
    await rt.changeRoute({ dst: '10.40.0.0/24', gateway: '10.1.0.9' });
    assert.equal(ipRoute(ns, '10.40.0.0/24', 'main')?.gateway, '10.1.0.9');
    // change only changes: without NLM_F_CREATE a missing route is not added.
    await assert.rejects(rt.changeRoute({ dst: '10.41.0.0/24', gateway: '10.1.0.9' }), { code: 'ENOENT', message: 'ENOENT: route 10.41.0.0/24 table main not found' });
    await rt.appendRoute({ dst: '10.40.0.0/24', gateway: '10.1.0.7', metric: 5 });
    assert.equal(ipJson<IpRoute[]>(ns, 'route', 'show').filter((r) => r.dst === '10.40.0.0/24').length, 2);
    await rt.deleteRoute({ dst: '10.40.0.0/24', metric: 5 });
    assert.deepEqual(ipJson<IpRoute[]>(ns, 'route', 'show').filter((r) => r.dst === '10.40.0.0/24').map((r) => r.gateway), ['10.1.0.9']);
    await rt.addRoute({ dst: '10.42.0.0/24', type: 'blackhole', table: 100 });
    await rt.deleteRoute({ dst: '10.42.0.0/24', table: 100 });
    assert.equal(ipRoute(ns, '10.42.0.0/24'), undefined);
    await rt.deleteRoute({ dst: '10.40.0.0/24' });
    assert.equal(ipRoute(ns, '10.40.0.0/24'), undefined);
    const before = await settledState(ns);
    await assert.rejects(rt.deleteRoute({ dst: '10.40.0.0/24' }), { code: 'ESRCH', message: 'ESRCH: route 10.40.0.0/24 table main not found' });
    assert.deepEqual(ipState(ns), before);
  });
});

nsTest('bad route input: one clear error each, nothing changed (malformed CIDR, host bits, wrong gateway family, unknown device, duplicate)', async (ns) => {
  wire(ns);
  await withClient(ns, async (rt) => {
    await rt.addRoute({ dst: '10.0.0.0/24', gateway: '10.1.0.2' });
    await rt.addRoute({ dst: '10.0.9.0/24', dev: 'va', table: 100, metric: 3 });
    const before = await settledState(ns);
    const cases: [() => Promise<unknown>, { code: string; message: string | RegExp }][] = [
      [() => rt.addRoute({ dst: '10.0.0.300/24', dev: 'va' }), { code: 'EINVAL', message: /^EINVAL: 10\.0\.0\.300\/24 is not an IPv4 CIDR/ }],
      [() => rt.addRoute({ dst: '10.0.0.0/40', dev: 'va' }), { code: 'EINVAL', message: /^EINVAL: 10\.0\.0\.0\/40 is not an IPv4 CIDR/ }],
      [() => rt.addRoute({ dst: '2001:db8::/64', gateway: '10.1.0.2' }), { code: 'EINVAL', message: 'EINVAL: gateway 10.1.0.2 is IPv4, but route 2001:db8::/64 is IPv6' }],
      [() => rt.addRoute({ dst: '10.0.1.0/24', gateway: '2001:db8::2' }), { code: 'EINVAL', message: 'EINVAL: gateway 2001:db8::2 is IPv6, but route 10.0.1.0/24 is IPv4' }],
      [() => rt.addRoute({ dst: '10.0.1.0/24', gateway: 'fe80::1::2' }), { code: 'EINVAL', message: /fe80::1::2 is not an IPv6 address/ }],
      [() => rt.addRoute({ dst: '10.0.1.1/24', dev: 'va' }), { code: 'EINVAL', message: /has host bits set past \/24.*10\.0\.1\.0\/24/ }],
      [() => rt.addRoute({ dst: '10.0.1.0/24', dev: 'nope' }), { code: 'ENODEV', message: 'ENODEV: link "nope" not found' }],
      [() => rt.addRoute({ dst: '10.0.1.0/24', nexthops: [{ gateway: '10.1.0.2' }, { gateway: '10.1.0.3', dev: 'nope' }] }), { code: 'ENODEV', message: 'ENODEV: link "nope" not found' }],
      [() => rt.addRoute({ dst: '10.0.1.0/24', nexthops: [{ gateway: '10.1.0.2', weight: 0 }] }), { code: 'EINVAL', message: /weight: number 0 is not an integer from 1 to 256/ }],
      [() => rt.addRoute({ dst: '10.0.1.0/24', dev: 'va', table: 'nosuch' as 'main' }), { code: 'EINVAL', message: /table: "nosuch" is not a routing table/ }],
      [() => rt.addRoute({ dst: '10.0.1.0/24', dev: 'va', type: 'bogus' as 'unicast' }), { code: 'EINVAL', message: /type: "bogus" is not one of/ }],
      [() => rt.addRoute({ dst: '10.0.0.0/24', gateway: '10.1.0.2' }), { code: 'EEXIST', message: 'EEXIST: route 10.0.0.0/24 table main already exists' }],
      [() => rt.addRoute({ dst: '10.0.9.0/24', dev: 'va', table: 100, metric: 3 }), { code: 'EEXIST', message: 'EEXIST: route 10.0.9.0/24 metric 3 table 100 already exists' }],
      [() => addRoute({ dst: '10.0.1.0/24', dev: 'va' }, { netns: 'nlkit-route-no-such-ns' }), { code: 'ENOENT', message: 'ENOENT: network namespace "nlkit-route-no-such-ns" not found (/var/run/netns/nlkit-route-no-such-ns)' }],
    ];
    for (const [call, want] of cases) await assert.rejects(call(), { name: 'NetlinkError', ...want });
    assert.deepEqual(ipState(ns), before);
    // The client is still usable.
    await rt.addRoute({ dst: '10.0.1.0/24', dev: 'va' });
    assert.equal(ipRoute(ns, '10.0.1.0/24', 'main')?.dev, 'va');
  });
});
