import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Attributes,
  NetlinkProtocolError,
  NLM_F_MULTI,
  forEachAttribute,
  parseMessages,
  viewOf,
} from '../../src/wire/index.js';

const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

// Two messages as the kernel would put them in one datagram: an RTM_NEWLINK-shaped message
// (type 16, NLM_F_MULTI, a 16-byte ifinfomsg, IFLA_IFNAME "lo\0", IFLA_MTU 65536) and NLMSG_DONE.
const DATAGRAM = fromHex(`
  30000000 1000 0200 2a000000 39300000
  00000000 01000000 49000000 00000000
  07000300 6c6f0000
  08000400 00000100
  14000000 0300 0200 2a000000 39300000
  00000000`);

test('messages of a datagram: header fields and payload bounds', () => {
  const msgs = parseMessages(DATAGRAM);
  assert.equal(msgs.length, 2);
  const [link, done] = msgs;
  assert.equal(link!.length, 48);
  assert.equal(link!.type, 16);
  assert.equal(link!.flags, NLM_F_MULTI);
  assert.equal(link!.seq, 42);
  assert.equal(link!.portId, 12345);
  assert.equal(link!.payload.byteLength, 32);
  assert.equal(done!.type, 3);
  assert.equal(done!.offset, 48);
});

test('attributes after a fixed header, typed getters', () => {
  const link = parseMessages(DATAGRAM)[0]!;
  const attrs = link.attributes(16);
  assert.equal(attrs.string(3), 'lo');
  assert.equal(attrs.u32(4), 65536);
  assert.equal(attrs.get(99), undefined);
  const tb = attrs.table();
  assert.equal(tb[3]!.length, 3);
  assert.equal(tb[4]!.offset, 16 + 16 + 8 + 4);
  // The ifinfomsg itself: ifi_index at payload offset 4.
  assert.equal(link.view.getInt32(link.payloadOffset + 4, true), 1);
});

test('nested attributes and flags are exposed', () => {
  // nest type 7|NLA_F_NESTED { u16 type 1 = 0x0102 } then a be32 with NLA_F_NET_BYTEORDER
  const b = fromHex('0c000780 06000100 02010000 08000340 0a000001');
  const a = new Attributes(b, viewOf(b), 0, b.byteLength);
  const [nest, be] = a.toArray();
  assert.equal(nest!.type, 7);
  assert.equal(nest!.isNested, true);
  assert.equal(nest!.nested().u16(1), 0x0102);
  assert.equal(be!.type, 3);
  assert.equal(be!.isNetByteOrder, true);
  assert.equal(be!.be32(), 0x0a000001);
});

test('uint/sint accept 4 or 8 bytes; other sizes are protocol errors', () => {
  const b = fromHex('08000100 ffffffff 0c000200 00000000 01000000 06000300 0100 0000');
  const tb = new Attributes(b, viewOf(b), 0, b.byteLength).table();
  assert.equal(tb[1]!.uint(), 0xffffffffn);
  assert.equal(tb[1]!.sint(), -1n);
  assert.equal(tb[2]!.uint(), 0x100000000n);
  assert.throws(() => tb[3]!.uint(), NetlinkProtocolError);
});

test('a getter on a too-short payload names the attribute and the offset', () => {
  const b = fromHex('06000500 0100 0000');
  const at = new Attributes(b, viewOf(b), 0, b.byteLength).get(5)!;
  assert.throws(() => at.u32(), (e: unknown) => e instanceof NetlinkProtocolError && e.offset === 0 && /type 5 has 2 bytes, u32 needs 4/.test(e.message));
});

test('truncated message header length: NetlinkProtocolError at that offset', () => {
  const bad = DATAGRAM.slice();
  new DataView(bad.buffer).setUint32(48, 0x40, true); // DONE claims 64 bytes, 20 remain
  assert.throws(() => parseMessages(bad), (e: unknown) => e instanceof NetlinkProtocolError && e.offset === 48);
  const tiny = DATAGRAM.slice();
  new DataView(tiny.buffer).setUint32(0, 8, true); // smaller than a header
  assert.throws(() => parseMessages(tiny), (e: unknown) => e instanceof NetlinkProtocolError && e.offset === 0);
});

test('an attribute longer than its parent is a protocol error naming its offset', () => {
  const b = fromHex('08000100 01000000 10000200 01000000');
  assert.throws(
    () => forEachAttribute(viewOf(b), 0, b.byteLength, () => {}),
    (e: unknown) => e instanceof NetlinkProtocolError && e.offset === 8 && /claims 16 bytes, only 8 remain/.test(e.message),
  );
  const zero = fromHex('00000100');
  assert.throws(() => forEachAttribute(viewOf(zero), 0, 4, () => {}), /smaller than the 4-byte attribute header/);
});

test('trailing bytes shorter than a header are ignored, as NLMSG_OK / nla_ok do', () => {
  const b = new Uint8Array(DATAGRAM.byteLength + 3);
  b.set(DATAGRAM);
  assert.equal(parseMessages(b).length, 2);
  const a = fromHex('05000100 07000000 0000');
  assert.equal(new Attributes(a, viewOf(a), 0, a.byteLength).toArray().length, 1);
});

test('a last attribute without its alignment padding is still read', () => {
  const a = fromHex('05000100 07');
  assert.equal(new Attributes(a, viewOf(a), 0, a.byteLength).u8(1), 7);
});

test('a fixed header longer than the message is reported, not read past', () => {
  const done = parseMessages(DATAGRAM)[1]!;
  assert.throws(() => done.attributes(16), NetlinkProtocolError);
});
