// Generic Netlink families through their specs, checked against the kernel's own tools: genl
// (nlctrl), ip (netdev, tcp_metrics, mptcp) and ethtool, in a namespace of the test's own.
// A family the kernel does not register is skipped, saying so.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import './family-env.js';
import { NetlinkError } from '../../src/index.js';
import { camelCase, openFamily, type Family, type UntypedMethods } from '../../src/spec/index.js';
import type { DecodedObject } from '../../src/spec/codec.js';
import { ip, ipJson, sh, useNetns } from '../helpers/netns.js';

const ns = useNetns('nlkit-spec-genl');

function inNs(cmd: string, ...args: string[]): string {
  return sh('ip', ['netns', 'exec', ns.name, cmd, ...args]);
}

let registered = new Set<string>();

before(() => {
  ip(ns.name, 'link', 'set', 'lo', 'up');
  ip(ns.name, 'link', 'add', 'ea', 'type', 'veth', 'peer', 'name', 'eb');
  registered = new Set([...inNs('genl', 'ctrl', 'list').matchAll(/^Name: (\S+)/gm)].map((m) => m[1]!));
});

/** The family opened in the test namespace, or undefined (and the test skipped) when the kernel lacks it. */
async function family(t: { skip(msg: string): void }, name: string): Promise<(Family & UntypedMethods) | undefined> {
  if (!registered.has(name)) {
    t.skip(`the kernel registers no '${name}' family`);
    return undefined;
  }
  return openFamily(name, { netns: ns.name });
}

interface GenlCtrlFamily {
  name: string;
  id: number;
  version: number;
  hdrsize: number;
  maxattr: number;
  groups: Array<{ name: string; id: number }>;
}

function genlCtrlList(): GenlCtrlFamily[] {
  return inNs('genl', 'ctrl', 'list')
    .split(/\n(?=Name: )/)
    .filter((b) => b.includes('Name: '))
    .map((b) => {
      const head = /Name: (\S+)\s+ID: (0x[0-9a-f]+)\s+Version: (0x[0-9a-f]+)\s+header size: (\d+)\s+max attribs: (\d+)/.exec(b)!;
      const groups = [...b.matchAll(/ID-(0x[0-9a-f]+)\s+name: (\S+)/g)].map((m) => ({ name: m[2]!, id: parseInt(m[1]!, 16) }));
      return { name: head[1]!, id: parseInt(head[2]!, 16), version: parseInt(head[3]!, 16), hdrsize: Number(head[4]), maxattr: Number(head[5]), groups };
    });
}

test('nlctrl getfamily: dump and do agree with genl ctrl list', async (t) => {
  await using ctrl = await family(t, 'nlctrl');
  if (!ctrl) return;
  const ref = genlCtrlList();
  const all = await ctrl.getfamilyDump().toArray();
  assert.deepEqual(all.map((f) => f.familyName).sort(), ref.map((f) => f.name).sort());
  for (const want of ref) {
    const got = all.find((f) => f.familyName === want.name)!;
    assert.equal(got.familyId, want.id, want.name);
    assert.equal(got.version, want.version, want.name);
    assert.equal(got.hdrsize, want.hdrsize, want.name);
    assert.equal(got.maxattr, want.maxattr, want.name);
    assert.deepEqual((got.mcastGroups as DecodedObject[] | undefined)?.map((g) => ({ name: g.name, id: g.id })) ?? [], want.groups, want.name);
    const one: DecodedObject = (await ctrl.getfamily({ familyName: want.name }))!;
    assert.equal(one.familyId, want.id);
  }
  await assert.rejects(ctrl.getfamily({ familyName: 'nlkit-no-such' }), (e: unknown) => e instanceof NetlinkError && e.code === 'ENOENT');
});

