// `nlkit route show --json` against `ip -j route show` over the same 100,000-route namespace,
// as whole processes (start-up included), alternating, in the same run. Prints the medians and
// the ratio; the two outputs are checked byte for byte first.
// Usage: npm run build && npm run bench:route-show [-- ROUTES ROUNDS]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deleteNamespace, median, routeNamespace } from './setup.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin/nlkit.js');
const routes = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 11);

if (!existsSync(path.join(root, 'dist/src/bundle/nlkit.js'))) {
  console.error('bench/route-show: run `npm run build` first (it runs the compiled CLI, bin/nlkit.js)');
  process.exit(2);
}

function timed(cmd: string, args: string[]): { ms: number; out: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return { ms, out: r.stdout };
}

const ns = routeNamespace(routes);
try {
  const ipArgs = ['-n', ns, '-j', 'route', 'show'];
  const nlkitArgs = [cli, 'route', 'show', '--json', '-n', ns];
  const theirs = timed('ip', ipArgs).out;
  if (timed(process.execPath, nlkitArgs).out !== theirs) throw new Error('nlkit and ip printed different text');
  const a = JSON.parse(theirs) as unknown[];
  const ipTimes: number[] = [];
  const nlkitTimes: number[] = [];
  for (let i = 0; i < rounds; i++) {
    ipTimes.push(timed('ip', ipArgs).ms);
    nlkitTimes.push(timed(process.execPath, nlkitArgs).ms);
  }
  const im = median(ipTimes);
  const nm = median(nlkitTimes);
  const startup = median(Array.from({ length: 5 }, () => timed(process.execPath, [cli, '--help']).ms));
  console.log(`routes printed: ${a.length} (the same bytes from both), ${rounds} rounds alternating, medians`);
  console.log(`ip -j route show:                  ${im.toFixed(0)} ms`);
  console.log(`nlkit route show --json:           ${nm.toFixed(0)} ms   ratio ${(nm / im).toFixed(2)}x (target <= 1.00)`);
  console.log(`  of which node + nlkit start-up:  ${startup.toFixed(0)} ms (nlkit --help)`);
} finally {
  deleteNamespace(ns);
}
