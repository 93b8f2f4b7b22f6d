// Links: the decoded object with its conveniences, and the newlink requests that create and
// change links, built as `ip link add/set` builds them (linux/if_link.h, iproute2 iplink*.c).
import type { DecodedObject, FamilySpec } from '../spec/index.js';
import { invalid } from './errors.js';
import { describe, isMulticast, parseIp, parseMac, type IpVersion } from './inet.js';
import { enumArg } from './names.js';
import type { NetnsRef } from './netns-ref.js';

/** A link by name ("va") or index (3). */
export type LinkRef = string | number;

export interface LinkInfo extends DecodedObject {
  kind?: string;
  /** The kind's own settings (linkinfo-data sub-message of rt-link). */
  data?: DecodedObject;
  slaveKind?: string;
  slaveData?: DecodedObject;
}

/** A link as getlink decodes it (rt-link's link-attrs, ifinfomsg fields at the top), plus conveniences. */
export interface Link extends DecodedObject {
  ifiFamily: string | number;
  ifiType: string | number;
  ifiIndex: number;
  ifiFlags: (string | number)[];
  ifiChange: (string | number)[];
  ifname: string;
  mtu?: number;
  address?: string;
  broadcast?: string;
  /** Index of the controller (bridge, bond) this link is a port of. */
  master?: number;
  /** Index of the lower link (a macvlan's parent, a veth's peer). */
  link?: number;
  txqlen?: number;
  operstate?: string | number;
  linkinfo?: LinkInfo;
  /** ifname. */
  name: string;
  /** ifi_index. */
  index: number;
  /** IFF_UP is set. */
  up: boolean;
  /** linkinfo's kind ("veth", "bridge"); undefined for a physical link or loopback. */
  kind: string | undefined;
}

/** Adds the conveniences to a decoded getlink object, in place. */
export function asLink(o: DecodedObject): Link {
  const l = o as Link;
  l.name = l.ifname;
  l.index = l.ifiIndex;
  l.up = Array.isArray(l.ifiFlags) && l.ifiFlags.includes('up');
  l.kind = l.linkinfo?.kind;
  return l;
}

export function linkLabel(ref: LinkRef): string {
  return typeof ref === 'number' ? `link index ${ref}` : `link "${ref}"`;
}

/** Settings every kind takes. */
export interface LinkBase {
  name: string;
  mtu?: number;
  /** MAC address. */
  address?: string;
  /** Bring it up at once (IFF_UP), as `ip link add ... up`. */
  up?: boolean;
  /** Make it a port of this bridge or bond. */
  master?: LinkRef;
  txqlen?: number;
  /** Create it in another network namespace. */
  netns?: NetnsRef;
  /** More linkinfo data attributes by their rt-link names (camelCase), over what the typed fields give. */
  data?: Record<string, unknown>;
}

export interface VethPeer {
  name?: string;
  address?: string;
  mtu?: number;
  /** Put the peer in another network namespace. */
  netns?: NetnsRef;
}

export interface VethSpec extends LinkBase {
  kind: 'veth';
  peer?: VethPeer;
}

export interface BridgeSpec extends LinkBase {
  kind: 'bridge';
  /** Kernel STP on (stp_state 1) or off. */
  stp?: boolean;
  vlanFiltering?: boolean;
  /** In hundredths of a second, as ip link takes them. */
  forwardDelay?: number;
  helloTime?: number;
  maxAge?: number;
  ageingTime?: number;
  priority?: number;
}

export type MacvlanMode = 'private' | 'vepa' | 'bridge' | 'passthru' | 'source';

export interface MacvlanSpec extends LinkBase {
  kind: 'macvlan';
  /** The lower link. */
  link: LinkRef;
  mode?: MacvlanMode;
}

export interface VxlanSpec extends LinkBase {
  kind: 'vxlan';
  /** The VNI. */
  id: number;
  /** UDP destination port; the kernel's default (8472) when not given. */
  port?: number;
  /** Multicast group (needs `dev`). */
  group?: string;
  /** Unicast remote endpoint. */
  remote?: string;
  local?: string;
  /** The underlay link. */
  dev?: LinkRef;
  ttl?: number;
  learning?: boolean;
}

export interface VlanSpec extends LinkBase {
  kind: 'vlan';
  link: LinkRef;
  id: number;
  protocol?: '8021q' | '8021ad';
}

export type BondMode = 'roundrobin' | 'activebackup' | 'xor' | 'broadcast' | '8023ad' | 'tlb' | 'alb' | 'balance-rr' | 'active-backup' | 'balance-xor' | '802.3ad' | 'balance-tlb' | 'balance-alb';

export interface BondSpec extends LinkBase {
  kind: 'bond';
  mode?: BondMode;
  miimon?: number;
}

