import * as C from '../wire/constants.js';
import { NetlinkError, type NetlinkMessage } from '../wire/index.js';
import { NetlinkSocket, type CallOptions, type NetlinkOverrun, type OpenOptions, type SubscribeOptions } from '../socket/index.js';
import { decodeControllerEvent, decodeFamily, type ControllerEvent, type GenlFamily } from './family.js';
import { genlDump, genlRequest } from './message.js';
import { addPolicyMessage, emptyPolicy, type GenlPolicy } from './policy.js';

/** nlctrl speaks version 2 since policy dumps; version 1 requests are answered the same. */
const CTRL_VERSION = 2;
const NOTIFY_GROUP = 'notify';

function familyKey(nameOrId: string | number): string {
  return typeof nameOrId === 'number' ? `#${nameOrId}` : nameOrId;
}

function describeFamily(nameOrId: string | number): string {
  return typeof nameOrId === 'number' ? `family id ${nameOrId}` : `family '${nameOrId}'`;
}

/**
 * The Generic Netlink controller (nlctrl): resolves families and their multicast groups by name,
 * lists families, dumps policies. Resolved families are cached; the cache listens to nlctrl's
 * own "notify" group and forgets a family as soon as it is registered again or removed.
 */
export class GenlController implements AsyncDisposable {
  private readonly cache = new Map<string, GenlFamily>();
  private stopListening: (() => void) | undefined;
  private readonly ownsSocket: boolean;

  constructor(
    readonly socket: NetlinkSocket,
    opts: { ownsSocket?: boolean } = {},
  ) {
    this.ownsSocket = opts.ownsSocket ?? false;
  }

  /** Opens a NETLINK_GENERIC socket (in `netns`, if given) with a controller over it. */
  static async open(opts: OpenOptions = {}): Promise<GenlController> {
    const sock = await NetlinkSocket.open(C.NETLINK_GENERIC, opts);
    return new GenlController(sock, { ownsSocket: true });
  }

  /** The family by name ('nlex', 'ethtool') or id. Rejects with ENOENT when there is none. */
  async family(nameOrId: string | number, opts: CallOptions = {}): Promise<GenlFamily> {
    const cached = this.cache.get(familyKey(nameOrId));
    if (cached) return cached;
    const replies = await genlRequest(
      this.socket,
      C.GENL_ID_CTRL,
      C.CTRL_CMD_GETFAMILY,
      CTRL_VERSION,
      (w) => {
        if (typeof nameOrId === 'number') w.u16(C.CTRL_ATTR_FAMILY_ID, nameOrId);
        else w.string(C.CTRL_ATTR_FAMILY_NAME, nameOrId);
      },
      { label: `nlctrl getfamily ${describeFamily(nameOrId)}`, ...opts },
    );
    const reply = replies[0];
    if (!reply) throw new NetlinkError(-2, { request: `nlctrl getfamily ${describeFamily(nameOrId)}`, detail: 'the controller sent no family' });
    const family = decodeFamily(reply);
    this.remember(family);
    return family;
  }

  private remember(family: GenlFamily): void {
    this.watch();
    this.cache.set(family.familyName, family);
    this.cache.set(familyKey(family.familyId), family);
  }

  private forget(family: GenlFamily): void {
    this.cache.delete(family.familyName);
    this.cache.delete(familyKey(family.familyId));
  }

  /** Starts listening to nlctrl's notifications once something is cached. */
  private watch(): void {
    if (this.stopListening || this.socket.closed) return;
    // nlctrl's notify group has had the fixed id GENL_ID_CTRL since it was created.
    this.stopListening = this.socket.listen([C.GENL_ID_CTRL], (item) => this.onNotification(item));
  }

  private onNotification(item: NetlinkMessage | NetlinkOverrun): void {
    if (item.kind === 'overrun') {
      // Notifications were lost: any entry may be stale.
      this.cache.clear();
      return;
    }
    if (item.type !== C.GENL_ID_CTRL) return;
    try {
      this.forget(decodeControllerEvent(item).family);
    } catch {
      this.cache.clear();
    }
  }

  /** How many names and ids are cached (for tests and diagnostics). */
  get cacheSize(): number {
    return this.cache.size;
  }

  /** Every registered family (a CTRL_CMD_GETFAMILY dump). */
  async families(opts: CallOptions = {}): Promise<GenlFamily[]> {
    const msgs = await genlDump(this.socket, C.GENL_ID_CTRL, C.CTRL_CMD_GETFAMILY, CTRL_VERSION, undefined, { label: 'nlctrl getfamily dump', ...opts }).toArray();
    const list = msgs.map(decodeFamily);
    for (const f of list) this.remember(f);
    return list;
  }

  /** The id of a family's multicast group, by name. Rejects with ENOENT naming the groups there are. */
  async group(family: string | number, group: string, opts: CallOptions = {}): Promise<number> {
    const f = await this.family(family, opts);
    const g = f.mcastGroups.find((x) => x.name === group);
    if (!g) {
      const have = f.mcastGroups.map((x) => x.name).join(', ') || 'none';
      throw new NetlinkError(-2, { request: `genl group '${group}' of family '${f.familyName}'`, detail: `the family has no such multicast group (it has: ${have})` });
    }
    return g.id;
  }

  /** The family's policies (CTRL_CMD_GETPOLICY), for every op or one. */
  async policy(family: string | number, opts: CallOptions & { op?: number } = {}): Promise<GenlPolicy> {
    const f = await this.family(family, opts);
    const out = emptyPolicy();
    out.familyId = f.familyId;
    const stream = genlDump(
      this.socket,
      C.GENL_ID_CTRL,
      C.CTRL_CMD_GETPOLICY,
      CTRL_VERSION,
      (w) => {
        w.u16(C.CTRL_ATTR_FAMILY_ID, f.familyId);
        if (opts.op !== undefined) w.u32(C.CTRL_ATTR_OP, opts.op);
      },
      { label: `nlctrl getpolicy family '${f.familyName}'${opts.op !== undefined ? ` op ${opts.op}` : ''}`, ...opts },
    );
    for await (const batch of stream.batches()) for (const m of batch) addPolicyMessage(out, m);
    return out;
  }

  /** Joins a family's multicast group by name and yields its notifications. */
  async subscribe(family: string | number, group: string, opts: SubscribeOptions = {}): Promise<AsyncIterableIterator<NetlinkMessage | NetlinkOverrun>> {
    const id = await this.group(family, group, opts);
    return this.socket.subscribe(id, opts);
  }

  /** The controller's own events: families and groups registered and removed. */
  async *monitor(opts: SubscribeOptions = {}): AsyncGenerator<ControllerEvent | NetlinkOverrun> {
    const id = await this.group(C.GENL_ID_CTRL, NOTIFY_GROUP, opts);
    for await (const item of this.socket.subscribe(id, opts)) {
      if (item.kind === 'overrun') yield item;
      else if (item.type === C.GENL_ID_CTRL) yield decodeControllerEvent(item);
    }
  }

  close(): void {
    this.stopListening?.();
    this.stopListening = undefined;
    this.cache.clear();
    if (this.ownsSocket) this.socket.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }
}
