// rtnetlink through the spec-driven family objects, checked field by field against iproute2
// (`ip -j link/addr/route/neigh/rule`) in a namespace of the test's own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import './family-env.js';
import { openFamily, type Family, type UntypedMethods } from '../../src/spec/index.js';
import type { DecodedObject } from '../../src/spec/codec.js';
import { ip, ipJson, useNetns } from '../helpers/netns.js';

const ns = useNetns('nlkit-spec-rt');
const AF_INET = 2;

interface IpLink {
  ifindex: number;
  ifname: string;
  flags: string[];
  mtu: number;
  operstate: string;
  txqlen?: number;
  address?: string;
  link_type: string;
}

const families: Record<string, Family & UntypedMethods> = {};

/**
 * A value the spec may give an enum or leave a number (the shipped specs name more than the
 * kernel's corpus does): its name either way, spelled as ip spells it.
 */
function named(value: unknown, byNumber: Record<number, string>): string {
  return typeof value === 'string' ? value : (byNumber[value as number] ?? String(value));
}

before(async () => {
  ip(ns.name, 'link', 'set', 'lo', 'up');
  ip(ns.name, 'link', 'add', 'va', 'address', '02:00:00:00:00:0a', 'type', 'veth', 'peer', 'name', 'vb', 'address', '02:00:00:00:00:0b');
  ip(ns.name, 'link', 'set', 'va', 'mtu', '1400', 'up');
  ip(ns.name, 'link', 'add', 'br0', 'type', 'bridge');
  ip(ns.name, 'addr', 'add', '10.1.0.1/24', 'dev', 'va');
  ip(ns.name, 'addr', 'add', '2001:db8::1/64', 'dev', 'va', 'nodad');
  ip(ns.name, 'route', 'add', '10.2.0.0/16', 'via', '10.1.0.2', 'dev', 'va', 'metric', '50');
  ip(ns.name, 'route', 'add', '10.3.0.0/24', 'dev', 'va', 'table', '100');
  ip(ns.name, 'neigh', 'add', '10.1.0.5', 'lladdr', '02:00:00:00:00:05', 'dev', 'va', 'nud', 'permanent');
  ip(ns.name, 'rule', 'add', 'from', '10.9.0.0/16', 'table', '100', 'priority', '1000');
  for (const name of ['rt-link', 'rt-addr', 'rt-route', 'rt-neigh', 'rt-rule']) families[name] = await openFamily(name, { netns: ns.name });
});

after(() => {
  for (const f of Object.values(families)) f.close();
});

const OPERSTATES: Record<number, string> = { ...['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'] };

test('rt-link getlink dump: every link ip -j link shows, field by field', async () => {
  const links = await families['rt-link']!.getlinkDump().toArray();
  const ref = ipJson<IpLink[]>(ns.name, 'link', 'show');
  assert.deepEqual(links.map((l) => l.ifiIndex).sort(), ref.map((l) => l.ifindex).sort());
  for (const want of ref) {
    const got = links.find((l) => l.ifiIndex === want.ifindex)!;
    assert.equal(got.ifname, want.ifname);
    assert.equal(got.mtu, want.mtu, `${want.ifname} mtu`);
    assert.equal(named(got.operstate, OPERSTATES).toUpperCase(), want.operstate, `${want.ifname} operstate`);
    if (want.txqlen !== undefined) assert.equal(got.txqlen, want.txqlen);
    if (want.address !== undefined) assert.equal(got.address, want.address, `${want.ifname} address`);
    // ip prints the ifi_flags it knows in upper case, without IFF_RUNNING.
    const flags = (got.ifiFlags as (string | number)[]).filter((f) => f !== 'running').map((f) => String(f).toUpperCase().replace(/-/g, '_'));
    assert.deepEqual(flags.sort(), want.flags.filter((f) => f !== 'M-DOWN' && f !== 'NO-CARRIER').sort(), `${want.ifname} flags`); // ip's M-DOWN and NO-CARRIER are not ifi_flags bits
  }
  const va = links.find((l) => l.ifname === 'va')!;
  assert.equal((va.linkinfo as DecodedObject).kind, 'veth');
  const br = links.find((l) => l.ifname === 'br0')!;
  const brInfo = br.linkinfo as DecodedObject;
  assert.equal(brInfo.kind, 'bridge');
  // The bridge's own attributes come decoded through the linkinfo-data sub-message.
  const ref0 = ipJson<Array<{ linkinfo: { info_data: { stp_state: number; forward_delay: number } } }>>(ns.name, '-d', 'link', 'show', 'br0')[0]!;
  const data = brInfo.data as DecodedObject;
  assert.equal(data.stpState, ref0.linkinfo.info_data.stp_state);
  assert.equal(data.forwardDelay, ref0.linkinfo.info_data.forward_delay);
});

test('rt-link getlink do by name and by index agree with the dump', async () => {
  const link = families['rt-link']!;
  const byName = (await link.getlink({ ifname: 'vb' }))!;
  const ref = ipJson<IpLink[]>(ns.name, 'link', 'show', 'vb')[0]!;
  assert.equal(byName.ifiIndex, ref.ifindex);
  assert.equal(byName.address, '02:00:00:00:00:0b');
  const byIndex = (await link.getlink({ ifiIndex: ref.ifindex }))!;
  assert.equal(byIndex.ifname, 'vb');
});

interface IpAddr {
  ifindex: number;
  ifname: string;
  addr_info: Array<{ family: string; local: string; prefixlen: number; scope: string; label?: string }>;
}

