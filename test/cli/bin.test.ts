// The installed command: bin/nlkit.js runs the bundle scripts/bundle.mjs makes from tsc's output
// (what `npm install` builds through `prepare`). The other CLI tests run the TypeScript sources;
// this one builds the bundle from the current sources, as `prepare` does, and runs it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ip, sh, useNetns } from '../helpers/netns.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin/nlkit.js');
const ns = useNetns('nlkit-bin');

function node(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
}

before(() => {
  for (const args of [[path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], [path.join(root, 'scripts/bundle.mjs')]]) {
    const r = node(args);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
  }
  ip(ns.name, 'link', 'add', 'b0', 'type', 'veth', 'peer', 'name', 'b1');
  ip(ns.name, 'link', 'set', 'b0', 'up');
  ip(ns.name, 'addr', 'add', '10.77.0.1/24', 'dev', 'b0');
  ip(ns.name, 'route', 'add', '10.78.0.0/16', 'via', '10.77.0.2', 'metric', '7');
});

test('bin/nlkit.js prints its usage and exits 0 with --help', () => {
  const r = node([bin, '--help']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /nlkit/);
  assert.match(r.stdout, /route/);
});

test('bin/nlkit.js route show --json prints what ip -j route show prints', () => {
  const r = node([bin, 'route', 'show', '--json', '-n', ns.name]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), sh('ip', ['-n', ns.name, '-j', 'route', 'show']).trim());
});

test('bin/nlkit.js loads lazily imported commands and specs from its chunks: link show, genl list', () => {
  const links = node([bin, 'link', 'show', 'dev', 'b0', '--json', '-n', ns.name]);
  assert.equal(links.status, 0, links.stderr);
  assert.equal((JSON.parse(links.stdout) as { ifname: string }[])[0]!.ifname, 'b0');
  const genl = node([bin, 'genl', 'list', '--json', '-n', ns.name]);
  assert.equal(genl.status, 0, genl.stderr);
  assert.ok((JSON.parse(genl.stdout) as { 'family-name': string }[]).some((f) => f['family-name'] === 'nlctrl'));
});

test('bin/nlkit.js: a missing namespace is one line on stderr and exit status 1', () => {
  const r = node([bin, 'route', 'show', '-n', 'nlkit-no-such-netns']);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /nlkit-no-such-netns/);
});
