// Generic Netlink served from userspace: families with commands and multicast groups, routed as
// genl_family_rcv_msg() does, and nlctrl (family 16) answering CTRL_CMD_GETFAMILY with the
// attribute layout of the kernel's ctrl_fill_info(), so GenlController resolves through it.
import * as C from '../wire/constants.js';
import { NLMSG_HDRLEN, type MessageWriter, type NetlinkMessage, type Policy } from '../wire/index.js';
import { Dispatcher, type DispatcherOptions, type OperationSpec, type Route } from './dispatcher.js';
import { ServiceError, type MessageSpec, type Peer, type Request } from './types.js';

export interface GenlOperation extends OperationSpec {
  cmd: number;
  /** GENL_UNS_ADMIN_PERM: admin of the sender's namespace; checked like adminPerm here. */
  unsAdminPerm?: boolean;
}

export interface GenlFamilySpec {
  name: string;
  /** The family id (nlmsg_type); allocated from 19 up when left out, as the kernel does. */
  id?: number;
  version?: number;
  /** The family's own fixed header after genlmsghdr, in bytes. */
  hdrsize?: number;
  /** Reported by nlctrl; defaults to the family policy's maxType (0 when each op has its own). */
  maxattr?: number;
  /** The policy of every op that has none of its own (the family-wide policy of older families). */
  policy?: Policy;
  ops: GenlOperation[];
  /** Multicast groups by name; ids are allocated from 1 up (16-18 are reserved) unless given. */
  groups?: Array<string | { name: string; id?: number }>;
  /**
   * genl_family.resv_start_op: commands from this one up get genl_header_check() (reserved
   * header byte zero, only REQUEST/ACK/ECHO/DUMP flags). Default 0, as for a new family.
   */
  resvStartOp?: number;
}

export interface GenlServiceOptions extends DispatcherOptions {
  /** Whether nlctrl describes itself (GETFAMILY 'nlctrl', and in dumps). Default true. */
  listController?: boolean;
}

const ENOENT = -2;
const EPERM = -1;
const EINVAL = -22;
const EOPNOTSUPP = -95;
const GENL_START_ALLOC = 19;
/** GENL_ID_VFS_DQUOT and GENL_ID_PMCRAID's groups; nlctrl's notify group takes 16. */
const RESERVED_GROUPS = [C.GENL_ID_CTRL + 1, C.GENL_ID_CTRL + 2];
const CTRL_VERSION = 2;
const NOTIFY = 'notify';

/** ctrl_policy_family. */
const CTRL_POLICY: Policy = {
  maxType: C.CTRL_ATTR_FAMILY_NAME,
  attrs: {
    [C.CTRL_ATTR_FAMILY_ID]: { type: 'u16' },
    [C.CTRL_ATTR_FAMILY_NAME]: { type: 'nul-string', len: C.GENL_NAMSIZ - 1 },
  },
};

/** A family registered with a GenlService. */
export class ServedFamily {
  readonly ops: ReadonlyMap<number, GenlOperation>;
  readonly groups: ReadonlyArray<{ name: string; id: number }>;

  /** @internal */
  constructor(
    private readonly service: GenlService,
    readonly id: number,
    readonly name: string,
    readonly version: number,
    readonly hdrsize: number,
    readonly maxattr: number,
    readonly resvStartOp: number,
    ops: GenlOperation[],
    groups: Array<{ name: string; id: number }>,
  ) {
    this.ops = new Map(ops.map((op) => [op.cmd, op]));
    this.groups = groups;
  }

  /** A multicast group's id by name. */
  group(name: string): number {
    const g = this.groups.find((x) => x.name === name);
    if (!g) throw new RangeError(`family '${this.name}' has no multicast group '${name}' (it has: ${this.groups.map((x) => x.name).join(', ') || 'none'})`);
    return g.id;
  }

  /** genlmsg_multicast: a notification from the family itself (port id 0, seq 0). */
  notify(group: string | number, spec: MessageSpec): void {
    this.service.notify(typeof group === 'string' ? this.group(group) : group, { ...spec, type: this.id });
  }

  /** genl_unregister_family: gone for new requests; nlctrl announces it. */
  unregister(): void {
    this.service.unregister(this);
  }
}

