// The ip-style commands as a user runs them (child processes) in a namespace of the test's own:
// what ip made, nlkit shows as `ip -j` does; what nlkit makes, ip shows; bad input is one line
// on stderr, exit 1, and changes nothing; usage errors exit 2 with the help.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNetns, dadDone, deleteNetns, ip, ipJson, useNetns } from '../helpers/netns.js';
import { columns, useColour } from '../../src/cli/ip-table.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const entry = path.join(root, 'src/cli/nlkit.ts');
const ns = useNetns('nlkit-ip');

function nlkit(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `nlkit ARGS --json -n NS`, parsed; the run must succeed. */
function nlkitJson(...args: string[]): unknown {
  const r = nlkit(...args, '--json', '-n', ns.name);
  assert.equal(r.status, 0, `nlkit ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Runs nlkit in the namespace; it must succeed silently, as ip does. */
function change(...args: string[]): void {
  const r = nlkit(...args, '-n', ns.name);
  assert.equal(r.status, 0, `nlkit ${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stdout, '');
}

before(async () => {
  ip(ns.name, 'link', 'set', 'lo', 'up');
  ip(ns.name, 'link', 'add', 'va', 'address', '02:00:00:00:00:0a', 'type', 'veth', 'peer', 'name', 'vb', 'address', '02:00:00:00:00:0b');
  ip(ns.name, 'link', 'add', 'br0', 'type', 'bridge');
  ip(ns.name, 'link', 'set', 'vb', 'master', 'br0');
  ip(ns.name, 'link', 'set', 'va', 'mtu', '1400', 'up');
  ip(ns.name, 'link', 'set', 'vb', 'up');
  ip(ns.name, 'addr', 'add', '10.1.0.1/24', 'brd', '+', 'dev', 'va');
  ip(ns.name, 'addr', 'add', '10.1.0.2/24', 'dev', 'va');
  ip(ns.name, 'addr', 'add', '10.1.5.1', 'peer', '10.1.5.2/32', 'dev', 'va');
  ip(ns.name, 'addr', 'add', '2001:db8::1/64', 'dev', 'va', 'nodad');
  ip(ns.name, 'route', 'add', '10.2.0.0/16', 'via', '10.1.0.254', 'metric', '50');
  ip(ns.name, 'route', 'add', 'blackhole', '10.3.0.0/16');
  ip(ns.name, 'route', 'add', '10.4.0.0/24', 'dev', 'va', 'table', '100');
  ip(ns.name, '-6', 'route', 'add', '2001:db8:1::/48', 'via', '2001:db8::2', 'metric', '9');
  ip(ns.name, 'neigh', 'add', '10.1.0.9', 'lladdr', '02:00:00:00:00:09', 'dev', 'va', 'nud', 'permanent');
  ip(ns.name, 'rule', 'add', 'from', '10.9.0.0/16', 'table', '100', 'priority', '1000');
  ip(ns.name, 'rule', 'add', 'not', 'to', '10.8.0.0/16', 'fwmark', '0x10', 'table', '100', 'priority', '1001');
  ip(ns.name, 'rule', 'add', 'to', '10.7.0.0/16', 'iif', 'va', 'prohibit', 'priority', '1002');
  await dadDone(ns.name);
});

/**
 * nlkit's JSON equals ip's, read just before and just after it. Should the kernel change something
 * by itself in between (a link-local address, its route), the two ip readings differ and the
 * comparison is made again, so only a real difference fails.
 */
function sameAsIp(nlkitArgs: string[], ipArgs: string[], what: string): void {
  for (let i = 0; ; i++) {
    const before = ipJson(ns.name, ...ipArgs);
    const got = nlkitJson(...nlkitArgs);
    const after = ipJson(ns.name, ...ipArgs);
    if (i < 4 && !isDeepStrictEqual(before, after)) continue;
    assert.deepEqual(got, after, what);
    return;
  }
}

test('show --json: what ip made, as ip -j shows it (link, addr, route, neigh, rule; -4 and -6)', () => {
  const cases: string[][] = [
    ['link', 'show'],
    ['link', 'show', 'va'],
    ['addr', 'show'],
    ['addr', 'show', 'dev', 'va'],
    ['route', 'show'],
    ['route', 'show', 'table', 'all'],
    ['route', 'show', 'table', '100'],
    ['neigh', 'show'],
    ['rule', 'show'],
  ];
  for (const c of cases) sameAsIp(c, c, c.join(' '));
  for (const fam of ['-4', '-6']) {
    for (const c of [['addr', 'show'], ['route', 'show'], ['rule', 'show']]) sameAsIp([...c, fam], [fam, ...c], `${fam} ${c.join(' ')}`);
  }
});

test('the default output: aligned columns with a header', () => {
  const r = nlkit('link', '-n', ns.name);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^INDEX\s+NAME\s+STATE\s+MTU\s+ADDRESS\s+KIND\s+MASTER\s+FLAGS$/);
  const va = lines.find((l) => /^\d+\s+va\s/.test(l))!;
  assert.match(va, /^\d+\s+va\s+\S+\s+1400\s+02:00:00:00:00:0a\s+veth\s/);
  assert.equal(va.indexOf('1400'), lines[0]!.indexOf('MTU'), 'columns line up');
  assert.ok(!r.stdout.includes('\x1b['), 'no colour into a pipe');
  const routes = nlkit('route', '-n', ns.name).stdout.split('\n');
  assert.match(routes.find((l) => l.startsWith('10.2.0.0/16'))!, /^10\.2\.0\.0\/16\s+10\.1\.0\.254\s+va\s+main\s+50\s+boot\s+global\s+unicast/);
});

test('colour: only on a terminal, never with NO_COLOR; padding ignores the escape codes', () => {
  assert.equal(useColour(true, {}), true);
  assert.equal(useColour(false, {}), false);
  assert.equal(useColour(true, { NO_COLOR: '1' }), false);
  const out = columns(['NAME', 'MTU'], [[{ text: 'va', colour: 'name' }, '1400'], [{ text: 'longer', colour: 'name' }, '1500']], true).split('\n');
  const plain = out.map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''));
  assert.deepEqual(plain, ['NAME    MTU', 'va      1400', 'longer  1500']);
  assert.ok(out[1]!.startsWith('\x1b[36mva\x1b[0m'));
});

