// `nlkit route show --json` writes its JSON text itself (ip-json.ts writeRoute), so its output is
// compared with `ip -j route show` byte for byte, not only as parsed values: every kind of route
// iproute2 prints differently, in each listing ip has.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ip, sh, useNetns } from '../helpers/netns.js';
import { ipBatch } from '../route/route-env.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const entry = path.join(root, 'src/cli/nlkit.ts');
const ns = useNetns('nlkit-route-json');

before(() => {
  // r2's peer stays down, so r2 has no carrier: routes through it print the linkdown flag. No
  // IPv6 link-local addresses, whose routes would appear between ip's listing and nlkit's.
  ipBatch(ns.name, [
    'link set lo up',
    'link add r1 type veth peer name r1p',
    'link add r2 type veth peer name r2p',
    'link set dev r1 addrgenmode none',
    'link set dev r1p addrgenmode none',
    'link set dev r2 addrgenmode none',
    'link set dev r1p up',
    'link set dev r1 up',
    'link set dev r2 up',
    'addr add 10.1.0.1/24 dev r1',
    'addr add 10.2.0.1/24 dev r2',
    'addr add 2001:db8::1/64 dev r1 nodad',
    'route add 10.10.0.0/16 via 10.1.0.2 metric 50 mtu 1400',
    'route add 10.11.0.0/24 dev r2 src 10.2.0.1 proto static',
    'route add 10.12.0.0/24 nexthop via 10.1.0.2 weight 3 nexthop via 10.2.0.2 dev r2',
    'route add blackhole 10.13.0.0/16',
    'route add unreachable 10.14.0.0/16 table 100',
    'route add prohibit 10.15.0.0/16 table 70000',
    'route add 10.16.0.9 dev r1 scope link proto 99',
    'route add 10.17.0.0/16 via 10.9.0.2 dev r1 onlink',
    'route add 10.18.0.0/16 dev r2 tos 0x10',
    'route add 10.18.1.0/24 dev r2 tos 0x28',
    'route add 2001:db8:5::/64 via 2001:db8::2 pref high',
    'route add 2001:db8:6::/64 dev r1 metric 7',
  ]);
});

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
