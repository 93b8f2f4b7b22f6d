// Whether monitor() keeps up with `ip -batch` making 20,000 route changes (10,000 adds, then
// their 10,000 deletions) in a private namespace, at default settings: the library in this
// process, then `nlkit monitor route --json` as a process writing to a pipe. Prints events
// received against expected, overruns, and how long after ip finished the last event came.
// Usage: npm run build && npm run bench:monitor [-- CHANGES]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { monitor } from '../src/route/monitor.js';
import { deleteNamespace } from './setup.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, '..', 'bin/nlkit.cjs');
const changes = Number(process.argv[2] ?? 20_000);
const half = changes >> 1;

function batchFile(ns: string): string {
  const lines: string[] = [];
  const dst = (i: number) => `10.${100 + ((i >> 16) & 127)}.${(i >> 8) & 255}.${i & 255}/32`;
  for (let i = 0; i < half; i++) lines.push(`route add ${dst(i)} dev lo`);
  for (let i = 0; i < half; i++) lines.push(`route del ${dst(i)} dev lo`);
  const file = path.join(here, 'c', 'out', `${ns}.monitor.batch`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Runs the batch in its own process (this one keeps reading meanwhile): how long ip took, and when it finished. */
function runBatch(ns: string, file: string): Promise<{ ms: number; end: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    spawn('ip', ['-n', ns, '-batch', file], { stdio: 'ignore' }).on('exit', (code) => {
      const end = performance.now();
      if (code === 0) resolve({ ms: end - t0, end });
      else reject(new Error(`ip -batch exit ${code}`));
    });
  });
}

function report(what: string, got: { added: number; removed: number; resyncs: number; lastAt: number }, ip: { ms: number; end: number }): void {
  const received = got.added + got.removed;
  console.log(`${what}:`);
  console.log(`  events ${received} of ${2 * half} expected (${got.added} added, ${got.removed} removed), lost ${2 * half - received}, overruns ${got.resyncs}`);
  console.log(`  ip -batch took ${ip.ms.toFixed(0)} ms; the last event came ${Math.max(0, got.lastAt - ip.end).toFixed(0)} ms after it finished`);
}

const ns = `nlkit-bench-${randomBytes(3).toString('hex')}`;
spawnSync('ip', ['netns', 'add', ns]);
spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
try {
  const file = batchFile(ns);
  const isBatch = (dst: string) => /^10\.(1[0-9][0-9]|2[0-2][0-9])\./.test(dst);

  // The library, in this process: the batch runs in a child while this loop counts.
  {
    const m = monitor({ netns: ns, route: true });
    await m.ready;
    const got = { added: 0, removed: 0, resyncs: 0, lastAt: 0 };
    const counting = (async () => {
      for await (const e of m) {
        if (e.kind === 'resync') got.resyncs++;
        else if (e.kind === 'route' && e.origin === 'notification' && isBatch(e.object.dst)) {
          got[e.action === 'added' ? 'added' : 'removed']++;
          got.lastAt = performance.now();
          if (got.added + got.removed === 2 * half) break;
        }
      }
    })();
    const ip = await runBatch(ns, file);
    const timer = setTimeout(() => m.close(), 10_000);
    await counting;
    clearTimeout(timer);
    m.close();
    report('monitor() (library, this process, default rcvbuf and highWaterMark)', got, ip);
  }

  // The CLI as a process, its JSON lines read from a pipe.
  if (existsSync(path.join(here, '..', 'dist/src/bundle/nlkit.cjs'))) {
    const child = spawn(process.execPath, [cli, 'monitor', 'route', '--json', '--ready', '-n', ns]);
    const got = { added: 0, removed: 0, resyncs: 0, lastAt: 0 };
    let ready!: () => void;
    const isReady = new Promise<void>((r) => (ready = r));
    let finished!: () => void;
    const allIn = new Promise<void>((r) => (finished = r));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const e = JSON.parse(line) as { kind: string; action?: string; origin?: string; object?: { dst: string } };
      if (e.kind === 'ready') return ready();
      if (e.kind === 'resync') got.resyncs++;
      else if (e.origin === undefined && isBatch(e.object!.dst)) {
        got[e.action === 'added' ? 'added' : 'removed']++;
        got.lastAt = performance.now();
        if (got.added + got.removed === 2 * half) finished();
      }
    });
    await isReady;
    const ip = await runBatch(ns, file);
    await Promise.race([allIn, new Promise((r) => setTimeout(r, 10_000))]);
    child.kill('SIGINT');
    report('nlkit monitor route --json (a process, its lines read from a pipe)', got, ip);
  } else {
    console.log('(nlkit monitor CLI skipped: run `npm run build` to measure bin/nlkit.cjs too)');
  }
} finally {
  deleteNamespace(ns);
}
