// RouteClient: one NETLINK_ROUTE socket (in a namespace, if asked) shared by the rt-* family
// objects, each opened on first use, with the ergonomic calls on top. Listings stream; changes are checked before anything
// is sent and fail with a NetlinkError that names the object.
import type { DecodedObject, Family, FamilySpec, RequestFlag, UntypedMethods } from '../spec/index.js';
import { NetlinkSocket } from '../socket/index.js';
import { EADDRNOTAVAIL, EEXIST, ENODEV, ENOENT, EOPNOTSUPP, ESRCH, NETLINK_ROUTE, NLMSG_HDRLEN, NetlinkError, type MessageBatch } from '../wire/index.js';
import { addressLabel, addressRequest, asAddress, parseAddressArg, type Address, type AddressSelector, type AddressSpec } from './addresses.js';
import { invalid, kernelError, routeError, type Subject } from './errors.js';
import { dumpBatches, dumpObjects } from './dump.js';
import { linkNames } from './link-names.js';
import { asLink, linkLabel, newlinkRequest, setlinkRequest, specRefs, type Link, type LinkChanges, type LinkRef, type LinkSpec } from './links.js';
import { asNeighbour, keepNeighbour, neighbourLabel, neighbourRequest, type Neighbour, type NeighbourFilter, type NeighbourSelector, type NeighbourSpec } from './neighbours.js';
import { openNetnsTarget, type NetnsRef, type NetnsTarget } from './netns-ref.js';
import { emptyRouteRecord, RouteRecordReader } from './route-record.js';
import { familyArg, parseRoute, routeFilter, routeLabel, routeLinkRefs, routeRequest, RouteReader, type CompiledRouteFilter, type DecodedRoute, type Route, type RouteFilter, type RouteRecord, type RouteSpec } from './routes.js';
import { asRule, ruleLabel, ruleRequest, type Rule, type RuleFilter, type RuleSpec } from './rules.js';
import { rtSpec, type RtFamilyName } from './specs.js';
import { RouteStream } from './stream.js';

export interface RouteOptions {
  /** A network namespace: a name under /var/run/netns, or a path such as /proc/PID/ns/net. */
  netns?: string;
}

export interface LinkFilter {
  /** Only links of this kind ("veth", "bridge"). */
  kind?: string;
  /** Only the ports of this controller. */
  master?: LinkRef;
}

export interface AddressFilter {
  family?: 'inet' | 'inet6' | 4 | 6;
  dev?: LinkRef;
}

type RtFamily = Family & UntypedMethods;

/** A link's index and name, once looked up. */
interface ResolvedLink {
  index: number;
  name: string;
}

const CREATE_EXCL: RequestFlag[] = ['create', 'excl'];
const CREATE_REPLACE: RequestFlag[] = ['create', 'replace'];

function openError(err: unknown, netns: string | undefined): unknown {
  if (netns !== undefined && err instanceof NetlinkError && err.syscall === 'setns') {
    const where = err.message.match(/\(([^()]*)\)$/)?.[1];
    if (err.code === 'ENOENT') return routeError(ENOENT, `network namespace "${netns}" not found${where ? ` (${where})` : ''}`, err);
    return routeError(-err.errno, `cannot enter network namespace "${netns}": ${err.message}`, err);
  }
  return err;
}

/**
 * rtnetlink in one object: `await using rt = await openRoute({ netns })`. Listings are async
 * iterables with `toArray()`; run one at a time per client (each is a dump on the one socket).
 */
export class RouteClient implements AsyncDisposable {
  /** Loading and compiling a spec costs tens of milliseconds (rt-link most), so each waits for its first use. */
  private readonly opened = new Map<RtFamilyName, Promise<RtFamily>>();

  private constructor(
    readonly socket: NetlinkSocket,
    readonly netns: string | undefined,
  ) {}

  static async open(opts: RouteOptions = {}): Promise<RouteClient> {
    try {
      return new RouteClient(await NetlinkSocket.open(NETLINK_ROUTE, opts.netns !== undefined ? { netns: opts.netns } : {}), opts.netns);
    } catch (err) {
      throw openError(err, opts.netns);
    }
  }

  /**
   * One of the spec family objects on this client's socket, for operations this layer has no call
   * for. The spec layer's Family module is imported on first use (listings do without it).
   */
  family(name: RtFamilyName): Promise<RtFamily> {
    let p = this.opened.get(name);
    if (!p) {
      p = Promise.all([rtSpec(name), import('../spec/family.js')]).then(([s, m]) => m.openFamily(s, { socket: this.socket }));
      p.catch(() => this.opened.delete(name));
      this.opened.set(name, p);
    }
    return p;
  }

