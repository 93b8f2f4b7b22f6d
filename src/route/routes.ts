// Routes: the decoded object with `ip -j`'s view of it (dst as "default" or a prefix, table as a
// number, dev by name, next hops), the filter `ip route show` applies, and the newroute/delroute
// requests `ip route add/replace/change/del` send (iproute2 iproute.c).
import type { CompiledSet, DecodedObject, FamilySpec } from '../spec/index.js';
import { codecOf } from './dump.js';
import { invalid } from './errors.js';
import { describe, familyName, parseCidr, parseIp, versionOf, type InetFamily, type IpVersion, type Prefix } from './inet.js';
import type { LinkRef } from './links.js';
import { decodeMultipath, encodeMultipath, RTNH_F_ONLINK, type NextHop, type NextHopRequest } from './multipath.js';
import { enumArg, enumNumbers, RT_TABLE_LOCAL, RT_TABLE_MAIN, RT_TABLE_UNSPEC, SCOPE_ALIASES, tableId, tableName, type TableRef } from './names.js';
import { enumName, enumValue } from './specs.js';

const RTM_F_CLONED = 0x200;

export type RouteType = 'unicast' | 'local' | 'broadcast' | 'anycast' | 'multicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw' | 'nat';
export type RouteScope = 'universe' | 'global' | 'site' | 'link' | 'host' | 'nowhere';

/** A route as getroute decodes it (rt-route's route-attrs, rtmsg fields at the top): the fields this layer reads. */
export interface DecodedRoute extends DecodedObject {
  rtmFamily: string | number;
  rtmDstLen: number;
  rtmSrcLen: number;
  rtmTos: number;
  rtmTable: string | number;
  rtmProtocol: string | number;
  rtmScope: string | number;
  rtmType: string | number;
  rtmFlags: (string | number)[];
  gateway?: string;
  /** The outgoing link's index (RTA_OIF). */
  oif?: number;
  /** RTA_PRIORITY. */
  priority?: number;
  prefsrc?: string;
  nhId?: number;
  pref?: string | number;
}

/** What `ip -j` makes of a decoded route beyond its fields: what asRoute adds to it. */
interface RouteView {
  /** "default", "10.0.0.0/24", or a bare address for a host route: what `ip -j` prints as dst. */
  dst: string;
  /** The source prefix (RTA_SRC, IPv6 source routing), as `ip -j` prints src. */
  src?: string | undefined;
  /** The outgoing link's name. */
  dev?: string | undefined;
  /** RTA_TABLE, else rtm_table. */
  table: number;
  /** The next hops of a multipath route (RTA_MULTIPATH). */
  nexthops?: NextHop[] | undefined;
}

/** A route as getroute decodes it (rt-route's route-attrs, rtmsg fields at the top), in `ip -j`'s terms. */
export interface Route extends DecodedRoute {
  family: InetFamily | string | number;
  /** "default", "10.0.0.0/24", or a bare address for a host route: what `ip -j` prints as dst. */
  dst: string;
  /** The source prefix (RTA_SRC, IPv6 source routing), as `ip -j` prints src. */
  src?: string;
  /** The outgoing link's name. */
  dev?: string;
  /** RTA_TABLE, else rtm_table. */
  table: number;
  /** RTA_PRIORITY. */
  metric?: number;
  type: RouteType | string | number;
  protocol: string | number;
  scope: RouteScope | string | number;
  /** The next hops of a multipath route (RTA_MULTIPATH). */
  nexthops?: NextHop[];
}

/**
 * What `ip route show` filters a route by and `ip -j route show` prints of it, under a Route's
 * names and in its values: a Route is one, and a listing that only prints reads its routes off
 * the wire into one reused record instead (route-record.ts).
 */
export interface RouteRecord {
  family: InetFamily | string | number;
  dst: string;
  src?: string | undefined;
  rtmTos: number;
  type: RouteType | string | number;
  protocol: string | number;
  scope: RouteScope | string | number;
  /** Shared between records: never changed in place. */
  rtmFlags: readonly (string | number)[];
  table: number;
  /** The outgoing link's index (RTA_OIF). */
  oif?: number | undefined;
  dev?: string | undefined;
  /** Text, or the bytes when their length is not an address's. */
  gateway?: string | Uint8Array | undefined;
  prefsrc?: string | Uint8Array | undefined;
  metric?: number | undefined;
  nhId?: number | undefined;
  pref?: string | number | undefined;
  /** RTA_METRICS, of which ip prints the mtu. */
  metrics?: unknown;
  nexthops?: NextHop[] | undefined;
}

function hostLength(family: unknown): number {
  return family === 'inet6' || family === 10 ? 128 : 32;
}