test('links made by nlkit, as ip sees them: veth, bridge, vxlan, macvlan, ifb; set and delete', () => {
  change('link', 'add', 'n0', 'type', 'veth', 'peer', 'name', 'n1');
  change('link', 'add', 'brx', 'type', 'bridge', 'stp_state', '0');
  change('link', 'set', 'n0', 'up', 'mtu', '1300', 'address', '02:00:00:00:01:00', 'master', 'brx');
  let n0 = ipJson<Array<Record<string, unknown>>>(ns.name, 'link', 'show', 'n0')[0]!;
  assert.equal(n0.link, 'n1');
  assert.equal(n0.mtu, 1300);
  assert.equal(n0.address, '02:00:00:00:01:00');
  assert.equal(n0.master, 'brx');
  assert.ok((n0.flags as string[]).includes('UP'));
  change('link', 'set', 'n0', 'nomaster', 'down', 'name', 'n0x');
  n0 = ipJson<Array<Record<string, unknown>>>(ns.name, 'link', 'show', 'n0x')[0]!;
  assert.equal(n0.master, undefined);
  assert.ok(!(n0.flags as string[]).includes('UP'));
  change('link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'remote', '10.9.9.9');
  const vx = ipJson<Array<{ linkinfo: { info_kind: string; info_data: { id: number; port: number; remote: string } } }>>(ns.name, '-d', 'link', 'show', 'vx0')[0]!;
  assert.deepEqual([vx.linkinfo.info_kind, vx.linkinfo.info_data.id, vx.linkinfo.info_data.port, vx.linkinfo.info_data.remote], ['vxlan', 42, 4789, '10.9.9.9']);
  change('link', 'add', 'link', 'n1', 'mv0', 'type', 'macvlan', 'mode', 'bridge');
  const mv = ipJson<Array<{ link: string; linkinfo: { info_kind: string; info_data: { mode: string } } }>>(ns.name, '-d', 'link', 'show', 'mv0')[0]!;
  assert.deepEqual([mv.link, mv.linkinfo.info_kind, mv.linkinfo.info_data.mode], ['n1', 'macvlan', 'bridge']);
  change('link', 'add', 'ifb0', 'type', 'ifb');
  assert.equal(ipJson<Array<{ linkinfo: { info_kind: string } }>>(ns.name, '-d', 'link', 'show', 'ifb0')[0]!.linkinfo.info_kind, 'ifb');
  // and nlkit's own listing agrees with ip's about all of them
  assert.deepEqual(nlkitJson('link', 'show'), ipJson(ns.name, 'link', 'show'));
  const other = createNetns('nlkit-ip-other');
  try {
    change('link', 'set', 'ifb0', 'netns', other);
    assert.equal(ipJson<unknown[]>(other, 'link', 'show', 'ifb0').length, 1);
    assert.ok(!ipJson<Array<{ ifname: string }>>(ns.name, 'link', 'show').some((l) => l.ifname === 'ifb0'));
  } finally {
    deleteNetns(other);
  }
  for (const l of ['mv0', 'vx0', 'brx', 'n0x']) change('link', 'del', l);
  assert.deepEqual(
    ipJson<Array<{ ifname: string }>>(ns.name, 'link', 'show').map((l) => l.ifname).sort(),
    ['br0', 'lo', 'va', 'vb'],
  );
});

test('addresses, routes, neighbours and rules made by nlkit, as ip sees them', () => {
  change('addr', 'add', '10.60.0.1/24', 'dev', 'va');
  change('addr', 'add', '2001:db8:60::1/64', 'dev', 'va', 'nodad');
  const info = ipJson<Array<{ addr_info: Array<{ local: string; prefixlen: number; nodad?: boolean }> }>>(ns.name, 'addr', 'show', 'va')[0]!.addr_info;
  assert.ok(info.some((a) => a.local === '10.60.0.1' && a.prefixlen === 24));
  assert.ok(info.some((a) => a.local === '2001:db8:60::1' && a.nodad === true));

  change('route', 'add', '10.61.0.0/16', 'via', '10.60.0.2', 'dev', 'va', 'metric', '7', 'table', '200');
  assert.deepEqual(ipJson(ns.name, 'route', 'show', 'table', '200'), [{ dst: '10.61.0.0/16', gateway: '10.60.0.2', dev: 'va', metric: 7, flags: [] }]);
  change('route', 'replace', '10.61.0.0/16', 'via', '10.60.0.3', 'dev', 'va', 'metric', '7', 'table', '200');
  assert.equal(ipJson<Array<{ gateway: string }>>(ns.name, 'route', 'show', 'table', '200')[0]!.gateway, '10.60.0.3');
  change('route', 'add', 'unreachable', '10.62.0.0/16');
  change('route', 'add', '2001:db8:62::/48', 'via', '2001:db8:60::2', 'dev', 'va');
  assert.ok(ipJson<Array<{ type?: string; dst: string }>>(ns.name, 'route', 'show').some((r) => r.type === 'unreachable' && r.dst === '10.62.0.0/16'));
  assert.ok(ipJson<Array<{ dst: string; gateway?: string }>>(ns.name, '-6', 'route', 'show').some((r) => r.dst === '2001:db8:62::/48' && r.gateway === '2001:db8:60::2'));
  assert.deepEqual(nlkitJson('route', 'show', 'table', 'all'), ipJson(ns.name, 'route', 'show', 'table', 'all'));

  change('neigh', 'add', '10.60.0.9', 'lladdr', '02:00:00:00:60:09', 'dev', 'va', 'nud', 'permanent');
  assert.deepEqual(
    ipJson<Array<{ dst: string }>>(ns.name, 'neigh', 'show').find((n) => n.dst === '10.60.0.9'),
    { dst: '10.60.0.9', dev: 'va', lladdr: '02:00:00:00:60:09', state: ['PERMANENT'] },
  );
  change('rule', 'add', 'from', '10.63.0.0/16', 'table', '200', 'priority', '900');
  assert.deepEqual(
    ipJson<Array<{ priority: number }>>(ns.name, 'rule', 'show').find((r) => r.priority === 900),
    { priority: 900, src: '10.63.0.0', srclen: 16, table: '200' },
  );
  assert.deepEqual(nlkitJson('rule', 'show'), ipJson(ns.name, 'rule', 'show'));

  change('rule', 'del', 'from', '10.63.0.0/16', 'table', '200', 'priority', '900');
  change('neigh', 'del', '10.60.0.9', 'dev', 'va');
  change('route', 'del', '10.61.0.0/16', 'table', '200');
  change('route', 'del', 'unreachable', '10.62.0.0/16');
  change('route', 'del', '2001:db8:62::/48');
  change('addr', 'del', '10.60.0.1/24', 'dev', 'va');
  change('addr', 'del', '2001:db8:60::1/64', 'dev', 'va');
  assert.ok(!ipJson<Array<{ priority: number }>>(ns.name, 'rule', 'show').some((r) => r.priority === 900));
  assert.ok(!ipJson<Array<{ dst: string }>>(ns.name, 'neigh', 'show').some((n) => n.dst === '10.60.0.9'));
  assert.deepEqual(ipJson(ns.name, 'route', 'show', 'table', '200'), []);
  assert.ok(!JSON.stringify(ipJson(ns.name, 'addr', 'show', 'va')).includes('10.60.0.1'));
});

/** Everything ip can show about the namespace, to prove a failed command changed nothing. */
function state(): string {
  return JSON.stringify([
    ipJson(ns.name, 'link', 'show'),
    ipJson(ns.name, 'addr', 'show'),
    ipJson(ns.name, 'route', 'show', 'table', 'all'),
    ipJson(ns.name, 'neigh', 'show'),
    ipJson(ns.name, 'rule', 'show'),
    ipJson(ns.name, '-6', 'rule', 'show'),
  ]);
}

test('bad input: one clear line on stderr, exit status 1, nothing changed', () => {
  const cases: Array<[string[], RegExp]> = [
    [['link', 'set', 'nope', 'up'], /link "nope" not found/],
    [['link', 'del', 'nope'], /link "nope" not found/],
    [['addr', 'add', '10.0.0.300/24', 'dev', 'va'], /10\.0\.0\.300\/24 is not an IPv4 CIDR/],
    [['addr', 'add', '10.70.0.1/24', 'dev', 'nope'], /link "nope" not found/],
    [['route', 'add', '10.70.0.0/16', 'via', '2001:db8::1'], /gateway 2001:db8::1 is IPv6, but route 10\.70\.0\.0\/16 is IPv4/],
    [['route', 'add', '10.70.0.0/33', 'dev', 'va'], /10\.70\.0\.0\/33 is not an IPv4 CIDR/],
    [['route', 'add', '10.70.0.1/16', 'dev', 'va'], /host bits set/],
    [['route', 'del', '10.71.0.0/16'], /route 10\.71\.0\.0\/16 table main not found/],
    [['neigh', 'add', '10.1.0.5', 'lladdr', 'zz:zz', 'dev', 'va'], /zz:zz is not a link-layer address/],
    [['link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vc'], /already exists/],
    [['link', 'set', 'va', 'mtu', 'big'], /mtu "big" is not a number/],
  ];
  const before = state();
  for (const [args, message] of cases) {
    const r = nlkit(...args, '-n', ns.name);
    assert.equal(r.status, 1, `${args.join(' ')}: exit ${r.status}, ${r.stderr}`);
    assert.equal(r.stdout, '', args.join(' '));
    assert.match(r.stderr, /^nlkit: [^\n]+\n$/, `${args.join(' ')}: one line`);
    assert.match(r.stderr, message, args.join(' '));
  }
  const missing = nlkit('link', 'show', '-n', 'nlkit-no-such-ns');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^nlkit: ENOENT: network namespace "nlkit-no-such-ns" not found[^\n]*\n$/);
  assert.equal(state(), before, 'ip -j shows the same before and after');
});

test('usage errors: exit 2 with the help', () => {
  for (const args of [['link', 'frobnicate'], ['route', 'add'], ['addr', 'add', '10.0.0.1/24'], ['link', 'add', 'x0'], ['monitor', 'links'], ['route', 'show', 'sideways']]) {
    const r = nlkit(...args, '-n', ns.name);
    assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status} ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^nlkit: .+\n\nnlkit: Netlink/);
    assert.match(r.stderr, /usage: nlkit route /);
  }
});
