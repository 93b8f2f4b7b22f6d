// SPDX-License-Identifier: GPL-2.0
/*
 * nlex on a classic Netlink bus of its own (NETLINK_NLEX): seed 002's first
 * example on a current kernel.
 *
 * What changed since the seed (2.6.3x): netlink_kernel_create() takes a
 * struct netlink_kernel_cfg; the netlink_rcv_skb() callback gets an extended
 * ACK to fill; security_netlink_rcv() became netlink_capable(), which checks
 * the capability of the socket's opener as well as of the sender;
 * nla_parse() takes a validation mode (strict here) and the extended ACK;
 * NLA_PUT_U32() became nla_put_u32().
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/skbuff.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "nlex.h"

static struct sock *nlsk;

/* Serialises UPD: callers of the input callback run concurrently, each in
 * its sender's context, and notifications must leave in the order the values
 * were set.
 */
static DEFINE_MUTEX(nlex_lock);
static u32 myvar;

static const struct nla_policy nlex_policy[NLE_MAX + 1] = {
	[NLE_MYVAR] = { .type = NLA_U32 },
};

/* One message carrying myvar; portid and seq are the request's. */
static struct sk_buff *nlex_build(const struct nlmsghdr *req, u32 portid,
				  int type, u32 value)
{
	struct sk_buff *skb;
	struct nlmsghdr *nlh;

	skb = nlmsg_new(nla_total_size(sizeof(u32)), GFP_KERNEL);
	if (!skb)
		return NULL;

	nlh = nlmsg_put(skb, portid, req->nlmsg_seq, type, 0, 0);
	if (!nlh || nla_put_u32(skb, NLE_MYVAR, value)) {
		nlmsg_free(skb);
		return NULL;
	}
	nlmsg_end(skb, nlh);
	return skb;
}

static int nlex_upd(struct sk_buff *skb, struct nlmsghdr *nlh,
		    struct nlattr **tb, struct netlink_ext_ack *extack)
{
	u32 portid = NETLINK_CB(skb).portid;
	struct sk_buff *msg;
	u32 value;

	if (NL_REQ_ATTR_CHECK(extack, NULL, tb, NLE_MYVAR)) {
		NL_SET_ERR_MSG(extack, "NLE_MYVAR attribute is required");
		return -EINVAL;
	}
	value = nla_get_u32(tb[NLE_MYVAR]);

	msg = nlex_build(nlh, portid, NLEX_MSG_UPD, value);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&nlex_lock);
	myvar = value;
	/* To the group's listeners except the sender, and to the sender by
	 * unicast when its request carried NLM_F_ECHO: it gets exactly one copy
	 * whether it listens to the group or not. The error is only about
	 * delivery to listeners (ESRCH when there are none): the change happened.
	 */
	nlmsg_notify(nlsk, msg, portid, NLEX_GRP_MYVAR, nlmsg_report(nlh),
		     GFP_KERNEL);
	mutex_unlock(&nlex_lock);
	return 0;
}

static int nlex_get(struct sk_buff *skb, struct nlmsghdr *nlh)
{
	u32 portid = NETLINK_CB(skb).portid;
	struct sk_buff *msg;
	u32 value;

	mutex_lock(&nlex_lock);
	value = myvar;
	mutex_unlock(&nlex_lock);

	msg = nlex_build(nlh, portid, NLEX_MSG_GET, value);
	if (!msg)
		return -ENOMEM;
	return nlmsg_unicast(nlsk, msg, portid);
}

/* Called by netlink_rcv_skb() once per request (NLM_F_REQUEST set, type not
 * a control message); it sends the ACK or error afterwards, with the extended
 * ACK filled in here.
 */
static int nlex_rcv_msg(struct sk_buff *skb, struct nlmsghdr *nlh,
			struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NLE_MAX + 1];
	int err;

	switch (nlh->nlmsg_type) {
	case NLEX_MSG_UPD:
		/* The capability of the sender and of the socket's opener. */
		if (!netlink_capable(skb, CAP_NET_ADMIN))
			return -EPERM;
		break;
	case NLEX_MSG_GET:
		break;
	default:
		return -EOPNOTSUPP;
	}

	/* Strict: unknown attributes, wrong sizes and trailing bytes fail. */
	err = nlmsg_parse(nlh, 0, tb, NLE_MAX, nlex_policy, extack);
	if (err)
		return err;

	if (nlh->nlmsg_type == NLEX_MSG_UPD)
		return nlex_upd(skb, nlh, tb, extack);
	return nlex_get(skb, nlh);
}

static void nlex_input(struct sk_buff *skb)
{
	netlink_rcv_skb(skb, nlex_rcv_msg);
}

static int __init nlex_classic_init(void)
{
	struct netlink_kernel_cfg cfg = {
		.groups = NLEX_GRP_MYVAR,	/* the highest group number */
		.input = nlex_input,
		/* Anyone may listen, as on a Generic Netlink group. */
		.flags = NL_CFG_F_NONROOT_RECV,
	};

	nlsk = netlink_kernel_create(&init_net, NETLINK_NLEX, &cfg);
	if (!nlsk) {
		pr_err("nlex_classic: cannot create netlink protocol %d (taken?)\n",
		       NETLINK_NLEX);
		return -EBUSY;
	}
	return 0;
}

static void __exit nlex_classic_exit(void)
{
	netlink_kernel_release(nlsk);
}

module_init(nlex_classic_init);
module_exit(nlex_classic_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nlex example: myvar over the classic Netlink bus NETLINK_NLEX");
MODULE_ALIAS_NET_PF_PROTO(PF_NETLINK, NETLINK_NLEX);
