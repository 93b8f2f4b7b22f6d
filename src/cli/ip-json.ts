// The rtnetlink layer's objects in the shape `ip -j` prints them (iproute2 6.1: ipaddress.c
// print_linkinfo/print_addrinfo, iproute.c print_route, ipneigh.c, iprule.c), key order included,
// so that `nlkit ... --json` and `ip -j ...` can be compared field by field.
import { readFileSync } from 'node:fs';
import type { Address, Link, Neighbour, Route, Rule } from '../route/index.js';
import { emptyRouteRecord } from '../route/route-record.js';
import type { RouteRecord } from '../route/routes.js';

type Json = Record<string, unknown>;

/** ip's order of ifi_flags (print_link_flags), as the rt-link spec names them. */
const IFF_ORDER = ['loopback', 'broadcast', 'pointopoint', 'multicast', 'noarp', 'allmulti', 'promisc', 'master', 'slave', 'debug', 'dynamic', 'automedia', 'portsel', 'notrailers', 'up', 'lower-up', 'dormant', 'echo'];

/** Index → link, for names of peers and controllers (ip's ll_index_to_name). */
export type LinkIndex = ReadonlyMap<number, Link>;

export function indexLinks(links: Iterable<Link>): Map<number, Link> {
  const m = new Map<number, Link>();
  for (const l of links) m.set(l.index, l);
  return m;
}

function nameOf(index: number, links: LinkIndex): string {
  return links.get(index)?.name ?? `if${index}`;
}

function upper(v: string | number | undefined): string | undefined {
  return v === undefined ? undefined : typeof v === 'number' ? String(v) : v.toUpperCase();
}

/** ip's flag list: NO-CARRIER for up without carrier, the flags in ip's order, M-DOWN when the lower link is down. */
export function linkFlags(l: Link, links: LinkIndex): string[] {
  const f = new Set<string | number>(l.ifiFlags);
  const out: string[] = [];
  if (f.has('up') && !f.has('running')) out.push('NO-CARRIER');
  for (const n of IFF_ORDER) if (f.has(n)) out.push(n.toUpperCase().replace('-', '_'));
  const unknown = l.ifiFlags.filter((x): x is number => typeof x === 'number').reduce((a, b) => a | b, 0);
  if (unknown) out.push(unknown.toString(16));
  if (l.link !== undefined && l.link !== 0 && l.linkNetnsid === undefined) {
    const lower = links.get(l.link);
    if (lower && !lower.up) out.push('M-DOWN');
  }
  return out;
}

/** The link part of `ip -j link show` (and of `ip -j addr show`, which leaves out linkmode). */
export function linkJson(l: Link, links: LinkIndex, forAddr = false): Json {
  const j: Json = { ifindex: l.index };
  if (l.link !== undefined) {
    if (l.link === 0) j.link = null;
    else if (l.linkNetnsid !== undefined) j.link_index = l.link;
    else j.link = nameOf(l.link, links);
  }
  j.ifname = l.name;
  j.flags = linkFlags(l, links);
  j.mtu = l.mtu;
  if (l.qdisc !== undefined) j.qdisc = l.qdisc;
  if (l.master !== undefined) j.master = nameOf(l.master, links);
  j.operstate = upper(l.operstate);
  if (!forAddr) j.linkmode = upper(l.linkmode as string | number | undefined);
  j.group = l.group === undefined || l.group === 0 ? 'default' : String(l.group);
  if (l.txqlen !== undefined) j.txqlen = l.txqlen;
  j.link_type = typeof l.ifiType === 'string' ? l.ifiType : String(l.ifiType);
  if (l.address !== undefined) j.address = l.address;
  if (l.broadcast !== undefined) j.broadcast = l.broadcast;
  if (l.linkNetnsid !== undefined) j.link_netnsid = l.linkNetnsid;
  if (l.permAddress !== undefined && l.permAddress !== l.address) j.permaddr = l.permAddress;
  return j;
}

/** ip's names of address scopes (rtnl_rtscope_n2a). */
export function scopeName(s: string | number): string {
  return s === 'universe' || s === 0 ? 'global' : String(s);
}

/** ip's address flags (ifa_flag_data), with IFA_F_PERMANENT printed as its absence: "dynamic". */
const IFA_ORDER: [string, string][] = [
  ['secondary', 'secondary'],
  ['nodad', 'nodad'],
  ['optimistic', 'optimistic'],
  ['dadfailed', 'dadfailed'],
  ['homeaddress', 'home'],
  ['deprecated', 'deprecated'],
  ['tentative', 'tentative'],
  ['permanent', 'permanent'],
  ['managetempaddr', 'mngtmpaddr'],
  ['noprefixroute', 'noprefixroute'],
  ['mcautojoin', 'autojoin'],
  ['stable-privacy', 'stable-privacy'],
];

