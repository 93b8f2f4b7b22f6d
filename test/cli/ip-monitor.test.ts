// `nlkit monitor --json` as a child process while `ip -batch` makes 1,000 changes in the
// namespace: every change arrives, in order, with the right kind and action; and when the
// monitor is made to fall behind (a 4 KiB receive buffer, its output unread for a while) the
// overrun is reported, the re-dump happens, and a view built from its lines equals ip -j's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { ip, ipJson, useNetns } from '../helpers/netns.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const entry = path.join(root, 'src/cli/nlkit.ts');
const ns = useNetns('nlkit-ip-monitor');
const run = promisify(execFile);

interface Line {
  kind: string;
  action?: string;
  origin?: string;
  object?: Record<string, unknown> & { addr_info?: Array<Record<string, unknown>> };
  added?: number;
  changed?: number;
  removed?: number;
}

/** The monitor as a process; `next(match)` reads lines until one matches (the others are kept in `lines`). */
class MonitorProcess {
  readonly lines: Line[] = [];
  private waiters: Array<() => void> = [];
  private ended = false;
  readonly child: ChildProcessWithoutNullStreams;
  stderr = '';

  constructor(args: string[]) {
    this.child = spawn(process.execPath, ['--import', 'tsx', entry, 'monitor', '--json', '--ready', '-n', ns.name, ...args], { cwd: root });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: this.child.stdout }).on('line', (l) => {
      this.lines.push(JSON.parse(l) as Line);
      for (const w of this.waiters.splice(0)) w();
    });
    this.child.on('exit', () => {
      this.ended = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Waits until a line matches (reading them all is the monitor's job; this only waits). */
  async until(match: (l: Line) => boolean, what: string): Promise<void> {
    const limit = Date.now() + 120_000;
    while (!this.lines.some(match)) {
      if (this.ended) throw new Error(`monitor exited before ${what}: ${this.stderr}`);
      if (Date.now() > limit) throw new Error(`no ${what} after 120 s; ${this.lines.length} lines`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 1000);
      });
    }
  }

  stop(): Promise<number | null> {
    return new Promise((resolve) => {
      if (this.ended) return resolve(this.child.exitCode);
      this.child.once('exit', (code) => resolve(code));
      this.child.kill('SIGINT');
    });
  }
}

interface Expect {
  kind: string;
  action: string;
  match: (o: Record<string, unknown> & { addr_info?: Array<Record<string, unknown>> }) => boolean;
  text: string;
}

/** 1,000 changes of links, addresses and routes, and the event each must produce. */
function batch(prefix: string): { lines: string[]; expect: Expect[] } {
  const lines: string[] = [];
  const expect: Expect[] = [];
  const add = (line: string, kind: string, action: string, match: Expect['match']): void => {
    lines.push(line);
    expect.push({ kind, action, match, text: line });
  };
  const local = (a: string): Expect['match'] => (o) => o.addr_info?.[0]?.local === a;
  for (let i = 0; i < 100; i++) add(`link add ${prefix}${i} type ifb`, 'link', 'added', (o) => o.ifname === `${prefix}${i}`);
  for (let i = 0; i < 50; i++) add(`link set ${prefix}${i} mtu 1400`, 'link', 'changed', (o) => o.ifname === `${prefix}${i}` && o.mtu === 1400);
  for (let i = 0; i < 250; i++) add(`addr add 10.80.${i}.1/32 dev ${prefix}${i % 100}`, 'addr', 'added', local(`10.80.${i}.1`));
  for (let i = 0; i < 300; i++) add(`route add 10.81.${i >> 8}.${i & 255}/32 dev lo`, 'route', 'added', (o) => o.dst === `10.81.${i >> 8}.${i & 255}`);
  for (let i = 0; i < 150; i++) add(`route del 10.81.${i >> 8}.${i & 255}/32 dev lo`, 'route', 'removed', (o) => o.dst === `10.81.${i >> 8}.${i & 255}`);
  for (let i = 0; i < 100; i++) add(`addr del 10.80.${i}.1/32 dev ${prefix}${i % 100}`, 'addr', 'removed', local(`10.80.${i}.1`));
  for (let i = 50; i < 100; i++) add(`link del ${prefix}${i}`, 'link', 'removed', (o) => o.ifname === `${prefix}${i}`);
  return { lines, expect };
}

/** Removes what a test made; what is already gone is fine. */
function cleanup(prefix: string): void {
  const names = ipJson<Array<{ ifname: string }>>(ns.name, 'link', 'show').map((l) => l.ifname).filter((n) => n.startsWith(prefix));
  for (const n of names) ip(ns.name, 'link', 'del', n);
  ip(ns.name, 'route', 'flush', 'root', '10.81.0.0/16');
}

function writeBatch(lines: string[]): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'nlkit-ip-monitor-')), 'batch');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

