// Routes read straight off the wire into one reused RouteRecord, for a listing that only filters
// and prints them (`nlkit route show --json`): decoding each of 100,000 messages into an object of
// thirty fields, to print seven of them, was most of such a listing's time and garbage. The
// attribute numbers and enum names are the rt-route spec's; the header is struct rtmsg
// (linux/rtnetlink.h), whose layout is the kernel's ABI.
import type { EnumDefinition, FamilySpec } from '../spec/index.js';
import { flagBit, flags32, ip4or6, noFlags } from '../spec/runtime.js';
import { NetlinkProtocolError } from '../wire/index.js';
import { decodeMultipath } from './multipath.js';
import { prefixText, routeAttrs, type RouteRecord } from './routes.js';

/** sizeof(struct rtmsg): family, dst_len, src_len, tos, table, protocol, scope, type (u8 each), flags (u32). */
const RTMSG_SIZE = 12;

// What each route attribute is read into: the attribute's number, as the spec gives it, indexes
// a table of these.
const DST = 1;
const SRC = 2;
const OIF = 3;
const GATEWAY = 4;
const PRIORITY = 5;
const PREFSRC = 6;
const METRICS = 7;
const MULTIPATH = 8;
const TABLE = 9;
const PREF = 10;
const NH_ID = 11;

const FIELDS: readonly [string, number][] = [
  ['dst', DST],
  ['src', SRC],
  ['oif', OIF],
  ['gateway', GATEWAY],
  ['priority', PRIORITY],
  ['prefsrc', PREFSRC],
  ['metrics', METRICS],
  ['multipath', MULTIPATH],
  ['table', TABLE],
  ['pref', PREF],
  ['nh-id', NH_ID],
];

/** A fresh record, with every field the reader sets, so that one object shape serves a listing. */
export function emptyRouteRecord(): RouteRecord {
  return { family: 0, dst: '', src: undefined, rtmTos: 0, type: 0, protocol: 0, scope: 0, rtmFlags: noFlags, table: 0, oif: undefined, dev: undefined, gateway: undefined, prefsrc: undefined, metric: undefined, nhId: undefined, pref: undefined, metrics: undefined, nexthops: undefined };
}

function enumDef(spec: FamilySpec, name: string): EnumDefinition {
  const def = spec.definitions.get(name);
  if (def?.kind !== 'enum' && def?.kind !== 'flags') throw new RangeError(`${spec.name} has no enum ${name}`);
  return def;
}

/** An enum's names by value (u8 fields: 0 to 255), a value the spec does not name as the number itself, as the decoders give them. */
function u8Names(spec: FamilySpec, name: string): (string | number)[] {
  const def = enumDef(spec, name);
  return Array.from({ length: 256 }, (_, v) => def.byValue.get(v) ?? v);
}

function u32At(view: DataView, d: number, n: number, what: string): number {
  if (n < 4) throw new NetlinkProtocolError(d - 4, `route attribute ${what} has ${n} bytes, u32 needs 4`);
  return view.getUint32(d, true);
}

/** Reads route messages into a RouteRecord, with the link names of their namespace. */
export class RouteRecordReader {
  private readonly slot: Uint8Array;
  private readonly mtuType: number;
  private readonly families: (string | number)[];
  private readonly types: (string | number)[];
  private readonly protocols: (string | number)[];
  private readonly scopes: (string | number)[];
  private readonly prefs: (string | number)[];
  private readonly flagBits: readonly [number, string][];
  // A listing repeats the same rtm_flags route after route: the last one's names are kept.
  private lastFlags = 0;
  private lastFlagNames: readonly (string | number)[] = noFlags;

  constructor(
    readonly spec: FamilySpec,
    readonly names: ReadonlyMap<number, string>,
  ) {
    const attrs = spec.attributeSets.get('route-attrs');
    const metrics = spec.attributeSets.get('metrics-attrs');
    const mtu = metrics?.byName.get('mtu');
    if (!attrs || !mtu) throw new RangeError(`${spec.name} is not rt-route: it lacks route-attrs or metrics-attrs.mtu`);
    this.mtuType = mtu.id;
    const numbers = FIELDS.map(([name, field]) => {
      const a = attrs.byName.get(name);
      if (!a) throw new RangeError(`${spec.name} route-attrs has no ${name}`);
      return [a.id, field] as const;
    });
    this.slot = new Uint8Array(Math.max(...numbers.map(([t]) => t)) + 1);
    for (const [t, field] of numbers) this.slot[t] = field;
    this.families = u8Names(spec, 'address-family');
    this.types = u8Names(spec, 'rtm-type');
    this.protocols = u8Names(spec, 'rt-protocol');
    this.scopes = u8Names(spec, 'rt-scope');
    this.prefs = u8Names(spec, 'rt-pref');
    const flags = enumDef(spec, 'rtm-flags');
    this.flagBits = flags.entries.map((e) => [flagBit(flags, e.value), e.name] as [number, string]);
  }

