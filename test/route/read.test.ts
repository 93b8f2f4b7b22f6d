// Listings through nlkit against `ip -j` on the same namespace, field by field: links of every
// kind this kernel has, IPv4 and IPv6 addresses, routes of every table and type, neighbours, rules.
import assert from 'node:assert/strict';
import { openRoute, links as listLinks, routes as listRoutes, type Route, type RouteClient, type Rule } from '../../src/route/index.js';
import { ip, ipJson } from '../helpers/netns.js';
import { type IpAddr, type IpLink, type IpNeigh, type IpRoute, type IpRule, ipBatch, ipScope, ipTable, nsTest, settledState, withClient } from './route-env.js';

/** A namespace with something of everything, made by ip, once the kernel has settled it. */
async function populate(ns: string): Promise<void> {
  ipBatch(ns, [
    'link set lo up',
    'link add va address 02:00:00:00:00:0a type veth peer name vb address 02:00:00:00:00:0b',
    'link set va mtu 1400 up',
    'link add br0 type bridge stp_state 0',
    'link set vb master br0 up',
    'link set br0 up',
    'link add mv0 link va type macvlan mode bridge',
    'link add vx0 type vxlan id 42 dstport 4789 remote 10.1.0.9 local 10.1.0.1 dev va',
    'link add ifb0 type ifb',
    'addr add 10.1.0.1/24 brd + dev va',
    'addr add 10.1.1.1/24 dev va label va:one',
    'addr add 2001:db8::1/64 dev va nodad',
    'route add default via 10.1.0.254',
    'route add 10.2.0.0/16 via 10.1.0.2 metric 50',
    'route add 10.3.0.0/24 dev va table 100',
    'route add 10.3.1.0/24 via 10.1.0.3 table 1000 metric 7',
    'route add blackhole 10.4.0.0/24',
    'route add unreachable 10.4.1.0/24',
    'route add prohibit 10.4.2.0/24 table 100',
    'route add 10.5.0.0/24 nexthop via 10.1.0.2 weight 2 nexthop via 10.1.0.3',
    'route add 10.6.0.1 dev va proto static',
    'route add 2001:db8:1::/64 via 2001:db8::2 metric 300',
    'route add blackhole 2001:db8:2::/64 table 100',
    'neigh add 10.1.0.5 lladdr 02:00:00:00:00:05 dev va nud permanent',
    'neigh add 10.1.0.6 lladdr 02:00:00:00:00:06 dev va nud reachable',
    'neigh add 2001:db8::5 lladdr 02:00:00:00:00:15 dev va router',
    'rule add from 10.9.0.0/16 table 100 priority 1000',
    'rule add fwmark 0x10/0xff iif va lookup 200 pref 1100',
    'rule add to 10.8.0.0/24 prohibit pref 1200',
    'rule add not from 10.7.0.0/16 oif vb unreachable pref 900',
    'rule add from 10.10.0.0/16 table 5000 pref 1300',
  ]);
  ip(ns, '-6', 'rule', 'add', 'from', '2001:db8:9::/48', 'table', '100', 'pref', '1000');
  await settledState(ns);
}


nsTest('links: every link ip -j -d link shows, with index, name, flags, mtu, mac, master, peer and kind', async (ns) => {
  await populate(ns);
  await withClient(ns, async (rt) => {
    const got = await rt.links().toArray();
    const ref = ipJson<IpLink[]>(ns, '-d', 'link', 'show');
    assert.deepEqual(got.map((l) => l.index).sort(), ref.map((l) => l.ifindex).sort());
    const nameOf = new Map(ref.map((l) => [l.ifindex, l.ifname]));
    for (const want of ref) {
      const l = got.find((x) => x.index === want.ifindex)!;
      const what = want.ifname;
      assert.equal(l.name, want.ifname);
      assert.equal(l.ifname, want.ifname);
      assert.equal(l.mtu, want.mtu, `${what} mtu`);
      assert.equal(l.address, want.address, `${what} address`);
      assert.equal(l.up, want.flags.includes('UP'), `${what} up`);
      // ip prints the ifi_flags it knows, upper case, without IFF_RUNNING; M-DOWN and NO-CARRIER are not flag bits.
      const flags = l.ifiFlags.filter((f) => f !== 'running').map((f) => String(f).toUpperCase().replace(/-/g, '_'));
      assert.deepEqual(flags.sort(), want.flags.filter((f) => f !== 'M-DOWN' && f !== 'NO-CARRIER').sort(), `${what} flags`);
      assert.equal(l.master === undefined ? undefined : nameOf.get(l.master), want.master, `${what} master`);
      if (want.link !== undefined) assert.equal(nameOf.get(l.link!), want.link, `${what} link`);
      assert.equal(l.kind, want.linkinfo?.info_kind, `${what} kind`);
      assert.equal(l.linkinfo?.slaveKind, want.linkinfo?.info_slave_kind, `${what} slave kind`);
      assert.equal(String(l.operstate).toUpperCase(), want.operstate, `${what} operstate`);
    }
    const kinds = Object.fromEntries(got.map((l) => [l.name, l.kind]));
    assert.deepEqual(kinds, { lo: undefined, va: 'veth', vb: 'veth', br0: 'bridge', mv0: 'macvlan', vx0: 'vxlan', ifb0: 'ifb' });
    const d = (n: string) => ref.find((l) => l.ifname === n)!.linkinfo!.info_data!;
    const data = (n: string) => got.find((l) => l.name === n)!.linkinfo!.data!;
    assert.equal(data('mv0').mode, d('mv0').mode);
    assert.equal(data('vx0').id, d('vx0').id);
    assert.equal(data('vx0').port, d('vx0').port);
    assert.equal(data('vx0').group, d('vx0').remote); // IFLA_VXLAN_GROUP holds a unicast remote too
    assert.equal(data('vx0').local, d('vx0').local);
    assert.equal(data('br0').stpState, d('br0').stp_state);
  });
});

