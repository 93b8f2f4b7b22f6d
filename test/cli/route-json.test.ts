// `nlkit route show --json` writes its JSON text itself (ip-json.ts routeJson), so its output is
// compared with `ip -j route show` byte for byte, not only as parsed values: every kind of route
// iproute2 prints differently, in each listing ip has.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ip, sh, useNetns } from '../helpers/netns.js';
import { addRouteKinds } from '../route/route-env.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const entry = path.join(root, 'src/cli/nlkit.ts');
const ns = useNetns('nlkit-route-json');

before(() => addRouteKinds(ns.name));

function nlkit(args: string[]): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', entry, 'route', 'show', '--json', '-n', ns.name, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `nlkit route show ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('route show --json is ip -j route show, byte for byte', () => {
  const listings = [[], ['table', 'all'], ['table', '100'], ['table', '70000'], ['table', 'local'], ['-6'], ['-6', 'table', 'all'], ['dev', 'r2'], ['proto', 'static'], ['type', 'blackhole']];
  const differ: string[] = [];
  for (const args of listings) {
    const family = args[0] === '-6' ? ['-6'] : [];
    const rest = family.length > 0 ? args.slice(1) : args;
    const theirs = sh('ip', ['-n', ns.name, '-j', ...family, 'route', 'show', ...rest]);
    assert.ok(theirs.length > 3, `ip -j route show ${args.join(' ')} listed nothing`);
    const mine = nlkit(args);
    if (mine !== theirs) differ.push(`route show ${args.join(' ')}:\n  nlkit ${mine}  ip    ${theirs}`);
  }
  assert.deepEqual(differ, []);
});

test('rule show --json names the tos as ip does', () => {
  ip(ns.name, 'rule', 'add', 'tos', '0x10', 'table', '100');
  const r = spawnSync(process.execPath, ['--import', 'tsx', entry, 'rule', 'show', '--json', '-n', ns.name], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, sh('ip', ['-n', ns.name, '-j', 'rule', 'show']));
});
