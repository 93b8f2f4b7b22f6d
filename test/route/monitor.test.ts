// monitor(): rtnetlink changes made with `ip` in a namespace of the test's own arrive as typed
// events in order, 'changed' is right from the first event, the IPv4 routes the kernel drops
// silently are reported, and after an overrun the re-dumped view equals what `ip -j` shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { monitor, type Monitor, type MonitorEvent } from '../../src/route/monitor.js';
import { NetlinkError } from '../../src/wire/index.js';
import { ip, ipJson, useNetns } from '../helpers/netns.js';

const ns = useNetns('nlkit-monitor');
const run = promisify(execFile);

type Obj = Record<string, unknown>;

/** Reads events until `done` says so; a monitor that stalls is closed after a generous limit rather than hanging the run. */
async function readUntil(m: Monitor, done: (e: MonitorEvent, all: MonitorEvent[]) => boolean, each?: (e: MonitorEvent) => Promise<void>): Promise<MonitorEvent[]> {
  const all: MonitorEvent[] = [];
  const guard = setTimeout(() => m.close(new Error('no matching event within 60 s')), 60_000);
  try {
    for await (const e of m) {
      all.push(e);
      if (each) await each(e);
      if (done(e, all)) break;
    }
  } finally {
    clearTimeout(guard);
  }
  return all;
}

interface Want {
  kind: string;
  action: string;
  match: (o: Obj) => boolean;
}

/** The indexes in `events` of each wanted change, in order (a subsequence: the kernel says more than was asked). */
function findInOrder(events: MonitorEvent[], wants: Want[]): number[] {
  const at: number[] = [];
  let i = 0;
  for (const w of wants) {
    while (i < events.length) {
      const e = events[i++]!;
      if (e.kind === w.kind && e.kind !== 'resync' && e.action === w.action && w.match(e.object as unknown as Obj)) {
        at.push(i - 1);
        break;
      }
    }
    assert.equal(at.length, wants.indexOf(w) + 1, `no ${w.kind} ${w.action} matching ${w.match} after event ${at.at(-1) ?? -1}: ${describe(events)}`);
  }
  return at;
}

function describe(events: MonitorEvent[]): string {
  return events
    .map((e) => (e.kind === 'resync' ? 'resync' : `${e.kind} ${e.action} ${JSON.stringify(e.object, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)).slice(0, 90)}`))
    .join('\n');
}

const TABLES: Record<string, number> = { main: 254, local: 255, default: 253 };

/** ip -j's routes as `dst table metric` (dst as ip prints it: "default", "10.0.0.0/24", a bare host address). */
function ipRouteKeys(version: 4 | 6): string[] {
  const rows = ipJson<Array<{ dst: string; table?: string; metric?: number }>>(ns.name, `-${version}`, 'route', 'show', 'table', 'all');
  return rows.map((r) => `${r.dst} ${TABLES[r.table ?? 'main'] ?? Number(r.table)} ${r.metric ?? 0}`).sort();
}

function viewRouteKeys(m: Monitor, version: 4 | 6): string[] {
  return m
    .snapshot()
    .route!.filter((r) => r.family === (version === 4 ? 'inet' : 'inet6'))
    .map((r) => `${r.dst} ${r.table} ${r.metric ?? 0}`)
    .sort();
}

function ipAddrKeys(): string[] {
  return ipJson<Array<{ ifindex: number; addr_info: Array<{ local: string; prefixlen: number }> }>>(ns.name, 'addr', 'show')
    .flatMap((l) => l.addr_info.map((a) => `${l.ifindex} ${a.local}/${a.prefixlen}`))
    .sort();
}

function viewAddrKeys(m: Monitor): string[] {
  return m.snapshot().addr!.map((a) => `${a.index} ${a.cidr}`).sort();
}

