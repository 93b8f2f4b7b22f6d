// One call, one socket: the RouteClient calls as functions that open a client (in `netns`, if
// given), run, and close it. For many calls, open a RouteClient once instead.
import type { Address, AddressSelector, AddressSpec } from './addresses.js';
import { RouteClient, type AddressFilter, type LinkFilter, type RouteOptions } from './client.js';
import type { Link, LinkChanges, LinkRef, LinkSpec } from './links.js';
import type { Neighbour, NeighbourFilter, NeighbourSelector, NeighbourSpec } from './neighbours.js';
import type { NetnsRef } from './netns-ref.js';
import type { Route, RouteFilter, RouteSpec } from './routes.js';
import type { Rule, RuleFilter, RuleSpec } from './rules.js';
import { RouteStream } from './stream.js';

async function once<T>(opts: RouteOptions | undefined, fn: (rt: RouteClient) => Promise<T>): Promise<T> {
  const rt = await RouteClient.open(opts ?? {});
  try {
    return await fn(rt);
  } finally {
    rt.close();
  }
}

/** A listing whose client is opened when iteration starts and closed when it ends. */
function listing<T>(opts: RouteOptions, label: string, make: (rt: RouteClient) => RouteStream<T>): RouteStream<T> {
  return new RouteStream(async function* () {
    const rt = await RouteClient.open(opts.netns !== undefined ? { netns: opts.netns } : {});
    try {
      yield* make(rt).batches();
    } finally {
      rt.close();
    }
  }, label);
}

export const links = (opts: LinkFilter & RouteOptions = {}): RouteStream<Link> => listing(opts, 'links', (rt) => rt.links(opts));
export const addresses = (opts: AddressFilter & RouteOptions = {}): RouteStream<Address> => listing(opts, 'addresses', (rt) => rt.addresses(opts));
export const routes = (opts: RouteFilter & RouteOptions = {}): RouteStream<Route> => listing(opts, 'routes', (rt) => rt.routes(opts));
export const neighbours = (opts: NeighbourFilter & RouteOptions = {}): RouteStream<Neighbour> => listing(opts, 'neighbours', (rt) => rt.neighbours(opts));
export const rules = (opts: RuleFilter & RouteOptions = {}): RouteStream<Rule> => listing(opts, 'rules', (rt) => rt.rules(opts));

export const link = (ref: LinkRef, opts?: RouteOptions): Promise<Link> => once(opts, (rt) => rt.link(ref));
export const addLink = (s: LinkSpec, opts?: RouteOptions): Promise<void> => once(opts, (rt) => rt.addLink(s));
export const setLink = (ref: LinkRef, changes: LinkChanges, opts?: RouteOptions): Promise<void> => once(opts, (rt) => rt.setLink(ref, changes));
export const moveLink = (ref: LinkRef, netns: NetnsRef, opts?: RouteOptions): Promise<void> => once(opts, (rt) => rt.moveLink(ref, netns));
export const deleteLink = (ref: LinkRef, opts?: RouteOptions): Promise<void> => once(opts, (rt) => rt.deleteLink(ref));

export const addAddress = (s: AddressSpec, opts?: RouteOptions): Promise<void> => once(opts, (rt) => rt.addAddress(s));
export const replaceAddress = (s: AddressSpec, opts?: RouteOptions): Promise<void> => once(opts, (rt) => rt.replaceAddress(s));
export const deleteAddress = (s: AddressSelector, opts?: RouteOptions): Promise<void> => once(opts, (rt) => rt.deleteAddress(s));

export const addRoute = (s: RouteSpec, opts?: RouteOptions): Promise<void> => once(opts, (rt) => rt.addRoute(s));
export const replaceRoute = (s: RouteSpec, opts?: RouteOptions): Promise<void> => once(opts, (rt) => rt.replaceRoute(s));
export const changeRoute = (s: RouteSpec, opts?: RouteOptions): Promise<void> => once(opts, (rt) => rt.changeRoute(s));
export const appendRoute = (s: RouteSpec, opts?: RouteOptions): Promise<void> => once(opts, (rt) => rt.appendRoute(s));
export const deleteRoute = (s: RouteSpec, opts?: RouteOptions): Promise<void> => once(opts, (rt) => rt.deleteRoute(s));

export const addNeighbour = (s: NeighbourSpec, opts?: RouteOptions): Promise<void> => once(opts, (rt) => rt.addNeighbour(s));
export const replaceNeighbour = (s: NeighbourSpec, opts?: RouteOptions): Promise<void> => once(opts, (rt) => rt.replaceNeighbour(s));
export const deleteNeighbour = (s: NeighbourSelector, opts?: RouteOptions): Promise<void> => once(opts, (rt) => rt.deleteNeighbour(s));

export const addRule = (s: RuleSpec, opts?: RouteOptions): Promise<void> => once(opts, (rt) => rt.addRule(s));
export const deleteRule = (s: RuleSpec, opts?: RouteOptions): Promise<void> => once(opts, (rt) => rt.deleteRule(s));
