// RouteRecordReader reads route messages off the wire without the spec's decoder; what it reads
// must be what the decoder and the Route conveniences make of the same kernel messages, for every
// kind of route a listing meets, and malformed messages must fail as the decoders fail.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { routeRecords } from '../../src/route/client.js';
import { emptyRouteRecord, RouteRecordReader } from '../../src/route/route-record.js';
import type { Route, RouteRecord } from '../../src/route/routes.js';
import { rtSpec } from '../../src/route/specs.js';
import { NetlinkProtocolError } from '../../src/wire/index.js';
import { addRouteKinds, nsTest, withClient } from './route-env.js';

const KEYS = ['family', 'dst', 'src', 'rtmTos', 'type', 'protocol', 'scope', 'rtmFlags', 'table', 'oif', 'dev', 'gateway', 'prefsrc', 'metric', 'nhId', 'pref', 'metrics', 'nexthops'] as const;

/** The RouteRecord fields of a Route or a record, absent ones left out, metrics as ip prints them (the mtu). */
function fields(r: RouteRecord | Route): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of KEYS) {
    let v: unknown = r[k];
    if (k === 'rtmFlags') v = [...(v as unknown[])];
    if (k === 'metrics' && v !== undefined) v = { mtu: (v as { mtu?: number }).mtu };
    if (v !== undefined) out[k] = v;
  }
  return out;
}

nsTest('route records read off the wire equal the decoded Routes, for every kind of route', async (ns) => {
  addRouteKinds(ns);
  await withClient(ns, async (rt) => {
    const filter = { table: 'all', family: 'all' } as const;
    const { batches, read } = await routeRecords(rt, filter);
    const records: Record<string, unknown>[] = [];
    for await (const batch of batches) {
      for (let i = 0; i < batch.length; i++) {
        const r = read(batch, i);
        if (r !== undefined) records.push(fields(r));
      }
    }
    const routes = (await rt.routes(filter).toArray()).map(fields);
    assert.ok(routes.length >= 20, `only ${routes.length} routes listed`);
    assert.deepEqual(records, routes);
    // Each kind the reader handles apart from the rest was met.
    for (const k of ['nhId', 'nexthops', 'metrics', 'pref', 'src', 'prefsrc', 'gateway'] as const) assert.ok(records.some((r) => r[k] !== undefined), `no route with ${k}`);
    assert.ok(records.some((r) => r.table === 70000));
    assert.ok(records.some((r) => (r.rtmFlags as unknown[]).includes(4)), 'no onlink route (rtnh-flags bit 4 in rtm-flags)');

    // A filter keeps what it keeps for the Routes too.
    for (const f of [{ table: 100 }, { dev: 'r2' }, { protocol: 'static' }, { type: 'blackhole' }, { family: 'inet6' }] as const) {
      const got: unknown[] = [];
      const listing = await routeRecords(rt, f);
      for await (const batch of listing.batches) {
        for (let i = 0; i < batch.length; i++) {
          const r = listing.read(batch, i);
          if (r !== undefined) got.push(fields(r));
        }
      }
      assert.deepEqual(got, (await rt.routes(f).toArray()).map(fields), JSON.stringify(f));
    }
  });
});

/** A route message's payload: struct rtmsg, then attributes given as [type, payload]. */
function message(header: number[], attrs: [number, number[]][]): Uint8Array {
  const parts: number[] = [...header];
  for (const [type, data] of attrs) {
    const len = 4 + data.length;
    parts.push(len & 0xff, len >> 8, type & 0xff, type >> 8, ...data);
    while (parts.length % 4) parts.push(0);
  }
  return Uint8Array.from(parts);
}

const RTMSG = [2, 24, 0, 0, 254, 3, 0, 1, 0, 0, 0, 0]; // inet, /24, main, boot, universe, unicast

test('a record reader rejects malformed route messages by offset and reads the next one cleanly', async () => {
  const reader = new RouteRecordReader(await rtSpec('rt-route'), new Map([[3, 'eth0']]));
  const rec = emptyRouteRecord();
  const read = (b: Uint8Array): RouteRecord => reader.read(new DataView(b.buffer), b, 0, b.length, rec);
  const bad = (b: Uint8Array, offset: number, what: RegExp): void => {
    assert.throws(() => read(b), (e: unknown) => e instanceof NetlinkProtocolError && e.offset === offset && what.test(e.message));
  };
  bad(Uint8Array.from([2, 24, 0, 0]), 0, /struct rtmsg needs 12/);
  const past = message(RTMSG, [[1, [10, 0, 0, 0]]]);
  past[12] = 40; // nla_len of the dst attribute: past the message's end
  bad(past, 12, /claims 40 bytes, only 8 remain/);
  bad(message(RTMSG, [[4, [3, 0]]]), 12, /oif has 2 bytes, u32 needs 4/);
  bad(message(RTMSG, [[8, [6, 0, 2, 0, 0]]]), 16, /metrics attribute claims 6 bytes/);

  const full = read(message(RTMSG, [[1, [10, 1, 2, 0]], [4, [3, 0, 0, 0]], [5, [10, 1, 2, 1]], [6, [9, 0, 0, 0]], [8, [8, 0, 2, 0, 220, 5, 0, 0]], [200, [1, 2, 3, 4]]]));
  assert.deepEqual(fields(full), { family: 'inet', dst: '10.1.2.0/24', rtmTos: 0, type: 'unicast', protocol: 'boot', scope: 'universe', rtmFlags: [], table: 254, oif: 3, dev: 'eth0', gateway: '10.1.2.1', metric: 9, metrics: { mtu: 1500 } });
  // The same record, read again: nothing of the last route is left behind.
  const bare = read(message([10, 0, 0, 0, 255, 2, 254, 2, 0, 2, 0, 0], []));
  assert.deepEqual(fields(bare), { family: 'inet6', dst: 'default', rtmTos: 0, type: 'local', protocol: 'kernel', scope: 'host', rtmFlags: ['cloned'], table: 255 });
});
