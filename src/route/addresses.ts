// Interface addresses: the decoded object with its conveniences, and the newaddr/deladdr
// requests `ip addr add/replace/del` send (linux/if_addr.h, iproute2 ipaddress.c).
import type { DecodedObject, FamilySpec } from '../spec/index.js';
import { invalid } from './errors.js';
import { broadcastOf, describe, familyName, parseCidr, parseIp, type InetFamily, type Prefix } from './inet.js';
import type { LinkRef } from './links.js';
import { enumArg, SCOPE_ALIASES } from './names.js';
import { enumValue } from './specs.js';

/** An address as getaddr decodes it (rt-addr's addr-attrs, ifaddrmsg fields at the top), plus conveniences. */
export interface Address extends DecodedObject {
  ifaFamily: string | number;
  ifaPrefixlen: number;
  ifaFlags: (string | number)[];
  ifaScope: string | number;
  ifaIndex: number;
  local?: string;
  label?: string;
  broadcast?: string;
  /** Every address flag: IFA_FLAGS when the kernel sent it, else ifa_flags. */
  flags: (string | number)[];
  rtPriority?: number;
  family: InetFamily | string | number;
  /** The local address (IFA_LOCAL, else IFA_ADDRESS), as `ip -j` prints `local`. */
  address: string;
  /** The peer of a point-to-point address, when it differs from the local one. */
  peer?: string;
  prefixLength: number;
  /** "10.0.0.1/24". */
  cidr: string;
  index: number;
  /** The link's name. */
  dev: string | undefined;
  scope: string | number;
}

/** Adds the conveniences to a decoded getaddr object, in place; `names` maps link indexes to names. */
export function asAddress(o: DecodedObject, names: ReadonlyMap<number, string>): Address {
  const a = o as Address;
  const local = a.local;
  const remote = a.address as string | undefined;
  a.address = (local ?? remote)!;
  if (local !== undefined && remote !== undefined && remote !== local) a.peer = remote;
  a.family = a.ifaFamily;
  a.prefixLength = a.ifaPrefixlen;
  a.cidr = `${a.address}/${a.ifaPrefixlen}`;
  a.index = a.ifaIndex;
  a.dev = names.get(a.ifaIndex);
  a.scope = a.ifaScope;
  a.flags = (o.flags as (string | number)[] | undefined) ?? a.ifaFlags;
  return a;
}

export type AddressFlag = 'secondary' | 'nodad' | 'optimistic' | 'homeaddress' | 'deprecated' | 'permanent' | 'managetempaddr' | 'noprefixroute' | 'mcautojoin' | 'stable-privacy';

/** What `addAddress` adds (ip addr add ADDRESS dev DEV ...). */
export interface AddressSpec {
  dev: LinkRef;
  /** "10.0.0.1/24", "2001:db8::1/64"; a bare address is a host prefix (/32, /128). */
  address: string;
  /** The remote end of a point-to-point address (ip addr add ... peer). */
  peer?: string;
  /** IPv4 broadcast: an address, or true (ip's `brd +`) for the prefix's all-ones host. */
  broadcast?: string | true | '+';
  /** IPv4 label; must start with the link's name, as ip requires. */
  label?: string;
  scope?: 'universe' | 'global' | 'site' | 'link' | 'host' | number;
  flags?: AddressFlag[];
  /** Metric of the prefix route the kernel adds (IFA_RT_PRIORITY). */
  metric?: number;
  /** Seconds; 0xffffffff (the default) is forever. */
  validLifetime?: number;
  preferredLifetime?: number;
}

/** Which address to delete: the address, and the link it is on. */
export interface AddressSelector {
  dev: LinkRef;
  address: string;
  peer?: string;
}

/** The address and link an address request is about, for errors: `address 10.0.0.1/24 on link "va"`. */
export function addressLabel(p: Prefix, dev: string): string {
  return `address ${p.address}/${p.prefixLength} on link "${dev}"`;
}

export function parseAddressArg(s: { address: unknown }): Prefix {
  return parseCidr(s.address, 'address');
}

const IFA_F_LOW = 0xff;

/** newaddr/deladdr request for `s` on link `index`, as ip builds it. */
export function addressRequest(spec: FamilySpec, s: AddressSpec | AddressSelector, p: Prefix, index: number, devName: string, forDelete: boolean): Record<string, unknown> {
  const req: Record<string, unknown> = {
    ifaFamily: familyName(p.version),
    ifaPrefixlen: p.prefixLength,
    ifaIndex: index,
    local: p.address,
  };
  if (s.peer !== undefined) {
    const peer = parseCidr(s.peer, 'peer', { want: p.version });
    req.address = peer.address;
    if (s.peer.includes('/')) req.ifaPrefixlen = peer.prefixLength;
  } else if (!forDelete) {
    req.address = p.address;
  }
  if (forDelete) return req;
  const a = s as AddressSpec;
  if (a.broadcast !== undefined) {
    if (p.version !== 4) throw invalid(`broadcast: ${p.address} is IPv6, which has no broadcast address`);
    req.broadcast = a.broadcast === true || a.broadcast === '+' ? broadcastOf(p) : parseIp(a.broadcast, 'broadcast', 4).address;
  }
  if (a.label !== undefined) {
    if (typeof a.label !== 'string' || !a.label.startsWith(devName) || Buffer.byteLength(a.label) > 15) {
      throw invalid(`label ${describe(a.label)} must start with the link's name "${devName}" and be at most 15 bytes`);
    }
    if (p.version !== 4) throw invalid(`label: only IPv4 addresses carry a label`);
    req.label = a.label;
  }
  // As ip: an IPv4 loopback address is host scope unless told otherwise.
  const scope = a.scope ?? (p.version === 4 && p.address.startsWith('127.') ? 'host' : 'universe');
  req.ifaScope = enumArg(spec, 'rt-scope', scope, 'scope', SCOPE_ALIASES);
  let flags = 0;
  for (const f of a.flags ?? []) {
    const bit = typeof f === 'string' ? enumValue(spec, 'ifa-flags', f) : undefined;
    if (bit === undefined) throw invalid(`address flag ${describe(f)} is not one of secondary, nodad, optimistic, homeaddress, deprecated, permanent, managetempaddr, noprefixroute, mcautojoin, stable-privacy`);
    flags |= bit;
  }
  // As ip 6.1: the header's byte when the flags fit it, otherwise the IFA_FLAGS attribute.
  if (flags <= IFA_F_LOW) req.ifaFlags = flags;
  else req.flags = flags >>> 0;
  if (a.metric !== undefined) req.rtPriority = a.metric;
  if (a.validLifetime !== undefined || a.preferredLifetime !== undefined) {
    const valid = a.validLifetime ?? 0xffffffff;
    const preferred = a.preferredLifetime ?? valid;
    if (preferred > valid) throw invalid(`preferredLifetime ${preferred} is longer than validLifetime ${valid}`);
    req.cacheinfo = { ifaPrefered: preferred, ifaValid: valid, cstamp: 0, tstamp: 0 };
  }
  return req;
}