/** The prefix as `ip -j` prints it: "default", "0/LEN" without an address, bare at full length. */
export function prefixText(address: unknown, len: number, family: unknown): string {
  if (typeof address !== 'string') return len === 0 ? 'default' : `0/${len}`;
  return len === hostLength(family) ? address : `${address}/${len}`;
}

/** rt-route's route-attrs compiled (camelCase names): the attributes inside each next hop. */
export function routeAttrs(spec: FamilySpec): CompiledSet {
  return codecOf(spec).set('route-attrs');
}

/**
 * Reads the routes of one listing in `ip -j`'s terms, with the link names of its namespace. A
 * listing repeats the same table route after route, so the last table name looked up is kept.
 */
export class RouteReader {
  private readonly tableOf: (value: unknown) => number | undefined;

  constructor(
    readonly spec: FamilySpec,
    readonly names: ReadonlyMap<number, string>,
  ) {
    this.tableOf = enumNumbers(spec, 'rt-table');
  }

  /** The route's view, written into `into` (every field, so that one object can serve a whole listing). */
  private view(o: DecodedRoute, into: RouteView): RouteView {
    into.dst = prefixText(o.dst, o.rtmDstLen, o.rtmFamily);
    into.src = o.src !== undefined || o.rtmSrcLen ? prefixText(o.src, o.rtmSrcLen, o.rtmFamily) : undefined;
    into.dev = o.oif !== undefined ? this.names.get(o.oif) : undefined;
    into.table = this.tableOf(o.table ?? o.rtmTable) ?? RT_TABLE_UNSPEC;
    into.nexthops = o.multipath instanceof Uint8Array ? decodeMultipath(routeAttrs(this.spec), o.multipath, this.names) : undefined;
    return into;
  }

  /** Adds the view to the decoded route itself, which becomes the library's Route. */
  route(o: DecodedRoute): Route {
    const v = this.view(o, scratch);
    const r = o as Route;
    r.family = r.rtmFamily;
    r.dst = v.dst;
    if (v.src !== undefined) r.src = v.src;
    if (r.oif !== undefined) r.dev = v.dev;
    r.table = v.table;
    if (o.priority !== undefined) r.metric = o.priority;
    r.type = r.rtmType;
    r.protocol = r.rtmProtocol;
    r.scope = r.rtmScope;
    if (v.nexthops !== undefined) r.nexthops = v.nexthops;
    return r;
  }
}

const scratch: RouteView = { dst: '', src: undefined, dev: undefined, table: 0, nexthops: undefined };

// One reader per names map (a monitor keeps one map for its life): asRoute runs per monitored
// route and per route of a re-dump, and a reader made per call would lose its last table name.
const readers = new WeakMap<ReadonlyMap<number, string>, RouteReader>();

/** Adds `ip -j`'s view to a decoded route, in place; `names` maps link indexes to names. */
export function asRoute(o: DecodedObject, spec: FamilySpec, names: ReadonlyMap<number, string>): Route {
  let reader = readers.get(names);
  if (reader === undefined || reader.spec !== spec) readers.set(names, (reader = new RouteReader(spec, names)));
  return reader.route(o as DecodedRoute);
}

/** What `routes()` lists; by default what `ip route show` lists: the main table, IPv4. */
export interface RouteFilter {
  /** A table, or 'all'. Default main. */
  table?: TableRef | 'all';
  /** Default: IPv4 when a table is chosen (main included), as ip does; every family with table 'all'. */
  family?: InetFamily | IpVersion | 'all';
  /** Only routes out of this link. */
  dev?: LinkRef;
  type?: RouteType;
  protocol?: string | number;
}

export interface CompiledRouteFilter {
  /** rtm_family of the dump request. */
  family: InetFamily | 'unspec';
  keep(r: RouteRecord): boolean;
}

export function familyArg(f: unknown, what: string): InetFamily | undefined {
  if (f === undefined) return undefined;
  if (f === 'inet' || f === 4) return 'inet';
  if (f === 'inet6' || f === 6) return 'inet6';
  throw invalid(`${what}: ${describe(f)} is not inet, inet6, 4 or 6`);
}

/** ip route show's filter_nlmsg, for the options `routes()` takes; `oif` is the resolved dev. */
export function routeFilter(spec: FamilySpec, f: RouteFilter, oif: number | undefined): CompiledRouteFilter {
  const table = f.table === 'all' ? 0 : tableId(spec, f.table ?? RT_TABLE_MAIN);
  const family = f.family === 'all' ? 'unspec' : familyArg(f.family, 'family') ?? (table !== 0 ? 'inet' : 'unspec');
  const type = f.type === undefined ? undefined : enumArg(spec, 'rtm-type', f.type, 'type');
  const protocol = f.protocol === undefined ? undefined : enumArg(spec, 'rt-protocol', f.protocol, 'protocol');
  const typeOf = enumNumbers(spec, 'rtm-type');
  const protocolOf = enumNumbers(spec, 'rt-protocol');
  return {
    family,
    keep: (r) => {
      if (family !== 'unspec' && r.family !== family) return false;
      if (r.family !== 'inet' && r.family !== 'inet6') return false;
      if (cloned(r.rtmFlags)) return false;
      if (table !== 0 && r.table !== table) return false;
      if (oif !== undefined && r.oif !== oif) return false;
      if (type !== undefined && typeOf(r.type) !== type) return false;
      if (protocol !== undefined && protocolOf(r.protocol) !== protocol) return false;
      return true;
    },
  };
}

