// The address helpers of the rtnetlink layer against Node's own parsers (WHATWG URL canonical IPv6
// text, node:net), and RTA_MULTIPATH against the struct rtnexthop layout of linux/rtnetlink.h.
import assert from 'node:assert/strict';
import { isIPv6 } from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { broadcastOf, formatIp, ipBytes, parseCidr, parseIp, parseMac } from '../../src/route/inet.js';
import { decodeMultipath, encodeMultipath } from '../../src/route/multipath.js';

const v6Bytes = fc.uint8Array({ minLength: 16, maxLength: 16 });
// Runs of zero groups are what compression is about: make them common.
const sparseV6 = fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }).map((g) => Uint8Array.from(g.flatMap((x) => [x >> 8, x & 0xff])));

function fullText(b: Uint8Array): string {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return g.join(':');
}

test('IPv6 text: canonical as the URL parser writes it (RFC 5952), and back to the same bytes', () => {
  fc.assert(
    fc.property(fc.oneof(v6Bytes, sparseV6), (b) => {
      const text = formatIp(b);
      assert.ok(isIPv6(text), text);
      assert.deepEqual(ipBytes(text), b);
      // The URL parser writes an IPv4-mapped address in hex; nlkit, like ip and inet_ntop, dotted.
      if (!text.startsWith('::ffff:') || !text.includes('.')) assert.equal(text, new URL(`http://[${fullText(b)}]/`).hostname.slice(1, -1));
    }),
    { numRuns: 2000 },
  );
  assert.equal(formatIp(ipBytes('::ffff:10.0.0.1')!), '::ffff:10.0.0.1');
  assert.deepEqual(ipBytes('64:ff9b::10.1.2.3'), ipBytes('64:ff9b::a01:203'));
});

test('IPv4 text round trips; malformed addresses and prefixes are EINVAL naming the text', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (b) => {
      assert.deepEqual(ipBytes(formatIp(b)), b);
    }),
  );
  for (const bad of ['10.0.0.300/24', '10.0.0.0/33', '10.0.0/8', '10.0.0.0/-1', '10.0.0.0/', 'ten/8', '10.0.0.0/08x']) {
    assert.throws(() => parseCidr(bad, 'destination'), { name: 'NetlinkError', code: 'EINVAL', message: `EINVAL: ${bad} is not an IPv4 CIDR (destination)` });
  }
  for (const bad of ['2001:db8::/129', '2001:db8:::/64', 'fe80::1%eth0/64']) {
    assert.throws(() => parseCidr(bad, 'destination'), { code: 'EINVAL', message: `EINVAL: ${bad} is not an IPv6 CIDR (destination)` });
  }
  assert.deepEqual(parseCidr('2001:DB8:0:0::/48', 'x'), { version: 6, address: '2001:db8::', prefixLength: 48 });
  assert.deepEqual(parseCidr('10.0.0.1', 'x'), { version: 4, address: '10.0.0.1', prefixLength: 32 });
  assert.throws(() => parseCidr('10.0.0.1/8', 'destination', { strict: true }), { message: /10\.0\.0\.1\/8 has host bits set past \/8 \(destination: did you mean 10\.0\.0\.0\/8\?\)/ });
  assert.throws(() => parseIp('2001:db8::1', 'gateway', 4), { message: 'EINVAL: gateway 2001:db8::1 is IPv6, expected IPv4' });
  assert.throws(() => parseIp(42, 'gateway'), { code: 'EINVAL', message: /gateway: expected an IP address string, got number 42/ });
});

test('broadcast of a prefix: every host bit set', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }), (addr, len) => {
      const text = [24, 16, 8, 0].map((s) => (addr >>> s) & 0xff).join('.');
      const host = len === 32 ? 0 : 0xffffffff >>> len;
      const want = (addr | host) >>> 0;
      assert.equal(broadcastOf({ version: 4, address: text, prefixLength: len }), [24, 16, 8, 0].map((s) => (want >>> s) & 0xff).join('.'));
    }),
  );
});

test('MAC addresses: normalized to two lower-case digits per byte; anything else is EINVAL', () => {
  assert.equal(parseMac('2:0:0:AB:c:1', 'lladdr'), '02:00:00:ab:0c:01');
  for (const bad of ['02:00:00:00:00:0g', '020000000001', '02::00', '', 'zz']) assert.throws(() => parseMac(bad, 'lladdr'), { code: 'EINVAL', message: /is not a link-layer address/ });
});

test('RTA_MULTIPATH: struct rtnexthop heads (len, flags, hops, ifindex) with RTA_GATEWAY inside, aligned', () => {
  const bytes = encodeMultipath([
    { gateway: ipBytes('10.1.0.2'), ifindex: 3, weight: 2, flags: 4 },
    { ifindex: 7, weight: 1, flags: 0 },
    { gateway: ipBytes('2001:db8::1'), ifindex: 0x01020304, weight: 256, flags: 0 },
  ]);
  // rtnexthop: u16 rtnh_len, u8 rtnh_flags, u8 rtnh_hops, s32 rtnh_ifindex; then rtattr { u16 len, u16 type }.
  const expected = Buffer.from(
    [
      '1000 04 01 03000000 0800 0500 0a010002',
      '0800 00 00 07000000',
      '1c00 00 ff 04030201 1400 0500 20010db8000000000000000000000001',
    ]
      .join('')
      .replace(/ /g, ''),
    'hex',
  );
  assert.deepEqual(Buffer.from(bytes), expected);
  const names = new Map([[3, 'va']]);
  assert.deepEqual(decodeMultipath(bytes, names), [
    { ifindex: 3, dev: 'va', weight: 2, flags: ['onlink'], gateway: '10.1.0.2' },
    { ifindex: 7, dev: undefined, weight: 1, flags: [] },
    { ifindex: 0x01020304, dev: undefined, weight: 256, flags: [], gateway: '2001:db8::1' },
  ]);
  assert.throws(() => decodeMultipath(Uint8Array.from([0x20, 0, 0, 0, 1, 0, 0, 0]), names), { name: 'NetlinkProtocolError' });
});