test('nlctrl getpolicy: the op policies and attribute policies genl ctrl policy prints', async (t) => {
  await using ctrl = await family(t, 'nlctrl');
  if (!ctrl) return;
  for (const name of ['netdev', 'nlctrl']) {
    // "ID: 0x14  op 1 policies: do=0 dump=1" and "ID: 0x14  policy[0]:attr[1]: type=U32 range:[1,4294967295]"
    const text = inNs('genl', 'ctrl', 'policy', 'name', name);
    const ops = [...text.matchAll(/op (\d+) policies:(?: do=(\d+))?(?: dump=(\d+))?/g)].map((m) => ({ op: Number(m[1]), do: m[2] && Number(m[2]), dump: m[3] && Number(m[3]) }));
    const attrs = [...text.matchAll(/policy\[(\d+)\]:attr\[(\d+)\]: type=(\S+)(?: range:\[(-?\d+),(-?\d+)\])?/g)].map((m) => ({ policy: Number(m[1]), attr: Number(m[2]), type: m[3]!, min: m[4], max: m[5] }));
    const replies = await ctrl.getpolicyDump({ familyName: name }).toArray();
    // The nest-type-value levels are named by the spec (op-id in the kernel's, cmd in nlkit's).
    const levels = (attr: string): string[] => ctrl.spec.attributeSets.get('ctrl-attrs')!.byName.get(attr)!.typeValue!.map(camelCase);
    const [opKey] = levels('op-policy');
    const [policyKey, attrKey] = levels('policy');
    const gotOps = replies.filter((r) => r.opPolicy).map((r) => r.opPolicy as DecodedObject);
    assert.deepEqual(
      gotOps.map((o) => ({ op: o[opKey!], do: o.do, dump: o.dump })),
      ops.map((o) => ({ op: o.op, do: o.do === undefined ? undefined : o.do, dump: o.dump === undefined ? undefined : o.dump })),
      name,
    );
    const gotAttrs = replies.filter((r) => r.policy).map((r) => r.policy as DecodedObject);
    assert.equal(gotAttrs.length, attrs.length, name);
    for (const want of attrs) {
      const got = gotAttrs.find((p) => p[policyKey!] === want.policy && p[attrKey!] === want.attr)!;
      assert.ok(got, `${name} policy ${want.policy} attr ${want.attr}`);
      // genl 6.1 prints the types it knows in upper case and 'unknown' for newer ones (uint).
      if (want.type !== 'unknown') assert.equal(String(got.type).replace(/-/g, '_').toUpperCase(), want.type.replace(/^NUL_STRING$/, 'NUL_STRING'));
      if (want.min !== undefined) {
        assert.equal(String(got.minValueU ?? got.minValueS), want.min);
        assert.equal(String(got.maxValueU ?? got.maxValueS), want.max);
      }
    }
  }
});

test('netdev dev-get: do and dump against ip -j link ifindexes', async (t) => {
  await using netdev = await family(t, 'netdev');
  if (!netdev) return;
  const links = ipJson<Array<{ ifindex: number; ifname: string }>>(ns.name, 'link', 'show');
  const devs = await netdev.devGetDump().toArray();
  assert.deepEqual(devs.map((d) => d.ifindex).sort(), links.map((l) => l.ifindex).sort());
  for (const l of links) {
    const d: DecodedObject = (await netdev.devGet({ ifindex: l.ifindex }))!;
    assert.equal(d.ifindex, l.ifindex);
    assert.deepEqual(d, devs.find((x) => x.ifindex === l.ifindex));
  }
  // veth does XDP (basic, redirect, at least); lo does none.
  const ea = devs.find((d) => d.ifindex === links.find((l) => l.ifname === 'ea')!.ifindex)!;
  assert.ok((ea.xdpFeatures as string[]).includes('basic') && (ea.xdpFeatures as string[]).includes('redirect'), String(ea.xdpFeatures));
  assert.deepEqual(devs.find((d) => d.ifindex === 1)!.xdpFeatures, []);
});

/**
 * The number on the wire behind a decoded value: the value itself, or for a name the spec's enum
 * value (the shipped specs name more than the kernel's corpus does).
 */
function wire(fam: Family, set: string, attr: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const a = fam.spec.attributeSets.get(set)?.byName.get(attr);
  const def = a?.enum !== undefined ? fam.spec.definitions.get(a.enum) : undefined;
  return def?.kind === 'enum' || def?.kind === 'flags' ? def.byName.get(value) : value;
}

/** `ethtool DEV` as field → value. */
function ethtoolSettings(dev: string): Record<string, string> {
  return Object.fromEntries([...inNs('ethtool', dev).matchAll(/^\t([^:\n]+): (.*)$/gm)].map((m) => [m[1]!, m[2]!.trim()]));
}