nsTest('link(name) and link(index) agree with ip -j link show DEV; a missing one is ENODEV naming it', async (ns) => {
  await populate(ns);
  await withClient(ns, async (rt) => {
    const ref = ipJson<IpLink[]>(ns, 'link', 'show', 'vb')[0]!;
    const byName = await rt.link('vb');
    assert.equal(byName.index, ref.ifindex);
    assert.equal(byName.address, ref.address);
    const byIndex = await rt.link(ref.ifindex);
    assert.equal(byIndex.name, 'vb');
    await assert.rejects(rt.link('nope'), { name: 'NetlinkError', code: 'ENODEV', message: 'ENODEV: link "nope" not found' });
    await assert.rejects(rt.link(99999), { code: 'ENODEV', message: 'ENODEV: link index 99999 not found' });
    await assert.rejects(rt.link('a-name-longer-than-15'), { code: 'ENODEV' });
    // The socket is still usable after the refusals.
    assert.equal((await rt.link('lo')).index, 1);
  });
});

nsTest('links({ kind, master }) narrow the listing as ip link show type/master do', async (ns) => {
  await populate(ns);
  await withClient(ns, async (rt) => {
    const veths = (await rt.links({ kind: 'veth' }).toArray()).map((l) => l.name).sort();
    assert.deepEqual(veths, ipJson<IpLink[]>(ns, 'link', 'show', 'type', 'veth').map((l) => l.ifname).sort());
    const ports = (await rt.links({ master: 'br0' }).toArray()).map((l) => l.name);
    assert.deepEqual(ports, ipJson<IpLink[]>(ns, 'link', 'show', 'master', 'br0').map((l) => l.ifname));
  });
});

nsTest('addresses: every address ip -j addr shows, with cidr, dev, scope, label, broadcast, flags', async (ns) => {
  await populate(ns);
  await withClient(ns, async (rt) => {
    const got = await rt.addresses().toArray();
    const ref = ipJson<IpAddr[]>(ns, 'addr', 'show').flatMap((l) => l.addr_info.map((a) => ({ ...a, ifindex: l.ifindex, ifname: l.ifname })));
    const key = (x: { ifindex: number; local: string; prefixlen: number }) => `${x.ifindex} ${x.local}/${x.prefixlen}`;
    assert.deepEqual(got.map((a) => `${a.index} ${a.cidr}`).sort(), ref.map(key).sort());
    for (const want of ref) {
      const a = got.find((x) => `${x.index} ${x.cidr}` === key(want))!;
      const what = key(want);
      assert.equal(a.address, want.local);
      assert.equal(a.prefixLength, want.prefixlen);
      assert.equal(a.dev, want.ifname, `${what} dev`);
      assert.equal(a.family, want.family, `${what} family`);
      assert.equal(ipScope(a.scope), want.scope, `${what} scope`);
      assert.equal(a.label, want.label, `${what} label`);
      assert.equal(a.broadcast, want.broadcast, `${what} broadcast`);
      assert.equal(a.flags.includes('nodad'), want.nodad === true, `${what} nodad`);
    }
    assert.ok(got.some((a) => a.cidr === '10.1.0.1/24' && a.broadcast === '10.1.0.255'));
    const v6 = await rt.addresses({ family: 'inet6', dev: 'va' }).toArray();
    assert.deepEqual(v6.map((a) => a.cidr).sort(), ref.filter((a) => a.family === 'inet6' && a.ifname === 'va').map((a) => `${a.local}/${a.prefixlen}`).sort());
  });
});