/** Kinds created from the common settings alone (more settings through `data`, by rt-link's names). */
export interface PlainSpec extends LinkBase {
  kind: 'ifb' | 'dummy' | 'vrf' | 'geneve' | 'ipvlan' | 'macvtap' | 'ipvtap' | 'nlmon' | 'vcan' | 'wireguard' | 'netkit';
}

/** What `addLink` creates. */
export type LinkSpec = VethSpec | BridgeSpec | MacvlanSpec | VxlanSpec | VlanSpec | BondSpec | PlainSpec;

/** What `setLink` changes (ip link set). */
export interface LinkChanges {
  up?: boolean;
  mtu?: number;
  /** Rename. */
  name?: string;
  address?: string;
  /** Enslave to this controller; null detaches (nomaster). */
  master?: LinkRef | null;
  txqlen?: number;
  alias?: string;
  /** Move to another network namespace. */
  netns?: NetnsRef;
}

/** Link references of a spec or change that must be resolved to indexes before sending. */
export interface LinkRefs {
  master?: LinkRef;
  link?: LinkRef;
}

const BOND_ALIASES: Record<string, string> = {
  'balance-rr': 'roundrobin',
  'active-backup': 'activebackup',
  'balance-xor': 'xor',
  '802.3ad': '8023ad',
  'balance-tlb': 'tlb',
  'balance-alb': 'alb',
};

/** dev_valid_name() of the kernel: what it would refuse, refused here with the reason. */
export function checkLinkName(name: unknown, what = 'name'): string {
  if (typeof name !== 'string') throw invalid(`link ${what}: expected a string, got ${describe(name)}`);
  const bytes = Buffer.byteLength(name);
  if (bytes === 0 || bytes > 15) throw invalid(`link ${what} "${name}" must be 1 to 15 bytes long`);
  if (name === '.' || name === '..' || /[/:\s]/.test(name)) throw invalid(`link ${what} "${name}" may not be "." or ".." nor contain "/", ":" or white space`);
  return name;
}

function u32(v: unknown, what: string, max = 0xffffffff): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw invalid(`${what}: ${describe(v)} is not an integer from 0 to ${max}`);
  return v;
}

/** Attributes common to creating and changing a link, checked. */
function commonAttrs(s: { mtu?: number; address?: string; txqlen?: number }, out: Record<string, unknown>): void {
  if (s.mtu !== undefined) out.mtu = u32(s.mtu, 'mtu');
  if (s.address !== undefined) out.address = parseMac(s.address, 'address');
  if (s.txqlen !== undefined) out.txqlen = u32(s.txqlen, 'txqlen');
}

/** The link references a spec names, for resolving before the request is built. */
export function specRefs(s: LinkSpec): LinkRefs {
  const refs: LinkRefs = {};
  if (s.master !== undefined) refs.master = s.master;
  if (s.kind === 'macvlan' || s.kind === 'vlan') {
    if (s.link === undefined) throw invalid(`link "${s.name}": a ${s.kind} needs its lower link (link)`);
    refs.link = s.link;
  }
  if (s.kind === 'vxlan' && s.dev !== undefined) refs.link = s.dev;
  return refs;
}

function vxlanData(s: VxlanSpec): Record<string, unknown> {
  const d: Record<string, unknown> = { id: u32(s.id, 'vxlan id', 0xffffff) };
  if (s.port !== undefined) d.port = u32(s.port, 'vxlan port', 0xffff);
  if (s.group !== undefined && s.remote !== undefined) throw invalid(`vxlan "${s.name}": group and remote exclude each other`);
  let version: IpVersion | undefined;
  const peer = s.group ?? s.remote;
  if (peer !== undefined) {
    const p = parseIp(peer, s.group !== undefined ? 'vxlan group' : 'vxlan remote');
    if (s.group !== undefined && !isMulticast(p)) throw invalid(`vxlan group ${peer} is not a multicast address (use remote for a unicast peer)`);
    if (s.remote !== undefined && isMulticast(p)) throw invalid(`vxlan remote ${peer} is a multicast address (use group)`);
    if (s.group !== undefined && s.dev === undefined) throw invalid(`vxlan "${s.name}": a multicast group needs the underlay link (dev)`);
    version = p.version;
    d[p.version === 4 ? 'group' : 'group6'] = p.address;
  }
  if (s.local !== undefined) {
    const l = parseIp(s.local, 'vxlan local', version);
    d[l.version === 4 ? 'local' : 'local6'] = l.address;
  }
  if (s.ttl !== undefined) d.ttl = u32(s.ttl, 'vxlan ttl', 255);
  if (s.learning !== undefined) d.learning = s.learning ? 1 : 0;
  return d;
}