test('1,000 ip changes: every event arrives, in order, with the right kind and action', async () => {
  ip(ns.name, 'link', 'set', 'lo', 'up');
  const { lines, expect } = batch('t');
  assert.equal(lines.length, 1000);
  const file = writeBatch(lines);
  const m = new MonitorProcess([]);
  try {
    await m.until((l) => l.kind === 'ready', 'ready line');
    await run('ip', ['-n', ns.name, '-batch', file]);
    ip(ns.name, 'link', 'add', 'tmark', 'type', 'ifb');
    await m.until((l) => l.kind === 'link' && l.object?.ifname === 'tmark', 'the marker');
    const events = m.lines.filter((l) => l.kind !== 'ready');
    assert.ok(!events.some((l) => l.kind === 'resync' || l.origin === 'resync'), 'no overrun at default settings');
    let at = 0;
    for (const e of expect) {
      while (at < events.length && !(events[at]!.kind === e.kind && events[at]!.action === e.action && e.match(events[at]!.object!))) at++;
      assert.ok(at < events.length, `no ${e.kind} ${e.action} event for "${e.text}" (in order)`);
      at++;
    }
    // Nothing the batch did is missing from the kinds and actions seen either.
    for (const l of events) assert.ok(['link', 'addr', 'route', 'neigh', 'rule'].includes(l.kind) && ['added', 'changed', 'removed'].includes(l.action!), JSON.stringify(l));
  } finally {
    assert.equal(await m.stop(), 0, m.stderr);
    cleanup('t');
  }
});

type View = Map<string, string>;

function routeKey(r: Record<string, unknown>): string {
  return `route ${String(r.dst)} ${String(r.table ?? 'main')} ${String(r.metric ?? '')}`;
}

/** What ip -j shows of links (mtu), addresses and routes, as keys and values. */
function ipView(): View {
  const v: View = new Map();
  for (const l of ipJson<Array<{ ifindex: number; ifname: string; mtu: number }>>(ns.name, 'link', 'show')) v.set(`link ${l.ifindex}`, `${l.ifname} ${l.mtu}`);
  for (const l of ipJson<Array<{ ifindex: number; addr_info: Array<{ local: string; prefixlen: number }> }>>(ns.name, 'addr', 'show')) {
    for (const a of l.addr_info) v.set(`addr ${l.ifindex} ${a.local}/${a.prefixlen}`, '');
  }
  for (const r of [...ipJson<Array<Record<string, unknown>>>(ns.name, 'route', 'show', 'table', 'all')]) v.set(routeKey(r), String(r.dev ?? ''));
  return v;
}

function apply(v: View, l: Line): void {
  const o = l.object!;
  const keys: Array<[string, string]> =
    l.kind === 'link'
      ? [[`link ${String(o.ifindex)}`, `${String(o.ifname)} ${String(o.mtu)}`]]
      : l.kind === 'addr'
        ? o.addr_info!.map((a) => [`addr ${String(o.ifindex)} ${String(a.local)}/${String(a.prefixlen)}`, ''])
        : l.kind === 'route'
          ? [[routeKey(o), String(o.dev ?? '')]]
          : [];
  for (const [k, value] of keys) {
    if (l.action === 'removed') v.delete(k);
    else v.set(k, value);
  }
}

test('an overrun (--rcvbuf 4096, output unread during the batch): resync reported, re-dumped, the view built from the lines equals ip -j', async () => {
  ip(ns.name, 'link', 'set', 'lo', 'up');
  const { lines } = batch('u');
  const file = writeBatch(lines);
  const view = ipView();
  const m = new MonitorProcess(['link', 'addr', 'route', '--rcvbuf', '4096']);
  try {
    await m.until((l) => l.kind === 'ready', 'ready line');
    // Unread, the pipe fills and the monitor blocks writing; the kernel then has 4 KiB for it.
    m.child.stdout.pause();
    await run('ip', ['-n', ns.name, '-batch', file]);
    m.child.stdout.resume();
    ip(ns.name, 'link', 'add', 'umark', 'type', 'ifb');
    await m.until((l) => l.kind === 'link' && l.action === 'added' && l.object?.ifname === 'umark', 'the marker');
    // A second change after the first was seen: every line of a re-dump that carried the first is out before it.
    ip(ns.name, 'link', 'set', 'umark', 'mtu', '1300');
    await m.until((l) => l.kind === 'link' && l.object?.ifname === 'umark' && l.object.mtu === 1300, 'the second marker');
    const resyncs = m.lines.filter((l) => l.kind === 'resync');
    assert.ok(resyncs.length > 0, 'the overrun is reported');
    assert.ok(m.lines.some((l) => l.origin === 'resync'), 'the re-dump differences came as lines');
    for (const l of m.lines) if (l.kind !== 'ready' && l.kind !== 'resync') apply(view, l);
    assert.deepEqual([...view.entries()].sort(), [...ipView().entries()].sort());
  } finally {
    assert.equal(await m.stop(), 0, m.stderr);
    cleanup('u');
  }
});