/** A route in ip -j's terms, from nlkit's object: what ip prints and what it leaves out. */
function asIp(r: Route, showTable: boolean): IpRoute {
  const out: IpRoute = { dst: r.dst, flags: [] };
  if (r.type !== 'unicast') out.type = String(r.type);
  if (r.gateway !== undefined) out.gateway = r.gateway;
  if (r.dev !== undefined) out.dev = r.dev;
  if (showTable && r.table !== 254) out.table = ipTable(r.table);
  if (r.protocol !== 'boot') out.protocol = String(r.protocol);
  if (r.scope !== 'universe') out.scope = String(r.scope);
  if (r.prefsrc !== undefined) out.prefsrc = r.prefsrc;
  if (r.metric !== undefined) out.metric = r.metric;
  if (r.nexthops) out.nexthops = r.nexthops.map((h) => ({ ...(h.gateway !== undefined ? { gateway: h.gateway } : {}), ...(h.dev !== undefined ? { dev: h.dev } : {}), weight: h.weight, flags: h.flags.map(String) }));
  return out;
}

function pickIp(r: IpRoute): IpRoute {
  const { type, dst, gateway, dev, table, protocol, scope, prefsrc, metric, nexthops } = r;
  const out: IpRoute = { dst, flags: [] };
  Object.assign(out, Object.fromEntries(Object.entries({ type, gateway, dev, table, protocol, scope, prefsrc, metric, nexthops }).filter(([, v]) => v !== undefined)));
  return out;
}

const byKey = (a: IpRoute, b: IpRoute) => JSON.stringify(a).localeCompare(JSON.stringify(b));

nsTest('routes(): the main table IPv4 routes ip -j route show lists, with every field it prints', async (ns) => {
  await populate(ns);
  await withClient(ns, async (rt) => {
    const got = (await rt.routes().toArray()).map((r) => asIp(r, false)).sort(byKey);
    const ref = ipJson<IpRoute[]>(ns, 'route', 'show').map(pickIp).sort(byKey);
    assert.deepEqual(got, ref);
    assert.ok(got.some((r) => r.dst === 'default' && r.gateway === '10.1.0.254'));
    assert.ok(got.some((r) => r.dst === '10.6.0.1' && r.protocol === 'static'));
    assert.ok(got.some((r) => r.dst === '10.5.0.0/24' && r.nexthops?.length === 2 && r.nexthops[0]!.weight === 2));
  });
});

nsTest('routes({ table: "all" }), a numbered table, and IPv6: as ip -j route show table all / table N / -6', async (ns) => {
  await populate(ns);
  await withClient(ns, async (rt) => {
    const all = await rt.routes({ table: 'all' }).toArray();
    assert.deepEqual(all.map((r) => asIp(r, true)).sort(byKey), ipJson<IpRoute[]>(ns, 'route', 'show', 'table', 'all').map(pickIp).sort(byKey));
    assert.ok(all.some((r) => r.dst === '10.3.1.0/24' && r.table === 1000 && r.metric === 7), 'RTA_TABLE wins over rtm_table');
    assert.ok(all.some((r) => r.family === 'inet6' && r.type === 'blackhole' && r.table === 100));
    for (const table of [100, 1000, 'local'] as const) {
      const got = (await rt.routes({ table }).toArray()).map((r) => asIp(r, false)).sort(byKey);
      assert.deepEqual(got, ipJson<IpRoute[]>(ns, 'route', 'show', 'table', String(table)).map(pickIp).sort(byKey), `table ${table}`);
    }
    const v6 = (await rt.routes({ family: 'inet6' }).toArray()).map((r) => asIp(r, false)).sort(byKey);
    assert.deepEqual(v6, ipJson<IpRoute[]>(ns, '-6', 'route', 'show').map(pickIp).sort(byKey));
    const viaVa = (await rt.routes({ dev: 'va' }).toArray()).map((r) => asIp(r, false)).sort(byKey);
    assert.deepEqual(viaVa, ipJson<IpRoute[]>(ns, 'route', 'show', 'dev', 'va').map((r) => pickIp({ ...r, dev: 'va' })).sort(byKey));
  });
});

