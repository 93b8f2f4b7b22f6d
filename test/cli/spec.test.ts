// `nlkit spec ...` and `nlkit gen` as a user runs them: a child process, its output and status,
// checked against iproute2 and genl in a namespace of the test's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../spec/family-env.js';
import { generateTypes, loadSpec } from '../../src/spec/index.js';
import { ip, ipJson, sh, useNetns } from '../helpers/netns.js';

const entry = path.join(ROOT, 'src/cli/nlkit.ts');
const ns = useNetns('nlkit-cli-spec');

function nlkit(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json<T>(...args: string[]): T {
  const r = nlkit(...args, '-o', 'json', '-n', ns.name);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

type Obj = Record<string, unknown>;

test('dump: a JSON array with the spec names as keys, as the kernel YNL CLI prints it', () => {
  ip(ns.name, 'link', 'add', 'ca', 'address', '02:00:00:00:00:ca', 'type', 'veth', 'peer', 'name', 'cb');
  ip(ns.name, 'link', 'set', 'ca', 'mtu', '1300');
  const links = ipJson<Array<{ ifindex: number; ifname: string; mtu: number; address: string; flags: string[] }>>(ns.name, 'link', 'show');
  const devs = json<Obj[]>('spec', 'netdev', 'dump', 'dev-get');
  assert.deepEqual(devs.map((d) => d.ifindex).sort(), links.map((l) => l.ifindex).sort());
  const veth = devs.find((d) => d.ifindex === links.find((l) => l.ifname === 'ca')!.ifindex)!;
  assert.ok(Array.isArray(veth['xdp-features']) && (veth['xdp-features'] as string[]).includes('basic'), JSON.stringify(veth));
  // rt-link: the fixed header's fields merged at the top, display hints applied, flags by name.
  const rt = json<Obj[]>('spec', 'rt-link', 'dump', 'getlink');
  for (const want of links) {
    const got = rt.find((l) => l['ifi-index'] === want.ifindex)!;
    assert.equal(got.ifname, want.ifname);
    assert.equal(got.mtu, want.mtu);
    assert.equal(got.address, want.address);
    assert.deepEqual(
      (got['ifi-flags'] as string[]).filter((f) => f !== 'running').map((f) => f.toUpperCase().replace(/-/g, '_')).sort(),
      want.flags.filter((f) => f !== 'M-DOWN' && f !== 'NO-CARRIER').sort(), // ip's M-DOWN and NO-CARRIER are not ifi_flags bits
    );
    // 64-bit counters print as exact digits; absent attributes print nothing.
    assert.equal(typeof (got.stats64 as Obj)['rx-packets'], 'number');
    assert.ok(!Object.values(got).includes(null));
  }
});

test('do: one JSON object; the request from --json with spec names; a table by default', () => {
  const ca = ipJson<Array<{ ifindex: number }>>(ns.name, 'link', 'show', 'ca')[0]!.ifindex;
  const dev = json<Obj>('spec', 'netdev', 'do', 'dev-get', '--json', `{"ifindex": ${ca}}`);
  assert.equal(dev.ifindex, ca);
  const fam = json<Obj>('spec', 'nlctrl', 'do', 'getfamily', '--json', '{"family-name": "netdev"}');
  const ctrl = sh('ip', ['netns', 'exec', ns.name, 'genl', 'ctrl', 'get', 'name', 'netdev']);
  assert.equal(fam['family-id'], parseInt(/ID: (0x[0-9a-f]+)/.exec(ctrl)![1]!, 16));
  const groups = [...ctrl.matchAll(/ID-(0x[0-9a-f]+)\s+name: (\S+)/g)].map((m) => ({ id: parseInt(m[1]!, 16), name: m[2] }));
  assert.deepEqual(fam['mcast-groups'], groups);
  // A fixed-header field in the request: rt-route's family selects IPv4.
  ip(ns.name, 'link', 'set', 'ca', 'up');
  ip(ns.name, 'addr', 'add', '10.5.0.1/24', 'dev', 'ca');
  const routes = json<Obj[]>('spec', 'rt-route', 'dump', 'getroute', '--json', '{"rtm-family": 2}');
  // AF_INET: a number, or its name where the spec gives rtm-family an enum.
  assert.ok(routes.every((r) => r['rtm-family'] === 2 || r['rtm-family'] === 'inet'));
  assert.ok(routes.some((r) => r.dst === '10.5.0.0' && r['rtm-dst-len'] === 24 && r['rtm-type'] === 'unicast'));
  const table = nlkit('spec', 'netdev', 'do', 'dev-get', '--json', `{"ifindex": ${ca}}`, '-n', ns.name);
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /^ATTRIBUTE\s+VALUE\n/);
  assert.match(table.stdout, new RegExp(`^ifindex\\s+${ca}$`, 'm'));
});

test('do with request flags creates a link; the kernel error is one line with the extended ACK', async (t) => {
  const made = nlkit('spec', 'rt-link', 'do', 'newlink', '--json', '{"ifname": "cv", "linkinfo": {"kind": "veth"}}', '--create', '--excl', '-n', ns.name);
  assert.equal(made.status, 0, made.stderr);
  assert.equal(ipJson<unknown[]>(ns.name, 'link', 'show', 'cv').length, 1);
  const again = nlkit('spec', 'rt-link', 'do', 'newlink', '--json', '{"ifname": "cv", "linkinfo": {"kind": "veth"}}', '--create', '--excl', '-n', ns.name);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /^nlkit: rt-link newlink: EEXIST .*\n$/);
  const nodev = nlkit('spec', 'netdev', 'do', 'dev-get', '--json', '{"ifindex": 99999}', '-n', ns.name);
  assert.equal(nodev.status, 1);
  assert.equal(nodev.stdout, '');
  assert.match(nodev.stderr, /^nlkit: netdev dev-get: ENODEV \(no such device\)\n$/);
  // Refused before sending: the spec's checks.
  const checked = nlkit('spec', 'netdev', 'do', 'dev-get', '--json', '{"ifindex": 0}', '-n', ns.name);
  assert.equal(checked.status, 1);
  assert.match(checked.stderr, /^nlkit: netdev dev-get: \.ifindex: .*\n$/);
  const spec = await loadSpec('rt-link');
  if (!spec.subMessages.get('linkinfo-data-msg')?.formats.has('vxlan')) return t.skip('the rt-link spec in use has no vxlan format');
  const vx = nlkit('spec', 'rt-link', 'do', 'newlink', '--json', '{"ifname": "vx9", "linkinfo": {"kind": "vxlan", "data": {"id": 16777216}}}', '--create', '-n', ns.name);
  assert.equal(vx.status, 1);
  assert.match(vx.stderr, /^nlkit: rt-link newlink: ERANGE \(result too large\): VXLAN ID must be lower than 16777216 \(attribute \.linkinfo\.data\.id\)\n$/);
});

