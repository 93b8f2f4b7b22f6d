// The request engine against the running kernel (rtnetlink), in a private namespace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NETLINK_ROUTE,
  NLM_F_CREATE,
  NLM_F_ECHO,
  NLM_F_EXCL,
  NetlinkError,
  NetlinkSocket,
  SocketClosedError,
  SOL_SOCKET,
  SO_RCVBUF,
  type NetlinkMessage,
  type NetlinkOverrun,
} from '../../src/index.js';
import { ip, ipJson, useNetns } from '../helpers/netns.js';
import {
  IFINFOMSG_LEN,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  IFLA_VXLAN_ID,
  RTM_GETLINK,
  RTM_NEWLINK,
  RTNLGRP_LINK,
  getLink,
  ifinfomsg,
  linkIndex,
  linkMtu,
  linkName,
} from '../helpers/rtnl.js';

const ns = useNetns('nlkit-sock');

interface IpLink {
  ifindex: number;
  ifname: string;
  mtu: number;
}

test('opens inside the namespace with a kernel-chosen port id', async () => {
  await using sock = await NetlinkSocket.open(NETLINK_ROUTE, { netns: ns.name });
  assert.ok(sock.portId > 0);
  assert.equal(sock.netns, ns.name);
  // The socket really is in that namespace: it sees the namespace's lo (ifindex 1) and only it.
  const links = await sock.dump({ type: RTM_GETLINK, payload: ifinfomsg() }).toArray();
  assert.deepEqual(links.map(linkName), ipJson<IpLink[]>(ns.name, 'link', 'show').map((l) => l.ifname));
});

test('a missing namespace is one clear ENOENT error', async () => {
  await assert.rejects(NetlinkSocket.open(NETLINK_ROUTE, { netns: 'nlkit-no-such-ns' }), (e: unknown) => {
    assert.ok(e instanceof NetlinkError);
    assert.equal(e.code, 'ENOENT');
    assert.match(e.message, /network namespace 'nlkit-no-such-ns' does not exist/);
    return true;
  });
});

test('request: RTM_GETLINK for lo matches ip -j link show lo', async () => {
  await using sock = await NetlinkSocket.open(NETLINK_ROUTE, { netns: ns.name });
  const [reply, ...rest] = await sock.request(getLink(1));
  assert.equal(rest.length, 0);
  assert.equal(reply!.type, RTM_NEWLINK);
  const [lo] = ipJson<IpLink[]>(ns.name, 'link', 'show', 'lo');
  assert.equal(linkIndex(reply!), lo!.ifindex);
  assert.equal(linkName(reply!), lo!.ifname);
  assert.equal(linkMtu(reply!), lo!.mtu);
});

test('a kernel error is a NetlinkError with errno, code and the request named', async () => {
  await using sock = await NetlinkSocket.open(NETLINK_ROUTE, { netns: ns.name });
  await assert.rejects(sock.request(getLink(99999), { label: 'get link 99999' }), (e: unknown) => {
    assert.ok(e instanceof NetlinkError);
    assert.equal(e.code, 'ENODEV');
    assert.equal(e.errno, -19);
    assert.match(e.message, /^get link 99999: ENODEV/);
    return true;
  });
  // The socket still answers.
  assert.equal((await sock.request(getLink(1))).length, 1);
});

