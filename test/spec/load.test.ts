// Loader and normalizer: the counting rules of the format on small inline specs, the ids derived
// from the kernel's own specs checked against the kernel's uapi headers, and the search path.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { SpecError } from '../../src/spec/errors.js';
import { SYSTEM_SPEC_DIR, findSpecs, loadSpec, loadSpecText, specSearchPath } from '../../src/spec/load.js';
import type { EnumDefinition, FamilySpec, StructDefinition } from '../../src/spec/model.js';
import { CORPUS, SKIP } from './corpus.js';
import { cName, headerConstants, headerEnums } from './uapi.js';

const SPECS = CORPUS ? path.join(CORPUS, 'specs') : '';
const corpus = (name: string): Promise<FamilySpec> => loadSpec(name, { paths: [SPECS] });
const INCLUDE = '/usr/include/linux';

const TINY = `
name: tiny
protocol: genetlink-legacy
doc: A family made up for the test.
definitions:
  - { name: max-name, type: const, value: 16 }
  - { name: hex-len, type: const, value: '0x8' }
  - name: color
    type: enum
    value-start: 5
    entries: [ red, green, { name: blue, value: 9 }, violet ]
  - name: perms
    type: flags
    entries: [ read, write, { name: exec, value: 4 }, sticky ]
  - name: inner
    type: struct
    members:
      - { name: a, type: u16 }
      - { name: tag, type: binary, len: hex-len }
  - name: outer
    type: struct
    members:
      - { name: x, type: u8 }
      - { name: pad, type: binary, len: 3 }
      - { name: in, type: binary, struct: inner }
      - { name: label, type: string, len: max-name - 1 }
  - name: hdr
    type: struct
    members:
      - { name: ifindex, type: u32 }
attribute-sets:
  - name: main
    attributes:
      - { name: unspec, type: unused, value: 0 }
      - { name: one, type: u32, checks: { max: u32-max, min: 1 } }
      - { name: two, type: string, checks: { max-len: max-name } }
      - { name: ten, type: u64, value: 10, checks: { max: s64-max } }
      - { name: eleven, type: nest, nested-attributes: sub }
      - { name: list, type: array-nest, nested-attributes: sub }
      - { name: paint, type: u32, enum: color }
      - { name: mode, type: u32, enum: perms, checks: { flags-mask: perms } }
  - name: sub
    attributes:
      - { name: s1, type: u8 }
      - { name: s2, type: binary, struct: outer }
  - name: main-lite
    subset-of: main
    attributes:
      - { name: ten }
      - { name: two, checks: { max-len: 4 } }
operations:
  fixed-header: hdr
  list:
    - { name: first, doc: d, attribute-set: main, do: { request: { attributes: [ one ] }, reply: { attributes: [ two ] } } }
    - { name: second, doc: d, attribute-set: main, fixed-header: inner, dump: { reply: { attributes: [ ten ] } } }
    - { name: jumped, doc: d, value: 20, attribute-set: main, do: { request: { attributes: [] } } }
    - { name: after, doc: d, attribute-set: main, event: { attributes: [ one ] }, mcgrp: news }
    - { name: first-ntf, doc: d, notify: first, mcgrp: news }
mcast-groups:
  list: [ { name: news } ]
`;

