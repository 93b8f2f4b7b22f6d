import * as C from '../wire/constants.js';
import type { Attributes, NetlinkMessage } from '../wire/index.js';
import { genlAttributes, genlHeader } from './message.js';

/** One command of a family, as nlctrl lists it. */
export interface GenlOp {
  id: number;
  /** GENL_* flags as sent. */
  flags: number;
  /** The flags by name: 'admin-perm', 'do', 'dump', 'has-policy', 'uns-admin-perm'. */
  capabilities: string[];
}

export interface GenlGroup {
  id: number;
  name: string;
}

/** A Generic Netlink family as the controller describes it (CTRL_CMD_GETFAMILY). */
export interface GenlFamily {
  id: number;
  name: string;
  version: number;
  hdrsize: number;
  maxattr: number;
  ops: GenlOp[];
  groups: GenlGroup[];
}

const OP_FLAG_NAMES: Array<[number, string]> = [
  [C.GENL_ADMIN_PERM, 'admin-perm'],
  [C.GENL_CMD_CAP_DO, 'do'],
  [C.GENL_CMD_CAP_DUMP, 'dump'],
  [C.GENL_CMD_CAP_HASPOL, 'has-policy'],
  [C.GENL_UNS_ADMIN_PERM, 'uns-admin-perm'],
];

export function opCapabilities(flags: number): string[] {
  return OP_FLAG_NAMES.filter(([bit]) => flags & bit).map(([, name]) => name);
}

function decodeOps(nest: Attributes): GenlOp[] {
  const ops: GenlOp[] = [];
  for (const item of nest) {
    const a = item.nested();
    const id = a.u32(C.CTRL_ATTR_OP_ID);
    if (id === undefined) continue;
    const flags = a.u32(C.CTRL_ATTR_OP_FLAGS) ?? 0;
    ops.push({ id, flags, capabilities: opCapabilities(flags) });
  }
  return ops;
}

function decodeGroups(nest: Attributes): GenlGroup[] {
  const groups: GenlGroup[] = [];
  for (const item of nest) {
    const a = item.nested();
    const name = a.string(C.CTRL_ATTR_MCAST_GRP_NAME);
    const id = a.u32(C.CTRL_ATTR_MCAST_GRP_ID);
    if (name !== undefined && id !== undefined) groups.push({ id, name });
  }
  return groups;
}

/** Decodes a NEWFAMILY message (the reply to GETFAMILY and the controller's notifications). */
export function decodeFamily(msg: NetlinkMessage): GenlFamily {
  const tb = genlAttributes(msg).table();
  return {
    id: tb[C.CTRL_ATTR_FAMILY_ID]?.u16() ?? 0,
    name: tb[C.CTRL_ATTR_FAMILY_NAME]?.string() ?? '',
    version: tb[C.CTRL_ATTR_VERSION]?.u32() ?? 0,
    hdrsize: tb[C.CTRL_ATTR_HDRSIZE]?.u32() ?? 0,
    maxattr: tb[C.CTRL_ATTR_MAXATTR]?.u32() ?? 0,
    ops: tb[C.CTRL_ATTR_OPS] ? decodeOps(tb[C.CTRL_ATTR_OPS].nested()) : [],
    groups: tb[C.CTRL_ATTR_MCAST_GROUPS] ? decodeGroups(tb[C.CTRL_ATTR_MCAST_GROUPS].nested()) : [],
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
