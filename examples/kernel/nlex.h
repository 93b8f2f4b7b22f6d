/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * nlex: the example protocol of seed 002 ("Communicating between the kernel
 * and user-space in Linux using Netlink Sockets"), ported to current kernels.
 * One variable, myvar, is read (GET), written (UPD) and announced on a
 * multicast group, over a classic Netlink bus (nlex_classic.ko) and over
 * Generic Netlink (nlex_genl.ko). The numbers are the contract shared with
 * the userspace server and the programs in examples/nlex/ (protocol.ts).
 */
#ifndef _UAPI_LINUX_NLEX_H
#define _UAPI_LINUX_NLEX_H

#include <linux/netlink.h>

/*
 * The classic bus. The seed used 21, which the kernel has since given to
 * NETLINK_CRYPTO. A protocol number must stay below MAX_LINKS (32), and the
 * kernel hands numbers out from the bottom, so 31, the highest, is the one a
 * future kernel is least likely to claim. netlink_kernel_create() fails with
 * a clear error if it is taken anyway.
 */
#define NETLINK_NLEX		31

/* Classic message types start at NLMSG_MIN_TYPE: 0..15 are control messages. */
enum nlex_msg_types {
	NLEX_MSG_BASE = NLMSG_MIN_TYPE,
	NLEX_MSG_UPD = NLEX_MSG_BASE,	/* 16: set myvar (CAP_NET_ADMIN) */
	NLEX_MSG_GET,			/* 17: read myvar */
	__NLEX_MSG_MAX,
};
#define NLEX_MSG_MAX		(__NLEX_MSG_MAX - 1)

/* Multicast group of the classic bus: group number 1, bind() mask 1 << 0. */
#define NLEX_GRP_MYVAR		1

/* Generic Netlink family: commands start at 1, 0 is UNSPEC by convention. */
#define NLEX_GENL_NAME		"nlex"
#define NLEX_GENL_VERSION	1
#define NLEX_GENL_MCGRP_NAME	"example"

enum nlex_commands {
	NLEX_CMD_UNSPEC,
	NLEX_CMD_UPD,			/* 1: set myvar (GENL_ADMIN_PERM) */
	NLEX_CMD_GET,			/* 2: read myvar */
	__NLEX_CMD_MAX,
};
#define NLEX_CMD_MAX		(__NLEX_CMD_MAX - 1)

/* Attributes, shared by both variants. */
enum nlex_attrs {
	NLE_UNSPEC,
	NLE_MYVAR,			/* u32 */
	__NLE_MAX,
};
#define NLE_MAX			(__NLE_MAX - 1)

#endif /* _UAPI_LINUX_NLEX_H */