describe('normalizing an inline spec', () => {
  const spec = loadSpecText(TINY, 'tiny.yaml');
  const main = spec.attributeSets.get('main');

  test('attribute ids count from 1, an explicit value restarts the count', () => {
    assert.deepEqual(
      main?.attributes.map((a) => [a.name, a.id]),
      [['unspec', 0], ['one', 1], ['two', 2], ['ten', 10], ['eleven', 11], ['list', 12], ['paint', 13], ['mode', 14]],
    );
    assert.equal(main?.byId.get(11)?.name, 'eleven');
  });

  test('enums start at value-start and restart at an explicit value; flags are bits', () => {
    const color = spec.definitions.get('color') as EnumDefinition;
    assert.deepEqual(color.entries.map((e) => [e.name, e.value]), [['red', 5], ['green', 6], ['blue', 9], ['violet', 10]]);
    const perms = spec.definitions.get('perms') as EnumDefinition;
    assert.deepEqual(perms.entries.map((e) => [e.name, e.value]), [['read', 1], ['write', 2], ['exec', 16], ['sticky', 32]]);
    assert.equal(perms.byValue.get(16), 'exec');
  });

  test('struct sizes: members packed as written, lengths from consts, nested structs', () => {
    assert.equal((spec.definitions.get('inner') as StructDefinition).size, 10);
    const outer = spec.definitions.get('outer') as StructDefinition;
    assert.equal(outer.size, 1 + 3 + 10 + 15);
    assert.deepEqual(outer.members.map((m) => m.length), [undefined, 3, 10, 15]);
  });

  test('checks resolve consts and type limits', () => {
    assert.deepEqual(main?.byName.get('one')?.checks, { min: 1, max: 0xffffffff });
    assert.deepEqual(main?.byName.get('two')?.checks, { maxLen: 16 });
    assert.deepEqual(main?.byName.get('ten')?.checks, { max: 2n ** 63n - 1n });
    assert.deepEqual(main?.byName.get('mode')?.checks, { flagsMask: 'perms' });
  });

  test('a subset takes ids and types from its parent, with its own keys laid over', () => {
    const lite = spec.attributeSets.get('main-lite');
    assert.equal(lite?.subsetOf, 'main');
    assert.deepEqual(lite?.attributes.map((a) => [a.name, a.id, a.type]), [['ten', 10, 'u64'], ['two', 2, 'string']]);
    assert.deepEqual(lite?.byName.get('two')?.checks, { maxLen: 4 });
  });

  test('array-nest of older specs becomes an indexed-array of nests', () => {
    const list = main?.byName.get('list');
    assert.equal(list?.type, 'indexed-array');
    assert.equal(list?.subType, 'nest');
  });

  test('unified message ids; notifications take no request id; fixed headers per family and per op', () => {
    const ids = spec.operations.map((o) => [o.name, o.requestValue, o.replyValue, o.fixedHeader]);
    assert.deepEqual(ids, [
      ['first', 1, 1, 'hdr'],
      ['second', 2, 2, 'inner'],
      ['jumped', 20, 20, 'hdr'],
      ['after', undefined, 21, 'hdr'],
      ['first-ntf', undefined, 22, 'hdr'],
    ]);
    const ntf = spec.operationsByName.get('first-ntf');
    assert.equal(ntf?.notify, 'first');
    assert.equal(ntf?.attributeSet, 'main', 'a notification takes the attribute set of the op it notifies for');
    assert.deepEqual(spec.operationsByName.get('first')?.do?.request, { value: 1, attributes: ['one'] });
  });

  test('genl defaults: protocol number 16, version 1', () => {
    assert.equal(spec.protonum, 16);
    assert.equal(spec.version, 1);
    assert.equal(spec.protocol, 'genetlink-legacy');
    assert.equal(loadSpecText(TINY.replace('doc: A family', 'version: 3\ndoc: A family'), 'v.yaml').version, 3);
  });

  test('directional ids count requests and replies apart', () => {
    const raw = loadSpecText(
      `name: dir
protocol: netlink-raw
protonum: 0
doc: d
attribute-sets: [ { name: a, attributes: [ { name: x, type: u32 } ] } ]
operations:
  enum-model: directional
  list:
    - { name: new, doc: d, attribute-set: a, do: { request: { value: 16, attributes: [] } } }
    - { name: new-ntf, doc: d, notify: get, value: 16 }
    - { name: del, doc: d, attribute-set: a, do: { request: { attributes: [] } } }
    - { name: get, doc: d, attribute-set: a, do: { request: { attributes: [] }, reply: { value: 16, attributes: [] } } }
    - { name: other, doc: d, attribute-set: a, dump: { request: { attributes: [] }, reply: { attributes: [] } } }
`,
      'dir.yaml',
    );
    assert.equal(raw.protonum, 0);
    assert.deepEqual(raw.operations.map((o) => [o.name, o.requestValue, o.replyValue]), [
      ['new', 16, undefined],
      ['new-ntf', undefined, 16],
      ['del', 17, undefined],
      ['get', 18, 16],
      ['other', 19, 17],
    ]);
  });
});

/** Ops of a spec checked against the header: [op, expected request const, expected reply const]. */
function compareOps(spec: FamilySpec, constants: Map<string, number>, names: (op: string) => [string | undefined, string | undefined]): number {
  let compared = 0;
  for (const op of spec.operations) {
    const [req, rep] = names(op.name);
    if (req !== undefined && constants.has(req) && op.requestValue !== undefined) {
      assert.equal(op.requestValue, constants.get(req), `${spec.name} ${op.name} request = ${req}`);
      compared++;
    }
    if (rep !== undefined && constants.has(rep) && op.replyValue !== undefined) {
      assert.equal(op.replyValue, constants.get(rep), `${spec.name} ${op.name} reply = ${rep}`);
      compared++;
    }
  }
  return compared;
}