/** RTM_F_CLONED among decoded rtm_flags: by name, or among the bits the spec does not name. */
export function cloned(flags: unknown): boolean {
  if (!Array.isArray(flags)) return false;
  // An index loop: for-of makes an iterator per call until V8 optimizes the function, and a
  // listing calls this for each of its 100,000 routes, most of which have no flags at all.
  for (let i = 0; i < flags.length; i++) {
    const x: unknown = flags[i];
    if (x === 'cloned' || (typeof x === 'number' && (x & RTM_F_CLONED) !== 0)) return true;
  }
  return false;
}

export interface NextHopSpec {
  gateway?: string;
  dev?: LinkRef;
  /** 1 to 256; default 1. */
  weight?: number;
  onlink?: boolean;
}

/** What `addRoute` and friends take (ip route add ...). */
export interface RouteSpec {
  /** "default", a prefix "10.0.0.0/24", or an address (a host route). */
  dst: string;
  /** Needed only when nothing else says (a "default" route without gateway). Default IPv4. */
  family?: InetFamily | IpVersion;
  gateway?: string;
  dev?: LinkRef;
  table?: TableRef;
  metric?: number;
  /** The preferred source address, as `ip route add ... src` (RTA_PREFSRC). */
  src?: string;
  /** Same as src, named as ip -j prints it. */
  prefsrc?: string;
  /** Source prefix to match (RTA_SRC, IPv6 source routing; ip's `from`). */
  from?: string;
  scope?: RouteScope | number;
  type?: RouteType;
  protocol?: string | number;
  /** A multipath route. */
  nexthops?: NextHopSpec[];
  onlink?: boolean;
  /** RTAX_MTU. */
  mtu?: number;
}

/** A route spec with its addresses parsed and family settled: what requests and error messages are built from. */
export interface ParsedRoute {
  version: IpVersion;
  dst: Prefix | undefined;
  text: string;
  table: number;
  /** The gateway in canonical text. */
  gateway?: string;
}

/** `route 10.0.0.0/24 table main`: the route as errors name it. */
export function routeLabel(p: ParsedRoute, s: RouteSpec): string {
  const type = s.type && s.type !== 'unicast' ? `${s.type} ` : '';
  const metric = s.metric !== undefined ? ` metric ${s.metric}` : '';
  return `route ${type}${p.text}${metric} table ${tableName(p.table)}`;
}

const LOCAL_TABLE_TYPES = new Set(['local', 'broadcast', 'nat', 'anycast']);

/** Parses and cross-checks the addresses of a route spec: one family for all of them. */
export function parseRoute(spec: FamilySpec, s: RouteSpec): ParsedRoute {
  if (typeof s !== 'object' || s === null) throw invalid(`expected a route spec object, got ${describe(s)}`);
  const given = familyArg(s.family, 'family');
  let version: IpVersion | undefined = given === undefined ? undefined : versionOf(given);
  let dst: Prefix | undefined;
  if (s.dst === 'default') {
    dst = undefined;
  } else {
    dst = parseCidr(s.dst, 'destination', version === undefined ? {} : { want: version });
    if (dst.version === 4) parseCidr(s.dst, 'destination', { strict: true });
    version = dst.version;
  }
  // The first address that says its family decides, and the others must agree, as in ip.
  const agree = (text: string | undefined, what: string): string | undefined => {
    if (text === undefined) return undefined;
    const ip = parseIp(text, what);
    if (version === undefined) version = ip.version;
    else if (ip.version !== version) throw invalid(`${what} ${text} is ${ip.version === 4 ? 'IPv4' : 'IPv6'}, but route ${s.dst} is ${version === 4 ? 'IPv4' : 'IPv6'}`);
    return ip.address;
  };
  const gateway = agree(s.gateway, 'gateway');
  for (const [i, h] of (s.nexthops ?? []).entries()) agree(h.gateway, `nexthops[${i}].gateway`);
  if (s.src !== undefined && s.prefsrc !== undefined && s.src !== s.prefsrc) throw invalid(`src ${s.src} and prefsrc ${s.prefsrc} name the same attribute (RTA_PREFSRC) differently`);
  agree(s.src ?? s.prefsrc, 'src');
  version ??= 4;
  const type = s.type ?? 'unicast';
  const table = s.table !== undefined ? tableId(spec, s.table) : LOCAL_TABLE_TYPES.has(type) ? RT_TABLE_LOCAL : RT_TABLE_MAIN;
  const text = dst === undefined ? 'default' : prefixText(dst.address, dst.prefixLength, familyName(version));
  return gateway === undefined ? { version, dst, text, table } : { version, dst, text, table, gateway };
}