  /** Runs a do operation, rewording refusals to name `subject`. */
  private async send(family: RtFamilyName, op: string, request: object, flags: RequestFlag[], subject: Subject): Promise<DecodedObject | undefined> {
    try {
      return await (await this.family(family)).do(op, request, { flags });
    } catch (err) {
      const { FamilyRequestError } = await import('../spec/family.js');
      if (err instanceof FamilyRequestError) throw invalid(`cannot ${subject.verb} ${subject.object}: ${err.problems.map((p) => `${p.path || '(request)'}: ${p.message}`).join('; ')}`);
      throw kernelError(err, subject);
    }
  }

  // ---- reading --------------------------------------------------------------------------

  /** One link by name or index; ENODEV naming it when there is none. */
  async link(ref: LinkRef): Promise<Link> {
    let request: Record<string, unknown>;
    if (typeof ref === 'number') {
      if (!Number.isInteger(ref) || ref <= 0 || ref > 0x7fffffff) throw invalid(`${ref} is not a link index`);
      request = { ifiIndex: ref };
    } else {
      if (typeof ref !== 'string') throw invalid(`expected a link name or index, got ${typeof ref}`);
      const bytes = Buffer.byteLength(ref);
      if (bytes === 0 || bytes > 15) throw routeError(ENODEV, `${linkLabel(ref)} not found (link names are 1 to 15 bytes)`);
      request = { ifname: ref };
    }
    const o = await this.send('rt-link', 'getlink', request, [], { verb: 'get', object: linkLabel(ref), missing: [ENODEV] });
    if (!o) throw routeError(ENODEV, `${linkLabel(ref)} not found`);
    return asLink(o);
  }

  private async resolve(ref: LinkRef): Promise<ResolvedLink> {
    const l = await this.link(ref);
    return { index: l.ifiIndex, name: l.ifname };
  }

  /** Every link, as `ip link show`. */
  links(filter: LinkFilter = {}): RouteStream<Link> {
    return new RouteStream(() => this.linkBatches(filter), 'links');
  }

  private async *linkBatches(filter: LinkFilter): AsyncGenerator<Link[]> {
    const master = filter.master !== undefined ? (await this.resolve(filter.master)).index : undefined;
    for await (const batch of dumpObjects(this.socket, await rtSpec('rt-link'), 'getlink', {})) {
      const out: Link[] = [];
      for (const o of batch) {
        if (o.ifiFamily !== 'unspec' && o.ifiFamily !== 0) continue;
        const l = asLink(o);
        if (master !== undefined && l.master !== master) continue;
        if (filter.kind !== undefined && l.kind !== filter.kind) continue;
        out.push(l);
      }
      if (out.length > 0) yield out;
    }
  }

  /** Every IPv4 and IPv6 address, as `ip addr show`. */
  addresses(filter: AddressFilter = {}): RouteStream<Address> {
    return new RouteStream(() => this.addressBatches(filter), 'addresses');
  }

  private async *addressBatches(filter: AddressFilter): AsyncGenerator<Address[]> {
    const family = familyArg(filter.family, 'family') ?? 'unspec';
    const index = filter.dev !== undefined ? (await this.resolve(filter.dev)).index : undefined;
    const names = await linkNames(this.socket);
    for await (const batch of dumpObjects(this.socket, await rtSpec('rt-addr'), 'getaddr', { ifaFamily: family })) {
      const out: Address[] = [];
      for (const o of batch) {
        if (o.ifaFamily !== 'inet' && o.ifaFamily !== 'inet6') continue;
        if (index !== undefined && o.ifaIndex !== index) continue;
        out.push(asAddress(o, names));
      }
      if (out.length > 0) yield out;
    }
  }

  /** Routes, filtered as `ip route show` filters: by default the main table's IPv4 routes. */
  routes(filter: RouteFilter = {}): RouteStream<Route> {
    return new RouteStream(() => this.routeBatches(filter), 'routes');
  }

