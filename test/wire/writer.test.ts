import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MessageWriter,
  buildMessage,
  NLA_F_NESTED,
  NLA_F_NET_BYTEORDER,
  NLM_F_ACK,
  NLM_F_REQUEST,
  GENL_ID_CTRL,
  CTRL_CMD_GETFAMILY,
  CTRL_ATTR_FAMILY_NAME,
} from '../../src/wire/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('the seed resolver request: nlmsghdr + genlmsghdr + CTRL_ATTR_FAMILY_NAME "nlex\\0"', () => {
  // struct nlmsghdr { u32 len; u16 type; u16 flags; u32 seq; u32 pid } little-endian,
  // struct genlmsghdr { u8 cmd; u8 version; u16 reserved },
  // struct nlattr { u16 nla_len; u16 nla_type } + "nlex\0" padded to 8.
  const bytes = buildMessage(GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, (w) => {
    w.genlHeader(CTRL_CMD_GETFAMILY, 1);
    w.string(CTRL_ATTR_FAMILY_NAME, 'nlex');
  }, 0x01020304, 0);
  assert.equal(
    hex(bytes),
    '20000000' + '1000' + '0500' + '04030201' + '00000000' + // nlmsghdr: len 32 (padding included), type 16, flags 5
      '03010000' + // cmd 3, version 1
      '0900' + '0200' + '6e6c657800' + '000000', // nla_len 9, type 2, "nlex\0" + 3 pad bytes
  );
});

test('integer attributes: sizes, little-endian, padding zeroed', () => {
  const w = new MessageWriter();
  w.begin(100).u8(1, 0xab).u16(2, 0x1234).u32(3, 0xdeadbeef).u64(4, 0x0102030405060708n).s8(5, -1).s16(6, -2).s32(7, -3).s64(8, -4n).end();
  const b = w.finish();
  const v = new DataView(b.buffer);
  assert.equal(v.getUint32(0, true), b.byteLength);
  let o = 16;
  // u8: nla_len 5, 3 pad bytes
  assert.equal(hex(b.subarray(o, o + 8)), '05000100ab000000');
  o += 8;
  assert.equal(hex(b.subarray(o, o + 8)), '0600020034120000');
  o += 8;
  assert.equal(hex(b.subarray(o, o + 8)), '08000300efbeadde');
  o += 8;
  assert.equal(hex(b.subarray(o, o + 12)), '0c0004000807060504030201');
  o += 12;
  assert.equal(hex(b.subarray(o, o + 8)), '05000500ff000000');
  o += 8;
  assert.equal(hex(b.subarray(o, o + 8)), '06000600feff0000');
  o += 8;
  assert.equal(hex(b.subarray(o, o + 8)), '08000700fdffffff');
  o += 8;
  assert.equal(hex(b.subarray(o, o + 12)), '0c000800fcffffffffffffff');
  assert.equal(o + 12, b.byteLength);
});

test('be16/be32 are big-endian without the flag; net16/net32 set NLA_F_NET_BYTEORDER', () => {
  const w = new MessageWriter();
  w.begin(100).be16(1, 0x0102).be32(2, 0x01020304).net16(3, 80).net32(4, 0x0a000001).end();
  const b = w.finish();
  assert.equal(hex(b.subarray(16)), '060001000102' + '0000' + '0800020001020304' + '06000340' + '0050' + '0000' + '080004400a000001');
  assert.equal(0x4003, 3 | NLA_F_NET_BYTEORDER);
});

test('uint and sint use 4 bytes when the value fits, 8 otherwise (nla_put_uint)', () => {
  const w = new MessageWriter();
  w.begin(100).uint(1, 5n).uint(2, 0x100000000n).sint(3, -5).sint(4, -0x80000001n).end();
  const b = w.finish();
  assert.equal(hex(b.subarray(16)), '0800010005000000' + '0c0002000000000001000000' + '08000300fbffffff' + '0c000400ffffff7fffffffff');
});

test('flag has no payload; strings: strz vs raw; binary is padded', () => {
  const w = new MessageWriter();
  w.begin(100).flag(1).string(2, 'ab').stringRaw(3, 'ab').binary(4, new Uint8Array([1, 2, 3, 4, 5])).end();
  const b = w.finish();
  assert.equal(hex(b.subarray(16)), '04000100' + '07000200616200' + '00' + '0600030061620000' + '0900040001020304' + '05000000');
});

test('nests carry NLA_F_NESTED and the length of their content; indexed arrays count from 1', () => {
  const w = new MessageWriter();
  w.begin(100);
  w.nest(7, (n) => n.u32(1, 9).nest(2, (m) => m.u8(1, 1)));
  w.array(6, [10, 20], (a, x) => a.u32(1, x));
  w.end();
  const b = w.finish();
  const v = new DataView(b.buffer);
  // outer nest: 4 + (8) + (4 + 8) = 24
  assert.equal(v.getUint16(16, true), 24);
  assert.equal(v.getUint16(18, true), 7 | NLA_F_NESTED);
  assert.equal(v.getUint16(28, true), 12); // inner nest header at 16 + 4 + 8
  assert.equal(v.getUint16(30, true), 2 | NLA_F_NESTED);
  // array: 4 + 2 * (4 + 8) = 28
  const a = 16 + 24;
  assert.equal(v.getUint16(a, true), 28);
  assert.equal(v.getUint16(a + 2, true), 6 | NLA_F_NESTED);
  assert.equal(v.getUint16(a + 6, true), 1 | NLA_F_NESTED);
  assert.equal(v.getUint16(a + 18, true), 2 | NLA_F_NESTED);
  assert.equal(v.getUint32(a + 24, true), 20);
});

test('the buffer grows: a message far larger than the initial size', () => {
  const w = new MessageWriter(64);
  w.begin(100);
  for (let i = 0; i < 1000; i++) w.u32(1, i);
  w.end();
  const b = w.finish();
  assert.equal(b.byteLength, 16 + 8000);
  assert.equal(new DataView(b.buffer).getUint32(16 + 8 * 999 + 4, true), 999);
});

test('several messages in one buffer, each aligned', () => {
  const w = new MessageWriter();
  w.begin(20, 0, 1).u8(1, 1).end().begin(21, 0, 2).end();
  const b = w.finish();
  const v = new DataView(b.buffer);
  assert.equal(v.getUint32(0, true), 24);
  assert.equal(v.getUint16(24 + 4, true), 21);
  assert.equal(v.getUint32(24 + 8, true), 2);
  assert.equal(b.byteLength, 40);
});

test('fixed header bytes are copied and padded to 4', () => {
  const b = buildMessage(18, 0, (w) => {
    w.header(new Uint8Array([2, 0, 0]));
    w.u8(1, 7);
  });
  assert.equal(hex(b.subarray(16)), '02000000' + '0500010007000000');
});

test('out-of-range values and oversize attributes are RangeErrors, not silent truncation', () => {
  const w = new MessageWriter().begin(100);
  assert.throws(() => w.u8(1, 256), RangeError);
  assert.throws(() => w.u16(1, -1), RangeError);
  assert.throws(() => w.u32(1, 1.5), RangeError);
  assert.throws(() => w.u64(1, -1n), RangeError);
  assert.throws(() => w.s8(1, 128), RangeError);
  assert.throws(() => w.binary(1, new Uint8Array(70000)), /do not fit nla_len/);
  assert.throws(() => new MessageWriter().end(), /end\(\) without begin\(\)/);
});
