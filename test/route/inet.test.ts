// The address checks of the rtnetlink layer, and RTA_MULTIPATH against the struct rtnexthop
// layout of linux/rtnetlink.h.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isIP } from 'node:net';
import fc from 'fast-check';
import { compileFamily } from '../../src/spec/index.js';
import { broadcastOf, isMulticast, parseCidr, parseIp, parseMac } from '../../src/route/inet.js';
import { decodeMultipath, encodeMultipath } from '../../src/route/multipath.js';
import { rtSpec } from '../../src/route/specs.js';

test('malformed addresses and prefixes are EINVAL naming the text', () => {
  for (const bad of ['10.0.0.300/24', '10.0.0.0/33', '10.0.0/8', '10.0.0.0/-1', '10.0.0.0/', 'ten/8', '10.0.0.0/08x']) {
    assert.throws(() => parseCidr(bad, 'destination'), { name: 'NetlinkError', code: 'EINVAL', message: `EINVAL: ${bad} is not an IPv4 CIDR (destination)` });
  }
  for (const bad of ['2001:db8::/129', '2001:db8:::/64', 'fe80::1%eth0/64']) {
    assert.throws(() => parseCidr(bad, 'destination'), { code: 'EINVAL', message: `EINVAL: ${bad} is not an IPv6 CIDR (destination)` });
  }
  assert.deepEqual(parseCidr('2001:db8::/48', 'x'), { version: 6, address: '2001:db8::', prefixLength: 48 });
  assert.deepEqual(parseCidr('2001:db8::1/48', 'x', { strict: true }), { version: 6, address: '2001:db8::1', prefixLength: 48 }, 'the kernel clears IPv6 host bits itself');
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

test('multicast: 224.0.0.0/4 and ff00::/8', () => {
  assert.deepEqual(['224.0.0.1', '239.255.255.255', '223.255.255.255', '240.0.0.0'].map((a) => isMulticast({ version: 4, address: a })), [true, true, false, false]);
  assert.deepEqual(['ff02::1', 'FF0E::1', 'fe80::1', '::'].map((a) => isMulticast({ version: 6, address: a })), [true, true, false, false]);
});

test('RTA_MULTIPATH: struct rtnexthop heads (len, flags, hops, ifindex) with RTA_GATEWAY inside, aligned', async () => {
  const attrs = compileFamily(await rtSpec('rt-route')).set('route-attrs');
  const bytes = encodeMultipath(attrs, [
    { attrs: { gateway: '10.1.0.2' }, ifindex: 3, weight: 2, flags: 4 },
    { attrs: {}, ifindex: 7, weight: 1, flags: 0 },
    { attrs: { gateway: '2001:db8::1' }, ifindex: 0x01020304, weight: 256, flags: 0 },
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
  assert.deepEqual(decodeMultipath(attrs, bytes, names).map(({ gateway, ifindex, dev, weight, flags }) => ({ gateway, ifindex, dev, weight, flags })), [
    { gateway: '10.1.0.2', ifindex: 3, dev: 'va', weight: 2, flags: ['onlink'] },
    { gateway: undefined, ifindex: 7, dev: undefined, weight: 1, flags: [] },
    { gateway: '2001:db8::1', ifindex: 0x01020304, dev: undefined, weight: 256, flags: [] },
  ]);
  assert.throws(() => decodeMultipath(attrs, Uint8Array.from([0x20, 0, 0, 0, 1, 0, 0, 0]), names), { name: 'NetlinkProtocolError' });
});

test('addresses are accepted exactly when node:net accepts them (zone indexes aside)', () => {
  const v4 = fc.tuple(fc.nat(300), fc.nat(300), fc.nat(300), fc.nat(300)).map((p) => p.join('.'));
  const hex = fc.constantFrom('0', '1', 'a', 'ff', 'ffff', '10000', 'fe80', 'g', '');
  const v6 = fc.array(hex, { minLength: 1, maxLength: 9 }).chain((groups) => fc.nat(groups.length).map((i) => [...groups.slice(0, i), ...(i % 2 ? [''] : []), ...groups.slice(i)].join(':')));
  const mixed = fc.tuple(v6, v4).map(([a, b]) => `${a}:${b}`);
  const noise = fc.string({ maxLength: 12 });
  fc.assert(
    fc.property(fc.oneof(v4, v6, mixed, noise), (text) => {
      const ok = (() => {
        try {
          parseIp(text, 'x');
          return true;
        } catch {
          return false;
        }
      })();
      assert.equal(ok, isIP(text) !== 0 && !text.includes('%'), text);
    }),
    { numRuns: 5000 },
  );
});
