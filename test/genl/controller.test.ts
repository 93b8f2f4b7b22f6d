// The nlctrl controller against the kernel, checked against what iproute2's `genl ctrl` reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GenlController, NetlinkError, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_NAME, genlRequest } from '../../src/index.js';
import { sh, useNetns } from '../helpers/netns.js';

const ns = useNetns('nlkit-genl');

interface GenlCtrlFamily {
  name: string;
  id: number;
  version: number;
  hdrsize: number;
  maxattr: number;
  ops: Array<{ id: number; flags?: number }>;
  groups: Array<{ id: number; name: string }>;
}

/** Parses `genl ctrl list` / `genl ctrl get` text output (iproute2's genl/ctrl.c format). */
function parseGenlCtrl(text: string): GenlCtrlFamily[] {
  const out: GenlCtrlFamily[] = [];
  for (const block of text.split(/^Name: /m).slice(1)) {
    const name = block.split('\n')[0]!.trim();
    const head = /ID: (0x[0-9a-f]+)\s+Version: (0x[0-9a-f]+)\s+header size: (\d+)\s+max attribs: (\d+)/.exec(block)!;
    const fam: GenlCtrlFamily = { name, id: Number(head[1]), version: Number(head[2]), hdrsize: Number(head[3]), maxattr: Number(head[4]), ops: [], groups: [] };
    const [cmds, groups] = block.split('multicast groups:');
    for (const m of (cmds ?? '').matchAll(/#\d+:\s+ID-(0x[0-9a-f]+)\s*\n(?:\s*Capabilities \((0x[0-9a-f]+)\))?/g)) {
      fam.ops.push({ id: Number(m[1]), flags: m[2] === undefined ? undefined : Number(m[2]) });
    }
    for (const m of (groups ?? '').matchAll(/#\d+:\s+ID-(0x[0-9a-f]+)\s+name: (\S+)/g)) fam.groups.push({ id: Number(m[1]), name: m[2]! });
    out.push(fam);
  }
  return out;
}

const FLAG_BITS: Record<string, number> = { 'admin-perm': 1, 'cmd-cap-do': 2, 'cmd-cap-dump': 4, 'cmd-cap-haspol': 8, 'uns-admin-perm': 16 };
const flagValue = (flags: Array<string | number>): number => flags.reduce<number>((v, f) => v | (typeof f === 'number' ? f : FLAG_BITS[f]!), 0);

test('nlctrl resolves itself: id 0x10, GETFAMILY can do and dump, group notify', async () => {
  await using ctrl = await GenlController.open({ netns: ns.name });
  const f = await ctrl.family('nlctrl');
  assert.equal(f.familyId, GENL_ID_CTRL);
  assert.equal(f.familyName, 'nlctrl');
  const getfamily = f.ops.find((o) => o.id === CTRL_CMD_GETFAMILY);
  assert.ok(getfamily?.flags.includes('cmd-cap-do') && getfamily.flags.includes('cmd-cap-dump'));
  assert.deepEqual(f.mcastGroups, [{ name: 'notify', id: GENL_ID_CTRL }]);
  // By id too, and the same object from the cache.
  assert.equal(await ctrl.family(GENL_ID_CTRL), f);
});

test('families() agrees with `genl ctrl list`: names, ids, versions, sizes, ops and groups', async () => {
  await using ctrl = await GenlController.open({ netns: ns.name });
  const ours = (await ctrl.families()).sort((a, b) => a.familyId - b.familyId);
  const theirs = parseGenlCtrl(sh('ip', ['netns', 'exec', ns.name, 'genl', 'ctrl', 'list'])).sort((a, b) => a.id - b.id);
  assert.ok(theirs.length >= 3, 'genl ctrl list shows families');
  assert.deepEqual(ours.map((f) => f.familyName), theirs.map((f) => f.name));
  for (const [i, t] of theirs.entries()) {
    const o = ours[i]!;
    assert.deepEqual([o.familyId, o.version, o.hdrsize, o.maxattr], [t.id, t.version, t.hdrsize, t.maxattr], t.name);
    assert.deepEqual(o.ops.map((op) => op.id), t.ops.map((op) => op.id), `${t.name} ops`);
    for (const [j, op] of t.ops.entries()) if (op.flags !== undefined) assert.equal(flagValue(o.ops[j]!.flags), op.flags, `${t.name} op ${op.id} flags`);
    assert.deepEqual(o.mcastGroups.map((g) => [g.id, g.name]), t.groups.map((g) => [g.id, g.name]), `${t.name} groups`);
  }
});

test('an unknown family is ENOENT naming it; an unknown group names the groups there are', async () => {
  await using ctrl = await GenlController.open({ netns: ns.name });
  await assert.rejects(ctrl.family('nlkit-nope'), (e: unknown) => e instanceof NetlinkError && e.code === 'ENOENT' && /family 'nlkit-nope'/.test(e.message));
  await assert.rejects(ctrl.group('nlctrl', 'nope'), (e: unknown) => e instanceof NetlinkError && e.code === 'ENOENT' && /it has: notify/.test(e.message));
  assert.equal(await ctrl.group('nlctrl', 'notify'), GENL_ID_CTRL);
});

test('a request that breaks nlctrl policy: the kernel extended ACK names the attribute and its policy', async () => {
  await using ctrl = await GenlController.open({ netns: ns.name });
  // CTRL_ATTR_FAMILY_NAME is NLA_NUL_STRING with max length GENL_NAMSIZ - 1 = 15: validate_nla
  // finds no NUL in the first 16 bytes and fails with EINVAL.
  const long = 'x'.repeat(40);
  await assert.rejects(genlRequest(ctrl.socket, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 2, (w) => w.string(CTRL_ATTR_FAMILY_NAME, long)), (e: unknown) => {
    assert.ok(e instanceof NetlinkError);
    assert.equal(e.code, 'EINVAL');
    assert.equal(e.extack?.message, 'Attribute failed policy validation');
    assert.equal(e.extack?.offset, 16 + 4, 'right after nlmsghdr and genlmsghdr');
    assert.deepEqual(e.extack?.attributePath, [CTRL_ATTR_FAMILY_NAME]);
    assert.equal(e.extack?.policy?.type, 'nul-string');
    assert.equal(e.extack?.policy?.maxLength, 15);
    return true;
  });
});

const IPROUTE_TYPES: Record<string, string> = {
  FLAG: 'flag', U8: 'u8', U16: 'u16', U32: 'u32', U64: 'u64', S8: 's8', S16: 's16', S32: 's32', S64: 's64',
  BINARY: 'binary', STRING: 'string', NUL_STRING: 'nul-string', NESTED: 'nested', NESTED_ARRAY: 'nested-array', BITFIELD32: 'bitfield32',
};

test('policy() agrees with `genl ctrl policy` for every family that has policies, and spells out uint', async () => {
  await using ctrl = await GenlController.open({ netns: ns.name });
  let compared = 0;
  for (const fam of await ctrl.families()) {
    if (!fam.ops.some((o) => o.flags.includes('cmd-cap-haspol'))) continue;
    const text = sh('ip', ['netns', 'exec', ns.name, 'genl', 'ctrl', 'policy', 'name', fam.familyName]);
    const ours = await ctrl.policy(fam.familyName);
    for (const m of text.matchAll(/op (\d+) policies:((?: \w+=\d+)+)/g)) {
      const want = Object.fromEntries([...m[2]!.matchAll(/(\w+)=(\d+)/g)].map((x) => [x[1], Number(x[2])]));
      assert.deepEqual({ ...ours.opPolicy.get(Number(m[1])) }, want, `${fam.familyName} op ${m[1]}`);
    }
    for (const m of text.matchAll(/policy\[(\d+)\]:attr\[(\d+)\]: type=(\w+)([^\n]*)/g)) {
      const d = ours.policy.get(Number(m[1]))?.get(Number(m[2]));
      assert.ok(d, `${fam.familyName} policy ${m[1]} attr ${m[2]}`);
      const where = `${fam.familyName} policy[${m[1]}]:attr[${m[2]}]`;
      if (m[3] === 'unknown') assert.ok(!Object.values(IPROUTE_TYPES).includes(String(d.type)), `${where}: iproute2 cannot name ${String(d.type)}`);
      else assert.equal(d.type, IPROUTE_TYPES[m[3]!], where);
      const range = /range:\[(-?\d+),(-?\d+)\]/.exec(m[4]!);
      if (range) {
        assert.equal(String(d.minValueS ?? d.minValueU), range[1], where);
        assert.equal(String(d.maxValueS ?? d.maxValueU), range[2], where);
      }
      const max = /max len:(\d+)/.exec(m[4]!);
      if (max) assert.equal(d.maxLength, Number(max[1]), where);
      const min = /min len:(\d+)/.exec(m[4]!);
      if (min) assert.equal(d.minLength, Number(min[1]), where);
      const pol = /policy:(\d+) maxattr:(\d+)/.exec(m[4]!);
      if (pol) assert.deepEqual([d.policyIdx, d.policyMaxtype], [Number(pol[1]), Number(pol[2])], where);
      compared++;
    }
  }
  assert.ok(compared > 10, `compared ${compared} policy entries`);
});

test('policy for one op only', async () => {
  await using ctrl = await GenlController.open({ netns: ns.name });
  const p = await ctrl.policy('nlctrl', { op: CTRL_CMD_GETFAMILY });
  assert.deepEqual([...p.opPolicy.keys()], [CTRL_CMD_GETFAMILY]);
  assert.equal(p.policy.get(p.opPolicy.get(CTRL_CMD_GETFAMILY)!.do!)?.get(CTRL_ATTR_FAMILY_NAME)?.type, 'nul-string');
});

test('the cache is filled by lookups and emptied when notifications may have been lost', async () => {
  await using ctrl = await GenlController.open({ netns: ns.name });
  await ctrl.family('nlctrl');
  assert.equal(ctrl.cacheSize, 2, 'by name and by id');
  // The cache listens on nlctrl's notify group: the socket is a member now.
  assert.ok(ctrl.socket.memberships().includes(GENL_ID_CTRL));
});
