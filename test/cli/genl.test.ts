// `nlkit genl ...` as a user runs it: a child process, its output and exit status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sh, useNetns } from '../helpers/netns.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const entry = path.join(root, 'src/cli/nlkit.ts');
const ns = useNetns('nlkit-cli');

function nlkit(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: root, encoding: 'utf8', timeout: 30000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('genl list --json: the families genl ctrl list shows, with spec-named keys', () => {
  const r = nlkit('genl', 'list', '--json', '--netns', ns.name);
  assert.equal(r.status, 0, r.stderr);
  const list = JSON.parse(r.stdout) as Array<{ 'family-name': string; 'family-id': number; 'mcast-groups': Array<{ name: string; id: number }> }>;
  const names = [...sh('ip', ['netns', 'exec', ns.name, 'genl', 'ctrl', 'list']).matchAll(/^Name: (\S+)/gm)].map((m) => m[1]).sort();
  assert.deepEqual(list.map((f) => f['family-name']).sort(), names);
  const nlctrl = list.find((f) => f['family-name'] === 'nlctrl')!;
  assert.equal(nlctrl['family-id'], 16);
  assert.deepEqual(nlctrl['mcast-groups'], [{ name: 'notify', id: 16 }]);
});

test('genl list: an aligned table, one family a line', () => {
  const r = nlkit('genl', 'list', '-n', ns.name);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^FAMILY\s+ID\s+VERSION\s+HDRSIZE\s+MAXATTR\s+OPS\s+GROUPS$/);
  assert.match(lines.find((l) => l.startsWith('nlctrl '))!, /^nlctrl\s+0x10\s+\d+\s+0\s+\d+\s+\d+\s+notify$/);
  assert.equal(lines[1]!.indexOf('0x'), lines[0]!.indexOf('ID'), 'columns line up');
});

test('genl get by name and by id; policy spells out types', () => {
  const byName = nlkit('genl', 'get', 'nlctrl', '--json', '-n', ns.name);
  const byId = nlkit('genl', 'get', '0x10', '--json', '-n', ns.name);
  assert.equal(byName.status, 0, byName.stderr);
  assert.deepEqual(JSON.parse(byName.stdout), JSON.parse(byId.stdout));
  const pol = nlkit('genl', 'policy', 'nlctrl', '--op', '3', '-n', ns.name);
  assert.equal(pol.status, 0, pol.stderr);
  assert.match(pol.stdout, /^op 3: do policy 0, dump policy 0$/m);
  assert.match(pol.stdout, /attr {3}2: nul-string {2}max length 15/);
  const json = JSON.parse(nlkit('genl', 'policy', 'nlctrl', '--json', '-n', ns.name).stdout);
  assert.deepEqual(json.policy['0']['1'], { type: 'u16', 'min-value-u': 0, 'max-value-u': 65535 });
});

test('errors: one line with the errno code, exit 1; usage errors exit 2 with help', () => {
  const missing = nlkit('genl', 'get', 'nlkit-nope', '-n', ns.name);
  assert.equal(missing.status, 1);
  assert.equal(missing.stdout, '');
  assert.match(missing.stderr, /^nlkit: nlctrl getfamily family 'nlkit-nope': ENOENT .*\n$/);
  const noNs = nlkit('genl', 'list', '-n', 'nlkit-absent-ns');
  assert.equal(noNs.status, 1);
  assert.match(noNs.stderr, /^nlkit: .*ENOENT.*network namespace 'nlkit-absent-ns' does not exist.*\n$/);
  const usage = nlkit('genl', 'frobnicate');
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /unknown genl command 'frobnicate'[\s\S]*usage: nlkit genl list/);
  assert.equal(nlkit('genl', 'get').status, 2);
  assert.equal(nlkit('genl', 'list', '--bogus').status, 2);
  assert.equal(nlkit('--help').status, 0);
});

test('genl monitor streams until interrupted and exits 0', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, 'genl', 'monitor', '-n', ns.name], { cwd: root });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(child.exitCode, null, `still running (${stderr})`);
  child.kill('SIGINT');
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  assert.equal(code, 0, stderr);
});