nsTest('neighbours: the entries ip -j neigh shows (noarp ones only with all), with dst, dev, lladdr, state', async (ns) => {
  await populate(ns);
  await withClient(ns, async (rt) => {
    const got = await rt.neighbours().toArray();
    const ref = ipJson<IpNeigh[]>(ns, 'neigh', 'show');
    assert.deepEqual(got.map((n) => `${n.dev} ${n.dst}`).sort(), ref.map((n) => `${n.dev} ${n.dst}`).sort());
    for (const want of ref) {
      const n = got.find((x) => x.dst === want.dst && x.dev === want.dev)!;
      assert.equal(n.lladdr, want.lladdr, `${want.dst} lladdr`);
      assert.deepEqual(n.state.map((s) => String(s).toUpperCase()), want.state, `${want.dst} state`);
      assert.equal(n.router, 'router' in want, `${want.dst} router`);
    }
    // The kernel keeps adding noarp entries (multicast groups of links coming up): compare a
    // listing against ip's only when ip saw the same before and after it.
    const ipAll = () => ipJson<IpNeigh[]>(ns, 'neigh', 'show', 'nud', 'all').map((n) => `${n.dev} ${n.dst}`).sort();
    for (let attempt = 0; ; attempt++) {
      const before = ipAll();
      const all = (await rt.neighbours({ all: true }).toArray()).map((n) => `${n.dev} ${n.dst}`).sort();
      if (JSON.stringify(ipAll()) !== JSON.stringify(before) && attempt < 20) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      assert.deepEqual(all, before);
      break;
    }
  });
});

function ruleAsIp(r: Rule): IpRule {
  const out: IpRule = { priority: r.priority, src: r.src ?? 'all' };
  if (r.flags.includes('invert')) out.not = null;
  if (r.src !== undefined) out.srclen = r.srcLen;
  if (r.dst !== undefined) {
    out.dst = r.dst;
    out.dstlen = r.dstLen;
  }
  if (r.fwmark !== undefined) out.fwmark = `0x${r.fwmark.toString(16)}`;
  if (r.fwmask !== undefined) out.fwmask = `0x${r.fwmask.toString(16)}`;
  if (r.iif !== undefined) out.iif = r.iif;
  if (r.oif !== undefined) out.oif = r.oif;
  if (r.action === 'to-tbl') out.table = ipTable(r.table);
  else out.action = String(r.action);
  return out;
}

nsTest('rules: IPv4 by default and IPv6 on request, as ip -j rule / ip -j -6 rule', async (ns) => {
  await populate(ns);
  await withClient(ns, async (rt) => {
    const pick = (r: IpRule): IpRule => JSON.parse(JSON.stringify(r)) as IpRule;
    const got4 = (await rt.rules().toArray()).map(ruleAsIp);
    assert.deepEqual(got4, ipJson<IpRule[]>(ns, 'rule', 'show').map(pick));
    const got6 = (await rt.rules({ family: 'inet6' }).toArray()).map(ruleAsIp);
    assert.deepEqual(got6, ipJson<IpRule[]>(ns, '-6', 'rule', 'show').map(pick));
    const r = (await rt.rules().toArray()).find((x) => x.priority === 1300)!;
    assert.equal(r.table, 5000);
    assert.equal(r.from, '10.10.0.0/16');
  });
});

nsTest('listings stream: a large route dump breaks off early and the client goes on; the one-shot functions take netns', async (ns) => {
  ipBatch(ns, ['link set lo up', 'link add va type veth peer name vb', 'link set va up', 'addr add 10.0.0.1/16 dev va', ...Array.from({ length: 3000 }, (_, i) => `route add 10.${100 + (i >> 8)}.${i & 255}.0/24 via 10.0.0.2`)]);
  await withClient(ns, async (rt) => {
    let seen = 0;
    for await (const r of rt.routes()) {
      assert.match(r.dst, /\/\d+$/);
      if (++seen === 10) break;
    }
    assert.equal(seen, 10);
    assert.equal((await rt.link('va')).name, 'va');
    let n = 0;
    for await (const batch of rt.routes().batches()) n += batch.length;
    assert.equal(n, ipJson<IpRoute[]>(ns, 'route', 'show').length);
    assert.equal(n, 3001);
  });
  assert.equal((await listRoutes({ netns: ns }).toArray()).length, 3001);
  assert.deepEqual((await listLinks({ netns: ns, kind: 'veth' }).toArray()).map((l) => l.name).sort(), ['va', 'vb']);
});

nsTest('await using: the client closes its one socket when the block ends', async (ns) => {
  ipBatch(ns, ['link add ifb0 type ifb']);
  let socket: RouteClient['socket'] | undefined;
  {
    await using rt = await openRoute({ netns: ns });
    socket = rt.socket;
    assert.equal((await rt.link('ifb0')).kind, 'ifb');
    assert.equal(rt.netns, ns);
  }
  assert.equal(socket.closed, true);
});
