// Helpers of the rtnetlink layer's tests: a namespace per test, ip batches, the kernel's state as
// `ip -j` shows it (to check that a refused change changed nothing), and ip's names for numbers.
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { openRoute, type RouteClient } from '../../src/route/index.js';
import { dadDone, ipJson, useNetns } from '../helpers/netns.js';

/** A test in a network namespace of its own, created before it and deleted after it. */
export function nsTest(name: string, fn: (ns: string) => Promise<void>): void {
  describe(name, () => {
    const ns = useNetns('nlkit-route');
    test(name, () => fn(ns.name));
  });
}

/** Runs `fn` with a RouteClient in the namespace, closed afterwards. */
export async function withClient(ns: string, fn: (rt: RouteClient) => Promise<void>): Promise<void> {
  const rt = await openRoute({ netns: ns });
  try {
    await fn(rt);
  } finally {
    rt.close();
  }
}

/** Runs `ip -n NS -batch -` over the lines: one process for a whole setup. */
export function ipBatch(ns: string, lines: string[]): void {
  execFileSync('ip', ['-n', ns, '-batch', '-'], { input: lines.join('\n') + '\n', encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

/**
 * Routes of every kind iproute2 prints differently, over r1 (up, its peer up) and r2 (up, its
 * peer down: no carrier, so its routes carry the linkdown flag). No IPv6 link-local addresses,
 * whose routes would appear while a test compares two listings.
 */
export function addRouteKinds(ns: string): void {
  ipBatch(ns, [
    'link set lo up',
    'link add r1 type veth peer name r1p',
    'link add r2 type veth peer name r2p',
    'link set dev r1 addrgenmode none',
    'link set dev r1p addrgenmode none',
    'link set dev r2 addrgenmode none',
    'link set dev r1p up',
    'link set dev r1 up',
    'link set dev r2 up',
    'addr add 10.1.0.1/24 dev r1',
    'addr add 10.2.0.1/24 dev r2',
    'addr add 2001:db8::1/64 dev r1 nodad',
    'route add 10.10.0.0/16 via 10.1.0.2 metric 50 mtu 1400',
    'route add 10.11.0.0/24 dev r2 src 10.2.0.1 proto static',
    'route add 10.12.0.0/24 nexthop via 10.1.0.2 weight 3 nexthop via 10.2.0.2 dev r2',
    'route add blackhole 10.13.0.0/16',
    'route add unreachable 10.14.0.0/16 table 100',
    'route add prohibit 10.15.0.0/16 table 70000',
    'route add 10.16.0.9 dev r1 scope link proto 99',
    'route add 10.17.0.0/16 via 10.9.0.2 dev r1 onlink',
    'route add 10.18.0.0/16 dev r2 tos 0x10',
    'route add 10.18.1.0/24 dev r2 tos 0x28',
    'route add 2001:db8:5::/64 via 2001:db8::2 pref high',
    'route add 2001:db8:6::/64 dev r1 metric 7',
    'route add 2001:db8:7::/64 from 2001:db8:8::/64 dev r1',
    'nexthop add id 7 via 10.1.0.2 dev r1',
    'route add 10.9.0.0/16 nhid 7',
  ]);
}

/**
 * Everything ip shows of a namespace's links, addresses, routes, neighbours and rules (without the
 * noarp neighbours the kernel adds by itself for multicast groups).
 */
export function ipState(ns: string): Record<string, unknown> {
  return {
    links: ipJson(ns, '-d', 'link', 'show'),
    addresses: ipJson(ns, 'addr', 'show'),
    routes: ipJson(ns, 'route', 'show', 'table', 'all'),
    neighbours: ipJson(ns, 'neigh', 'show'),
    rules4: ipJson(ns, '-4', 'rule', 'show'),
    rules6: ipJson(ns, '-6', 'rule', 'show'),
  };
}

/**
 * ipState once the kernel is done with what links coming up set off by themselves (IPv6 DAD,
 * link-local addresses and routes, operstate): two readings 200 ms apart that agree. The
 * baseline of the "nothing changed" checks.
 */
export async function settledState(ns: string): Promise<Record<string, unknown>> {
  await dadDone(ns);
  let last = ipState(ns);
  for (let i = 0; i < 25; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const now = ipState(ns);
    if (JSON.stringify(now) === JSON.stringify(last)) return now;
    last = now;
  }
  return last;
}

/** ip's names of the reserved tables. */
export function ipTable(id: number): string {
  return ({ 253: 'default', 254: 'main', 255: 'local' } as Record<number, string>)[id] ?? String(id);
}

/** ip's name of RT_SCOPE_UNIVERSE is global; the others match the spec's. */
export function ipScope(scope: unknown): string {
  return scope === 'universe' ? 'global' : String(scope);
}

export interface IpLink {
  ifindex: number;
  ifname: string;
  flags: string[];
  mtu: number;
  operstate: string;
  address?: string;
  master?: string;
  link?: string;
  txqlen?: number;
  linkinfo?: { info_kind?: string; info_data?: Record<string, unknown>; info_slave_kind?: string };
}

export interface IpAddrInfo {
  family: string;
  local: string;
  address?: string;
  prefixlen: number;
  scope: string;
  label?: string;
  broadcast?: string;
  nodad?: boolean;
  noprefixroute?: boolean;
  metric?: number;
}

export interface IpAddr {
  ifindex: number;
  ifname: string;
  addr_info: IpAddrInfo[];
}

export interface IpRoute {
  type?: string;
  dst: string;
  src?: string;
  gateway?: string;
  dev?: string;
  table?: string;
  protocol?: string;
  scope?: string;
  prefsrc?: string;
  metric?: number;
  flags: string[];
  nexthops?: { gateway?: string; dev?: string; weight: number; flags: string[] }[];
}

export interface IpNeigh {
  dst: string;
  dev: string;
  lladdr?: string;
  state: string[];
  router?: null;
}

export interface IpRule {
  priority: number;
  src: string;
  srclen?: number;
  dst?: string;
  dstlen?: number;
  table?: string;
  action?: string;
  iif?: string;
  oif?: string;
  fwmark?: string;
  fwmask?: string;
  not?: null;
}