export function addressFlags(a: Address): string[] {
  const f = new Set<string | number>(a.flags);
  const out: string[] = [];
  for (const [spec, ipName] of IFA_ORDER) {
    if (spec === 'permanent') {
      if (!f.has(spec)) out.push('dynamic');
    } else if (f.has(spec)) out.push(spec === 'secondary' && a.family === 'inet6' ? 'temporary' : ipName);
  }
  return out;
}

/** One entry of `addr_info`. */
export function addrInfoJson(a: Address): Json {
  const j: Json = { family: a.family, local: a.address };
  if (a.peer !== undefined) j.address = a.peer;
  j.prefixlen = a.prefixLength;
  if (a.broadcast !== undefined) j.broadcast = a.broadcast;
  if (a.anycast !== undefined) j.anycast = a.anycast;
  j.scope = scopeName(a.scope);
  for (const f of addressFlags(a)) j[f] = true;
  if (a.label !== undefined) j.label = a.label;
  const ci = a.cacheinfo as { ifaValid?: number; ifaPrefered?: number } | undefined;
  if (ci) {
    j.valid_life_time = ci.ifaValid;
    j.preferred_life_time = ci.ifaPrefered;
  }
  return j;
}

/**
 * `ip -j addr show`: each link with its addresses. As ip: with a family chosen (-4/-6) the
 * link layer (link_type, address, broadcast) is left out, and with -6 for every link (`all`)
 * also qdisc, master and group, since ip then reads links through the kernel's AF_INET6 link dump.
 */
export function addrJson(links: Iterable<Link>, addrs: Address[], index: LinkIndex, family?: 'inet' | 'inet6', all = true): Json[] {
  const byLink = new Map<number, Address[]>();
  for (const a of addrs) {
    const list = byLink.get(a.index);
    if (list) list.push(a);
    else byLink.set(a.index, [a]);
  }
  const out: Json[] = [];
  for (const l of links) {
    const j = linkJson(l, index, true);
    if (family !== undefined) {
      for (const k of ['link_type', 'address', 'broadcast', 'permaddr']) delete j[k];
      if (family === 'inet6' && all) for (const k of ['qdisc', 'master', 'group']) delete j[k];
    }
    j.addr_info = (byLink.get(l.index) ?? []).map(addrInfoJson);
    out.push(j);
  }
  return out;
}

/** ip's names of routing tables (rtnl_rttable_n2a). */
export function tableText(t: number): string {
  return t === 254 ? 'main' : t === 255 ? 'local' : t === 253 ? 'default' : String(t);
}

let dsfields: Map<number, string> | undefined;

/** ip's names of TOS/DS field values (rtnl_dsfield_n2a): from its rt_dsfield file, else 0x%02x. */
export function dsfieldText(tos: number): string {
  if (!dsfields) {
    dsfields = new Map();
    for (const file of ['/etc/iproute2/rt_dsfield', '/usr/share/iproute2/rt_dsfield']) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n')) {
        const m = /^\s*(0x[0-9a-f]+|\d+)\s+(\S+)/i.exec(line);
        if (m) dsfields.set(Number(m[1]), m[2]!);
      }
      break;
    }
  }
  return dsfields.get(tos) ?? `0x${tos.toString(16).padStart(2, '0')}`;
}

/** ip's route flags (print_rt_flags): next hop flags from the header's low byte, then RTM_F_*. */
const RT_FLAG_ORDER: [number | string, string][] = [
  [1, 'dead'],
  [4, 'onlink'],
  [2, 'pervasive'],
  [8, 'offload'],
  [64, 'trap'],
  ['notify', 'notify'],
  [16, 'linkdown'],
  [32, 'unresolved'],
  ['offload', 'rt_offload'],
  ['trap', 'rt_trap'],
  ['offload-failed', 'rt_offload_failed'],
];

export function routeFlags(r: { rtmFlags: readonly (string | number)[] }): string[] {
  // Most routes have none: no Set and no passes over an empty list, 100,000 times in a listing.
  if (r.rtmFlags.length === 0) return [];
  const bits = r.rtmFlags.filter((x): x is number => typeof x === 'number').reduce((a, b) => a | b, 0);
  const names = new Set(r.rtmFlags.filter((x) => typeof x === 'string'));
  const out: string[] = [];
  for (const [k, name] of RT_FLAG_ORDER) if (typeof k === 'number' ? (bits & k) !== 0 : names.has(k)) out.push(name);
  return out;
}

function nexthopFlags(flags: (string | number)[]): string[] {
  return flags.map((f) => String(f));
}

/** An address: text, or the bytes when their length is not an address's. */
function addressJson(a: string | Uint8Array): string {
  return typeof a === 'string' ? `"${a}"` : JSON.stringify(a);
}

/** What ip prints of a route in a listing: it leaves out what the listing was filtered by (one table, a dev, a protocol). */
export interface RouteFields {
  table: boolean;
  dev: boolean;
  protocol: boolean;
}

const EVERY_FIELD: RouteFields = { table: true, dev: true, protocol: true };

/**
 * One route as `ip -j route show` prints it. A listing formats 100,000 of them, so the text is
 * made by concatenation, which V8 does without copying, and the listing encodes it once per
 * write; addresses, enum names and numbers need no escaping.
 */
