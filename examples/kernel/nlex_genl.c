// SPDX-License-Identifier: GPL-2.0
/*
 * nlex over Generic Netlink: seed 002's "nlex" family on a current kernel.
 *
 * What changed since the seed (2.6.3x): the family is declared whole, with
 * its operations and multicast groups in static arrays, and registered in one
 * call (genl_register_ops() and genl_register_mc_group() are gone); the core
 * parses and validates the attributes strictly against the family policy
 * before a handler runs; GENL_ADMIN_PERM makes the core check CAP_NET_ADMIN;
 * a missing attribute is reported through the extended ACK; the notification
 * goes through genl_notify(), which honours NLM_F_ECHO.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <net/genetlink.h>

#include "nlex.h"

/* Serialises UPD against itself so that notifications leave in the order the
 * values were set, and GET never reads a half-finished update.
 */
static DEFINE_MUTEX(nlex_lock);
static u32 myvar;

static const struct nla_policy nlex_policy[NLE_MAX + 1] = {
	[NLE_MYVAR] = { .type = NLA_U32 },
};

static struct genl_family nlex_family;

enum nlex_mcgrps {
	NLEX_MCGRP_EXAMPLE,
};

static const struct genl_multicast_group nlex_mcgrps[] = {
	[NLEX_MCGRP_EXAMPLE] = { .name = NLEX_GENL_MCGRP_NAME },
};

/* One message carrying myvar, addressed like a reply to @info's request. */
static struct sk_buff *nlex_build(struct genl_info *info, u8 cmd, u32 value)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(nla_total_size(sizeof(u32)), GFP_KERNEL);
	if (!msg)
		return NULL;

	hdr = genlmsg_put(msg, info->snd_portid, info->snd_seq, &nlex_family,
			  0, cmd);
	if (!hdr || nla_put_u32(msg, NLE_MYVAR, value)) {
		nlmsg_free(msg);
		return NULL;
	}
	genlmsg_end(msg, hdr);
	return msg;
}

static int nlex_upd(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	u32 value;

	if (GENL_REQ_ATTR_CHECK(info, NLE_MYVAR)) {
		NL_SET_ERR_MSG(info->extack, "NLE_MYVAR attribute is required");
		return -EINVAL;
	}
	value = nla_get_u32(info->attrs[NLE_MYVAR]);

	/* Build first: a failed allocation must not leave a change nobody
	 * was told about.
	 */
	msg = nlex_build(info, NLEX_CMD_UPD, value);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&nlex_lock);
	myvar = value;
	/* Listeners of "example", and the sender too when it set NLM_F_ECHO. */
	genl_notify(&nlex_family, msg, info, NLEX_MCGRP_EXAMPLE, GFP_KERNEL);
	mutex_unlock(&nlex_lock);
	return 0;
}

static int nlex_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	u32 value;

	mutex_lock(&nlex_lock);
	value = myvar;
	mutex_unlock(&nlex_lock);

	msg = nlex_build(info, NLEX_CMD_GET, value);
	if (!msg)
		return -ENOMEM;
	return genlmsg_reply(msg, info);
}

static const struct genl_small_ops nlex_ops[] = {
	{
		.cmd = NLEX_CMD_UPD,
		.flags = GENL_ADMIN_PERM,
		.doit = nlex_upd,
	},
	{
		.cmd = NLEX_CMD_GET,
		.doit = nlex_get,
	},
};

/* .resv_start_op stays 0, as a new family should: every command gets the
 * reserved-header check and strict validation against .policy (unknown
 * attributes, wrong sizes and trailing bytes are rejected by the core).
 * .netnsok stays false, like the classic bus that only exists in init_net:
 * myvar is one global variable, not one per network namespace.
 */
static struct genl_family nlex_family __ro_after_init = {
	.name = NLEX_GENL_NAME,
	.version = NLEX_GENL_VERSION,
	.maxattr = NLE_MAX,
	.policy = nlex_policy,
	.module = THIS_MODULE,
	.small_ops = nlex_ops,
	.n_small_ops = ARRAY_SIZE(nlex_ops),
	.mcgrps = nlex_mcgrps,
	.n_mcgrps = ARRAY_SIZE(nlex_mcgrps),
};

static int __init nlex_genl_init(void)
{
	int err = genl_register_family(&nlex_family);

	if (err)
		pr_err("nlex_genl: cannot register family %s: %d\n",
		       NLEX_GENL_NAME, err);
	return err;
}

static void __exit nlex_genl_exit(void)
{
	genl_unregister_family(&nlex_family);
}

module_init(nlex_genl_init);
module_exit(nlex_genl_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nlex example: myvar over Generic Netlink (family nlex)");
MODULE_ALIAS_GENL_FAMILY(NLEX_GENL_NAME);
