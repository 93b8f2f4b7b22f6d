// A 100,000-route dump decoded into objects with the rt-route spec through the family object,
// against the C receive loop (bench/c/dump.c), nlkit's raw framed receive and `ip -j route show`
// (the whole process), all on the same table in the same run. Then the memory of streaming a
// 1,000,000-route dump, measured in a child process running the compiled package (npm run build's tsc).
// Usage: npm run bench:decode [-- ROUTES ROUNDS MEMORY_ROUTES]   (MEMORY_ROUTES 0 skips that part)
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NETLINK_ROUTE, NetlinkSocket } from '../src/index.js';
import { openFamily } from '../src/spec/index.js';
import { buildC, deleteNamespace, median, routeNamespace, runC } from './setup.js';

const RTM_NEWROUTE = 24;
const RTM_GETROUTE = 26;
const AF_INET = 2;
const self = fileURLToPath(import.meta.url);

/**
 * The memory child: plain node over the compiled package (tsx, a development tool, would add its
 * own tens of megabytes), streaming the dump and keeping nothing.
 */
const MEMORY_CHILD = `
const [, ns, entry] = process.argv;
const { openFamily } = await import(entry);
const fam = await openFamily('rt-route', { netns: ns });
const before = process.memoryUsage().rss;
let n = 0;
for await (const batch of fam.dump('getroute', { rtmFamily: 2 }).batches()) n += batch.length;
fam.close();
console.log(JSON.stringify({ routes: n, baseRss: before, maxRss: process.resourceUsage().maxRSS * 1024 }));
`;

function memoryRun(routes: number): void {
  const root = path.resolve(path.dirname(self), '..');
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  const entry = pathToFileURL(path.join(root, 'dist/src/spec/index.js')).href;
  const t0 = Date.now();
  const ns = routeNamespace(routes);
  try {
    console.log(`\nmemory: ${routes} routes set up in ${((Date.now() - t0) / 1000).toFixed(0)} s; streaming the dump in a child process (node on dist/)`);
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', MEMORY_CHILD, ns, entry], { encoding: 'utf8', env: process.env });
    if (r.status !== 0) throw new Error(`memory child failed: ${r.stderr}`);
    const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as { routes: number; baseRss: number; maxRss: number };
    const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
    console.log(`routes decoded: ${m.routes}   peak RSS ${mb(m.maxRss)} MB (target < 100 MB)   RSS before the dump ${mb(m.baseRss)} MB`);
  } finally {
    deleteNamespace(ns);
  }
}

async function speedRun(routes: number, rounds: number): Promise<void> {
  const ns = routeNamespace(routes);
  try {
    const c = buildC('dump');
    await using sock = await NetlinkSocket.open(NETLINK_ROUTE, { netns: ns });
    await using fam = await openFamily('rt-route', { netns: ns });
    const rtmsg = new Uint8Array(12);
    rtmsg[0] = AF_INET;

    async function framed(): Promise<[number, number]> {
      const t0 = process.hrtime.bigint();
      let n = 0;
      for await (const batch of sock.dump({ type: RTM_GETROUTE, payload: rtmsg }).batches()) for (let i = 0; i < batch.length; i++) if (batch.type(i) === RTM_NEWROUTE) n++;
      return [n, Number(process.hrtime.bigint() - t0)];
    }
    async function decoded(): Promise<[number, number, unknown]> {
      const t0 = process.hrtime.bigint();
      let n = 0;
      let last: unknown;
      for await (const batch of fam.dump('getroute', { rtmFamily: AF_INET }).batches()) {
        n += batch.length;
        last = batch[batch.length - 1];
      }
      return [n, Number(process.hrtime.bigint() - t0), last];
    }
    async function perObject(): Promise<[number, number]> {
      const t0 = process.hrtime.bigint();
      let n = 0;
      for await (const r of fam.getrouteDump({ rtmFamily: AF_INET })) if (r) n++;
      return [n, Number(process.hrtime.bigint() - t0)];
    }
    function ipRoute(): number {
      const t0 = process.hrtime.bigint();
      const r = spawnSync('ip', ['-n', ns, '-j', 'route', 'show'], { maxBuffer: 1 << 30 });
      if (r.status !== 0) throw new Error(`ip -j route show failed: ${r.stderr}`);
      return Number(process.hrtime.bigint() - t0);
    }

    const [, , sample] = await decoded();
    await framed();
    await perObject();
    const BLOCK = 5;
    const times = { c: [] as number[], framed: [] as number[], decoded: [] as number[], perObject: [] as number[], ip: [] as number[] };
    const counts = new Set<number>();
    for (let r = 0; r < rounds; r++) {
      for (const [cn, ct] of runC(c, ns, BLOCK + 1).slice(1)) {
        counts.add(cn);
        times.c.push(ct);
      }
      for (let i = 0; i < BLOCK; i++) {
        const [fn, ft] = await framed();
        const [dn, dt] = await decoded();
        const [pn, pt] = await perObject();
        for (const x of [fn, dn, pn]) counts.add(x);
        times.framed.push(ft);
        times.decoded.push(dt);
        times.perObject.push(pt);
      }
      times.ip.push(ipRoute());
    }
    if (counts.size !== 1) throw new Error(`the loops saw different route counts: ${[...counts].join(', ')}`);
    const ms = (t: number) => `${(t / 1e6).toFixed(1)} ms`.padStart(10);
    const cm = median(times.c);
    const line = (label: string, xs: number[]) => console.log(`${label.padEnd(48)}${ms(median(xs))}   ratio ${(median(xs) / cm).toFixed(2)}x`);
    console.log(`routes in dump: ${[...counts][0]}  (${rounds} blocks of ${BLOCK} rounds each, ip once a block; medians)`);
    console.log(`${'C recv loop (bench/c/dump.c)'.padEnd(48)}${ms(cm)}`);
    line('nlkit raw dump, batches() (framed only)', times.framed);
    line('rt-route getroute, decoded, batches()', times.decoded);
    line('rt-route getrouteDump(), for await per object', times.perObject);
    line('ip -j route show (whole process)', times.ip);
    console.log(`decoded / C: ${(median(times.decoded) / cm).toFixed(2)}x (target <= 1.5x); decoded / ip -j: ${(median(times.decoded) / median(times.ip)).toFixed(2)}x (target < 1)`);
    console.log(`a decoded route: ${JSON.stringify(sample, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);
  } finally {
    deleteNamespace(ns);
  }
}

const routes = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 3);
const memoryRoutes = Number(process.argv[4] ?? 1_000_000);
await speedRun(routes, rounds);
if (memoryRoutes > 0) memoryRun(memoryRoutes);