export function routeJson(r: RouteRecord, shown: RouteFields = EVERY_FIELD): string {
  const head = r.type === 'unicast' ? '{"dst":"' : `{"type":"${r.type}","dst":"`;
  const from = r.src !== undefined ? `","from":"${r.src}"` : '"';
  return head + r.dst + from + routeTail(r, shown);
}

// The last route whose tail was made (a copy of its fields; table -1 matches no route), the
// fields shown then, and the tail.
const last: RouteRecord = { ...emptyRouteRecord(), table: -1 };
let lastShown: RouteFields | undefined;
let lastTail = '';

/**
 * The text after dst and from. Routes of a listing mostly differ in their destination alone, so
 * the last route's tail is reused while every field it shows is the same (flags compare as
 * arrays: a record reader gives one array per value of rtm_flags).
 */
function routeTail(r: RouteRecord, shown: RouteFields): string {
  const cacheable = r.metrics === undefined && r.nexthops === undefined;
  if (cacheable && shown === lastShown && r.rtmTos === last.rtmTos && r.nhId === last.nhId && r.gateway === last.gateway && r.oif === last.oif && r.dev === last.dev && r.table === last.table && r.protocol === last.protocol && r.scope === last.scope && r.prefsrc === last.prefsrc && r.metric === last.metric && r.rtmFlags === last.rtmFlags && r.pref === last.pref) return lastTail;
  let s = '';
  if (r.rtmTos) s += `,"tos":${JSON.stringify(dsfieldText(r.rtmTos))}`;
  if (r.nhId !== undefined) s += `,"nhid":${r.nhId}`;
  if (r.gateway !== undefined) s += `,"gateway":${addressJson(r.gateway)}`;
  if (r.oif !== undefined && shown.dev) s += `,"dev":${JSON.stringify(r.dev ?? `if${r.oif}`)}`;
  if (shown.table && r.table !== 254) s += `,"table":"${tableText(r.table)}"`;
  if (shown.protocol && r.protocol !== 'boot') s += `,"protocol":"${r.protocol}"`;
  if (r.scope !== 'universe') s += `,"scope":"${scopeName(r.scope)}"`;
  if (r.prefsrc !== undefined) s += `,"prefsrc":${addressJson(r.prefsrc)}`;
  if (r.metric !== undefined) s += `,"metric":${r.metric}`;
  s += r.rtmFlags.length === 0 ? ',"flags":[]' : `,"flags":${JSON.stringify(routeFlags(r))}`;
  const metrics = r.metrics as { mtu?: unknown } | undefined;
  if (metrics?.mtu !== undefined) s += `,"metrics":${JSON.stringify([{ mtu: metrics.mtu }])}`;
  if (r.nexthops !== undefined) {
    const hops = r.nexthops.map((h) => ({ ...(h.gateway !== undefined ? { gateway: h.gateway } : {}), dev: h.dev ?? `if${h.ifindex}`, weight: h.weight, flags: nexthopFlags(h.flags) }));
    s += `,"nexthops":${JSON.stringify(hops)}`;
  }
  if (r.pref !== undefined) s += `,"pref":"${r.pref}"`;
  s += '}';
  if (cacheable) {
    Object.assign(last, r);
    lastShown = shown;
    lastTail = s;
  }
  return s;
}

/** `ip -j neigh show`: NUD states in upper case, router and proxy as flags. */
export function neighJson(n: Neighbour): Json {
  const j: Json = { dst: n.dst, dev: n.dev ?? `if${n.index}` };
  if (n.lladdr !== undefined) j.lladdr = n.lladdr;
  if (n.router) j.router = null;
  if (n.proxy) j.proxy = null;
  j.state = n.state.map((s) => String(s).toUpperCase());
  return j;
}

/** `ip -j rule show`. */
export function ruleJson(r: Rule): Json {
  const j: Json = { priority: r.priority };
  if (r.flags.includes('invert')) j.not = null;
  const side = (addr: string | undefined, len: number, key: 'src' | 'dst'): void => {
    if (addr === undefined && len === 0) {
      if (key === 'src') j.src = 'all';
      return;
    }
    j[key] = addr ?? '0';
    if (len !== (addr?.includes(':') ? 128 : 32)) j[`${key}len`] = len;
  };
  side(r.src, r.srcLen, 'src');
  side(r.dst, r.dstLen, 'dst');
  if (r.tos) j.tos = dsfieldText(r.tos);
  if (r.fwmark !== undefined) j.fwmark = `0x${r.fwmark.toString(16)}`;
  if (r.fwmask !== undefined && r.fwmask !== 0xffffffff) j.fwmask = `0x${r.fwmask.toString(16)}`;
  if (r.iif !== undefined) j.iif = r.iif;
  if (r.oif !== undefined) j.oif = r.oif;
  if (r.action === 'to-tbl') j.table = tableText(r.table);
  else if (r.action === 'goto') j.goto = r.goto;
  else j.action = String(r.action);
  return j;
}
