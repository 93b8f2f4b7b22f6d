// A 100,000-route dump received and framed (no attribute decoding) by nlkit, against the C loop
// in bench/c/dump.c over the same namespace in the same run. Prints medians and the ratio.
// Usage: npm run bench [-- ROUTES ROUNDS]
// During a dump nlkit reads ahead on a thread-pool thread while JS frames the previous batch, so
// it gains from a second free core and the C loop does not; on a shared machine other processes
// take cores from both sides unevenly, and `chrt -f 10 npm run bench` (root) keeps them away
// for the run.
import { NETLINK_ROUTE, NetlinkSocket } from '../src/index.js';
import { buildC, deleteNamespace, median, routeNamespace, runC } from './setup.js';

const routes = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 5);
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
    for await (const batch of dump().batches()) for (let i = 0; i < batch.length; i++) if (batch.type(i) === 24) n++;
    return [n, Number(process.hrtime.bigint() - t0)];
  }

  // Both sides warm, in alternating blocks so drift hits both alike: each block runs the C
  // loop for BLOCK rounds in one process (its first round, cold, is dropped) and then nlkit for
  // BLOCK rounds.
  const BLOCK = 5;
  await perMessage();
  await perBatch();
  const cTimes: number[] = [];
  const msgTimes: number[] = [];
  const batchTimes: number[] = [];
  let counts = new Set<number>();
  for (let r = 0; r < rounds; r++) {
    for (const [cn, ct] of runC(c, ns, BLOCK + 1).slice(1)) {
      counts.add(cn);
      cTimes.push(ct);
    }
    for (let i = 0; i < BLOCK; i++) {
      const [mn, mt] = await perMessage();
      const [bn, bt] = await perBatch();
      counts = new Set([...counts, mn, bn]);
      msgTimes.push(mt);
      batchTimes.push(bt);
    }
  }
  if (counts.size !== 1) throw new Error(`the three loops saw different route counts: ${[...counts].join(', ')}`);
  const ms = (ns: number) => (ns / 1e6).toFixed(1);
  const cm = median(cTimes);
  console.log(`routes in dump: ${[...counts][0]}  (${rounds} blocks of 5 rounds each side, medians)`);
  console.log(`C recv loop (bench/c/dump.c):          ${ms(cm)} ms`);
  console.log(`nlkit dump, for await per message:     ${ms(median(msgTimes))} ms   ratio ${(median(msgTimes) / cm).toFixed(2)}x`);
  console.log(`nlkit dump, batches() (framed, offsets): ${ms(median(batchTimes))} ms   ratio ${(median(batchTimes) / cm).toFixed(2)}x`);
} finally {
  deleteNamespace(ns);
}
