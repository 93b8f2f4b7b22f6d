// Encoding requests: the bytes match the uapi layout built by hand; a bad value is a TypeError
// naming its path; check() lists every problem against types and the spec's `checks`; extended
// ACK paths are named through nests, indexed arrays and sub-messages.
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { compileFamily } from '../../src/spec/compile.js';
import type { FamilyCodec } from '../../src/spec/codec.js';
import { loadSpec, loadSpecText } from '../../src/spec/load.js';
import type { Operation } from '../../src/spec/model.js';
import { SpecValueError } from '../../src/spec/runtime.js';
import { MessageWriter, attributePathAt, formatAttributePath } from '../../src/wire/index.js';
import { CORPUS, SKIP } from './corpus.js';
import { headerConstants } from './uapi.js';

const IFLA = headerConstants('/usr/include/linux/if_link.h');
const GENL = headerConstants('/usr/include/linux/genetlink.h');
const k = (table: Map<string, number>, name: string): number => {
  const v = table.get(name);
  assert.notEqual(v, undefined, name);
  return v as number;
};

function bytes(...parts: (Uint8Array | number[])[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}
const u16 = (x: number): number[] => [x & 0xff, x >> 8];
const be16 = (x: number): number[] => [x >> 8, x & 0xff];
const u32 = (x: number): number[] => [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, x >>> 24];
const strz = (s: string): number[] => [...Buffer.from(s), 0];
function nla(type: number, ...payload: (Uint8Array | number[])[]): Uint8Array {
  const p = bytes(...payload);
  return bytes(u16(4 + p.length), u16(type), p, new Array<number>((4 - (p.length % 4)) % 4).fill(0));
}
const nest = (type: number, ...attrs: Uint8Array[]): Uint8Array => nla(type | 0x8000, ...attrs);

function encode(codec: FamilyCodec, op: Operation, value: object): Uint8Array {
  const w = new MessageWriter();
  codec.encodeMessage(w, op, value);
  return w.finish();
}

function throwsAt(fn: () => unknown, at: string, says: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TypeError, `a TypeError, got ${String(e)}`);
    assert.ok(e instanceof SpecValueError);
    assert.equal(e.path, at);
    assert.match(e.message, says);
    assert.ok(e.message.startsWith(`${at}: `), e.message);
    return true;
  });
}