test('ethtool linkinfo, linkmodes, features, strset and rings on a veth', async (t) => {
  await using eth = await family(t, 'ethtool');
  if (!eth) return;
  const header = { devName: 'ea' };
  const ref = ethtoolSettings('ea');
  const info = (await eth.linkinfoGet({ header }))!;
  assert.equal((info.header as DecodedObject).devName, 'ea');
  // uapi ethtool.h: PORT_TP 0x00, XCVR_INTERNAL 0x00; ethtool prints their names.
  assert.equal(ref.Port, 'Twisted Pair');
  assert.equal(wire(eth, 'linkinfo', 'port', info.port), 0);
  assert.equal(String(info.phyaddr), ref.PHYAD);
  assert.equal(ref.Transceiver, 'internal');
  assert.equal(wire(eth, 'linkinfo', 'transceiver', info.transceiver), 0);
  const modes = (await eth.linkmodesGet({ header }))!;
  assert.equal(`${modes.speed}Mb/s`, ref.Speed);
  assert.equal(ref.Duplex, 'Full');
  assert.equal(wire(eth, 'linkmodes', 'duplex', modes.duplex), 1); // DUPLEX_FULL
  assert.equal(ref['Auto-negotiation'], 'off');
  assert.equal(wire(eth, 'linkmodes', 'autoneg', modes.autoneg), 0); // AUTONEG_DISABLE

  // features: the active bit of each feature, as ethtool -k (JSON) reports it.
  const k = JSON.parse(inNs('ethtool', '--json', '-k', 'ea'))[0] as Record<string, { active: boolean }>;
  const feats = (await eth.featuresGet({ header }))!;
  // Bitsets without a mask (ETHTOOL_A_BITSET_NOMASK) list only the bits that are set.
  const bitset = (name: string): Map<string, boolean> => {
    const set = feats[name] as DecodedObject;
    const bits = (set.bits as DecodedObject).bit as DecodedObject[];
    return new Map(bits.map((b) => [b.name as string, set.nomask === true || b.value === true]));
  };
  const active = bitset('active');
  const hw = bitset('hw');
  let compared = 0;
  for (const name of hw.keys()) {
    const want = k[name];
    if (!want || typeof want !== 'object') continue;
    assert.equal(active.get(name) ?? false, want.active, `feature ${name}`);
    compared++;
  }
  assert.ok(compared >= 20, `${compared} features compared`);

  // strset: ETH_SS_STATS (1) names what ethtool -S prints.
  const stats = [...inNs('ethtool', '-S', 'ea').matchAll(/^\s+([^:\n]+): /gm)].map((m) => m[1]!);
  const sets = (await eth.strsetGet({ header, stringsets: { stringset: [{ id: 1 }] } }))!;
  const set = ((sets.stringsets as DecodedObject).stringset as DecodedObject[])[0]!;
  assert.equal(set.count, stats.length);
  // The kernel's spec makes `strings` a multi-attr, nlkit's a single nest: one of it either way.
  const nest = (Array.isArray(set.strings) ? set.strings[0] : set.strings) as DecodedObject;
  const strings = (nest.string as DecodedObject[]).map((s) => s.value);
  assert.deepEqual(strings, stats);

  // rings: veth has no ring parameters; ethtool -g fails the same way.
  assert.throws(() => inNs('ethtool', '-g', 'ea'), /Operation not supported/);
  await assert.rejects(eth.ringsGet({ header }), (e: unknown) => e instanceof NetlinkError && e.errno === -95);
});

test('tcp_metrics get (dump): the metrics ip tcp_metrics shows', async (t) => {
  await using tm = await family(t, 'tcp_metrics');
  if (!tm) return;
  // A connection over lo leaves metrics for 127.0.0.1 once it closes.
  inNs(
    'python3',
    '-c',
    `import socket
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()
c = socket.create_connection(s.getsockname()); a, _ = s.accept()
c.sendall(b'x' * 100000); n = 0
while n < 100000: n += len(a.recv(100000))
c.close(); a.close(); s.close()`,
  );
  // "127.0.0.1 age 0.028sec cwnd 14 rtt 24us rttvar 22us source 127.0.0.1"
  const ref = inNs('ip', 'tcp_metrics', 'show')
    .trim()
    .split('\n')
    .map((l) => ({ addr: l.split(' ')[0]!, cwnd: /cwnd (\d+)/.exec(l)?.[1], rtt: /rtt (\d+)us/.exec(l)?.[1], rttvar: /rttvar (\d+)us/.exec(l)?.[1], source: /source (\S+)/.exec(l)?.[1] }));
  const got = await tm.getDump().toArray();
  assert.equal(got.length, ref.length);
  assert.ok(ref.length >= 1);
  for (const want of ref) {
    const m = got.find((x) => (x.addrIpv4 ?? x.addrIpv6) === want.addr)!;
    assert.ok(m, want.addr);
    const vals = m.vals as DecodedObject;
    assert.equal(String(vals.cwnd), want.cwnd);
    // The kernel keeps srtt scaled by 8 and mdev by 4 (tcp_input.c); ip prints them unscaled.
    assert.equal(String(Math.floor((vals.rttUs as number) / 8)), want.rtt);
    assert.equal(String(Math.floor((vals.rttvarUs as number) / 4)), want.rttvar);
    assert.equal(m.saddrIpv4 ?? m.saddrIpv6, want.source);
  }
});

test('mptcp_pm get-limits: what ip mptcp limits shows, before and after a change', async (t) => {
  await using pm = await family(t, 'mptcp_pm');
  if (!pm) return;
  const parse = (): { accepted: number; subflows: number } => {
    const text = inNs('ip', 'mptcp', 'limits', 'show');
    return { accepted: Number(/add_addr_accepted (\d+)/.exec(text)![1]), subflows: Number(/subflows (\d+)/.exec(text)![1]) };
  };
  const check = async (): Promise<void> => {
    const want = parse();
    const got = (await pm.getLimits({}))!;
    assert.deepEqual({ accepted: got.rcvAddAddrs, subflows: got.subflows }, want);
  };
  await check();
  inNs('ip', 'mptcp', 'limits', 'set', 'subflows', '5', 'add_addr_accepted', '3');
  await check();
  assert.deepEqual(parse(), { accepted: 3, subflows: 5 });
});