test('every kind: changes made with ip arrive in order, typed, with the right action', async () => {
  ip(ns.name, 'link', 'add', 'pre0', 'type', 'veth', 'peer', 'name', 'pre1');
  await using m = monitor({ netns: ns.name });
  await m.ready;
  assert.deepEqual(m.kinds, ['link', 'addr', 'route', 'neigh', 'rule']);
  const view = m.snapshot();
  assert.deepEqual((view.link as unknown as Obj[]).map((l) => l.ifname).sort(), ipJson<Array<{ ifname: string }>>(ns.name, 'link', 'show').map((l) => l.ifname).sort());

  const steps: string[][] = [
    ['link', 'set', 'pre0', 'mtu', '1400'],
    ['link', 'add', 'm0', 'type', 'veth', 'peer', 'name', 'm1'],
    ['addr', 'add', '10.30.0.1/24', 'dev', 'm0'],
    ['link', 'set', 'm0', 'up'],
    ['link', 'set', 'm1', 'up'],
    ['route', 'add', '10.31.0.0/16', 'via', '10.30.0.2'],
    ['route', 'replace', '10.31.0.0/16', 'via', '10.30.0.3'],
    ['neigh', 'add', '10.30.0.9', 'lladdr', '02:00:00:00:00:09', 'dev', 'm0', 'nud', 'permanent'],
    ['neigh', 'change', '10.30.0.9', 'lladdr', '02:00:00:00:00:0a', 'dev', 'm0', 'nud', 'permanent'],
    ['neigh', 'del', '10.30.0.9', 'dev', 'm0'],
    ['rule', 'add', 'from', '10.32.0.0/16', 'table', '100', 'priority', '500'],
    ['rule', 'del', 'from', '10.32.0.0/16', 'table', '100', 'priority', '500'],
    ['route', 'del', '10.31.0.0/16'],
    ['addr', 'del', '10.30.0.1/24', 'dev', 'm0'],
    ['link', 'del', 'm0'],
  ];
  const reader = readUntil(m, (e) => e.kind === 'link' && e.action === 'removed' && (e.object as unknown as Obj).ifname === 'm1');
  for (const s of steps) ip(ns.name, ...s);
  const events = await reader;

  const m0 = (o: Obj) => o.name === 'm0';
  const addr = (o: Obj) => o.cidr === '10.30.0.1/24' && o.dev === 'm0';
  const route = (gw: string) => (o: Obj) => o.dst === '10.31.0.0/16' && o.gateway === gw && o.dev === 'm0';
  const neigh = (mac: string) => (o: Obj) => o.dst === '10.30.0.9' && o.lladdr === mac && o.dev === 'm0';
  const rule = (o: Obj) => o.from === '10.32.0.0/16' && o.priority === 500 && o.table === 100;
  findInOrder(events, [
    { kind: 'link', action: 'changed', match: (o) => o.ifname === 'pre0' && o.mtu === 1400 },
    { kind: 'link', action: 'added', match: m0 },
    { kind: 'addr', action: 'added', match: addr },
    { kind: 'link', action: 'changed', match: (o) => m0(o) && o.up === true },
    { kind: 'route', action: 'added', match: route('10.30.0.2') },
    { kind: 'route', action: 'changed', match: route('10.30.0.3') },
    { kind: 'neigh', action: 'added', match: neigh('02:00:00:00:00:09') },
    { kind: 'neigh', action: 'changed', match: neigh('02:00:00:00:00:0a') },
    { kind: 'neigh', action: 'removed', match: (o) => o.dst === '10.30.0.9' },
    { kind: 'rule', action: 'added', match: rule },
    { kind: 'rule', action: 'removed', match: rule },
    { kind: 'route', action: 'removed', match: (o) => o.dst === '10.31.0.0/16' },
    { kind: 'addr', action: 'removed', match: addr },
    { kind: 'link', action: 'removed', match: m0 },
  ]);
  // m1 came with m0 and went with it.
  findInOrder(events, [
    { kind: 'link', action: 'added', match: (o) => o.ifname === 'm1' },
    { kind: 'link', action: 'removed', match: (o) => o.ifname === 'm1' },
  ]);
  assert.ok(events.every((e) => e.kind !== 'resync' && e.origin !== 'resync'), 'no overrun at default settings');
  // The event's object is the kernel's: ifindex as ip -j shows it.
  const pre = events.find((e) => e.kind === 'link' && e.object.name === 'pre0');
  assert.equal(pre?.kind === 'link' && pre.object.index, ipJson<Array<{ ifindex: number }>>(ns.name, 'link', 'show', 'pre0')[0]!.ifindex);
  assert.deepEqual(viewRouteKeys(m, 4), ipRouteKeys(4));
  assert.deepEqual(viewRouteKeys(m, 6), ipRouteKeys(6));
  assert.deepEqual(viewAddrKeys(m), ipAddrKeys());
  ip(ns.name, 'link', 'del', 'pre0');
});

test('routes only: no link or address events, and the IPv4 routes a downed device loses are reported removed', async () => {
  ip(ns.name, 'link', 'set', 'lo', 'up');
  ip(ns.name, 'link', 'add', 'f0', 'type', 'veth', 'peer', 'name', 'f1');
  ip(ns.name, 'link', 'set', 'f0', 'up');
  ip(ns.name, 'addr', 'add', '10.40.0.1/24', 'dev', 'f0');
  ip(ns.name, 'route', 'add', '10.41.0.0/16', 'via', '10.40.0.2');
  await using m = monitor({ netns: ns.name, route: true });
  await m.ready;
  assert.deepEqual(m.kinds, ['route']);
  assert.deepEqual(Object.keys(m.snapshot()), ['route']);
  const reader = readUntil(m, (e) => e.kind === 'route' && e.action === 'added' && (e.object as unknown as Obj).dst === '10.42.0.0/16');
  ip(ns.name, 'link', 'set', 'f0', 'down');
  ip(ns.name, 'route', 'add', '10.42.0.0/16', 'dev', 'lo');
  const events = await reader;
  assert.ok(events.every((e) => e.kind === 'route'), describe(events));
  const flushed = events.filter((e) => e.kind === 'route' && e.origin === 'flush').map((e) => (e.kind === 'route' ? e.object.dst : ''));
  // ip monitor shows no deletion for these: the kernel flushes them silently.
  assert.deepEqual(flushed.sort(), ['10.40.0.0/24', '10.40.0.255', '10.41.0.0/16']);
  assert.deepEqual(viewRouteKeys(m, 4), ipRouteKeys(4));
  ip(ns.name, 'route', 'del', '10.42.0.0/16', 'dev', 'lo');
  ip(ns.name, 'link', 'del', 'f0');
});

