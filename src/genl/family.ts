import * as C from '../wire/constants.js';
import type { Attributes, NetlinkMessage } from '../wire/index.js';
import { genlAttributes, genlHeader } from './message.js';

// Field names follow the nlctrl spec (ctrl-attrs, op-attrs, mcast-group-attrs) in camelCase,
// as every spec-driven type in nlkit does.

/** One command of a family, as nlctrl lists it. */
export interface GenlOp {
  id: number;
  /** op-flags by name ('admin-perm', 'cmd-cap-do', 'cmd-cap-dump', 'cmd-cap-haspol', 'uns-admin-perm'); unknown bits as a number. */
  flags: Array<string | number>;
}

export interface GenlGroup {
  name: string;
  id: number;
}

/** A Generic Netlink family as the controller describes it (CTRL_CMD_GETFAMILY). */
export interface GenlFamily {
  familyId: number;
  familyName: string;
  version: number;
  hdrsize: number;
  maxattr: number;
  ops: GenlOp[];
  mcastGroups: GenlGroup[];
}

const OP_FLAG_NAMES: Array<[number, string]> = [
  [C.GENL_ADMIN_PERM, 'admin-perm'],
  [C.GENL_CMD_CAP_DO, 'cmd-cap-do'],
  [C.GENL_CMD_CAP_DUMP, 'cmd-cap-dump'],
  [C.GENL_CMD_CAP_HASPOL, 'cmd-cap-haspol'],
  [C.GENL_UNS_ADMIN_PERM, 'uns-admin-perm'],
];

/** GENL_* op flags as names, with any bits nlkit does not know kept as one number. */
export function opFlagNames(flags: number): Array<string | number> {
  const out: Array<string | number> = [];
  let rest = flags;
  for (const [bit, name] of OP_FLAG_NAMES) {
    if (flags & bit) {
      out.push(name);
      rest &= ~bit;
    }
  }
  if (rest !== 0) out.push(rest >>> 0);
  return out;
}

function decodeOps(nest: Attributes): GenlOp[] {
  const ops: GenlOp[] = [];
  for (const item of nest) {
    const a = item.nested();
    const id = a.u32(C.CTRL_ATTR_OP_ID);
    if (id === undefined) continue;
    ops.push({ id, flags: opFlagNames(a.u32(C.CTRL_ATTR_OP_FLAGS) ?? 0) });
  }
  return ops;
}

function decodeGroups(nest: Attributes): GenlGroup[] {
  const groups: GenlGroup[] = [];
  for (const item of nest) {
    const a = item.nested();
    const name = a.string(C.CTRL_ATTR_MCAST_GRP_NAME);
    const id = a.u32(C.CTRL_ATTR_MCAST_GRP_ID);
    if (name !== undefined && id !== undefined) groups.push({ name, id });
  }
  return groups;
}

/** Decodes a NEWFAMILY message (the reply to GETFAMILY and the controller's notifications). */
export function decodeFamily(msg: NetlinkMessage): GenlFamily {
  const tb = genlAttributes(msg).table();
  return {
    familyId: tb[C.CTRL_ATTR_FAMILY_ID]?.u16() ?? 0,
    familyName: tb[C.CTRL_ATTR_FAMILY_NAME]?.string() ?? '',
    version: tb[C.CTRL_ATTR_VERSION]?.u32() ?? 0,
    hdrsize: tb[C.CTRL_ATTR_HDRSIZE]?.u32() ?? 0,
    maxattr: tb[C.CTRL_ATTR_MAXATTR]?.u32() ?? 0,
    ops: tb[C.CTRL_ATTR_OPS] ? decodeOps(tb[C.CTRL_ATTR_OPS].nested()) : [],
    mcastGroups: tb[C.CTRL_ATTR_MCAST_GROUPS] ? decodeGroups(tb[C.CTRL_ATTR_MCAST_GROUPS].nested()) : [],
  };
}

/** What a controller notification says happened. */
export type ControllerEventKind = 'new-family' | 'del-family' | 'new-group' | 'del-group';

export interface ControllerEvent {
  kind: ControllerEventKind | number;
  family: GenlFamily;
}

const EVENT_KINDS: Record<number, ControllerEventKind> = {
  [C.CTRL_CMD_NEWFAMILY]: 'new-family',
  [C.CTRL_CMD_DELFAMILY]: 'del-family',
  [C.CTRL_CMD_NEWMCAST_GRP]: 'new-group',
  [C.CTRL_CMD_DELMCAST_GRP]: 'del-group',
};

export function decodeControllerEvent(msg: NetlinkMessage): ControllerEvent {
  const { cmd } = genlHeader(msg);
  return { kind: EVENT_KINDS[cmd] ?? cmd, family: decodeFamily(msg) };
}