  private async *routeBatches(filter: RouteFilter): AsyncGenerator<Route[]> {
    const { spec, keep, names } = await routeListing(this, filter);
    const reader = new RouteReader(spec, names);
    for await (const batch of dumpObjects(this.socket, spec, 'getroute', { rtmFamily: keep.family })) {
      // The decoded objects become Routes in place, and the codec's array is reused for those kept.
      let n = 0;
      for (let i = 0; i < batch.length; i++) {
        const r = reader.route(batch[i] as DecodedRoute);
        if (keep.keep(r)) batch[n++] = r;
      }
      batch.length = n;
      if (n > 0) yield batch as Route[];
    }
  }

  /** ARP and NDP entries, as `ip neigh show` (without noarp entries unless `all`). */
  neighbours(filter: NeighbourFilter = {}): RouteStream<Neighbour> {
    return new RouteStream(() => this.neighbourBatches(filter), 'neighbours');
  }

  private async *neighbourBatches(filter: NeighbourFilter): AsyncGenerator<Neighbour[]> {
    const family = familyArg(filter.family, 'family') ?? 'unspec';
    const index = filter.dev !== undefined ? (await this.resolve(filter.dev)).index : undefined;
    const names = await linkNames(this.socket);
    for await (const batch of dumpObjects(this.socket, await rtSpec('rt-neigh'), 'getneigh', { ndmFamily: family })) {
      const out: Neighbour[] = [];
      for (const o of batch) if (keepNeighbour(o, filter, index)) out.push(asNeighbour(o, names));
      if (out.length > 0) yield out;
    }
  }

  /** Routing policy rules, as `ip rule show`: IPv4 unless a family is given. */
  rules(filter: RuleFilter = {}): RouteStream<Rule> {
    return new RouteStream(() => this.ruleBatches(filter), 'rules');
  }

  private async *ruleBatches(filter: RuleFilter): AsyncGenerator<Rule[]> {
    const spec = await rtSpec('rt-rule');
    const family = filter.family === 'all' ? 'unspec' : familyArg(filter.family, 'family') ?? 'inet';
    for await (const batch of dumpObjects(this.socket, spec, 'getrule', { family })) {
      const out: Rule[] = [];
      for (const o of batch) if (o.family === 'inet' || o.family === 'inet6') out.push(asRule(o, spec));
      if (out.length > 0) yield out;
    }
  }

  // ---- links ----------------------------------------------------------------------------

  /** Creates a link (ip link add): veth pairs, bridges, macvlan, vxlan, ifb, vlan, bond... */
  async addLink(s: LinkSpec): Promise<void> {
    const spec = await rtSpec('rt-link');
    newlinkRequest(spec, s, {}, undefined, undefined);
    const refs = specRefs(s);
    const master = refs.master !== undefined ? (await this.resolve(refs.master)).index : undefined;
    const link = refs.link !== undefined ? (await this.resolve(refs.link)).index : undefined;
    const targets: NetnsTarget[] = [];
    try {
      const target = s.netns !== undefined ? openNetnsTarget(s.netns) : undefined;
      if (target) targets.push(target);
      const peerNs = s.kind === 'veth' ? s.peer?.netns : undefined;
      const peerTarget = peerNs !== undefined ? openNetnsTarget(peerNs) : undefined;
      if (peerTarget) targets.push(peerTarget);
      const request = newlinkRequest(spec, s, { ...(master !== undefined ? { master } : {}), ...(link !== undefined ? { link } : {}) }, target?.attrs, peerTarget?.attrs);
      const object = s.kind === 'veth' && s.peer?.name !== undefined ? `link "${s.name}" (veth peer "${s.peer.name}")` : `link "${s.name}"`;
      try {
        await this.send('rt-link', 'newlink', request, CREATE_EXCL, { verb: 'add', object });
      } catch (err) {
        if (err instanceof NetlinkError && err.errno === -EOPNOTSUPP && err.cause instanceof NetlinkError) {
          const why = err.cause.extack?.message;
          throw routeError(EOPNOTSUPP, `cannot add ${object}: kind "${s.kind}" is not supported by this kernel${why ? ` (${why})` : ''}`, err.cause);
        }
        throw err;
      }
    } finally {
      for (const t of targets) t.release();
    }
  }