test('ops, attrs, policy: the spec, and the kernel policy named by it', () => {
  const ops = nlkit('spec', 'netdev', 'ops');
  assert.equal(ops.status, 0, ops.stderr);
  assert.match(ops.stdout, /^dev-get\s+yes\s+yes\s+1\s+1\s+dev$/m);
  const opsJson = json<Obj[]>('spec', 'rt-route', 'ops');
  assert.deepEqual(opsJson.find((o) => o.name === 'getroute'), { name: 'getroute', do: true, dump: true, 'request-value': 26, 'reply-value': 24, 'attribute-set': 'route-attrs', 'fixed-header': 'rtmsg' });
  const attrs = json<Array<{ name: string; attributes: Obj[] }>>('spec', 'netdev', 'attrs', 'dev');
  assert.equal(attrs.length, 1);
  assert.deepEqual(attrs[0]!.attributes.find((a) => a.name === 'ifindex'), { name: 'ifindex', id: 1, type: 'u32' });
  // genl ctrl policy: "op 1 policies: do=0 dump=1", "policy[0]:attr[1]: type=U32 range:[1,4294967295]"
  const kernel = sh('ip', ['netns', 'exec', ns.name, 'genl', 'ctrl', 'policy', 'name', 'netdev']);
  const [, doIdx, dumpIdx] = /op 1 policies: do=(\d+) dump=(\d+)/.exec(kernel)!;
  const pol = nlkit('spec', 'netdev', 'policy', '-n', ns.name);
  assert.equal(pol.status, 0, pol.stderr);
  assert.match(pol.stdout, new RegExp(`^dev-get: do policy ${doIdx}, dump policy ${dumpIdx}$`, 'm'));
  const [, min, max] = new RegExp(`policy\\[${doIdx}\\]:attr\\[1\\]: type=U32 range:\\[(\\d+),(\\d+)\\]`).exec(kernel)!;
  assert.match(pol.stdout, new RegExp(`^policy ${doIdx} \\(dev\\):\\n {2}ifindex {2}u32 {2}range \\[${min}, ${max}\\]$`, 'm'));
  const list = json<Array<{ name: string; path: string; protocol: string }>>('spec', 'list');
  for (const name of ['netdev', 'rt-link', 'nlctrl']) assert.ok(list.some((s) => s.name === name), name);
  assert.equal(list.find((s) => s.name === 'rt-link')!.protocol, 'netlink-raw');
});

