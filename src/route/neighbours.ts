// Neighbours (ARP and NDP entries): the decoded object with its conveniences, the filter
// `ip neigh show` applies, and the newneigh/delneigh requests of `ip neigh add/replace/del`
// (linux/neighbour.h, iproute2 ipneigh.c).
import type { DecodedObject, FamilySpec } from '../spec/index.js';
import { invalid } from './errors.js';
import { describe, familyName, parseIp, parseMac, type InetFamily, type IpVersion } from './inet.js';
import type { LinkRef } from './links.js';
import { familyArg } from './routes.js';
import { enumValue } from './specs.js';

export type NudState = 'incomplete' | 'reachable' | 'stale' | 'delay' | 'probe' | 'failed' | 'noarp' | 'permanent';

/** A neighbour as getneigh decodes it (rt-neigh's neighbour-attrs, ndmsg fields at the top), plus conveniences. */
export interface Neighbour extends DecodedObject {
  ndmFamily: string | number;
  ndmIfindex: number;
  ndmState: (string | number)[];
  ndmFlags: (string | number)[];
  ndmType: string | number;
  dst?: string;
  lladdr?: string;
  family: InetFamily | string | number;
  /** NUD states by name; empty for NUD_NONE. */
  state: (NudState | string | number)[];
  index: number;
  dev: string | undefined;
  router: boolean;
  proxy: boolean;
}

export function asNeighbour(o: DecodedObject, names: ReadonlyMap<number, string>): Neighbour {
  const n = o as Neighbour;
  n.family = n.ndmFamily;
  n.state = n.ndmState;
  n.index = n.ndmIfindex;
  n.dev = names.get(n.ndmIfindex);
  n.router = n.ndmFlags.includes('router');
  n.proxy = n.ndmFlags.includes('proxy');
  return n;
}

export interface NeighbourFilter {
  family?: InetFamily | IpVersion;
  dev?: LinkRef;
  /** Also entries in state noarp or none, which `ip neigh show` leaves out unless asked (`nud all`). */
  all?: boolean;
}

/** ip neigh show's default state filter: everything but NUD_NOARP, and no NUD_NONE entries. */
export function keepNeighbour(o: DecodedObject, f: NeighbourFilter, ifindex: number | undefined): boolean {
  if (o.ndmFamily !== 'inet' && o.ndmFamily !== 'inet6') return false;
  if (ifindex !== undefined && o.ndmIfindex !== ifindex) return false;
  if (f.all) return true;
  const state = o.ndmState as (string | number)[];
  const flags = o.ndmFlags as (string | number)[];
  if (flags.includes('proxy') || flags.includes('ext-learned')) return true;
  return state.some((s) => s !== 'noarp');
}

export interface NeighbourSpec {
  /** The neighbour's IP address. */
  dst: string;
  dev: LinkRef;
  lladdr?: string;
  /** Default permanent, as ip. */
  state?: NudState;
  router?: boolean;
  proxy?: boolean;
}

export interface NeighbourSelector {
  dst: string;
  dev: LinkRef;
  proxy?: boolean;
}

export function neighbourLabel(dst: string, dev: string): string {
  return `neighbour ${dst} dev "${dev}"`;
}

/** The newneigh/delneigh request: ndmsg with state permanent unless told, NDA_DST, NDA_LLADDR. */
export function neighbourRequest(spec: FamilySpec, s: NeighbourSpec | NeighbourSelector, index: number, forDelete: boolean): { request: Record<string, unknown>; dst: string } {
  if (typeof s !== 'object' || s === null) throw invalid(`expected a neighbour object, got ${describe(s)}`);
  const dst = parseIp(s.dst, 'dst');
  const n = s as NeighbourSpec;
  const state = n.state ?? 'permanent';
  const stateBit = typeof state === 'string' ? enumValue(spec, 'nud-state', state) : undefined;
  if (stateBit === undefined) throw invalid(`state ${describe(state)} is not one of incomplete, reachable, stale, delay, probe, failed, noarp, permanent`);
  const flags: string[] = [];
  if (n.router) flags.push('router');
  if (s.proxy) flags.push('proxy');
  const request: Record<string, unknown> = { ndmFamily: familyName(dst.version), ndmIfindex: index, ndmState: stateBit, ndmFlags: flags, dst: dst.address };
  if (!forDelete && n.lladdr !== undefined) request.lladdr = parseMac(n.lladdr, 'lladdr');
  return { request, dst: dst.address };
}

