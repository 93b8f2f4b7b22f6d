// The ergonomic rtnetlink layer: links, addresses, routes, neighbours and rules over the rt-*
// specs, as `ip` shows and changes them.
export { RouteClient, openRoute, type RouteOptions, type LinkFilter, type AddressFilter } from './client.js';
export * from './api.js';
export { RouteStream } from './stream.js';
export type { Link, LinkInfo, LinkRef, LinkSpec, LinkBase, LinkChanges, VethSpec, VethPeer, BridgeSpec, MacvlanSpec, MacvlanMode, VxlanSpec, VlanSpec, BondSpec, BondMode, PlainSpec } from './links.js';
export type { Address, AddressSpec, AddressSelector, AddressFlag } from './addresses.js';
export type { Route, RouteFilter, RouteSpec, RouteType, RouteScope, NextHopSpec } from './routes.js';
export type { NextHop } from './multipath.js';
export type { Neighbour, NeighbourFilter, NeighbourSpec, NeighbourSelector, NudState } from './neighbours.js';
export type { Rule, RuleFilter, RuleSpec, RuleAction } from './rules.js';
export type { NetnsRef } from './netns-ref.js';
export type { TableRef } from './names.js';
export type { InetFamily, IpVersion } from './inet.js';
export { Monitor, monitor, MONITOR_KINDS, type MonitorOptions, type MonitorEvent, type MonitorChange, type MonitorResync, type MonitorSnapshot, type MonitorKind, type MonitorObjects, type MonitorAction, type MonitorOrigin } from './monitor.js';
