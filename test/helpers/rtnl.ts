// Minimal rtnetlink messages built by hand from linux/rtnetlink.h and linux/if_link.h, for the
// core tests (the typed rtnetlink layer is a later issue).
import { MessageWriter, type NetlinkMessage } from '../../src/wire/index.js';

export const RTM_NEWLINK = 16;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;
export const RTNLGRP_LINK = 1;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_LINKINFO = 18;
export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
export const IFLA_VXLAN_ID = 1;
/** sizeof(struct ifinfomsg) */
export const IFINFOMSG_LEN = 16;

/** struct ifinfomsg { u8 family; u8 pad; u16 type; s32 index; u32 flags; u32 change } */
export function ifinfomsg(index = 0, flags = 0, change = 0): Uint8Array {
  const b = new Uint8Array(IFINFOMSG_LEN);
  const v = new DataView(b.buffer);
  v.setInt32(4, index, true);
  v.setUint32(8, flags, true);
  v.setUint32(12, change, true);
  return b;
}

export function getLink(index: number): { type: number; write: (w: MessageWriter) => void } {
  return { type: RTM_GETLINK, write: (w) => void w.header(ifinfomsg(index)) };
}

export function linkIndex(m: NetlinkMessage): number {
  return m.view.getInt32(m.payloadOffset + 4, true);
}

export function linkName(m: NetlinkMessage): string | undefined {
  return m.attributes(IFINFOMSG_LEN).string(IFLA_IFNAME);
}

export function linkMtu(m: NetlinkMessage): number | undefined {
  return m.attributes(IFINFOMSG_LEN).u32(IFLA_MTU);
}