const SCOPES: Record<number, string> = { 0: 'global', 200: 'site', 253: 'link', 254: 'host', 255: 'nowhere' };

test('rt-addr getaddr dump: the addresses ip -j addr shows', async () => {
  const addrs = await families['rt-addr']!.getaddrDump().toArray();
  const ref = ipJson<IpAddr[]>(ns.name, 'addr', 'show').flatMap((l) => l.addr_info.map((a) => ({ ...a, ifindex: l.ifindex })));
  const key = (x: { ifindex: number; local: string; prefixlen: number }) => `${x.ifindex} ${x.local}/${x.prefixlen}`;
  const got = addrs.map((a) => ({
    ifindex: a.ifaIndex as number,
    local: (a.local ?? a.address) as string,
    prefixlen: a.ifaPrefixlen as number,
    family: named(a.ifaFamily, { 2: 'inet', 10: 'inet6' }),
    scope: named(a.ifaScope, SCOPES).replace(/^universe$/, 'global'), // RT_SCOPE_UNIVERSE, which ip calls global
    label: a.label,
  }));
  assert.deepEqual(got.map(key).sort(), ref.map(key).sort());
  for (const want of ref) {
    const g = got.find((x) => key(x) === key(want))!;
    assert.equal(g.family, want.family);
    assert.equal(g.scope, want.scope);
    if (want.label !== undefined) assert.equal(g.label, want.label);
  }
});

interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  metric?: number;
  table?: string;
  type?: string;
  prefsrc?: string;
}

test('rt-route getroute dump: every IPv4 route of every table, as ip -j -4 route show table all', async () => {
  const routes = await families['rt-route']!.getrouteDump({ rtmFamily: AF_INET }).toArray();
  const ref = ipJson<IpRoute[]>(ns.name, '-4', 'route', 'show', 'table', 'all');
  const names = new Map(ipJson<IpLink[]>(ns.name, 'link', 'show').map((l) => [l.ifindex, l.ifname]));
  const TABLES: Record<number, string> = { 253: 'default', 254: 'main', 255: 'local' };
  const text = (r: DecodedObject): IpRoute => {
    const len = r.rtmDstLen as number;
    const dst = r.dst === undefined ? 'default' : len === 32 ? (r.dst as string) : `${r.dst as string}/${len}`;
    const table = r.table ?? r.rtmTable;
    return {
      dst,
      gateway: r.gateway as string | undefined,
      dev: r.oif !== undefined ? names.get(r.oif as number) : undefined,
      metric: r.priority as number | undefined,
      table: named(table, TABLES),
      type: named(r.rtmType, {}),
      prefsrc: r.prefsrc as string | undefined,
    };
  };
  const key = (r: IpRoute) => `${r.type ?? 'unicast'} ${r.dst} ${r.table ?? 'main'}`;
  const got = routes.map(text);
  assert.deepEqual(got.map(key).sort(), ref.map(key).sort());
  for (const want of ref) {
    const g = got.find((x) => key(x) === key(want))!;
    assert.equal(g.dev, want.dev, `${key(want)} dev`);
    assert.equal(g.gateway, want.gateway, `${key(want)} gateway`);
    assert.equal(g.prefsrc, want.prefsrc, `${key(want)} prefsrc`);
    if (want.metric !== undefined) assert.equal(g.metric, want.metric, `${key(want)} metric`);
  }
  assert.ok(got.some((r) => r.dst === '10.2.0.0/16' && r.gateway === '10.1.0.2' && r.metric === 50));
  assert.ok(got.some((r) => r.dst === '10.3.0.0/24' && r.table === '100'));
});

test('rt-neigh getneigh dump: the permanent neighbour ip -j neigh shows', async () => {
  const neigh = await families['rt-neigh']!.getneighDump({ ndmFamily: AF_INET }).toArray();
  const ref = ipJson<Array<{ dst: string; dev: string; lladdr?: string; state: string[] }>>(ns.name, '-4', 'neigh', 'show');
  const names = new Map(ipJson<IpLink[]>(ns.name, 'link', 'show').map((l) => [l.ifindex, l.ifname]));
  assert.equal(neigh.length, ref.length);
  for (const want of ref) {
    const got = neigh.find((n) => n.dst === want.dst)!;
    assert.ok(got, `neighbour ${want.dst}`);
    assert.equal(names.get(got.ndmIfindex as number), want.dev);
    assert.equal(got.lladdr, want.lladdr);
    assert.deepEqual((got.ndmState as string[]).map((s) => s.toUpperCase()), want.state);
  }
  assert.ok(ref.some((n) => n.dst === '10.1.0.5'));
});

test('rt-rule getrule dump: the IPv4 rules ip -j rule shows', async () => {
  const rules = await families['rt-rule']!.getruleDump({ family: AF_INET }).toArray();
  const ref = ipJson<Array<{ priority: number; src: string; srclen?: number; table: string }>>(ns.name, '-4', 'rule', 'show');
  const TABLES: Record<number, string> = { 253: 'default', 254: 'main', 255: 'local' };
  assert.deepEqual(rules.map((r) => r.priority ?? 0).sort(), ref.map((r) => r.priority).sort());
  for (const want of ref) {
    const got = rules.find((r) => (r.priority ?? 0) === want.priority)!;
    assert.equal(named(got.table, TABLES), want.table, `rule ${want.priority} table`);
    assert.equal(got.src ?? 'all', want.src, `rule ${want.priority} src`);
    if (want.srclen !== undefined) assert.equal(got.srcLen, want.srclen);
  }
});
