// The installed command: bin/nlkit.cjs runs the bundle scripts/bundle.mjs makes from tsc's output
// (what `npm install` builds through `prepare`), with V8's code cache of it. The other CLI tests
// run the TypeScript sources; this one builds the bundle from the current sources, as `prepare`
// does, and runs it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ip, sh, useNetns } from '../helpers/netns.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin/nlkit.cjs');
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

test('bin/nlkit.cjs prints its usage and exits 0 with --help', () => {
  const r = node([bin, '--help']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /nlkit/);
  assert.match(r.stdout, /route/);
});

test('bin/nlkit.cjs route show --json prints what ip -j route show prints', () => {
  const r = node([bin, 'route', 'show', '--json', '-n', ns.name]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), sh('ip', ['-n', ns.name, '-j', 'route', 'show']).trim());
});

test('bin/nlkit.cjs runs lazily loaded commands and specs: link show, genl list', () => {
  const links = node([bin, 'link', 'show', 'dev', 'b0', '--json', '-n', ns.name]);
  assert.equal(links.status, 0, links.stderr);
  assert.equal((JSON.parse(links.stdout) as { ifname: string }[])[0]!.ifname, 'b0');
  const genl = node([bin, 'genl', 'list', '--json', '-n', ns.name]);
  assert.equal(genl.status, 0, genl.stderr);
  assert.ok((JSON.parse(genl.stdout) as { 'family-name': string }[]).some((f) => f['family-name'] === 'nlctrl'));
});

test('bin/nlkit.cjs: a missing namespace is one line on stderr and exit status 1', () => {
  const r = node([bin, 'route', 'show', '-n', 'nlkit-no-such-netns']);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /nlkit-no-such-netns/);
});

test('bin/nlkit.cjs: the build leaves a code cache; a missing or foreign one is written again and never changes the output', () => {
  const cache = path.join(root, 'dist/src/bundle/nlkit.cjs.cache');
  assert.ok(existsSync(cache), 'scripts/bundle.mjs made no code cache');
  const expected = sh('ip', ['-n', ns.name, '-j', 'route', 'show']).trim();
  const show = (): string => {
    const r = node([bin, 'route', 'show', '--json', '-n', ns.name]);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  rmSync(cache);
  assert.equal(show(), expected);
  assert.ok(existsSync(cache), 'a run without a cache did not write one');
  // Bytes V8 cannot use (as a cache from another node version would be): rejected, the command
  // runs from the source, and a usable cache replaces them.
  writeFileSync(cache, Buffer.alloc(4096, 0x5a));
  assert.equal(show(), expected);
  assert.notDeepEqual(readFileSync(cache).subarray(0, 4096), Buffer.alloc(4096, 0x5a));
  assert.equal(show(), expected);
});

test('bin/nlkit.cjs: nlkit example imports its program at run time, with the code cache in use', () => {
  assert.ok(existsSync(path.join(root, 'dist/src/bundle/nlkit.cjs.cache')));
  // The classic variant has nothing to resolve: the program itself says so, which it can only do
  // once it has been imported (an import() without a module loader fails before that).
  const r = node([bin, 'example', 'resolve', '--variant', 'classic']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /only the genl variant has a family to resolve/);
});

test('bin/nlkit.cjs run as a command: its arguments pass through whole, and node starts without NODE_EXTRA_CA_CERTS', () => {
  // node 20 reads the file NODE_EXTRA_CA_CERTS names at start-up and warns when it cannot: the
  // warning is how a test sees whether the variable reached node.
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: '/nonexistent/nlkit-test-ca.pem' };
  const direct = spawnSync(process.execPath, [bin, '--help'], { cwd: root, encoding: 'utf8', env });
  assert.match(direct.stderr, /extra certs/i, 'node run on the file directly should have seen the variable');
  const r = spawnSync(bin, ['link', 'show', 'dev', 'no such link', '-n', ns.name], { cwd: root, encoding: 'utf8', env });
  assert.equal(r.status, 1);
  assert.doesNotMatch(r.stderr, /extra certs/i);
  assert.match(r.stderr, /no such link/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  const routes = spawnSync(bin, ['route', 'show', '--json', '-n', ns.name], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_EXTRA_CA_CERTS: '' } });
  assert.equal(routes.status, 0, routes.stderr);
  assert.equal(routes.stdout.trim(), sh('ip', ['-n', ns.name, '-j', 'route', 'show']).trim());
});
