// A 100,000-route dump received and framed (no attribute decoding) by nlkit, against the C loop
// in bench/c/dump.c over the same namespace in the same run. Prints medians and the ratio.
// Usage: npm run bench [-- ROUTES ROUNDS]
import { NETLINK_ROUTE, NetlinkSocket } from '../src/index.js';
import { buildC, deleteNamespace, median, routeNamespace, runC } from './setup.js';

const routes = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 9);
const RTM_GETROUTE = 26;
const rtmsg = new Uint8Array(12);
rtmsg[0] = 2; // AF_INET

const ns = routeNamespace(routes);
try {
  const c = buildC('dump');
  await using sock = await NetlinkSocket.open(NETLINK_ROUTE, { netns: ns });
  const dump = () => sock.dump({ type: RTM_GETROUTE, payload: rtmsg });

  async function perMessage(): Promise<[number, number]> {
    const t0 = process.hrtime.bigint();
    let n = 0;
    for await (const m of dump()) if (m.type === 24) n++;
    return [n, Number(process.hrtime.bigint() - t0)];
  }
  async function perBatch(): Promise<[number, number]> {
    const t0 = process.hrtime.bigint();
    let n = 0;
    for await (const batch of dump().batches()) for (const m of batch) if (m.type === 24) n++;
    return [n, Number(process.hrtime.bigint() - t0)];
  }

  // Warm up both sides (JIT, kernel caches), then interleave rounds so drift hits both alike.
  runC(c, ns, 2);
  await perMessage();
  await perBatch();
  const cTimes: number[] = [];
  const msgTimes: number[] = [];
  const batchTimes: number[] = [];
  let counts = new Set<number>();
  for (let r = 0; r < rounds; r++) {
    const [[cn, ct]] = runC(c, ns, 1) as [[number, number]];
    const [mn, mt] = await perMessage();
    const [bn, bt] = await perBatch();
    counts = new Set([...counts, cn, mn, bn]);
    cTimes.push(ct);
    msgTimes.push(mt);
    batchTimes.push(bt);
  }
  if (counts.size !== 1) throw new Error(`the three loops saw different route counts: ${[...counts].join(', ')}`);
  const ms = (ns: number) => (ns / 1e6).toFixed(1);
  const cm = median(cTimes);
  console.log(`routes in dump: ${[...counts][0]}  (rounds: ${rounds}, medians)`);
  console.log(`C recv loop (bench/c/dump.c):          ${ms(cm)} ms`);
  console.log(`nlkit dump, for await per message:     ${ms(median(msgTimes))} ms   ratio ${(median(msgTimes) / cm).toFixed(2)}x`);
  console.log(`nlkit dump, for await per batch:       ${ms(median(batchTimes))} ms   ratio ${(median(batchTimes) / cm).toFixed(2)}x`);
} finally {
  deleteNamespace(ns);
}