test('extended ACK: the kernel message and the offending nested attribute as a path', async () => {
  await using sock = await NetlinkSocket.open(NETLINK_ROUTE, { netns: ns.name });
  // ip link add nlkbad type vxlan id 16777216: IFLA_VXLAN_ID is 24 bits; the kernel points at it.
  const msg = {
    type: RTM_NEWLINK,
    flags: 0x400 | 0x200, // NLM_F_CREATE | NLM_F_EXCL
    write: (w: import('../../src/wire/index.js').MessageWriter) => {
      w.header(ifinfomsg());
      w.string(IFLA_IFNAME, 'nlkbad');
      w.nest(IFLA_LINKINFO, (li) => {
        li.string(IFLA_INFO_KIND, 'vxlan');
        li.nest(IFLA_INFO_DATA, (d) => d.u32(IFLA_VXLAN_ID, 1 << 24));
      });
    },
  };
  await assert.rejects(sock.request(msg, { headerSize: IFINFOMSG_LEN }), (e: unknown) => {
    assert.ok(e instanceof NetlinkError);
    assert.equal(e.code, 'ERANGE');
    assert.match(e.extack?.message ?? '', /VXLAN ID/);
    assert.deepEqual(e.extack?.attributePath, [IFLA_LINKINFO, IFLA_INFO_DATA, IFLA_VXLAN_ID]);
    assert.equal(e.extack?.attribute, '.18.2.1');
    return true;
  });
  assert.equal(ipJson<IpLink[]>(ns.name, 'link', 'show').some((l) => l.ifname === 'nlkbad'), false);
});

test('dump: every link, same names and indexes as ip -j link show; a second dump after an early break', async () => {
  for (let i = 0; i < 5; i++) ip(ns.name, 'link', 'add', `nlkv${i}a`, 'type', 'veth', 'peer', 'name', `nlkv${i}b`);
  await using sock = await NetlinkSocket.open(NETLINK_ROUTE, { netns: ns.name });
  const want = ipJson<IpLink[]>(ns.name, 'link', 'show').map((l) => [l.ifindex, l.ifname]);
  const got: Array<[number, string | undefined]> = [];
  for await (const m of sock.dump({ type: RTM_GETLINK, payload: ifinfomsg() })) got.push([linkIndex(m), linkName(m)]);
  assert.deepEqual(got, want);
  // Stop after one message: the rest of that dump is drained, so the next dump is not refused (EBUSY).
  for await (const m of sock.dump({ type: RTM_GETLINK, payload: ifinfomsg() }, { highWaterMark: 1 })) {
    assert.equal(m.type, RTM_NEWLINK);
    break;
  }
  const again = await sock.dump({ type: RTM_GETLINK, payload: ifinfomsg() }).toArray();
  assert.equal(again.length, want.length);
  // Two dumps started together run one after the other.
  const [a, b] = await Promise.all([
    sock.dump({ type: RTM_GETLINK, payload: ifinfomsg() }).toArray(),
    sock.dump({ type: RTM_GETLINK, payload: ifinfomsg() }).toArray(),
  ]);
  assert.equal(a.length, want.length);
  assert.equal(b.length, want.length);
});

test('a strict-check dump error arrives as a rejected dump with the kernel message', async () => {
  await using sock = await NetlinkSocket.open(NETLINK_ROUTE, { netns: ns.name });
  // With NETLINK_GET_STRICT_CHK a link dump whose ifinfomsg has ifi_flags set is invalid
  // (rtnl_valid_dump_link_req).
  await assert.rejects(sock.dump({ type: RTM_GETLINK, payload: ifinfomsg(0, 1) }).toArray(), (e: unknown) => {
    assert.ok(e instanceof NetlinkError);
    assert.equal(e.code, 'EINVAL');
    assert.equal(e.extack?.message, 'Invalid values in header for link dump request');
    return true;
  });
});

test('1000 concurrent requests on one socket are all answered, each with its own reply', async () => {
  for (let i = 0; i < 3; i++) ip(ns.name, 'link', 'add', `nlkc${i}`, 'type', 'bridge');
  const links = ipJson<IpLink[]>(ns.name, 'link', 'show');
  await using sock = await NetlinkSocket.open(NETLINK_ROUTE, { netns: ns.name });
  const asked = Array.from({ length: 1000 }, (_, i) => links[i % links.length]!);
  const replies = await Promise.all(asked.map((l) => sock.request(getLink(l.ifindex))));
  replies.forEach((r, i) => {
    assert.equal(r.length, 1);
    assert.equal(linkIndex(r[0]!), asked[i]!.ifindex);
    assert.equal(linkName(r[0]!), asked[i]!.ifname);
  });
  assert.equal(sock.stats.dropped, 0);
  assert.equal(sock.stats.overruns, 0);
});