describe('encoding requests with the kernel specs', { skip: SKIP }, () => {
  const specs = path.join(CORPUS ?? '', 'specs');
  let link: FamilyCodec;
  let newlink: Operation;
  let ctrl: FamilyCodec;
  let wg: FamilyCodec;
  let team: FamilyCodec;
  before(async () => {
    const spec = await loadSpec('rt-link', { paths: [specs] });
    link = compileFamily(spec);
    newlink = spec.operationsByName.get('newlink') as Operation;
    ctrl = compileFamily(await loadSpec('nlctrl', { paths: [specs] }));
    wg = compileFamily(await loadSpec('wireguard', { paths: [specs] }));
    team = compileFamily(await loadSpec('team', { paths: [specs] }));
  });

  const vlan = { ifiFlags: ['up'], ifname: 'v5', link: 2, linkinfo: { kind: 'vlan', data: { id: 5, protocol: '8021q' } } };

  test('RTM_NEWLINK for a vlan: ifinfomsg, then the attributes, byte for byte', () => {
    const expected = bytes(
      [0, 0], u16(0), u32(0), u32(1), u32(0),
      nla(k(IFLA, 'IFLA_IFNAME'), strz('v5')),
      nla(k(IFLA, 'IFLA_LINK'), u32(2)),
      nest(k(IFLA, 'IFLA_LINKINFO'), nla(k(IFLA, 'IFLA_INFO_KIND'), strz('vlan')), nest(k(IFLA, 'IFLA_INFO_DATA'), nla(k(IFLA, 'IFLA_VLAN_ID'), u16(5)), nla(k(IFLA, 'IFLA_VLAN_PROTOCOL'), be16(0x8100)))),
    );
    assert.deepEqual(encode(link, newlink, vlan), expected);
    assert.equal(link.headerSize(newlink), 16);
  });

  test('decoded messages encode back (undefined properties and $unknown included)', () => {
    const b = encode(link, newlink, vlan);
    const decoded = link.decodeMessage(newlink, new DataView(b.buffer), 0, b.length);
    assert.deepEqual(encode(link, newlink, decoded), b);
  });

  test('a bad value is a TypeError naming its path', () => {
    const bad = (data: object): object => ({ ...vlan, linkinfo: { kind: 'vlan', data } });
    throwsAt(() => encode(link, newlink, bad({ id: 'five' })), '.linkinfo.data.id', /expected a u16 .*got 'five'/);
    throwsAt(() => encode(link, newlink, bad({ id: 70000 })), '.linkinfo.data.id', /expected a u16/);
    throwsAt(() => encode(link, newlink, bad({ idd: 5 })), '.linkinfo.data.idd', /not an attribute of 'linkinfo-vlan-attrs'/);
    throwsAt(() => encode(link, newlink, bad({ protocol: '8021x' })), '.linkinfo.data.protocol', /'8021x' is not a value of enum 'vlan-protocols'/);
    throwsAt(() => encode(link, newlink, { ...vlan, ifiFlags: ['up', 'sideways'] }), '.ifiFlags', /'sideways' is not a value of flags 'ifinfo-flags'/);
    throwsAt(() => encode(link, newlink, { ...vlan, ifname: 5 }), '.ifname', /expected a string/);
    throwsAt(() => encode(link, newlink, { ...vlan, address: 'zz:00' }), '.address', /is not a valid mac value/);
    throwsAt(() => encode(link, newlink, { ...vlan, linkinfo: { kind: 'nosuchkind', data: {} } }), '.linkinfo.data', /sub-message 'linkinfo-data-msg' has no format for 'nosuchkind'/);
    throwsAt(() => encode(link, newlink, { ...vlan, frob: 1 }), '.frob', /not an attribute of 'link-attrs' nor a field of 'ifinfomsg'/);
    throwsAt(() => encode(link, newlink, { ...vlan, ifiIndex: 2 ** 31 }), '.ifiIndex', /expected a s32/);
  });

  test('multi-attr and indexed-array elements are named by index', () => {
    const getfamily = ctrl.spec.operationsByName.get('getfamily') as Operation;
    throwsAt(() => encode(ctrl, getfamily, { ops: [{ id: 1 }, { id: -1 }] }), '.ops[1].id', /expected a u32/);
    const w = new MessageWriter();
    const set = link.set('ifla-vlan-qos');
    assert.throws(() => set.encode(w, { mapping: [{ from: 1, to: 2 }, { from: 1, too: 2 }] }), (e: unknown) => e instanceof SpecValueError && e.path === '.mapping[1].too');
  });

  test('an indexed array is written with indices from 0', () => {
    const getfamily = ctrl.spec.operationsByName.get('getfamily') as Operation;
    const b = encode(ctrl, getfamily, { ops: [{ id: 3 }, { id: 4 }] });
    assert.deepEqual(
      b,
      nest(k(GENL, 'CTRL_ATTR_OPS'), nest(0, nla(k(GENL, 'CTRL_ATTR_OP_ID'), u32(3))), nest(1, nla(k(GENL, 'CTRL_ATTR_OP_ID'), u32(4)))),
    );
  });

  test('check() lists every problem: types, ranges, exact-len, max-len, unknown keys', () => {
    const set = wg.spec.operationsByName.get('set-device') as Operation;
    const problems = wg.check(set, {
      ifindex: 3,
      privateKey: new Uint8Array(31),
      listenPort: 70000,
      flags: ['replace-peers', 'nope'],
      peers: [{ publicKey: new Uint8Array(32), endpoint: new Uint8Array(16) }, { presharedKey: 'zz' }],
      bogus: true,
    });
    assert.deepEqual(
      problems.map((p) => p.path),
      ['.privateKey', '.listenPort', '.flags', '.peers[1].presharedKey', '.bogus'],
    );
    assert.match(problems[0].message, /binary of 31 bytes, must be exactly 32/);
    assert.match(problems[1].message, /expected a u16/);
    assert.match(problems[2].message, /'nope' is not a value of flags 'wgdevice-flags'/);
    assert.match(problems[3].message, /not hex text/);
    assert.match(problems[4].message, /not an attribute of 'wgdevice'/);
    assert.deepEqual(wg.check(set, { ifindex: 3, privateKey: new Uint8Array(32), listenPort: 51820 }), []);
  });

  test("check(): a string's max-len counts its UTF-8 bytes without the NUL", () => {
    const op = team.spec.operations.find((o) => o.do?.request !== undefined && o.attributeSet === 'team') as Operation;
    const long = { listOption: { option: { name: 'x'.repeat(33) } } };
    const problems = team.check(op, long);
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.equal(problems[0].path, '.listOption.option.name');
    assert.match(problems[0].message, /string of 33 bytes, must be at most 32/);
    assert.deepEqual(team.check(op, { listOption: { option: { name: 'x'.repeat(32) } } }), []);
  });

  test('extended ACK paths are named through nests and sub-messages: .linkinfo.data.id', () => {
    const w = new MessageWriter();
    w.begin(k(headerConstants('/usr/include/linux/rtnetlink.h'), 'RTM_NEWLINK'));
    link.encodeMessage(w, newlink, vlan);
    const request = w.end().finish();
    // The offset of IFLA_VLAN_ID, found by walking the bytes as the kernel would report it.
    const vlanId = Buffer.from(request).indexOf(Buffer.from([6, 0, k(IFLA, 'IFLA_VLAN_ID'), 0]));
    const types = attributePathAt(request, vlanId, link.headerSize(newlink));
    assert.deepEqual(types, [k(IFLA, 'IFLA_LINKINFO'), k(IFLA, 'IFLA_INFO_DATA'), k(IFLA, 'IFLA_VLAN_ID')]);
    assert.equal(formatAttributePath(types, link.attributeNamer(newlink, vlan)), '.linkinfo.data.id');
    assert.equal(formatAttributePath([k(IFLA, 'IFLA_LINKINFO'), 999], link.attributeNamer(newlink, vlan)), '.linkinfo.999');
    const getfamily = ctrl.spec.operationsByName.get('getfamily') as Operation;
    const ops = [k(GENL, 'CTRL_ATTR_OPS'), 1, k(GENL, 'CTRL_ATTR_OP_FLAGS')];
    assert.equal(formatAttributePath(ops, ctrl.attributeNamer(getfamily, {})), '.ops.1.flags');
  });
});

