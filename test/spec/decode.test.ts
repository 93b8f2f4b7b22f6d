// Decoding messages built by hand from the uapi layouts (struct ifinfomsg, nlattr, genlmsghdr…),
// with the kernel's own specs: what a decoder returns for each construct of the format, and how
// it fails on malformed bytes.
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { compileFamily } from '../../src/spec/compile.js';
import type { DecodedObject, FamilyCodec } from '../../src/spec/codec.js';
import { loadSpec } from '../../src/spec/load.js';
import type { FamilySpec } from '../../src/spec/model.js';
import { NetlinkProtocolError } from '../../src/wire/index.js';
import { CORPUS, SKIP, strip } from './corpus.js';
import { headerConstants } from './uapi.js';

const INCLUDE = '/usr/include/linux';
const IFLA = headerConstants(`${INCLUDE}/if_link.h`);
const RTNL = headerConstants(`${INCLUDE}/rtnetlink.h`);
const GENL = headerConstants(`${INCLUDE}/genetlink.h`);
const IFF = headerConstants(`${INCLUDE}/if.h`);
const STATS = headerConstants(`${INCLUDE}/gen_stats.h`);
const SCHED = headerConstants(`${INCLUDE}/pkt_sched.h`);
const FRA = headerConstants(`${INCLUDE}/fib_rules.h`);

function k(table: Map<string, number>, name: string): number {
  const v = table.get(name);
  assert.notEqual(v, undefined, `${name} in the uapi headers`);
  return v as number;
}

// ---- a byte builder that knows nothing of nlkit ----