test('notifications: a link added in the namespace arrives on RTNLGRP_LINK; memberships follow join/leave', async () => {
  await using sock = await NetlinkSocket.open(NETLINK_ROUTE, { netns: ns.name });
  const ac = new AbortController();
  const events = sock.subscribe(RTNLGRP_LINK, { signal: ac.signal });
  assert.ok(sock.memberships().includes(RTNLGRP_LINK));
  ip(ns.name, 'link', 'add', 'nlkev0', 'type', 'bridge');
  let seen: NetlinkMessage | undefined;
  for await (const ev of events) {
    if (ev.kind === 'message' && ev.type === RTM_NEWLINK && linkName(ev) === 'nlkev0') {
      seen = ev;
      break;
    }
  }
  assert.ok(seen);
  assert.equal(seen.seq, 0);
  assert.equal(sock.memberships().includes(RTNLGRP_LINK), false, 'leaving the loop leaves the group');
});

test('overrun: a tiny receive buffer loses notifications, the stream says so, the socket still answers', async () => {
  await using sock = await NetlinkSocket.open(NETLINK_ROUTE, { netns: ns.name, rcvbuf: 4096 });
  assert.ok(sock.getOption(SOL_SOCKET, SO_RCVBUF) <= 16384);
  // highWaterMark 1: the socket stops reading as soon as one notification waits unread.
  const events = sock.subscribe(RTNLGRP_LINK, { highWaterMark: 1 });
  for (let i = 0; i < 30; i++) ip(ns.name, 'link', 'add', `nlko${i}`, 'type', 'bridge');
  let overrun: NetlinkOverrun | undefined;
  for await (const ev of events) {
    if (ev.kind === 'overrun') {
      overrun = ev;
      break;
    }
  }
  assert.ok(overrun);
  assert.equal(overrun.error.code, 'ENOBUFS');
  assert.ok(sock.stats.overruns >= 1);
  const [lo] = await sock.request(getLink(1));
  assert.equal(linkName(lo!), 'lo');
});

test('close: a waiting call rejects with ERR_SOCKET_CLOSED; calls after close do too', async () => {
  const sock = await NetlinkSocket.open(NETLINK_ROUTE, { netns: ns.name });
  const events = sock.subscribe(RTNLGRP_LINK);
  const pending = events.next();
  sock.close();
  assert.deepEqual(await pending, { value: undefined, done: true });
  await assert.rejects(sock.request(getLink(1)), SocketClosedError);
  sock.close();
});

test('NLM_F_ECHO: the kernel echoes the new link to the requester, and request() returns it', async () => {
  await using sock = await NetlinkSocket.open(NETLINK_ROUTE, { netns: ns.name });
  // The echo is nlmsg_notify's copy of the RTNLGRP_LINK notification: addressed to the group,
  // although this socket never joined it.
  const replies = await sock.request({
    type: RTM_NEWLINK,
    flags: NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO,
    write: (w) => {
      w.header(ifinfomsg());
      w.string(IFLA_IFNAME, 'echo0');
      const info = w.beginNest(IFLA_LINKINFO);
      w.string(IFLA_INFO_KIND, 'bridge');
      w.endNest(info);
    },
  });
  const [link] = ipJson<IpLink[]>(ns.name, 'link', 'show', 'echo0');
  assert.equal(replies.length, 1);
  assert.equal(replies[0]!.type, RTM_NEWLINK);
  assert.equal(linkName(replies[0]!), 'echo0');
  assert.equal(linkIndex(replies[0]!), link!.ifindex);
});