describe('check() against checks the corpus does not use', () => {
  const spec = loadSpecText(
    `name: tiny
doc: t
definitions:
  - { name: perms, type: flags, entries: [ read, write ] }
attribute-sets:
  - name: main
    attributes:
      - { name: one, type: u32, checks: { min: 1, max: 10 } }
      - { name: mode, type: u32, enum: perms, checks: { flags-mask: perms } }
      - { name: big, type: u64, checks: { max: s64-max } }
      - { name: raw, type: binary, checks: { min-len: 2, max-len: 3 } }
operations:
  list:
    - { name: go, doc: d, attribute-set: main, do: { request: { attributes: [ one, mode, big, raw ] } } }
`,
    'tiny.yaml',
  );
  const codec = compileFamily(spec, { names: 'spec' });
  const go = spec.operationsByName.get('go') as Operation;

  test('min, max, flags-mask, 64-bit limits, min-len and max-len', () => {
    const problems = codec.check(go, { one: 11, mode: 4, big: 2n ** 63n, raw: new Uint8Array(1) });
    assert.deepEqual(problems.map((p) => `${p.path} ${p.message}`), [
      '.one 11 is above the maximum 10',
      '.mode bits 0x4 are not in flags \'perms\'',
      '.big 9223372036854775808 is above the maximum 9223372036854775807',
      '.raw binary of 1 bytes, must be at least 2',
    ]);
    assert.deepEqual(codec.check(go, { one: 1, mode: ['read', 'write'], big: 5n, raw: new Uint8Array(3) }), []);
    assert.equal(codec.check(go, { one: 0 })[0].message, '0 is below the minimum 1');
  });

  test("spec naming: the spec's own names are the keys", () => {
    const w = new MessageWriter();
    codec.encodeMessage(w, go, { one: 5, mode: ['write'] });
    const b = w.finish();
    assert.deepEqual(codec.decodeMessage(go, new DataView(b.buffer), 0, b.length), { one: 5, mode: ['write'], big: undefined, raw: undefined, $unknown: undefined });
  });
});
