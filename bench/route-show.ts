// `nlkit route show --json` against `ip -j route show` over the same 100,000-route namespace,
// as whole processes (start-up included), alternating, in the same run. Prints the medians and
// the ratio; the two outputs are checked byte for byte first. Two sinks: a pipe read by this
// process (as a script consuming the JSON would), and /dev/null (the commands' own cost alone:
// ip writes 4 KiB at a time into a pipe and waits on its reader, which the first sink counts).
// nlkit runs as a user runs it: bin/nlkit.cjs executed as a command (its first lines start node).
// Usage: npm run build && npm run bench:route-show [-- ROUTES ROUNDS]
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deleteNamespace, median, routeNamespace } from './setup.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin/nlkit.cjs');
const routes = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 11);

if (!existsSync(path.join(root, 'dist/src/bundle/nlkit.cjs'))) {
  console.error('bench/route-show: run `npm run build` first (it runs the compiled CLI, bin/nlkit.cjs)');
  process.exit(2);
}

const devNull = openSync('/dev/null', 'w');

function timed(cmd: string, args: string[], sink: 'pipe' | 'null' = 'pipe'): { ms: number; out: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', sink === 'pipe' ? 'pipe' : devNull, 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return { ms, out: r.stdout };
}

const ns = routeNamespace(routes);
try {
  const ipArgs = ['-n', ns, '-j', 'route', 'show'];
  const nlkitArgs = ['route', 'show', '--json', '-n', ns];
  const theirs = timed('ip', ipArgs).out;
  if (timed(cli, nlkitArgs).out !== theirs) throw new Error('nlkit and ip printed different text');
  const a = JSON.parse(theirs) as unknown[];
  const ipTimes: number[] = [];
  const nlkitTimes: number[] = [];
  const ipNull: number[] = [];
  const nlkitNull: number[] = [];
  for (let i = 0; i < rounds; i++) {
    ipTimes.push(timed('ip', ipArgs).ms);
    nlkitTimes.push(timed(cli, nlkitArgs).ms);
    ipNull.push(timed('ip', ipArgs, 'null').ms);
    nlkitNull.push(timed(cli, nlkitArgs, 'null').ms);
  }
  const im = median(ipTimes);
  const nm = median(nlkitTimes);
  const imNull = median(ipNull);
  const nmNull = median(nlkitNull);
  const startup = median(Array.from({ length: 5 }, () => timed(cli, ['--help']).ms));
  console.log(`routes printed: ${a.length} (the same bytes from both), ${rounds} rounds alternating, medians`);
  console.log(`into a pipe this process reads:`);
  console.log(`ip -j route show:                  ${im.toFixed(0)} ms`);
  console.log(`nlkit route show --json:           ${nm.toFixed(0)} ms   ratio ${(nm / im).toFixed(2)}x (target <= 1.00)`);
  console.log(`  into /dev/null: ip ${imNull.toFixed(0)} ms, nlkit ${nmNull.toFixed(0)} ms   ratio ${(nmNull / imNull).toFixed(2)}x`);
  console.log(`  of which node + nlkit start-up:  ${startup.toFixed(0)} ms (nlkit --help)`);
} finally {
  deleteNamespace(ns);
  closeSync(devNull);
}