function opFlags(op: GenlOperation): number {
  let f = 0;
  if (op.adminPerm) f |= C.GENL_ADMIN_PERM;
  if (op.unsAdminPerm) f |= C.GENL_UNS_ADMIN_PERM;
  if (op.do) f |= C.GENL_CMD_CAP_DO;
  if (op.dump) f |= C.GENL_CMD_CAP_DUMP;
  if (op.policy) f |= C.GENL_CMD_CAP_HASPOL;
  return f;
}

/** ctrl_fill_info: name, id, version, hdrsize, maxattr, then the ops and groups in unflagged nests. */
function writeFamily(w: MessageWriter, f: ServedFamily): void {
  w.string(C.CTRL_ATTR_FAMILY_NAME, f.name);
  w.u16(C.CTRL_ATTR_FAMILY_ID, f.id);
  w.u32(C.CTRL_ATTR_VERSION, f.version);
  w.u32(C.CTRL_ATTR_HDRSIZE, f.hdrsize);
  w.u32(C.CTRL_ATTR_MAXATTR, f.maxattr);
  if (f.ops.size > 0) {
    const ops = w.beginNest(C.CTRL_ATTR_OPS, false);
    let i = 1;
    for (const op of f.ops.values()) {
      const n = w.beginNest(i++, false);
      w.u32(C.CTRL_ATTR_OP_ID, op.cmd);
      w.u32(C.CTRL_ATTR_OP_FLAGS, opFlags(op));
      w.endNest(n);
    }
    w.endNest(ops);
  }
  if (f.groups.length > 0) writeGroups(w, f.groups);
}

function writeGroups(w: MessageWriter, groups: ReadonlyArray<{ name: string; id: number }>): void {
  const all = w.beginNest(C.CTRL_ATTR_MCAST_GROUPS, false);
  groups.forEach((g, i) => {
    const n = w.beginNest(i + 1, false);
    w.u32(C.CTRL_ATTR_MCAST_GRP_ID, g.id);
    w.string(C.CTRL_ATTR_MCAST_GRP_NAME, g.name);
    w.endNest(n);
  });
  w.endNest(all);
}