/** Link references of a route spec, in order: dev, then each next hop's dev. */
export function routeLinkRefs(s: RouteSpec): (LinkRef | undefined)[] {
  return [s.dev, ...(s.nexthops ?? []).map((h) => h.dev)];
}

/**
 * The newroute/delroute request, as iproute_modify fills it: protocol boot, scope universe and
 * type unicast for a change, scope nowhere and the rest unspecified for a delete; the scope of a
 * route without gateway is link; table ids above 255 travel in RTA_TABLE.
 */
export function routeRequest(spec: FamilySpec, s: RouteSpec, p: ParsedRoute, ifindexes: (number | undefined)[], forDelete: boolean): Record<string, unknown> {
  const family = familyName(p.version);
  const req: Record<string, unknown> = {
    rtmFamily: family,
    rtmDstLen: p.dst?.prefixLength ?? 0,
    rtmTable: p.table < 256 ? p.table : RT_TABLE_UNSPEC,
  };
  if (p.table >= 256) req.table = p.table;
  if (p.dst !== undefined) req.dst = p.dst.address;
  if (s.from !== undefined) {
    const from = parseCidr(s.from, 'from', { want: p.version });
    req.rtmSrcLen = from.prefixLength;
    req.src = from.address;
  }
  const type = s.type !== undefined ? enumArg(spec, 'rtm-type', s.type, 'type') : forDelete ? 0 : enumValue(spec, 'rtm-type', 'unicast')!;
  req.rtmType = type;
  if (s.protocol !== undefined) req.rtmProtocol = enumArg(spec, 'rt-protocol', s.protocol, 'protocol');
  else if (!forDelete) req.rtmProtocol = 'boot';
  const [dev, ...hopDevs] = ifindexes;
  if (dev !== undefined) req.oif = dev;
  if (p.gateway !== undefined) req.gateway = p.gateway;
  if (s.metric !== undefined) req.priority = s.metric;
  const prefsrc = s.src ?? s.prefsrc;
  if (prefsrc !== undefined) req.prefsrc = parseIp(prefsrc, 'src').address;
  if (s.onlink) req.rtmFlags = RTNH_F_ONLINK;
  if (s.mtu !== undefined) req.metrics = { mtu: s.mtu };
  const hops = s.nexthops ?? [];
  if (hops.length > 0) {
    if (s.gateway !== undefined || s.dev !== undefined) throw invalid(`route ${p.text}: give either gateway/dev or nexthops, not both`);
    const encoded: NextHopRequest[] = hops.map((h, i) => {
      const weight = h.weight ?? 1;
      if (!Number.isInteger(weight) || weight < 1 || weight > 256) throw invalid(`nexthops[${i}].weight: ${describe(weight)} is not an integer from 1 to 256`);
      if (h.gateway === undefined && hopDevs[i] === undefined) throw invalid(`nexthops[${i}]: a next hop needs a gateway or a dev`);
      return {
        attrs: h.gateway !== undefined ? { gateway: parseIp(h.gateway, `nexthops[${i}].gateway`).address } : {},
        ifindex: hopDevs[i] ?? 0,
        weight,
        flags: h.onlink ? RTNH_F_ONLINK : 0,
      };
    });
    req.multipath = encodeMultipath(routeAttrs(spec), encoded);
  }
  const scopeGiven = s.scope !== undefined;
  if (scopeGiven) req.rtmScope = enumArg(spec, 'rt-scope', s.scope, 'scope', SCOPE_ALIASES);
  else req.rtmScope = defaultScope(spec, p, s, type, forDelete);
  return req;
}

function defaultScope(spec: FamilySpec, p: ParsedRoute, s: RouteSpec, type: number, forDelete: boolean): string {
  if (p.version === 6) return 'universe';
  const name = enumName(spec, 'rtm-type', type);
  if (name === 'local' || name === 'nat') return 'host';
  if (name === 'broadcast' || name === 'multicast' || name === 'anycast') return 'link';
  if (type === 0 || name === 'unicast') {
    if (forDelete) return 'nowhere';
    if (p.gateway === undefined && (s.nexthops ?? []).length === 0) return 'link';
  }
  return forDelete ? 'nowhere' : 'universe';
}