/** Attribute ids of a set checked against `<PREFIX><NAME>` constants of the header. */
function compareAttrs(spec: FamilySpec, set: string, prefix: string, constants: Map<string, number>): number {
  let compared = 0;
  for (const a of spec.attributeSets.get(set)?.attributes ?? []) {
    const c = constants.get(prefix + cName(a.name));
    if (c === undefined) continue;
    assert.equal(a.id, c, `${spec.name} ${set}.${a.name} = ${prefix}${cName(a.name)}`);
    compared++;
  }
  return compared;
}

describe("ids from the kernel's specs against the uapi headers", { skip: SKIP }, () => {
  const rtnl = headerConstants(`${INCLUDE}/rtnetlink.h`);
  const rtmNames = (op: string): [string, string] => {
    const base = `RTM_${cName(op.replace(/-ntf$/, ''))}`;
    return [base, op.endsWith('-ntf') ? base : base.replace('RTM_GET', 'RTM_NEW')];
  };

  test('rtnetlink message types: RTM_NEWLINK=16, RTM_GETROUTE=26 and every other one the header has', async () => {
    assert.equal(rtnl.get('RTM_NEWLINK'), 16);
    assert.equal(rtnl.get('RTM_GETROUTE'), 26);
    const link = await corpus('rt-link');
    assert.equal(link.operationsByName.get('newlink')?.requestValue, 16);
    assert.equal(link.operationsByName.get('getlink')?.replyValue, 16);
    assert.equal((await corpus('rt-route')).operationsByName.get('getroute')?.requestValue, 26);
    let compared = 0;
    for (const name of ['rt-link', 'rt-route', 'rt-addr', 'rt-neigh', 'rt-rule']) compared += compareOps(await corpus(name), rtnl, rtmNames);
    assert.ok(compared >= 30, `${compared} message ids compared`);
  });

  test('rtnetlink attribute ids: IFLA_*, IFLA_INFO_*, RTA_*, IFA_*, NDA_*, FRA_*', async () => {
    const ifla = headerConstants(`${INCLUDE}/if_link.h`);
    const link = await corpus('rt-link');
    assert.equal(link.attributeSets.get('link-attrs')?.byName.get('ifname')?.id, ifla.get('IFLA_IFNAME'));
    assert.ok(compareAttrs(link, 'link-attrs', 'IFLA_', ifla) >= 40);
    assert.ok(compareAttrs(link, 'linkinfo-attrs', 'IFLA_INFO_', ifla) >= 5);
    assert.ok(compareAttrs(await corpus('rt-route'), 'route-attrs', 'RTA_', rtnl) >= 20);
    assert.ok(compareAttrs(await corpus('rt-addr'), 'addr-attrs', 'IFA_', headerConstants(`${INCLUDE}/if_addr.h`)) >= 8);
    assert.ok(compareAttrs(await corpus('rt-neigh'), 'neighbour-attrs', 'NDA_', headerConstants(`${INCLUDE}/neighbour.h`)) >= 10);
    assert.ok(compareAttrs(await corpus('rt-rule'), 'fib-rule-attrs', 'FRA_', headerConstants(`${INCLUDE}/fib_rules.h`)) >= 15);
  });

  test('enum and flag values: rtm-type against RTN_*, ifinfo-flags against IFF_*', async () => {
    const route = await corpus('rt-route');
    const rtmType = route.definitions.get('rtm-type') as EnumDefinition;
    for (const e of rtmType.entries) assert.equal(e.value, rtnl.get(`RTN_${cName(e.name)}`), e.name);
    const iff = headerConstants(`${INCLUDE}/if.h`);
    const flags = (await corpus('rt-link')).definitions.get('ifinfo-flags') as EnumDefinition;
    let compared = 0;
    for (const e of flags.entries) {
      const c = iff.get(`IFF_${cName(e.name)}`);
      if (c === undefined) continue;
      // An enum used as flags: the entry is the bit's position, the wire value 1 << position.
      assert.equal(flags.kind === 'flags' ? e.value : 2 ** e.value, c, e.name);
      compared++;
    }
    assert.ok(compared >= 12, `${compared} flags compared`);
  });

  test('nlctrl: CTRL_CMD_GETFAMILY requests get CTRL_CMD_NEWFAMILY replies; CTRL_ATTR_* ids', async () => {
    const genl = headerConstants(`${INCLUDE}/genetlink.h`);
    const ctrl = await corpus('nlctrl');
    assert.equal(ctrl.protonum, 16);
    const get = ctrl.operationsByName.get('getfamily');
    assert.equal(get?.requestValue, genl.get('CTRL_CMD_GETFAMILY'));
    assert.equal(get?.replyValue, genl.get('CTRL_CMD_NEWFAMILY'));
    assert.equal(ctrl.operationsByName.get('getpolicy')?.requestValue, genl.get('CTRL_CMD_GETPOLICY'));
    assert.equal(compareAttrs(ctrl, 'ctrl-attrs', 'CTRL_ATTR_', genl), ctrl.attributeSets.get('ctrl-attrs')?.attributes.filter((a) => a.type !== 'unused').length);
    assert.ok(compareAttrs(ctrl, 'mcast-group-attrs', 'CTRL_ATTR_MCAST_GRP_', genl) >= 2);
  });

  test('ethtool: requests count in ETHTOOL_MSG_* (user), replies and notifications in the kernel enum', async () => {
    const [user, kernel] = headerEnums(`${INCLUDE}/ethtool_netlink.h`);
    const spec = await corpus('ethtool');
    let compared = 0;
    for (const op of spec.operations) {
      const c = `ETHTOOL_MSG_${cName(op.name)}`;
      if (op.requestValue !== undefined && user.has(c)) {
        assert.equal(op.requestValue, user.get(c), `${op.name} request`);
        compared++;
      }
      const r = op.name.endsWith('-ntf') ? c : `${c}_REPLY`;
      if (op.replyValue !== undefined && kernel.has(r)) {
        assert.equal(op.replyValue, kernel.get(r), `${op.name} reply`);
        compared++;
      }
    }
    assert.ok(compared >= 50, `${compared} ethtool message ids compared`);
  });
});

