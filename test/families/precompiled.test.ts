// The precompiled rt-* families (src/spec/compiled/): current with the specs and the code
// generator, the spec as loadSpec reads it, and a codec that decodes the kernel's messages and
// encodes requests exactly as the codec compiled from the YAML does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFamily, loadSpec, type FamilySpec } from '../../src/spec/index.js';
import { emitPrecompiled } from '../../src/spec/precompiled.js';
import { specTextHash } from '../../src/spec/load.js';
import { RT_FAMILIES, rtSpec, type RtFamilyName } from '../../src/route/specs.js';
import { NetlinkSocket } from '../../src/socket/index.js';
import { MessageWriter, NETLINK_ROUTE, NLMSG_HDRLEN } from '../../src/wire/index.js';
import { COMPILED_DIR, compiledFile } from '../../scripts/families.js';
import { ip, useNetns } from '../helpers/netns.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function fromYaml(name: RtFamilyName): Promise<FamilySpec> {
  return loadSpec(path.join(ROOT, 'specs', `${name}.yaml`));
}

test('the precompiled families are current: npm run gen would write them as they are', async () => {
  for (const name of RT_FAMILIES) {
    const file = path.join(ROOT, compiledFile(name));
    assert.ok(existsSync(file), `${compiledFile(name)} is missing: run npm run gen`);
    const fresh = emitPrecompiled(await fromYaml(name), 'camel', `specs/${name}.yaml`, specTextHash(readFileSync(path.join(ROOT, 'specs', `${name}.yaml`), 'utf8')));
    assert.ok(readFileSync(file, 'utf8') === fresh, `${compiledFile(name)} is stale: run npm run gen`);
  }
  const extra = readdirSync(path.join(ROOT, COMPILED_DIR)).filter((f) => !(RT_FAMILIES as readonly string[]).includes(f.replace(/\.ts$/, '')));
  assert.deepEqual(extra, [], 'precompiled files of families the route layer does not use');
});

test('a precompiled spec is the spec loadSpec reads, objects shared where they were', async () => {
  for (const name of RT_FAMILIES) {
    const pre = await rtSpec(name);
    const yaml = await fromYaml(name);
    assert.equal(pre.source, `specs/${name}.yaml`);
    assert.deepStrictEqual({ ...pre, source: '' }, { ...yaml, source: '' }, name);
    for (const set of pre.attributeSets.values()) for (const a of set.attributes) assert.equal(set.byName.get(a.name), a, `${name} ${set.name}.${a.name}`);
    for (const op of pre.operations) assert.equal(pre.operationsByName.get(op.name), op, `${name} ${op.name}`);
  }
});

const ns = useNetns('nlkit-precompiled');

/** Links, addresses, neighbours, rules and routes of several kinds, for the dumps to hold. */
function populate(ns: string): void {
  const cmds = [
    'link set lo up',
    'link add va type veth peer name vb',
    'link add br0 type bridge',
    'link set va up',
    'link set vb up',
    'addr add 10.1.0.1/24 dev va',
    'addr add 10.1.0.9/24 dev va',
    'addr add 2001:db8::1/64 dev va nodad',
    'neigh add 10.1.0.5 lladdr 02:00:00:00:00:05 dev va',
    'route add 10.20.0.0/16 via 10.1.0.2 metric 10 mtu 1400',
    'route add 10.21.0.0/16 nexthop via 10.1.0.2 weight 2 nexthop via 10.1.0.3',
    'route add blackhole 10.22.0.0/16 table 100',
    'route add 2001:db8:5::/64 via 2001:db8::2',
    'rule add from 10.9.0.0/16 table 100 priority 100',
  ];
  for (const c of cmds) ip(ns, ...c.split(' '));
}

const DUMPS: [RtFamilyName, string, object][] = [
  ['rt-link', 'getlink', {}],
  ['rt-addr', 'getaddr', { ifaFamily: 'unspec' }],
  ['rt-neigh', 'getneigh', { ndmFamily: 'unspec' }],
  ['rt-rule', 'getrule', { family: 'unspec' }],
  ['rt-route', 'getroute', { rtmFamily: 'unspec' }],
];

test('a precompiled codec encodes the dump requests and decodes the replies as the one compiled from the YAML', async () => {
  populate(ns.name);
  const sock = await NetlinkSocket.open(NETLINK_ROUTE, { netns: ns.name });
  try {
    for (const [name, opName, request] of DUMPS) {
      const [pre, yaml] = [await rtSpec(name), await fromYaml(name)];
      const [a, b] = [compileFamily(pre), compileFamily(yaml)];
      const [opA, opB] = [pre.operationsByName.get(opName)!, yaml.operationsByName.get(opName)!];
      const written = [a, b].map((codec, i) => {
        const w = new MessageWriter();
        codec.encodeMessage(w, i === 0 ? opA : opB, request);
        return w.finish();
      });
      assert.deepEqual(written[0], written[1], `${name} ${opName} request`);
      let messages = 0;
      const stream = sock.dump({ type: opA.dump!.request!.value, payload: written[0] }, { label: `${name} ${opName}` });
      for await (const batch of stream.batches()) {
        const view = batch.datagram.view;
        for (const off of batch.offsets) {
          const [start, end] = [off + NLMSG_HDRLEN, off + view.getUint32(off, true)];
          assert.deepStrictEqual(a.decodeMessage(opA, view, start, end), b.decodeMessage(opB, view, start, end), `${name} ${opName} message at ${off}`);
          messages++;
        }
      }
      assert.ok(messages > 0, `${name} ${opName}: the dump was empty`);
    }
  } finally {
    sock.close();
  }
});

test('loadSpec by name takes nlkit own rt-* spec from its precompiled module, and a spec earlier on the path or with other text from the file', async () => {
  for (const name of RT_FAMILIES) assert.equal(await loadSpec(name), await rtSpec(name), `${name}: the precompiled spec object`);
  const dir = mkdtempSync(path.join(tmpdir(), 'nlkit-spec-'));
  try {
    // The same family, its text changed by one comment: found first on the path, read from the file.
    writeFileSync(path.join(dir, 'rt-route.yaml'), `${readFileSync(path.join(ROOT, 'specs/rt-route.yaml'), 'utf8')}\n# changed\n`);
    const other = await loadSpec('rt-route', { paths: [dir] });
    assert.notEqual(other, await rtSpec('rt-route'));
    assert.equal(other.source, path.join(dir, 'rt-route.yaml'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
