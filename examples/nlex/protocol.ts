// The nlex protocol (seed 002's example, ported): the numbers of examples/kernel/nlex.h, and the
// ones nlex-server uses to serve it on NETLINK_USERSOCK. Both implementations follow this contract.
import type { Policy } from '../../src/index.js';

/** The classic bus (module nlex_classic). */
export const NETLINK_NLEX = 31;
export const NLEX_MSG_UPD = 16; // NLMSG_MIN_TYPE: set myvar (CAP_NET_ADMIN)
export const NLEX_MSG_GET = 17; // read myvar
/** Multicast group number of the classic bus (bind() mask 1 << 0). */
export const NLEX_GRP_MYVAR = 1;

/** The Generic Netlink family (module nlex_genl). */
export const NLEX_GENL_NAME = 'nlex';
export const NLEX_GENL_VERSION = 1;
export const NLEX_GENL_MCGRP_NAME = 'example';
export const NLEX_CMD_UNSPEC = 0;
export const NLEX_CMD_UPD = 1; // GENL_ADMIN_PERM
export const NLEX_CMD_GET = 2;

/** Attributes, shared by both variants. */
export const NLE_UNSPEC = 0;
export const NLE_MYVAR = 1; // u32
export const NLE_MAX = 1;

/** NLE_MYVAR is a u32; validated strictly (unknown attributes, wrong sizes are errors). */
export const NLEX_POLICY: Policy = { maxType: NLE_MAX, attrs: { [NLE_MYVAR]: { type: 'u32' } } };

/** What UPD answers when NLE_MYVAR is missing (with NLMSGERR_ATTR_MISS_TYPE = NLE_MYVAR). */
export const NLEX_MISSING_MYVAR = 'NLE_MYVAR attribute is required';

/** nlex-server: one NETLINK_USERSOCK socket per variant (their message types collide). */
export const NLEX_SERVER_PORT = 0x6e6c6578; // 'nlex': Generic Netlink, nlctrl included
export const NLEX_SERVER_CLASSIC_PORT = NLEX_SERVER_PORT + 1;
export const NLEX_SERVER_FAMILY_ID = 0x20;
/** The server's `example` group (its nlctrl reports it); the classic bus keeps group 1. */
export const NLEX_SERVER_GENL_GROUP = 2;