  /** Changes a link (ip link set): up/down, mtu, name, address, master/nomaster, alias, netns. */
  async setLink(ref: LinkRef, changes: LinkChanges): Promise<void> {
    setlinkRequest(0, changes, undefined, undefined);
    const l = await this.resolve(ref);
    const master = changes.master === null ? 0 : changes.master !== undefined ? (await this.resolve(changes.master)).index : undefined;
    const target = changes.netns !== undefined ? openNetnsTarget(changes.netns) : undefined;
    try {
      const request = setlinkRequest(l.index, changes, master, target?.attrs);
      const object = `link "${l.name}"`;
      try {
        await this.send('rt-link', 'newlink', request, [], { verb: target ? `move to ${target.label}` : 'change', object, missing: [ENODEV] });
      } catch (err) {
        if (err instanceof NetlinkError && err.code === 'EEXIST') {
          const clash = changes.name ?? l.name;
          throw routeError(EEXIST, `link "${clash}" already exists${target ? ` in ${target.label}` : ''} (cannot ${changes.name !== undefined ? 'rename' : 'move'} ${object})`, err.cause as NetlinkError);
        }
        throw err;
      }
    } finally {
      target?.release();
    }
  }

  /** Moves a link into another namespace (ip link set DEV netns NS). */
  moveLink(ref: LinkRef, netns: NetnsRef): Promise<void> {
    return this.setLink(ref, { netns });
  }

  /** Deletes a link (ip link del); a veth pair goes with either end. */
  async deleteLink(ref: LinkRef): Promise<void> {
    const l = await this.resolve(ref);
    await this.send('rt-link', 'dellink', { ifiIndex: l.index }, [], { verb: 'delete', object: `link "${l.name}"`, missing: [ENODEV] });
  }

  // ---- addresses ------------------------------------------------------------------------

  private async changeAddress(op: 'newaddr' | 'deladdr', s: AddressSpec | AddressSelector, flags: RequestFlag[], verb: string): Promise<void> {
    if (typeof s !== 'object' || s === null) throw invalid(`expected an address object, got ${s === null ? 'null' : typeof s}`);
    const spec = await rtSpec('rt-addr');
    const p = parseAddressArg(s);
    if (s.dev === undefined) throw invalid(`address ${p.address}/${p.prefixLength}: dev is required`);
    addressRequest(spec, s, p, 0, typeof s.dev === 'string' ? s.dev : '', op === 'deladdr');
    const l = await this.resolve(s.dev);
    const request = addressRequest(spec, s, p, l.index, l.name, op === 'deladdr');
    await this.send('rt-addr', op, request, flags, { verb, object: addressLabel(p, l.name), missing: [EADDRNOTAVAIL, ENOENT] });
  }

  /** ip addr add. */
  addAddress(s: AddressSpec): Promise<void> {
    return this.changeAddress('newaddr', s, CREATE_EXCL, 'add');
  }

  /** ip addr replace: adds, or changes the address's settings. */
  replaceAddress(s: AddressSpec): Promise<void> {
    return this.changeAddress('newaddr', s, CREATE_REPLACE, 'replace');
  }

  /** ip addr del. */
  deleteAddress(s: AddressSelector): Promise<void> {
    return this.changeAddress('deladdr', s, [], 'delete');
  }

  // ---- routes ---------------------------------------------------------------------------

  private async modifyRoute(op: 'newroute' | 'delroute', s: RouteSpec, flags: RequestFlag[], verb: string): Promise<void> {
    const spec = await rtSpec('rt-route');
    const p = parseRoute(spec, s);
    const refs = routeLinkRefs(s);
    routeRequest(spec, s, p, refs.map((r) => (r === undefined ? undefined : 0)), op === 'delroute');
    const indexes: (number | undefined)[] = [];
    for (const r of refs) indexes.push(r === undefined ? undefined : (await this.resolve(r)).index);
    const request = routeRequest(spec, s, p, indexes, op === 'delroute');
    await this.send('rt-route', op, request, flags, { verb, object: routeLabel(p, s), missing: [ESRCH, ENOENT] });
  }

  /** ip route add: fails with EEXIST if the route is there. */
  addRoute(s: RouteSpec): Promise<void> {
    return this.modifyRoute('newroute', s, CREATE_EXCL, 'add');
  }

  /** ip route replace: adds or replaces. */
  replaceRoute(s: RouteSpec): Promise<void> {
    return this.modifyRoute('newroute', s, CREATE_REPLACE, 'replace');
  }

  /** ip route change: replaces an existing route only. */
  changeRoute(s: RouteSpec): Promise<void> {
    return this.modifyRoute('newroute', s, ['replace'], 'change');
  }

  /** ip route append: adds another route for the same prefix (IPv6: another next hop). */
  appendRoute(s: RouteSpec): Promise<void> {
    return this.modifyRoute('newroute', s, ['create', 'append'], 'append');
  }