function kindData(spec: FamilySpec, s: LinkSpec, peerTarget: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  switch (s.kind) {
    case 'veth': {
      const p = s.peer ?? {};
      const peer: Record<string, unknown> = { ifiIndex: 0, ...(peerTarget ?? {}) };
      if (p.name !== undefined) peer.ifname = checkLinkName(p.name, 'peer name');
      commonAttrs(p, peer);
      return { peer };
    }
    case 'bridge': {
      const d: Record<string, unknown> = {};
      if (s.stp !== undefined) d.stpState = s.stp ? 1 : 0;
      if (s.vlanFiltering !== undefined) d.vlanFiltering = s.vlanFiltering ? 1 : 0;
      if (s.forwardDelay !== undefined) d.forwardDelay = u32(s.forwardDelay, 'bridge forwardDelay');
      if (s.helloTime !== undefined) d.helloTime = u32(s.helloTime, 'bridge helloTime');
      if (s.maxAge !== undefined) d.maxAge = u32(s.maxAge, 'bridge maxAge');
      if (s.ageingTime !== undefined) d.ageingTime = u32(s.ageingTime, 'bridge ageingTime');
      if (s.priority !== undefined) d.priority = u32(s.priority, 'bridge priority', 0xffff);
      return d;
    }
    case 'macvlan':
      return s.mode === undefined ? {} : { mode: enumArg(spec, 'macvlan-mode', s.mode, 'macvlan mode') };
    case 'vxlan':
      return vxlanData(s);
    case 'vlan': {
      const d: Record<string, unknown> = { id: u32(s.id, 'vlan id', 4094) };
      if (s.protocol !== undefined) d.protocol = enumArg(spec, 'vlan-protocols', s.protocol, 'vlan protocol');
      return d;
    }
    case 'bond': {
      const d: Record<string, unknown> = {};
      if (s.mode !== undefined) d.mode = enumArg(spec, 'bond-mode', s.mode, 'bond mode', BOND_ALIASES);
      if (s.miimon !== undefined) d.miimon = u32(s.miimon, 'bond miimon');
      return d;
    }
    default:
      return undefined;
  }
}


/**
 * The newlink request creating `s`: ifinfomsg, ifname and the common attributes, linkinfo with the
 * kind's data. `indexes` are the resolved references; `target`/`peerTarget` the namespace attributes.
 */
export function newlinkRequest(
  spec: FamilySpec,
  s: LinkSpec,
  indexes: { master?: number; link?: number },
  target: Record<string, unknown> | undefined,
  peerTarget: Record<string, unknown> | undefined,
): Record<string, unknown> {
  if (typeof s !== 'object' || s === null) throw invalid(`addLink: expected a link spec object, got ${describe(s)}`);
  // Any kind name may go to the kernel, which says EOPNOTSUPP for one it does not have.
  if (typeof s.kind !== 'string' || !/^[a-z0-9_.-]{1,32}$/.test(s.kind)) throw invalid(`link kind ${describe(s.kind)} is not a kind name (such as veth, bridge, vxlan)`);
  const req: Record<string, unknown> = { ifiIndex: 0, ifname: checkLinkName(s.name) };
  if (s.up) {
    req.ifiFlags = ['up'];
    req.ifiChange = ['up'];
  }
  commonAttrs(s, req);
  if (indexes.master !== undefined) req.master = indexes.master;
  if (indexes.link !== undefined && s.kind !== 'vxlan') req.link = indexes.link;
  Object.assign(req, target ?? {});
  let data = kindData(spec, s, peerTarget);
  if (s.kind === 'vxlan' && indexes.link !== undefined) data = { ...data, link: indexes.link };
  if (s.data !== undefined) {
    if (typeof s.data !== 'object' || s.data === null) throw invalid(`link "${s.name}" data: expected an object, got ${describe(s.data)}`);
    data = { ...data, ...s.data };
  }
  req.linkinfo = data === undefined ? { kind: s.kind } : { kind: s.kind, data };
  return req;
}

/** The newlink request applying `c` to link `index` (ip link set: no create flags). */
export function setlinkRequest(index: number, c: LinkChanges, master: number | undefined, target: Record<string, unknown> | undefined): Record<string, unknown> {
  if (typeof c !== 'object' || c === null) throw invalid(`setLink: expected an object of changes, got ${describe(c)}`);
  const req: Record<string, unknown> = { ifiIndex: index };
  if (c.up !== undefined) {
    if (typeof c.up !== 'boolean') throw invalid(`up: expected true or false, got ${describe(c.up)}`);
    req.ifiFlags = c.up ? ['up'] : [];
    req.ifiChange = ['up'];
  }
  if (c.name !== undefined) req.ifname = checkLinkName(c.name);
  commonAttrs(c, req);
  if (c.alias !== undefined) {
    if (typeof c.alias !== 'string' || Buffer.byteLength(c.alias) > 255) throw invalid(`alias: expected a string of at most 255 bytes, got ${describe(c.alias)}`);
    req.ifalias = c.alias;
  }
  if (master !== undefined) req.master = master;
  Object.assign(req, target ?? {});
  return req;
}
