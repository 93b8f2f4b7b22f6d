// What the monitor knows about each kind of rtnetlink object: the spec family that decodes it,
// the multicast groups that carry its notifications, its dump, and the key under which the
// kernel itself tells two objects apart (so a second RTM_NEWROUTE for a key is a change).
import type { DecodedObject, FamilySpec } from '../spec/index.js';
import { asAddress, type Address } from './addresses.js';
import { asLink, type Link } from './links.js';
import { asNeighbour, type Neighbour } from './neighbours.js';
import { asRoute, cloned, type Route } from './routes.js';
import { asRule, type Rule } from './rules.js';
import type { RtFamilyName } from './specs.js';

export type MonitorKind = 'link' | 'addr' | 'route' | 'neigh' | 'rule';

export const MONITOR_KINDS: readonly MonitorKind[] = ['link', 'addr', 'route', 'neigh', 'rule'];

/** The object each kind's events carry: what links(), addresses()... list. */
export interface MonitorObjects {
  link: Link;
  addr: Address;
  route: Route;
  neigh: Neighbour;
  rule: Rule;
}

export interface KindInfo {
  kind: MonitorKind;
  /** The rt-* spec decoding it. */
  spec: RtFamilyName;
  /** The dump operation priming the view. */
  dumpOp: string;
  /** The spec's multicast group names (IPv4 and IPv6 where both exist). */
  groups: string[];
  /** nlmsg_type of RTM_NEW* and RTM_DEL* (uapi linux/rtnetlink.h). */
  newType: number;
  delType: number;
  /**
   * The view's key, or undefined for an object the monitor leaves out: link messages of
   * AF_BRIDGE (bridge port state, which RTNLGRP_LINK also carries), and objects of families
   * other than IPv4 and IPv6 (multicast routing's rules and routes, which AF_UNSPEC dumps list).
   */
  key(o: DecodedObject): string | undefined;
  /** Fields that move without anything changing (counters, timestamps): left out when comparing. */
  volatile: readonly string[];
  /** The decoded object with the rtnetlink layer's conveniences (dev names from `names`). */
  decorate(o: DecodedObject, spec: FamilySpec, names: ReadonlyMap<number, string>): DecodedObject;
}

/** An address family as decoded: its name where the spec has one ('inet'), else its number. */
function isIp(family: unknown): boolean {
  return family === 'inet' || family === 'inet6' || family === 2 || family === 10;
}

function str(v: unknown): string {
  return v === undefined ? '' : String(v);
}

export const KINDS: Record<MonitorKind, KindInfo> = {
  link: {
    kind: 'link',
    spec: 'rt-link',
    dumpOp: 'getlink',
    groups: ['rtnlgrp-link'],
    newType: 16,
    delType: 17,
    key: (o) => (o.ifiFamily === 'unspec' || o.ifiFamily === 0 ? str(o.ifiIndex) : undefined),
    volatile: ['stats', 'stats64', 'afSpec', 'ifiChange', 'carrierChanges', 'carrierUpCount', 'carrierDownCount'],
    decorate: (o) => asLink(o),
  },
  addr: {
    kind: 'addr',
    spec: 'rt-addr',
    dumpOp: 'getaddr',
    groups: ['rtnlgrp-ipv4-ifaddr', 'rtnlgrp-ipv6-ifaddr'],
    newType: 20,
    delType: 21,
    // IPv4 tells addresses apart by local address, prefix and peer; IPv6 by address and device.
    key: (o) => (isIp(o.ifaFamily) ? `${str(o.ifaFamily)} ${str(o.ifaIndex)} ${str(o.address)} ${str(o.peer)}/${str(o.ifaPrefixlen)}` : undefined),
    volatile: ['cacheinfo'],
    decorate: (o, _spec, names) => asAddress(o, names),
  },
  route: {
    kind: 'route',
    spec: 'rt-route',
    dumpOp: 'getroute',
    groups: ['rtnlgrp-ipv4-route', 'rtnlgrp-ipv6-route'],
    newType: 24,
    delType: 25,
    // The fib's own identity: table, destination, source, TOS and metric (what makes
    // `ip route add` say EEXIST). Routes `append`ed under one key are one entry. Cloned routes
    // (IPv6 exceptions) are the cache's, which dumps leave out.
    key: (o) =>
      isIp(o.rtmFamily) && !cloned(o.rtmFlags)
        ? `${str(o.rtmFamily)} ${str(o.table ?? o.rtmTable)} ${str(o.dst)}/${str(o.rtmDstLen)} ${str(o.src)}/${str(o.rtmSrcLen)} ${str(o.rtmTos)} ${str(o.priority ?? 0)}`
        : undefined,
    volatile: ['cacheinfo', 'expires'],
    decorate: (o, spec, names) => asRoute(o, spec, names),
  },
  neigh: {
    kind: 'neigh',
    spec: 'rt-neigh',
    dumpOp: 'getneigh',
    groups: ['rtnlgrp-neigh'],
    newType: 28,
    delType: 29,
    key: (o) => (isIp(o.ndmFamily) ? `${str(o.ndmFamily)} ${str(o.ndmIfindex)} ${str(o.dst)}` : undefined),
    volatile: ['cacheinfo', 'probes'],
    decorate: (o, _spec, names) => asNeighbour(o, names),
  },
  rule: {
    kind: 'rule',
    spec: 'rt-rule',
    dumpOp: 'getrule',
    groups: ['rtnlgrp-ipv4-rule', 'rtnlgrp-ipv6-rule'],
    newType: 32,
    delType: 33,
    // A rule has no identity but its whole content (RTM_DELRULE matches on every attribute).
    key: (o) => (isIp(o.family) ? signature(o, []) : undefined),
    volatile: [],
    decorate: (o, spec) => asRule(o, spec),
  },
};

function canonical(v: unknown, out: string[]): void {
  if (v === undefined) return;
  if (v === null || typeof v !== 'object') {
    out.push(typeof v === 'bigint' ? `${v}n` : JSON.stringify(v));
    return;
  }
  if (v instanceof Uint8Array) {
    out.push(`<${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}>`);
    return;
  }
  if (Array.isArray(v)) {
    out.push('[');
    for (const x of v) {
      canonical(x, out);
      out.push(',');
    }
    out.push(']');
    return;
  }
  out.push('{');
  for (const k of Object.keys(v).sort()) {
    const x = (v as Record<string, unknown>)[k];
    if (x === undefined) continue;
    out.push(k, ':');
    canonical(x, out);
    out.push(',');
  }
  out.push('}');
}

/** A string equal for two objects exactly when they are equal apart from the `skip` fields (top level). */
export function signature(o: DecodedObject, skip: readonly string[]): string {
  const out: string[] = [];
  const top = new Set(skip);
  out.push('{');
  for (const k of Object.keys(o).sort()) {
    const x = o[k];
    if (x === undefined || top.has(k)) continue;
    out.push(k, ':');
    canonical(x, out);
    out.push(',');
  }
  out.push('}');
  return out.join('');
}
