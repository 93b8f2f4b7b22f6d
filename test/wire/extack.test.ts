import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MessageWriter,
  errnoName,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLM_F_MULTI,
  NLMSGERR_ATTR_COOKIE,
  NLMSGERR_ATTR_MISS_NEST,
  NLMSGERR_ATTR_MISS_TYPE,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
  NLMSGERR_ATTR_POLICY,
  NL_POLICY_TYPE_ATTR_TYPE,
  NL_POLICY_TYPE_ATTR_MAX_VALUE_U,
  NL_POLICY_TYPE_ATTR_MIN_VALUE_U,
  NL_ATTR_TYPE_U32,
  NetlinkError,
  NetlinkProtocolError,
  attributePathAt,
  decodeDone,
  decodeError,
  parseMessages,
  resolveExtendedAck,
} from '../../src/wire/index.js';

// The request whose failure the kernel reports: type 0x20, a 4-byte fixed header, then
// attr 1 (u32), nest 3 { attr 1 (u8), nest 2 { attr 5 (u16) } }.
function request(): Uint8Array {
  const w = new MessageWriter();
  w.begin(0x20, 0x5, 77, 0).genlHeader(1, 1);
  w.u32(1, 9);
  w.nest(3, (n) => n.u8(1, 1).nest(2, (m) => m.u16(5, 0x1234)));
  return w.end().finish();
}
// Offsets in that request: nlmsghdr 0..16, genl 16..20, attr1 at 20 (8 bytes), nest3 at 28,
// its attr1 at 32 (8 bytes), nest2 at 40, its attr5 at 44.

/** An NLMSG_ERROR laid out as netlink_ack() does: error, the request's header (and payload unless capped), TLVs. */
function errorMessage(req: Uint8Array, errno: number, capped: boolean, tlvs?: (w: MessageWriter) => void): Uint8Array {
  const w = new MessageWriter();
  w.begin(NLMSG_ERROR, (capped ? NLM_F_CAPPED : 0) | (tlvs ? NLM_F_ACK_TLVS : 0), 77, 4242);
  const e = new Uint8Array(4);
  new DataView(e.buffer).setInt32(0, errno, true);
  w.header(e);
  w.header(capped ? req.subarray(0, 16) : req);
  tlvs?.(w);
  return w.end().finish();
}

test('an ACK: error 0, the acknowledged header, no extended ACK', () => {
  const req = request();
  const [msg] = parseMessages(errorMessage(req, 0, true));
  const r = decodeError(msg!);
  assert.equal(r.error, 0);
  assert.deepEqual(r.acked, { length: req.byteLength, type: 0x20, flags: 5, seq: 77, portId: 0 });
  assert.equal(r.extack, undefined);
});

test('a capped error with message, offset, cookie and policy', () => {
  const req = request();
  const bytes = errorMessage(req, -34, true, (w) => {
    w.string(NLMSGERR_ATTR_MSG, 'integer out of range');
    w.u32(NLMSGERR_ATTR_OFFS, 44);
    w.binary(NLMSGERR_ATTR_COOKIE, new Uint8Array([0xde, 0xad]));
    w.nest(NLMSGERR_ATTR_POLICY, (p) => {
      p.u32(NL_POLICY_TYPE_ATTR_TYPE, NL_ATTR_TYPE_U32);
      p.u64(NL_POLICY_TYPE_ATTR_MIN_VALUE_U, 1n);
      p.u64(NL_POLICY_TYPE_ATTR_MAX_VALUE_U, 100n);
    });
  });
  const r = decodeError(parseMessages(bytes)[0]!);
  assert.equal(r.error, -34);
  assert.equal(r.extack!.message, 'integer out of range');
  assert.equal(r.extack!.offset, 44);
  assert.deepEqual([...r.extack!.cookie!], [0xde, 0xad]);
  assert.deepEqual(r.extack!.policy, { type: 'u32', minValueU: 1n, maxValueU: 100n });
  resolveExtendedAck(r.extack!, req, 4);
  assert.deepEqual(r.extack!.attributePath, [3, 2, 5]);
  assert.equal(r.extack!.attribute, '.3.2.5');
});

test('an uncapped error: TLVs come after the whole echoed request', () => {
  const req = request();
  const bytes = errorMessage(req, -22, false, (w) => {
    w.string(NLMSGERR_ATTR_MSG, 'Missing attribute');
    w.u32(NLMSGERR_ATTR_MISS_TYPE, 7);
    w.u32(NLMSGERR_ATTR_MISS_NEST, 28);
  });
  const r = decodeError(parseMessages(bytes)[0]!);
  assert.equal(r.error, -22);
  assert.equal(r.extack!.message, 'Missing attribute');
  assert.equal(r.extack!.missingType, 7);
  resolveExtendedAck(r.extack!, req, 4);
  assert.deepEqual(r.extack!.missingNestPath, [3]);
});

test('NLMSG_DONE carries the dump status and its own TLVs after the int', () => {
  const w = new MessageWriter();
  w.begin(NLMSG_DONE, NLM_F_MULTI | NLM_F_ACK_TLVS, 5, 0);
  const e = new Uint8Array(4);
  new DataView(e.buffer).setInt32(0, -95, true);
  w.header(e);
  w.string(NLMSGERR_ATTR_MSG, 'dump not supported');
  const d = decodeDone(parseMessages(w.end().finish())[0]!);
  assert.equal(d.error, -95);
  assert.equal(d.extack!.message, 'dump not supported');
  const empty = parseMessages(new MessageWriter().begin(NLMSG_DONE).end().finish())[0]!;
  assert.deepEqual(decodeDone(empty), { error: 0, extack: undefined });
});

test('attribute paths: the start of each attribute, inside a nest, and outside any attribute', () => {
  const req = request();
  assert.deepEqual(attributePathAt(req, 20, 4), [1]);
  assert.deepEqual(attributePathAt(req, 28, 4), [3]);
  assert.deepEqual(attributePathAt(req, 32, 4), [3, 1]);
  assert.deepEqual(attributePathAt(req, 40, 4), [3, 2]);
  assert.deepEqual(attributePathAt(req, 44, 4), [3, 2, 5]);
  assert.deepEqual(attributePathAt(req, 8, 4), []); // inside nlmsghdr
  assert.deepEqual(attributePathAt(req, 500, 4), []);
});

test('a truncated NLMSG_ERROR is a protocol error', () => {
  const w = new MessageWriter();
  w.begin(NLMSG_ERROR).header(4);
  assert.throws(() => decodeError(parseMessages(w.end().finish())[0]!), NetlinkProtocolError);
});

test('NetlinkError looks like a Node system error and says what failed', () => {
  const e = new NetlinkError(-2, { request: 'nlctrl getfamily', extack: { message: 'family not found', attribute: '.2' } });
  assert.equal(e.errno, -2);
  assert.equal(e.code, 'ENOENT');
  assert.match(e.message, /^nlctrl getfamily: ENOENT \(no such file or directory\): family not found \(attribute \.2\)$/);
  assert.ok(e instanceof Error);
});

test('errno names: 95 is EOPNOTSUPP, as the kernel returns it (Node calls the same number ENOTSUP)', () => {
  assert.equal(errnoName(-95), 'EOPNOTSUPP');
  assert.equal(errnoName(2), 'ENOENT');
  assert.equal(errnoName(-200), 'E200');
});