describe('finding specs', { skip: SKIP }, () => {
  const dirs: string[] = [];
  const dir = (): string => {
    const d = mkdtempSync(path.join(tmpdir(), 'nlkit-specs-'));
    dirs.push(d);
    return d;
  };
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const fake = (name: string, doc: string): string => `name: ${name}\ndoc: ${doc}\nattribute-sets: []\noperations:\n  list: []\n`;

  test('by family name: the file name, or any file whose name: matches (drm_ras.yaml is drm-ras)', async () => {
    assert.equal((await corpus('drm-ras')).source, path.join(SPECS, 'drm_ras.yaml'));
    const d = dir();
    writeFileSync(path.join(d, 'whatever.yaml'), fake('odd-one', 'found by its name'));
    assert.equal((await loadSpec('odd-one', { paths: [d] })).doc, 'found by its name');
  });

  test('by path', async () => {
    const spec = await loadSpec(path.join(SPECS, 'netdev.yaml'));
    assert.equal(spec.name, 'netdev');
  });

  test('search order: paths, then NLKIT_SPEC_PATH, then the package, then the system', async () => {
    const first = dir();
    const second = dir();
    writeFileSync(path.join(first, 'twin.yaml'), fake('twin', 'first'));
    writeFileSync(path.join(second, 'twin.yaml'), fake('twin', 'second'));
    const saved = process.env.NLKIT_SPEC_PATH;
    try {
      process.env.NLKIT_SPEC_PATH = `${second}:${SPECS}`;
      assert.equal((await loadSpec('twin', { paths: [first] })).doc, 'first');
      assert.equal((await loadSpec('twin')).doc, 'second');
      assert.equal((await loadSpec('netdev')).name, 'netdev', 'from NLKIT_SPEC_PATH');
      const order = specSearchPath({ paths: [first] });
      assert.deepEqual(order.slice(0, 3), [first, second, SPECS]);
      assert.equal(order.at(-1), SYSTEM_SPEC_DIR);
      assert.equal(path.basename(order.at(-2) ?? ''), 'specs', "the package's own specs/");
    } finally {
      if (saved === undefined) delete process.env.NLKIT_SPEC_PATH;
      else process.env.NLKIT_SPEC_PATH = saved;
    }
  });

  test('an unknown family is a SpecError naming the directories searched', async () => {
    await assert.rejects(loadSpec('no-such-family', { paths: [SPECS] }), (e: unknown) => e instanceof SpecError && e.message.includes(SPECS) && e.message.includes('no-such-family'));
  });

  test('findSpecs lists every spec once, with its protocol; earlier directories hide later ones', async () => {
    const d = dir();
    writeFileSync(path.join(d, 'netdev.yaml'), fake('netdev', 'shadow'));
    const found = await findSpecs({ paths: [d, SPECS] });
    const byName = new Map(found.map((s) => [s.name, s]));
    assert.ok(found.length >= 33);
    assert.equal(byName.get('netdev')?.path, path.join(d, 'netdev.yaml'));
    assert.equal(byName.get('drm-ras')?.path, path.join(SPECS, 'drm_ras.yaml'));
    assert.equal(byName.get('rt-link')?.protocol, 'netlink-raw');
    assert.equal(byName.get('nlctrl')?.protocol, 'genetlink-legacy');
    assert.equal(byName.get('handshake')?.protocol, 'genetlink');
  });
});
