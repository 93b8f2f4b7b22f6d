// Display hints written by hand, checked against independent formatters: the WHATWG URL parser
// (IPv6 canonical text), Node's net module (address syntax), and fixed vectors.
import assert from 'node:assert/strict';
import { isIPv4, isIPv6 } from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatIp4, formatIp4Number, formatIp6, formatMac, formatUuid, parseIp4, parseIp6, parseMac, parseUuid } from '../../src/spec/display.js';

test('IPv6: RFC 5952 text as the URL parser serializes it, with glibc inet_ntop\'s dotted tails (what ip prints)', () => {
  const groups = fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 });
  fc.assert(
    fc.property(groups, (g) => {
      const b = new Uint8Array(16);
      g.forEach((x, i) => {
        b[2 * i] = x >> 8;
        b[2 * i + 1] = x & 0xff;
      });
      const text = formatIp6(b, 0);
      assert.ok(isIPv6(text), text);
      // The URL parser prints IPv4-mapped and IPv4-compatible addresses in hex; inet_ntop does not.
      const dotted = g.slice(0, 5).every((x) => x === 0) && (g[5] === 0xffff || (g[5] === 0 && g[6] !== 0));
      if (!dotted) assert.equal(text, new URL(`http://[${text}]/`).hostname.slice(1, -1));
      assert.deepEqual(parseIp6(text), b);
    }),
    { numRuns: 500 },
  );
  assert.equal(formatIp6(parseIp6('::ffff:192.0.2.1') as Uint8Array, 0), '::ffff:192.0.2.1');
  assert.equal(formatIp6(parseIp6('2001:db8:0:0:1:0:0:1') as Uint8Array, 0), '2001:db8::1:0:0:1');
  assert.equal(formatIp6(new Uint8Array(16), 0), '::');
  // glibc's inet_ntop (Python's socket.inet_ntop printed these): IPv4-compatible when exactly the
  // first six groups are zero, hex when the seventh is zero too.
  for (const [bytes, text] of [
    ['::102:300', '::1.2.3.0'],
    ['::1', '::1'],
    ['::100', '::100'],
    ['::ffff:0:1', '::ffff:0.0.0.1'],
    ['0:0:0:0:0:1:102:300', '::1:102:300'],
    ['1:0:0:1:0:0:0:1', '1:0:0:1::1'],
  ] as const) assert.equal(formatIp6(parseIp6(bytes) as Uint8Array, 0), text, bytes);
  for (const bad of ['1::2::3', '1:2:3', '12345::', 'g::', '1:2:3:4:5:6:7:8:9', '::1.2.3']) assert.equal(parseIp6(bad), undefined, bad);
});

test('IPv4 from bytes and from a big-endian integer', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (b) => {
      const text = formatIp4(b, 0);
      assert.ok(isIPv4(text));
      assert.equal(text, b.join('.'));
      assert.equal(formatIp4Number(((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0), text);
      assert.deepEqual(parseIp4(text), b);
    }),
  );
  for (const bad of ['1.2.3', '256.0.0.1', '01.2.3.4', '1.2.3.4.5', 'a.b.c.d']) assert.equal(parseIp4(bad), undefined, bad);
});

test('IPv4 texts stay right through the caches: repeats, neighbours and colliding slots', () => {
  const text = (x: number) => [x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255].join('.');
  // A table walked in order, a gateway repeated on every route, and keys 1024 prefixes apart
  // (the prefix cache's size) taking each other's slots.
  const keys: number[] = [];
  for (let i = 0; i < 3000; i++) keys.push((0x0a000000 + i) >>> 0, 0xc0a80001, (0x0b000000 + ((i & 7) << 18) + (i & 255)) >>> 0);
  fc.assert(fc.property(fc.array(fc.constantFrom(...keys), { minLength: 1, maxLength: 200 }), (xs) => xs.every((x) => formatIp4Number(x) === text(x))));
  for (const x of keys) assert.equal(formatIp4Number(x), text(x));
});

test('MAC and UUID', () => {
  assert.equal(formatMac(Uint8Array.from([2, 0, 0, 0, 0, 1]), 0, 6), '02:00:00:00:00:01');
  assert.equal(formatMac(Uint8Array.from([0xa, 0xbc, 0xff]), 0, 3), '0a:bc:ff');
  assert.deepEqual(parseMac('02:00:00:00:00:01'), Uint8Array.from([2, 0, 0, 0, 0, 1]));
  assert.deepEqual(parseMac('0200000000ff'), Uint8Array.from([2, 0, 0, 0, 0, 0xff]));
  assert.equal(parseMac('02:0g'), undefined);
  const u = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
  assert.equal(formatUuid(u, 0), '00112233-4455-6677-8899-aabbccddeeff');
  assert.deepEqual(parseUuid('00112233-4455-6677-8899-aabbccddeeff'), u);
  assert.equal(parseUuid('0011'), undefined);
});