test('an overrun (a tiny receive buffer, nobody reading): the resync is reported and the view equals ip -j afterwards', async () => {
  ip(ns.name, 'link', 'set', 'lo', 'up');
  const dir = mkdtempSync(path.join(tmpdir(), 'nlkit-monitor-'));
  const file = path.join(dir, 'batch');
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) lines.push(`route add 10.50.${i >> 8}.${i & 255}/32 dev lo`);
  for (let i = 0; i < 3000; i += 3) lines.push(`route del 10.50.${i >> 8}.${i & 255}/32 dev lo`);
  for (let i = 0; i < 200; i++) lines.push(`addr add 10.51.${i >> 8}.${i & 255}/32 dev lo`);
  writeFileSync(file, `${lines.join('\n')}\n`);

  await using m = monitor({ netns: ns.name, route: true, addr: true, rcvbuf: 4096, highWaterMark: 8 });
  await m.ready;
  // Nobody reads during the batch: 8 notifications fill the monitor's buffer, the socket stops
  // reading, and the kernel has room for a few more in 4 KiB.
  await run('ip', ['-n', ns.name, '-batch', file]);
  // A last change after the batch: once it is seen, everything before it has been (ordering).
  ip(ns.name, 'route', 'add', '10.59.0.1/32', 'dev', 'lo');
  let marker = false;
  const events = await readUntil(m, (e, all) => {
    marker ||= e.kind === 'route' && e.action === 'added' && (e.object as unknown as Obj).dst === '10.59.0.1';
    // and the changes of the last resync, all of them
    const last = all.findLastIndex((x) => x.kind === 'resync');
    const r = all[last];
    return marker && (r?.kind !== 'resync' || all.length - 1 - last >= r.added + r.changed + r.removed);
  });
  const resyncs = events.filter((e) => e.kind === 'resync');
  assert.ok(resyncs.length > 0 && m.resyncs === resyncs.length, 'the overrun is reported');
  for (const r of resyncs) {
    assert.ok(r.kind === 'resync' && r.error instanceof NetlinkError && r.error.code === 'ENOBUFS');
    // Its differences follow it, as many as it counts.
    const i = events.indexOf(r);
    const after = events.slice(i + 1, i + 1 + r.added + r.changed + r.removed);
    for (const a of ['added', 'changed', 'removed'] as const) {
      assert.equal(after.filter((e) => e.kind !== 'resync' && e.origin === 'resync' && e.action === a).length, r[a], `${a} after resync ${i}`);
    }
  }
  // What the resyncs said, and what notifications said, together built ip's picture.
  assert.ok(events.some((e) => e.kind !== 'resync' && e.origin === 'resync'), 'the differences came as changes');
  assert.deepEqual(viewRouteKeys(m, 4), ipRouteKeys(4));
  assert.deepEqual(viewRouteKeys(m, 6), ipRouteKeys(6));
  assert.deepEqual(viewAddrKeys(m), ipAddrKeys());
  // A consumer applying the events itself ends with the same set.
  const mine = new Map<string, Obj>();
  const key = (o: Obj) => `${String(o.family)} ${String(o.table)} ${String(o.dst)} ${String(o.metric ?? 0)}`;
  for (const e of events) {
    if (e.kind !== 'route') continue;
    const o = e.object as unknown as Obj;
    if (e.action === 'removed') mine.delete(key(o));
    else mine.set(key(o), o);
  }
  const batchRoutes = [...mine.values()].filter((o) => String(o.dst).startsWith('10.50.')).length;
  assert.equal(batchRoutes, 2000);
  ip(ns.name, 'route', 'flush', 'dev', 'lo', 'table', 'main');
});

test('signal, await using, and a missing namespace', async () => {
  const ac = new AbortController();
  const m = monitor({ netns: ns.name, link: true, signal: ac.signal });
  await m.ready;
  const pending = m.next();
  ac.abort(new Error('stop here'));
  await assert.rejects(pending, /stop here/);
  assert.deepEqual(await m.next(), { value: undefined, done: true });

  {
    await using used = monitor({ netns: ns.name, rule: true });
    await used.ready;
  }

  const missing = monitor({ netns: 'nlkit-no-such-ns' });
  await assert.rejects(missing.ready, (e: unknown) => e instanceof NetlinkError && e.code === 'ENOENT' && /nlkit-no-such-ns/.test(e.message));
  await assert.rejects(missing.next(), (e: unknown) => e instanceof NetlinkError && e.code === 'ENOENT');
});