  /** rtm_flags as the decoders give them: the spec's names in its order, the bits it does not name as one number. */
  private flagNames(bits: number): readonly (string | number)[] {
    if (bits === this.lastFlags) return this.lastFlagNames;
    const out = flags32(this.flagBits, bits);
    this.lastFlags = bits;
    return (this.lastFlagNames = out);
  }

  /**
   * The route message whose payload (struct rtmsg, then attributes) is bytes[start, end), into
   * `r`: every field is set, so a record read before leaves nothing behind. A malformed message
   * is a NetlinkProtocolError naming the offset, as the spec's decoders report it.
   */
  read(view: DataView, u8: Uint8Array, start: number, end: number, r: RouteRecord): RouteRecord {
    if (end - start < RTMSG_SIZE) throw new NetlinkProtocolError(start, `route message has ${end - start} bytes, struct rtmsg needs ${RTMSG_SIZE}`);
    const family = u8[start]!;
    const dstLen = u8[start + 1]!;
    const srcLen = u8[start + 2]!;
    let table = u8[start + 4]!;
    let dst: string | Uint8Array | undefined;
    let src: string | Uint8Array | undefined;
    let oif: number | undefined;
    let metrics: { mtu: number } | undefined;
    let multipath: Uint8Array | undefined;
    r.gateway = undefined;
    r.prefsrc = undefined;
    r.metric = undefined;
    r.nhId = undefined;
    r.pref = undefined;
    const slot = this.slot;
    let p = start + RTMSG_SIZE;
    while (p + 4 <= end) {
      const l = view.getUint16(p, true);
      if (l < 4 || p + l > end) throw new NetlinkProtocolError(p, l < 4 ? `nla_len ${l} is smaller than the 4-byte attribute header` : `attribute claims ${l} bytes, only ${end - p} remain in the route message`);
      const t = view.getUint16(p + 2, true) & 0x3fff;
      const d = p + 4;
      const n = l - 4;
      switch (t < slot.length ? slot[t] : 0) {
        case DST:
          dst = ip4or6(u8, d, n);
          break;
        case SRC:
          src = ip4or6(u8, d, n);
          break;
        case OIF:
          oif = u32At(view, d, n, 'oif');
          break;
        case GATEWAY:
          r.gateway = ip4or6(u8, d, n);
          break;
        case PRIORITY:
          r.metric = u32At(view, d, n, 'priority');
          break;
        case PREFSRC:
          r.prefsrc = ip4or6(u8, d, n);
          break;
        case METRICS:
          metrics = this.mtu(view, d, d + n);
          break;
        case MULTIPATH:
          multipath = u8.subarray(d, d + n);
          break;
        case TABLE:
          table = u32At(view, d, n, 'table');
          break;
        case PREF:
          if (n < 1) throw new NetlinkProtocolError(p, 'route attribute pref has 0 bytes, u8 needs 1');
          r.pref = this.prefs[u8[d]!]!;
          break;
        case NH_ID:
          r.nhId = u32At(view, d, n, 'nh-id');
          break;
      }
      p += (l + 3) & ~3;
    }
    const familyName = this.families[family]!;
    r.family = familyName;
    r.dst = prefixText(dst, dstLen, familyName);
    r.src = src !== undefined || srcLen !== 0 ? prefixText(src, srcLen, familyName) : undefined;
    r.rtmTos = u8[start + 3]!;
    r.table = table;
    r.protocol = this.protocols[u8[start + 5]!]!;
    r.scope = this.scopes[u8[start + 6]!]!;
    r.type = this.types[u8[start + 7]!]!;
    r.rtmFlags = this.flagNames(view.getUint32(start + 8, true));
    r.oif = oif;
    r.dev = oif !== undefined ? this.names.get(oif) : undefined;
    r.metrics = metrics;
    r.nexthops = multipath !== undefined ? decodeMultipath(routeAttrs(this.spec), multipath, this.names) : undefined;
    return r;
  }

  /** RTAX_MTU of an RTA_METRICS nest, the one metric `ip -j route show` prints. */
  private mtu(view: DataView, start: number, end: number): { mtu: number } | undefined {
    let mtu: number | undefined;
    let p = start;
    while (p + 4 <= end) {
      const l = view.getUint16(p, true);
      if (l < 4 || p + l > end) throw new NetlinkProtocolError(p, `metrics attribute claims ${l} bytes, ${end - p} remain in the nest`);
      if ((view.getUint16(p + 2, true) & 0x3fff) === this.mtuType) mtu = u32At(view, p + 4, l - 4, 'metrics.mtu');
      p += (l + 3) & ~3;
    }
    return mtu === undefined ? undefined : { mtu };
  }
}