test('usage errors exit 2 with help', () => {
  for (const args of [
    ['spec'],
    ['spec', 'netdev'],
    ['spec', 'netdev', 'frob'],
    ['spec', 'netdev', 'do'],
    ['spec', 'netdev', 'do', 'no-such-op'],
    ['spec', 'netdev', 'do', 'qstats-get'],
    ['spec', 'netdev', 'dump', 'dev-get', '--json', '{bad'],
    ['spec', 'netdev', 'dump', 'dev-get', '--json', '[1]'],
    ['spec', 'netdev', 'ops', '--json', '{}'],
    ['spec', 'netdev', 'dump', 'dev-get', '-o', 'yaml'],
    ['spec', 'netdev', 'dump', 'dev-get', '--create'],
    ['spec', 'netdev', 'subscribe'],
    ['gen'],
  ]) {
    const r = nlkit(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /nlkit spec <family\|path> do <op>/, args.join(' '));
  }
  const missing = nlkit('spec', 'no-such-family', 'ops');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^nlkit: no-such-family: no spec for family 'no-such-family' in /);
});

test('subscribe prints each notification as it comes, until interrupted', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, 'spec', 'rt-link', 'subscribe', 'rtnlgrp-link', '-o', 'json', '-n', ns.name], { cwd: ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  // Poke the link until the subscriber, once started, reports it.
  for (let mtu = 1400; mtu < 1440 && !stdout.includes('\n'); mtu++) {
    ip(ns.name, 'link', 'set', 'cb', 'mtu', String(mtu));
    await new Promise((r) => setTimeout(r, 500));
  }
  child.kill('SIGINT');
  assert.equal(await exited, 0, stderr);
  const first = JSON.parse(stdout.split('\n')[0]!) as { name: string; msg: Obj };
  assert.equal(first.name, 'newlink-ntf');
  assert.equal(first.msg.ifname, 'cb');
  assert.ok((first.msg.mtu as number) >= 1400);
  // --duration ends it by itself.
  const timed = nlkit('spec', 'netdev', 'subscribe', 'mgmt', '--duration', '1', '-n', ns.name);
  assert.equal(timed.status, 0, timed.stderr);
});

test('gen writes the types codegen makes, to a file or stdout', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'nlkit-gen-'));
  try {
    const file = path.join(dir, 'netdev.ts');
    const r = nlkit('gen', 'netdev', '-o', file, '--import-from', 'nlkit');
    assert.equal(r.status, 0, r.stderr);
    const want = generateTypes(await loadSpec('netdev'), { importFrom: 'nlkit' });
    assert.equal(readFileSync(file, 'utf8'), want);
    const out = nlkit('gen', 'netdev');
    assert.equal(out.stdout, want);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