  /** ip route del: what is not given matches anything. */
  deleteRoute(s: RouteSpec): Promise<void> {
    return this.modifyRoute('delroute', s, [], 'delete');
  }

  // ---- neighbours -----------------------------------------------------------------------

  private async changeNeighbour(op: 'newneigh' | 'delneigh', s: NeighbourSpec | NeighbourSelector, flags: RequestFlag[], verb: string): Promise<void> {
    const spec = await rtSpec('rt-neigh');
    const check = neighbourRequest(spec, s, 0, op === 'delneigh');
    if (s.dev === undefined) throw invalid(`neighbour ${check.dst}: dev is required`);
    const l = await this.resolve(s.dev);
    const { request, dst } = neighbourRequest(spec, s, l.index, op === 'delneigh');
    await this.send('rt-neigh', op, request, flags, { verb, object: neighbourLabel(dst, l.name), missing: [ENOENT] });
  }

  /** ip neigh add (state permanent unless given). */
  addNeighbour(s: NeighbourSpec): Promise<void> {
    return this.changeNeighbour('newneigh', s, CREATE_EXCL, 'add');
  }

  /** ip neigh replace. */
  replaceNeighbour(s: NeighbourSpec): Promise<void> {
    return this.changeNeighbour('newneigh', s, CREATE_REPLACE, 'replace');
  }

  /** ip neigh del. */
  deleteNeighbour(s: NeighbourSelector): Promise<void> {
    return this.changeNeighbour('delneigh', s, [], 'delete');
  }

  // ---- rules ----------------------------------------------------------------------------

  /** ip rule add (table main and action to-tbl unless given). */
  async addRule(s: RuleSpec): Promise<void> {
    const request = ruleRequest(await rtSpec('rt-rule'), s, false);
    await this.send('rt-rule', 'newrule', request, CREATE_EXCL, { verb: 'add', object: ruleLabel(s) });
  }

  /** ip rule del: the first rule matching everything given. */
  async deleteRule(s: RuleSpec): Promise<void> {
    const request = ruleRequest(await rtSpec('rt-rule'), s, true);
    await this.send('rt-rule', 'delrule', request, [], { verb: 'delete', object: ruleLabel(s), missing: [ENOENT] });
  }

  // ---- lifetime -------------------------------------------------------------------------

  close(): void {
    this.socket.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }
}

/** Opens a RouteClient: `await using rt = await openRoute({ netns: 'blue' })`. */
export function openRoute(opts: RouteOptions = {}): Promise<RouteClient> {
  return RouteClient.open(opts);
}

/** What a route listing needs before its dump: the spec, the compiled filter, the link names. */
interface RouteListing {
  spec: FamilySpec;
  keep: CompiledRouteFilter;
  names: ReadonlyMap<number, string>;
}

async function routeListing(rt: RouteClient, filter: RouteFilter): Promise<RouteListing> {
  const spec = await rtSpec('rt-route');
  // The filter is checked before the dev is looked up, so that a bad table is named as such.
  routeFilter(spec, filter, undefined);
  const oif = filter.dev !== undefined ? (await rt.link(filter.dev)).ifiIndex : undefined;
  return { spec, keep: routeFilter(spec, filter, oif), names: await linkNames(rt.socket) };
}

/**
 * A route listing read off the wire, filtered as `ip route show` filters, for a caller that only
 * prints it (the CLI's JSON text): each datagram's messages, and `read`, which reads the i-th
 * into one reused RouteRecord and gives it back if the filter keeps it. A listing of 100,000
 * routes makes no object per route.
 */
export async function routeRecords(rt: RouteClient, filter: RouteFilter): Promise<{ batches: AsyncIterable<MessageBatch>; read: (batch: MessageBatch, i: number) => RouteRecord | undefined }> {
  const { spec, keep, names } = await routeListing(rt, filter);
  const reader = new RouteRecordReader(spec, names);
  const record = emptyRouteRecord();
  return {
    batches: dumpBatches(rt.socket, spec, 'getroute', { rtmFamily: keep.family }),
    read: (batch, i) => {
      const { view, bytes } = batch.datagram;
      const off = batch.offsets[i]!;
      reader.read(view, bytes, off + NLMSG_HDRLEN, off + view.getUint32(off, true), record);
      return keep.keep(record) ? record : undefined;
    },
  };
}