function checkRange(what: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${what} must be an integer from ${min} to ${max}, got ${v}`);
}

/**
 * Generic Netlink: nlmsg_type is a family id, genlmsghdr names the command. Routing follows
 * genl_family_rcv_msg(): ENOENT for an unknown family, EINVAL for a message too short for the
 * headers, EOPNOTSUPP for an unknown command (or do/dump it lacks), EPERM for admin-perm.
 */
export class GenlService extends Dispatcher {
  private readonly byId = new Map<number, ServedFamily>();
  private readonly byName = new Map<string, ServedFamily>();
  private readonly usedGroups = new Set<number>(RESERVED_GROUPS);
  private readonly controller: ServedFamily;
  private readonly listController: boolean;

  constructor(options: GenlServiceOptions = {}) {
    super(options);
    this.listController = options.listController ?? true;
    this.controller = this.family({
      name: 'nlctrl',
      id: C.GENL_ID_CTRL,
      version: CTRL_VERSION,
      resvStartOp: C.CTRL_CMD_GETPOLICY + 1,
      ops: [
        {
          cmd: C.CTRL_CMD_GETFAMILY,
          policy: CTRL_POLICY,
          strict: false, // GENL_DONT_VALIDATE_STRICT for do, GENL_DONT_VALIDATE_DUMP for dump
          validateDump: false,
          do: (req) => this.getFamily(req),
          dump: () => this.dumpFamilies(),
        },
      ],
      groups: [{ name: NOTIFY, id: C.GENL_ID_CTRL }],
    });
  }

  /** Registers a family (genl_register_family); nlctrl announces it if the service is attached. */
  family(spec: GenlFamilySpec): ServedFamily {
    if (typeof spec.name !== 'string' || spec.name.length === 0 || Buffer.byteLength(spec.name) >= C.GENL_NAMSIZ) {
      throw new RangeError(`family name must be 1 to ${C.GENL_NAMSIZ - 1} bytes, got '${spec.name}'`);
    }
    if (this.byName.has(spec.name)) throw new Error(`family '${spec.name}' is already registered`);
    const id = spec.id ?? this.allocateId();
    checkRange(`family '${spec.name}' id`, id, C.GENL_MIN_ID, C.GENL_MAX_ID);
    if (this.byId.has(id)) throw new Error(`family id ${id} is taken by '${this.byId.get(id)!.name}'`);
    const version = spec.version ?? 1;
    const hdrsize = spec.hdrsize ?? 0;
    checkRange('version', version, 0, 255);
    checkRange('hdrsize', hdrsize, 0, 0xffff);
    const cmds = new Set<number>();
    const ops = spec.ops.map((op) => {
      checkRange('cmd', op.cmd, 0, 255);
      if (cmds.has(op.cmd)) throw new Error(`family '${spec.name}': cmd ${op.cmd} is defined twice`);
      if (!op.do && !op.dump) throw new TypeError(`family '${spec.name}': cmd ${op.cmd} needs a do or a dump handler`);
      cmds.add(op.cmd);
      return { ...op, policy: op.policy ?? spec.policy };
    });
    const groups = this.allocateGroups(spec);
    const family = new ServedFamily(this, id, spec.name, version, hdrsize, spec.maxattr ?? spec.policy?.maxType ?? 0, spec.resvStartOp ?? 0, ops, groups);
    this.byId.set(id, family);
    this.byName.set(spec.name, family);
    this.announce(C.CTRL_CMD_NEWFAMILY, family);
    return family;
  }

  /** @internal */
  unregister(family: ServedFamily): void {
    if (this.byId.get(family.id) !== family) return;
    if (family === this.controller) throw new Error('nlctrl cannot be unregistered');
    this.byId.delete(family.id);
    this.byName.delete(family.name);
    for (const g of family.groups) this.usedGroups.delete(g.id);
    this.announce(C.CTRL_CMD_DELFAMILY, family);
  }

  /** The families registered (nlctrl first). */
  families(): ServedFamily[] {
    return [...this.byId.values()];
  }

  private allocateId(): number {
    for (let id = GENL_START_ALLOC; id <= C.GENL_MAX_ID; id++) if (!this.byId.has(id)) return id;
    throw new Error('no free Generic Netlink family id');
  }

  private allocateGroups(spec: GenlFamilySpec): Array<{ name: string; id: number }> {
    const out: Array<{ name: string; id: number }> = [];
    const taken = new Set<number>();
    const isFree = (id: number): boolean => !this.usedGroups.has(id) && !taken.has(id);
    for (const g of spec.groups ?? []) {
      const name = typeof g === 'string' ? g : g.name;
      if (out.some((x) => x.name === name)) throw new Error(`family '${spec.name}': group '${name}' is defined twice`);
      let id = typeof g === 'string' ? undefined : g.id;
      if (id !== undefined) {
        checkRange(`group '${name}' id`, id, 1, 0xffffffff);
        if (!isFree(id)) throw new Error(`family '${spec.name}': group id ${id} is taken`);
      } else {
        id = 1;
        while (!isFree(id)) id++;
      }
      taken.add(id);
      out.push({ name, id });
    }
    for (const id of taken) this.usedGroups.add(id);
    return out;
  }

  /** genl_ctrl_event: NEWFAMILY then NEWMCAST_GRP per group, or DELMCAST_GRP per group then DELFAMILY. */
  private announce(cmd: number, family: ServedFamily): void {
    if (!this.attached || family === this.controller) return;
    const groupCmd = cmd === C.CTRL_CMD_NEWFAMILY ? C.CTRL_CMD_NEWMCAST_GRP : C.CTRL_CMD_DELMCAST_GRP;
    const groupEvents = family.groups.map((g) => (w: MessageWriter) => {
      w.string(C.CTRL_ATTR_FAMILY_NAME, family.name);
      w.u16(C.CTRL_ATTR_FAMILY_ID, family.id);
      writeGroups(w, [g]);
    });
    const events: Array<[number, (w: MessageWriter) => void]> = [];
    if (cmd === C.CTRL_CMD_NEWFAMILY) {
      events.push([cmd, (w) => writeFamily(w, family)]);
      for (const e of groupEvents) events.push([groupCmd, e]);
    } else {
      for (const e of groupEvents) events.push([groupCmd, e]);
      events.push([cmd, (w) => writeFamily(w, family)]);
    }
    for (const [c, write] of events) this.controller.notify(NOTIFY, { cmd: c, write });
  }

  private visible(f: ServedFamily | undefined): ServedFamily | undefined {
    return f === this.controller && !this.listController ? undefined : f;
  }

  /** ctrl_getfamily: by id, then by name (which wins); EINVAL without either, ENOENT when absent. */
  private getFamily(req: Request): MessageSpec {
    let found: ServedFamily | undefined;
    let errno = EINVAL;
    const id = req.attrs[C.CTRL_ATTR_FAMILY_ID];
    if (id) {
      found = this.visible(this.byId.get(id.u16()));
      errno = ENOENT;
    }
    const name = req.attrs[C.CTRL_ATTR_FAMILY_NAME];
    if (name) {
      found = this.visible(this.byName.get(name.string()));
      errno = ENOENT;
    }
    if (!found) throw new ServiceError(errno);
    const f = found;
    return { cmd: C.CTRL_CMD_NEWFAMILY, write: (w) => writeFamily(w, f) };
  }

  private *dumpFamilies(): Iterable<MessageSpec> {
    for (const f of [...this.byId.values()]) {
      if (this.visible(f)) yield { cmd: C.CTRL_CMD_NEWFAMILY, write: (w) => writeFamily(w, f) };
    }
  }

  protected route(msg: NetlinkMessage, peer: Peer): Route {
    const family = this.byId.get(msg.type);
    if (!family) throw new ServiceError(ENOENT);
    const headerLength = C.GENL_HDRLEN + family.hdrsize;
    if (msg.length < NLMSG_HDRLEN + headerLength) throw new ServiceError(EINVAL);
    const cmd = msg.view.getUint8(msg.payloadOffset);
    const version = msg.view.getUint8(msg.payloadOffset + 1);
    const dump = (msg.flags & C.NLM_F_DUMP) === C.NLM_F_DUMP;
    if (cmd >= family.resvStartOp) checkHeader(msg, dump);
    const op = family.ops.get(cmd);
    if (!op || !(dump ? op.dump : op.do)) throw new ServiceError(EOPNOTSUPP);
    if ((op.adminPerm || op.unsAdminPerm) && !peer.privileged) throw new ServiceError(EPERM);
    return {
      op,
      dump,
      headerLength,
      fixedOffset: C.GENL_HDRLEN,
      cmd,
      version,
      begin: (w, spec, flags, seq, portId) => beginGenl(w, family, spec, cmd, flags, seq, portId),
      group: (g) => (typeof g === 'string' ? family.group(g) : g),
    };
  }

  protected beginUnsolicited(w: MessageWriter, spec: MessageSpec, group: number | string): number {
    const family = spec.type === undefined ? undefined : this.byId.get(spec.type);
    if (!family) throw new TypeError(`notify: type ${spec.type} is not a registered family id (use the family's notify())`);
    beginGenl(w, family, spec, 0, spec.flags ?? 0, 0, 0);
    return typeof group === 'string' ? family.group(group) : group;
  }
}

/** genl_header_check: what commands of a family that validates its headers may carry. */
function checkHeader(msg: NetlinkMessage, dump: boolean): void {
  if (msg.view.getUint16(msg.payloadOffset + 2, true) !== 0) throw new ServiceError(EINVAL, 'genlmsghdr.reserved field is not 0');
  const flags = dump ? msg.flags & ~C.NLM_F_DUMP : msg.flags;
  if (flags & ~(C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_ECHO)) throw new ServiceError(EINVAL, 'ambiguous or reserved bits set in nlmsg_flags');
}

/** genlmsg_put: nlmsghdr with the family id, genlmsghdr with the command and the family's version, its fixed header. */
function beginGenl(w: MessageWriter, family: ServedFamily, spec: MessageSpec, cmd: number, flags: number, seq: number, portId: number): void {
  w.begin(family.id, flags, seq, portId);
  w.genlHeader(spec.cmd ?? cmd, family.version);
  if (family.hdrsize > 0) w.header(spec.header ?? family.hdrsize);
}