function bytes(...parts: (Uint8Array | number[])[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
const u8 = (x: number): number[] => [x & 0xff];
const u16 = (x: number): number[] => [x & 0xff, (x >> 8) & 0xff];
const be16 = (x: number): number[] => [(x >> 8) & 0xff, x & 0xff];
const u32 = (x: number): number[] => [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, (x >>> 24) & 0xff];
const u64 = (x: bigint): number[] => [...u32(Number(x & 0xffffffffn)), ...u32(Number(x >> 32n))];
const strz = (s: string): number[] => [...Buffer.from(s), 0];
/** struct nlattr + payload, padded to 4 (NLA_ALIGN). */
function nla(type: number, ...payload: (Uint8Array | number[])[]): Uint8Array {
  const p = bytes(...payload);
  const pad = (4 - (p.length % 4)) % 4;
  return bytes(u16(4 + p.length), u16(type), p, new Array<number>(pad).fill(0));
}
const nest = (type: number, ...attrs: Uint8Array[]): Uint8Array => nla(type | 0x8000, ...attrs);

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

describe('decoding hand-built messages with the kernel specs', { skip: SKIP }, () => {
  const specs = new Map<string, FamilySpec>();
  const codecs = new Map<string, FamilyCodec>();
  before(async () => {
    for (const name of ['rt-link', 'rt-route', 'rt-rule', 'nlctrl', 'tc', 'netdev']) {
      const spec = await loadSpec(name, { paths: [path.join(CORPUS ?? '', 'specs')] });
      specs.set(name, spec);
      codecs.set(name, compileFamily(spec));
    }
  });
  const codec = (name: string): FamilyCodec => codecs.get(name) as FamilyCodec;

  /** Decodes a message payload (after nlmsghdr, and after genlmsghdr for genl) as the reply it is. */
  function decode(family: string, msgType: number, payload: Uint8Array): DecodedObject {
    const c = codec(family);
    const op = c.operationForReply(msgType);
    assert.ok(op, `an operation answers with ${msgType}`);
    // The payload sits inside a datagram: offsets are relative to the view, not 0.
    const datagram = bytes(new Array<number>(16).fill(0xee), payload, [0xee, 0xee, 0xee, 0xee]);
    return c.decodeMessage(op, view(datagram), 16, 16 + payload.length);
  }

  test('RTM_NEWLINK: ifinfomsg, IFLA_IFNAME, IFLA_MTU, IFLA_ADDRESS, IFLA_LINKINFO{kind=veth}, an attribute the spec lacks', () => {
    const vethData = bytes(nest(1, bytes(u8(0), u8(0), u16(1), u32(7), u32(0), u32(0)), nla(k(IFLA, 'IFLA_IFNAME'), strz('veth1'))));
    const payload = bytes(
      // struct ifinfomsg: family, pad, type, index, flags, change
      u8(0), u8(0), u16(1), u32(6), u32(k(IFF, 'IFF_UP') | k(IFF, 'IFF_BROADCAST') | 0x100000), u32(0),
      nla(k(IFLA, 'IFLA_IFNAME'), strz('veth0')),
      nla(k(IFLA, 'IFLA_MTU'), u32(1500)),
      nla(k(IFLA, 'IFLA_ADDRESS'), [2, 0, 0, 0, 0, 1]),
      nest(k(IFLA, 'IFLA_LINKINFO'), nla(k(IFLA, 'IFLA_INFO_KIND'), strz('veth')), nest(k(IFLA, 'IFLA_INFO_DATA'), vethData)),
      nla(4000, u32(42)),
    );
    const link = decode('rt-link', k(RTNL, 'RTM_NEWLINK'), payload);
    assert.equal(link.ifiIndex, 6);
    assert.equal(link.ifiType, 1);
    // IFF_UP | IFF_BROADCAST, and bit 20 the spec does not name kept as a number.
    assert.deepEqual(link.ifiFlags, ['up', 'broadcast', 0x100000]);
    assert.equal(link.ifname, 'veth0');
    assert.equal(link.mtu, 1500);
    assert.equal(link.address, '02:00:00:00:00:01');
    const info = link.linkinfo as DecodedObject;
    assert.equal(info.kind, 'veth');
    // rt-link has no format for veth: the data stays bytes, nothing is lost.
    assert.deepEqual(info.data, bytes(nest(1, bytes(u8(0), u8(0), u16(1), u32(7), u32(0), u32(0)), nla(k(IFLA, 'IFLA_IFNAME'), strz('veth1')))));
    assert.deepEqual(link.$unknown, [{ type: 4000, data: Uint8Array.from(u32(42)) }]);
    assert.equal(link.txqlen, undefined);
    assert.ok('txqlen' in link, 'every attribute of the set is a property: one shape per set');
  });

  test('a sub-message chosen by its sibling (vlan): big-endian enum, multi-attr structs', () => {
    const VLAN = headerConstants(`${INCLUDE}/if_link.h`);
    const payload = bytes(
      u8(0), u8(0), u16(1), u32(9), u32(0), u32(0),
      nest(
        k(IFLA, 'IFLA_LINKINFO'),
        nest(
          k(IFLA, 'IFLA_INFO_DATA'),
          nla(k(VLAN, 'IFLA_VLAN_ID'), u16(100)),
          nla(k(VLAN, 'IFLA_VLAN_PROTOCOL'), be16(0x88a8)),
          nest(k(VLAN, 'IFLA_VLAN_EGRESS_QOS'), nla(k(VLAN, 'IFLA_VLAN_QOS_MAPPING'), u32(1), u32(2)), nla(k(VLAN, 'IFLA_VLAN_QOS_MAPPING'), u32(3), u32(4))),
        ),
        // The selector after the sub-message: decoding waits for it.
        nla(k(IFLA, 'IFLA_INFO_KIND'), strz('vlan')),
      ),
    );
    const link = decode('rt-link', k(RTNL, 'RTM_NEWLINK'), payload);
    assert.deepEqual(strip(link.linkinfo), {
      kind: 'vlan',
      data: { id: 100, protocol: '8021ad', egressQos: { mapping: [{ from: 1, to: 2 }, { from: 3, to: 4 }] } },
    });
  });

  test('RTM_NEWROUTE: rtmsg with an enum, ipv4-or-v6 by length, a longer struct keeps its tail', () => {
    const payload = bytes(
      // struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags
      u8(10), u8(64), u8(0), u8(0), u8(254), u8(2), u8(0), u8(k(RTNL, 'RTN_UNICAST')), u32(0),
      nla(k(RTNL, 'RTA_DST'), [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
      nla(k(RTNL, 'RTA_GATEWAY'), [192, 0, 2, 1]),
      nla(k(RTNL, 'RTA_TABLE'), u32(1000)),
      // struct rta_cacheinfo has 8 fields since 2.6; the spec lists 5.
      nla(k(RTNL, 'RTA_CACHEINFO'), u32(1), u32(2), u32(0xfffffffe), u32(4), u32(5), u32(6), u32(7), u32(8)),
    );
    const route = decode('rt-route', k(RTNL, 'RTM_NEWROUTE'), payload);
    assert.equal(route.rtmType, 'unicast');
    assert.equal(route.rtmTable, 254);
    assert.equal(route.table, 1000);
    assert.equal(route.dst, '2001:db8::');
    assert.equal(route.gateway, '192.0.2.1');
    assert.deepEqual(route.cacheinfo, {
      rtaClntref: 1,
      rtaLastuse: 2,
      rtaExpires: 0xfffffffe,
      rtaError: 4,
      rtaUsed: 5,
      $trailing: Uint8Array.from([...u32(6), ...u32(7), ...u32(8)]),
    });
  });

  test('a shorter struct: only its complete members', () => {
    const payload = bytes(u8(2), u8(32), u8(0), u8(0), u8(254), u8(2), u8(0), u8(1), u32(0), nla(k(RTNL, 'RTA_CACHEINFO'), u32(1), u32(2), [9, 9]));
    const route = decode('rt-route', k(RTNL, 'RTM_NEWROUTE'), payload);
    assert.deepEqual(route.cacheinfo, { rtaClntref: 1, rtaLastuse: 2 });
  });

  test('fib_rule_hdr.table beside FRA_TABLE: the attribute keeps the name, the header field is prefixed', () => {
    const payload = bytes(u8(2), u8(0), u8(0), u8(0), u8(252), u8(0), u8(0), u8(1), u32(0), nla(k(FRA, 'FRA_TABLE'), u32(1000)), nla(k(FRA, 'FRA_PRIORITY'), u32(100)));
    const rule = decode('rt-rule', k(RTNL, 'RTM_NEWRULE'), payload);
    assert.equal(rule.table, 1000);
    assert.equal(rule.fibRuleHdrTable, 252);
    assert.equal(rule.priority, 100);
  });

  test('genl CTRL_CMD_NEWFAMILY reply: strings, u16/u32, indexed arrays of nests, flags', () => {
    const payload = bytes(
      nla(k(GENL, 'CTRL_ATTR_FAMILY_ID'), u16(0x1d)),
      nla(k(GENL, 'CTRL_ATTR_FAMILY_NAME'), strz('acme')),
      nla(k(GENL, 'CTRL_ATTR_VERSION'), u32(2)),
      nla(k(GENL, 'CTRL_ATTR_HDRSIZE'), u32(0)),
      nla(k(GENL, 'CTRL_ATTR_MAXATTR'), u32(12)),
      nest(
        k(GENL, 'CTRL_ATTR_OPS'),
        nest(1, nla(k(GENL, 'CTRL_ATTR_OP_ID'), u32(3)), nla(k(GENL, 'CTRL_ATTR_OP_FLAGS'), u32(k(GENL, 'GENL_CMD_CAP_DO') | k(GENL, 'GENL_ADMIN_PERM')))),
        nest(2, nla(k(GENL, 'CTRL_ATTR_OP_ID'), u32(4)), nla(k(GENL, 'CTRL_ATTR_OP_FLAGS'), u32(k(GENL, 'GENL_CMD_CAP_DUMP')))),
      ),
      nest(k(GENL, 'CTRL_ATTR_MCAST_GROUPS'), nest(1, nla(k(GENL, 'CTRL_ATTR_MCAST_GRP_NAME'), strz('events')), nla(k(GENL, 'CTRL_ATTR_MCAST_GRP_ID'), u32(7)))),
    );
    const fam = strip(decode('nlctrl', k(GENL, 'CTRL_CMD_NEWFAMILY'), payload));
    assert.deepEqual(fam, {
      familyId: 0x1d,
      familyName: 'acme',
      version: 2,
      hdrsize: 0,
      maxattr: 12,
      ops: [
        { id: 3, flags: ['admin-perm', 'cmd-cap-do'] },
        { id: 4, flags: ['cmd-cap-dump'] },
      ],
      mcastGroups: [{ name: 'events', id: 7 }],
    });
  });

  test("nlctrl's policy dump: nest-type-value in YNL's shape", () => {
    const NL = headerConstants(`${INCLUDE}/netlink.h`);
    const payload = bytes(
      nla(k(GENL, 'CTRL_ATTR_FAMILY_ID'), u16(0x10)),
      nest(k(GENL, 'CTRL_ATTR_POLICY'), nest(0, nest(2, nla(k(NL, 'NL_POLICY_TYPE_ATTR_TYPE'), u32(k(NL, 'NL_ATTR_TYPE_NUL_STRING'))), nla(k(NL, 'NL_POLICY_TYPE_ATTR_MAX_LENGTH'), u32(15))))),
    );
    const msg = strip(decode('nlctrl', k(GENL, 'CTRL_CMD_GETPOLICY'), payload)) as DecodedObject;
    assert.deepEqual(msg.policy, { policyId: 0, attrId: 2, type: 'nul-string', maxLength: 15 });
  });

  test("tc: a sub-message's selector in the parent (stats2.app reads TCA_KIND), sent after it", () => {
    const codelXstats = bytes(u32(1514), u32(3), u32(2), u32(5000), u32(0xffffffff), u32(0), u32(9), u32(1), u32(0));
    const payload = bytes(
      // struct tcmsg: family, pad[3], ifindex, handle, parent, info
      u8(0), [0, 0, 0], u32(2), u32(0x10000), u32(0xffffffff), u32(1),
      nest(k(RTNL, 'TCA_STATS2'), nla(k(STATS, 'TCA_STATS_APP'), codelXstats)),
      nla(k(RTNL, 'TCA_KIND'), strz('codel')),
      nest(k(RTNL, 'TCA_OPTIONS'), nla(k(SCHED, 'TCA_CODEL_TARGET'), u32(4999)), nla(k(SCHED, 'TCA_CODEL_LIMIT'), u32(1000))),
      nla(k(RTNL, 'TCA_XSTATS'), codelXstats),
    );
    const qdisc = decode('tc', k(RTNL, 'RTM_NEWQDISC'), payload);
    assert.equal(qdisc.kind, 'codel');
    assert.equal(qdisc.ifindex, 2);
    assert.equal(qdisc.parent, 0xffffffff);
    assert.deepEqual(strip(qdisc.options), { target: 4999, limit: 1000 });
    const expected = { maxpacket: 1514, count: 3, lastcount: 2, ldelay: 5000, dropNext: -1, dropOverlimit: 0, ecnMark: 9, dropping: 1, ceMark: 0 };
    assert.deepEqual(qdisc.xstats, expected);
    assert.deepEqual((qdisc.stats2 as DecodedObject).app, expected);
  });

  test('uint: 4 bytes when the value fits, 8 when not', () => {
    const set = codec('netdev').set('qstats');
    const a = specs.get('netdev')?.attributeSets.get('qstats')?.byName.get('rx-packets');
    assert.equal(a?.type, 'uint');
    const b = bytes(nla(a?.id ?? 0, u32(7)), nla((a?.id ?? 0) + 1, u64(2n ** 40n + 3n)));
    const o = set.decode(view(b), 0, b.length);
    assert.equal(o.rxPackets, 7n);
    assert.equal(o.rxBytes, 2n ** 40n + 3n);
    const bad = nla(a?.id ?? 0, [1, 2, 3, 4, 5, 6]);
    assert.throws(() => set.decode(view(bad), 0, bad.length), (e: unknown) => e instanceof NetlinkProtocolError && e.offset === 0 && /uint needs 4 or 8/.test(e.message));
  });

  test('malformed bytes: NetlinkProtocolError naming the offset, never another exception', () => {
    const route = codec('rt-route');
    const op = route.operationForReply(k(RTNL, 'RTM_NEWROUTE'));
    assert.ok(op);
    const hdr = bytes(u8(2), u8(0), u8(0), u8(0), u8(254), u8(2), u8(0), u8(1), u32(0));
    // An attribute claiming more bytes than its message holds.
    const long = bytes(hdr, nla(k(RTNL, 'RTA_OIF'), u32(1)), u16(40), u16(k(RTNL, 'RTA_TABLE')), u32(0));
    assert.throws(() => route.decodeMessage(op, view(long), 0, long.length), (e: unknown) => e instanceof NetlinkProtocolError && e.offset === 20 && /claims 40 bytes/.test(e.message));
    // nla_len below the header size.
    const short = bytes(hdr, u16(2), u16(1));
    assert.throws(() => route.decodeMessage(op, view(short), 0, short.length), (e: unknown) => e instanceof NetlinkProtocolError && e.offset === 12);
    // A u32 attribute with two bytes.
    const small = bytes(hdr, nla(k(RTNL, 'RTA_OIF'), u16(1)));
    assert.throws(() => route.decodeMessage(op, view(small), 0, small.length), (e: unknown) => e instanceof NetlinkProtocolError && e.offset === 12 && /route-attrs.oif has 2 bytes, u32 needs 4/.test(e.message));
    // A message shorter than its fixed header: the complete fields, no attributes.
    assert.deepEqual(route.decodeMessage(op, view(hdr), 0, 3), { rtmFamily: 2, rtmDstLen: 0, rtmSrcLen: 0 });
  });
});
