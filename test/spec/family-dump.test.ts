// A family dump whose reply cannot be decoded. The kernel never sends a malformed route, so the
// fake kernel plays it: its rtnetlink answers RTM_GETROUTE dumps over the same NetlinkSocket code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NETLINK_ROUTE, NetlinkProtocolError } from '../../src/index.js';
import { openFamily } from '../../src/spec/index.js';
import { fakeKernel } from '../../src/testing/index.js';

const RTM_GETROUTE = 26;
const RTA_DST = 1;
const RTA_OIF = 4;
const AF_INET = 2;

function rtmsg(dstLen: number): Uint8Array {
  const h = new Uint8Array(12);
  h[0] = AF_INET;
  h[1] = dstLen;
  h[4] = 254; // RT_TABLE_MAIN
  return h;
}

test('a reply the spec cannot decode rejects the dump with NetlinkProtocolError, ends it, and the socket stays usable', async () => {
  // Small datagrams and many routes: a dump left running would fill its queue (64 datagrams),
  // stop the socket reading, and starve the dump that follows.
  await using kernel = fakeKernel({ service: { dumpBytes: 256 } });
  let broken = true;
  kernel.protocol(NETLINK_ROUTE).handle(RTM_GETROUTE, {
    *dump() {
      for (let i = 0; i < 1000; i++) {
        const bad = broken && i === 3;
        yield {
          header: rtmsg(32),
          // RTA_OIF is a u32; two bytes of it cannot be decoded.
          write: (w) => (w.binary(RTA_DST, new Uint8Array([10, 0, i >> 8, i & 255])), bad ? w.binary(RTA_OIF, new Uint8Array(2)) : w.u32(RTA_OIF, 1)),
        };
      }
    },
  });
  const sock = await kernel.socket(NETLINK_ROUTE);
  await using fam = await openFamily('rt-route', { socket: sock });
  const seen: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const batch of fam.dump('getroute', { rtmFamily: 'inet' }).batches()) for (const r of batch) seen.push((r as { dst: string }).dst);
    })(),
    (e: unknown) => e instanceof NetlinkProtocolError && /oif/.test(e.message),
  );
  assert.ok(seen.length < 3, 'the datagram holding the bad route yields nothing');
  broken = false;
  const all = await fam.dump('getroute', { rtmFamily: 'inet' }, { timeout: 5000 }).toArray();
  assert.equal(all.length, 1000);
  assert.equal((all[999] as { dst: string }).dst, '10.0.3.231');
  // The per-object iterator ends the dump the same way.
  broken = true;
  await assert.rejects(
    (async () => {
      for await (const r of fam.dump('getroute', { rtmFamily: 'inet' })) void r;
    })(),
    NetlinkProtocolError,
  );
  broken = false;
  // A dump paced two datagrams at a time still delivers every route.
  assert.equal((await fam.dump('getroute', { rtmFamily: 'inet' }, { timeout: 5000, highWaterMark: 2 }).toArray()).length, 1000);
});
