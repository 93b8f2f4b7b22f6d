// Policy validation against the kernel's lib/nlattr.c: each expectation below is what the
// kernel's validate_nla / __nla_validate_parse returns (errno and extack message) for the same
// bytes and policy, NL_VALIDATE_STRICT for `strict`, NL_VALIDATE_LIBERAL otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MessageWriter,
  NLA_F_NESTED,
  describePolicy,
  requireAttributes,
  validateAttributes,
  viewOf,
  type Attribute,
  type AttributePolicy,
  type Policy,
  type ValidationFailure,
  type ValidationResult,
} from '../../src/wire/index.js';

const EINVAL = -22;
const ERANGE = -34;
const FAILED = 'Attribute failed policy validation';
const LEFTOVER = 'bytes leftover after parsing attributes';
/** Attributes start right after the 16-byte nlmsghdr. */
const FIRST = 16;

function msg(fill: (w: MessageWriter) => void): Uint8Array {
  const w = new MessageWriter();
  w.begin(0x10);
  fill(w);
  w.end();
  return w.finish();
}

function run(bytes: Uint8Array, policy: Policy, strict = false): ValidationResult {
  return validateAttributes(bytes, viewOf(bytes), FIRST, bytes.byteLength, policy, { strict });
}

function ok(r: ValidationResult): Attribute[] {
  if (!r.ok) assert.fail(`expected success, got ${r.failure.errno} "${r.failure.message}" at ${r.failure.offset} path ${r.failure.path.join('.')}`);
  return r.attrs;
}

function failed(r: ValidationResult): ValidationFailure {
  if (r.ok) assert.fail('expected a validation failure');
  return r.failure;
}

function one(p: AttributePolicy, maxType = 1): Policy {
  return { maxType, attrs: { 1: p } };
}

function bytesOf(...v: number[]): Uint8Array {
  return Uint8Array.from(v);
}

// ---- fixed-size integers: nla_attr_len / nla_attr_minlen ----

test('integer types: exact size passes in both modes', () => {
  const sizes = { u8: 1, u16: 2, u32: 4, u64: 8, s8: 1, s16: 2, s32: 4, s64: 8 } as const;
  for (const [type, size] of Object.entries(sizes)) {
    const b = msg((w) => w.binary(1, new Uint8Array(size)));
    for (const strict of [false, true]) {
      const tb = ok(run(b, one({ type: type as AttributePolicy['type'] }), strict));
      assert.equal(tb[1]?.length, size, `${type} strict=${strict}`);
    }
  }
});

test('integer types: a longer attribute only warns when liberal, is EINVAL "invalid attribute length" when strict', () => {
  const b = msg((w) => w.binary(1, bytesOf(7, 0, 0, 0, 0, 0, 0, 0)));
  for (const type of ['u8', 'u16', 'u32', 's8', 's16', 's32'] as const) {
    ok(run(b, one({ type })));
    const f = failed(run(b, one({ type }), true));
    assert.equal(f.errno, EINVAL);
    assert.equal(f.message, 'invalid attribute length');
    assert.equal(f.offset, FIRST);
    assert.deepEqual(f.path, [1]);
    assert.equal(f.policy?.type, type);
  }
});

test('integer types: a shorter attribute is ERANGE when liberal (minlen), EINVAL when strict (exact length first)', () => {
  const b = msg((w) => w.binary(1, bytesOf(1, 2, 3)));
  for (const type of ['u32', 'u64', 's32', 's64'] as const) {
    const lib = failed(run(b, one({ type })));
    assert.equal(lib.errno, ERANGE);
    assert.equal(lib.message, FAILED);
    assert.equal(lib.policy?.type, type);
    const str = failed(run(b, one({ type }), true));
    assert.equal(str.errno, EINVAL);
    assert.equal(str.message, 'invalid attribute length');
  }
});

test('uint and sint take 4 or 8 bytes; any other length is EINVAL in both modes', () => {
  for (const type of ['uint', 'sint'] as const) {
    for (const size of [4, 8]) ok(run(msg((w) => w.binary(1, new Uint8Array(size))), one({ type }), true));
    for (const size of [2, 5, 16]) {
      for (const strict of [false, true]) {
        const f = failed(run(msg((w) => w.binary(1, new Uint8Array(size))), one({ type }), strict));
        assert.equal(f.errno, EINVAL);
        assert.equal(f.message, 'invalid attribute length');
        assert.equal(f.policy?.type, type);
      }
    }
  }
});

// ---- ranges: nla_validate_range_unsigned / nla_validate_int_range_signed ----

test('unsigned range (NLA_POLICY_RANGE): bounds inclusive, outside is ERANGE "integer out of range" with the range', () => {
  const p = one({ type: 'u8', min: 1, max: 10 });
  ok(run(msg((w) => w.u8(1, 1)), p, true));
  ok(run(msg((w) => w.u8(1, 10)), p, true));
  for (const v of [0, 11, 255]) {
    const f = failed(run(msg((w) => w.u8(1, v)), p, true));
    assert.equal(f.errno, ERANGE);
    assert.equal(f.message, 'integer out of range');
    assert.equal(f.offset, FIRST);
    assert.deepEqual(f.policy, { type: 'u8', minValueU: 1n, maxValueU: 10n });
  }
});

test('NLA_POLICY_MIN / MAX: the other bound is the type\'s own', () => {
  const min = one({ type: 'u16', min: 100 });
  ok(run(msg((w) => w.u16(1, 0xffff)), min));
  assert.equal(failed(run(msg((w) => w.u16(1, 99)), min)).message, 'integer out of range');
  assert.deepEqual(failed(run(msg((w) => w.u16(1, 99)), min)).policy, { type: 'u16', minValueU: 100n, maxValueU: 0xffffn });
  const max = one({ type: 'u32', max: 5 });
  ok(run(msg((w) => w.u32(1, 0)), max));
  assert.deepEqual(failed(run(msg((w) => w.u32(1, 6)), max)).policy, { type: 'u32', minValueU: 0n, maxValueU: 5n });
});

test('u64 range with bigint bounds compares all 64 bits', () => {
  const p = one({ type: 'u64', min: 2n ** 32n, max: 2n ** 63n });
  ok(run(msg((w) => w.u64(1, 2n ** 63n)), p, true));
  ok(run(msg((w) => w.u64(1, 2n ** 32n)), p, true));
  assert.equal(failed(run(msg((w) => w.u64(1, 2n ** 63n + 1n)), p, true)).errno, ERANGE);
  assert.equal(failed(run(msg((w) => w.u64(1, 2n ** 64n - 1n)), p, true)).errno, ERANGE);
  assert.equal(failed(run(msg((w) => w.u64(1, 2n ** 32n - 1n)), p, true)).errno, ERANGE);
});

test('uint range reads the 4- or 8-byte form', () => {
  const p = one({ type: 'uint', max: 2n ** 40n });
  ok(run(msg((w) => w.uint(1, 7)), p, true));
  ok(run(msg((w) => w.uint(1, 2n ** 40n)), p, true));
  const f = failed(run(msg((w) => w.uint(1, 2n ** 40n + 1n)), p, true));
  assert.equal(f.message, 'integer out of range');
  assert.deepEqual(f.policy, { type: 'uint', minValueU: 0n, maxValueU: 2n ** 40n });
});

test('signed ranges: negative bounds, s64 with bigint, sint in both sizes', () => {
  const s32 = one({ type: 's32', min: -5, max: 5 });
  ok(run(msg((w) => w.s32(1, -5)), s32, true));
  ok(run(msg((w) => w.s32(1, 5)), s32, true));
  const f = failed(run(msg((w) => w.s32(1, -6)), s32, true));
  assert.equal(f.errno, ERANGE);
  assert.equal(f.message, 'integer out of range');
  assert.deepEqual(f.policy, { type: 's32', minValueS: -5n, maxValueS: 5n });
  assert.equal(failed(run(msg((w) => w.s32(1, 6)), s32)).errno, ERANGE);

  const s64 = one({ type: 's64', min: -(2n ** 40n) });
  ok(run(msg((w) => w.s64(1, -(2n ** 40n))), s64));
  assert.deepEqual(failed(run(msg((w) => w.s64(1, -(2n ** 40n) - 1n)), s64)).policy, {
    type: 's64',
    minValueS: -(2n ** 40n),
    maxValueS: 2n ** 63n - 1n,
  });

  const s8 = one({ type: 's8', max: -1 });
  ok(run(msg((w) => w.s8(1, -128)), s8));
  assert.equal(failed(run(msg((w) => w.s8(1, 0)), s8)).message, 'integer out of range');

  const sint = one({ type: 'sint', min: -(2n ** 35n), max: 10 });
  ok(run(msg((w) => w.sint(1, -(2n ** 35n))), sint, true)); // 8-byte form
  ok(run(msg((w) => w.sint(1, -3)), sint, true)); // 4-byte form
  assert.equal(failed(run(msg((w) => w.sint(1, -(2n ** 35n) - 1n)), sint, true)).errno, ERANGE);
  assert.equal(failed(run(msg((w) => w.sint(1, 11)), sint, true)).errno, ERANGE);
});

test('liberal: a longer integer is range-checked on its first (little-endian) bytes, as nla_get_u16 reads it', () => {
  const b = msg((w) => w.binary(1, bytesOf(5, 0, 0xff, 0xff)));
  ok(run(b, one({ type: 'u16', max: 10 })));
  const b2 = msg((w) => w.binary(1, bytesOf(11, 0, 0, 0)));
  assert.equal(failed(run(b2, one({ type: 'u16', max: 10 }))).message, 'integer out of range');
});

// ---- masks: nla_validate_mask ----

test('NLA_POLICY_MASK: a bit outside the mask is EINVAL "reserved bit set", without a policy in the extack', () => {
  const p = one({ type: 'u32', mask: 0x0f });
  ok(run(msg((w) => w.u32(1, 0x0f)), p, true));
  ok(run(msg((w) => w.u32(1, 0)), p, true));
  const f = failed(run(msg((w) => w.u32(1, 0x10)), p, true));
  assert.equal(f.errno, EINVAL);
  assert.equal(f.message, 'reserved bit set');
  assert.equal(f.policy, undefined);
  assert.deepEqual(describePolicy(p.attrs[1]!), { type: 'u32', mask: 0x0fn });

  const p64 = one({ type: 'u64', mask: 1n << 63n });
  ok(run(msg((w) => w.u64(1, 1n << 63n)), p64));
  assert.equal(failed(run(msg((w) => w.u64(1, 1n << 62n)), p64)).message, 'reserved bit set');

  const pu = one({ type: 'uint', mask: 0xff00000000n });
  ok(run(msg((w) => w.uint(1, 0x1100000000n)), pu));
  assert.equal(failed(run(msg((w) => w.uint(1, 1)), pu)).message, 'reserved bit set');
});

// ---- strings ----

test('string: with or without a NUL, .len bounds the length without the NUL', () => {
  const p = one({ type: 'string', len: 4 });
  ok(run(msg((w) => w.stringRaw(1, 'abcd')), p, true));
  ok(run(msg((w) => w.string(1, 'abcd')), p, true));
  const f = failed(run(msg((w) => w.stringRaw(1, 'abcde')), p, true));
  assert.equal(f.errno, ERANGE);
  assert.equal(f.message, FAILED);
  assert.deepEqual(f.policy, { type: 'string', maxLength: 4 });
  assert.equal(failed(run(msg((w) => w.string(1, 'abcde')), p)).errno, ERANGE);
  // Without .len any length passes.
  ok(run(msg((w) => w.stringRaw(1, 'x'.repeat(300))), one({ type: 'string' }), true));
});

test('string: an empty payload is ERANGE in both modes', () => {
  const b = msg((w) => w.binary(1, new Uint8Array(0)));
  for (const strict of [false, true]) {
    const f = failed(run(b, one({ type: 'string' }), strict));
    assert.equal(f.errno, ERANGE);
    assert.equal(f.message, FAILED);
  }
});

test('nul-string: a NUL is required (EINVAL without one or when empty)', () => {
  const p = one({ type: 'nul-string' });
  ok(run(msg((w) => w.string(1, 'eth0')), p, true));
  for (const b of [msg((w) => w.stringRaw(1, 'eth0')), msg((w) => w.binary(1, new Uint8Array(0)))]) {
    for (const strict of [false, true]) {
      const f = failed(run(b, p, strict));
      assert.equal(f.errno, EINVAL);
      assert.equal(f.message, FAILED);
      assert.deepEqual(f.policy, { type: 'nul-string' });
    }
  }
});

test('nul-string with .len: a NUL anywhere within len+1 bytes, and at most len bytes before the last NUL', () => {
  const p = one({ type: 'nul-string', len: 3 });
  ok(run(msg((w) => w.string(1, 'abc')), p, true));
  ok(run(msg((w) => w.binary(1, bytesOf(0x61, 0))), p, true));
  // [a, NUL, b, c]: the NUL is early, but the last byte is not a NUL, so 4 bytes count: > 3.
  assert.equal(failed(run(msg((w) => w.binary(1, bytesOf(0x61, 0, 0x62, 0x63))), p, true)).errno, ERANGE);
});

test('nul-string with .len: kernel arithmetic on the length', () => {
  const p = one({ type: 'nul-string', len: 3 });
  // "abcd\0": no NUL among the first len+1 = 4 bytes.
  const late = failed(run(msg((w) => w.string(1, 'abcd')), p));
  assert.equal(late.errno, EINVAL);
  // "ab\0\0\0": NUL found early, but 5 bytes less the final NUL is 4 > 3.
  const long = failed(run(msg((w) => w.binary(1, bytesOf(0x61, 0x62, 0, 0, 0))), p));
  assert.equal(long.errno, ERANGE);
  assert.deepEqual(long.policy, { type: 'nul-string', maxLength: 3 });
});

// ---- flag, binary, unspec, reject, bitfield32 ----

test('flag: empty passes and is in tb[], a payload is ERANGE', () => {
  const p = one({ type: 'flag' });
  const tb = ok(run(msg((w) => w.flag(1)), p, true));
  assert.equal(tb[1]?.length, 0);
  const f = failed(run(msg((w) => w.u8(1, 1)), p));
  assert.equal(f.errno, ERANGE);
  assert.equal(f.message, FAILED);
  assert.deepEqual(f.policy, { type: 'flag' });
});

test('binary: .len is a maximum (ERANGE "Attribute failed policy validation")', () => {
  const p = one({ type: 'binary', len: 4 });
  ok(run(msg((w) => w.binary(1, new Uint8Array(4))), p, true));
  ok(run(msg((w) => w.binary(1, new Uint8Array(0))), p, true));
  const f = failed(run(msg((w) => w.binary(1, new Uint8Array(5))), p, true));
  assert.equal(f.errno, ERANGE);
  assert.equal(f.message, FAILED);
  assert.deepEqual(f.policy, { type: 'binary', maxLength: 4 });
});

test('binary: MIN_LEN / MAX_LEN / EXACT_LEN are "binary attribute size out of range"', () => {
  const min = one({ type: 'binary', minLen: 2 });
  ok(run(msg((w) => w.binary(1, new Uint8Array(100))), min, true));
  const fmin = failed(run(msg((w) => w.binary(1, new Uint8Array(1))), min, true));
  assert.equal(fmin.errno, ERANGE);
  assert.equal(fmin.message, 'binary attribute size out of range');

  const max = one({ type: 'binary', maxLen: 3 });
  ok(run(msg((w) => w.binary(1, new Uint8Array(3))), max));
  assert.equal(failed(run(msg((w) => w.binary(1, new Uint8Array(4))), max)).message, 'binary attribute size out of range');

  const exact = one({ type: 'binary', exactLen: 6 });
  ok(run(msg((w) => w.binary(1, new Uint8Array(6))), exact));
  for (const n of [5, 7]) {
    const f = failed(run(msg((w) => w.binary(1, new Uint8Array(n))), exact));
    assert.equal(f.message, 'binary attribute size out of range');
    assert.deepEqual(f.policy, { type: 'binary', minLength: 6, maxLength: 6 });
  }
});

test('unspec: liberal checks .len as a minimum; strict refuses it as "Unsupported attribute"', () => {
  const p = one({ type: 'unspec', len: 4 });
  ok(run(msg((w) => w.binary(1, new Uint8Array(4))), p));
  const f = failed(run(msg((w) => w.binary(1, new Uint8Array(2))), p));
  assert.equal(f.errno, ERANGE);
  assert.equal(f.message, FAILED);
  assert.equal(f.policy, undefined); // the kernel writes no policy for NLA_UNSPEC
  const s = failed(run(msg((w) => w.binary(1, new Uint8Array(4))), p, true));
  assert.equal(s.errno, EINVAL);
  assert.equal(s.message, 'Unsupported attribute');
});

test('a type within maxType without a policy entry is unspec: accepted liberally, unsupported strictly', () => {
  const p: Policy = { maxType: 3, attrs: { 1: { type: 'u8' } } };
  const b = msg((w) => w.u32(2, 9));
  assert.equal(ok(run(b, p))[2]?.u32(), 9);
  const f = failed(run(b, p, true));
  assert.equal(f.message, 'Unsupported attribute');
  assert.deepEqual(f.path, [2]);
});

test('reject: EINVAL, with rejectMessage as the message when given', () => {
  const b = msg((w) => w.u32(1, 1));
  const plain = failed(run(b, one({ type: 'reject' })));
  assert.equal(plain.errno, EINVAL);
  assert.equal(plain.message, FAILED);
  assert.equal(plain.policy, undefined);
  const custom = failed(run(b, one({ type: 'reject', rejectMessage: 'use the new attribute' })));
  assert.equal(custom.errno, EINVAL);
  assert.equal(custom.message, 'use the new attribute');
  assert.equal(custom.offset, FIRST);
});

test('bitfield32: 8 bytes, bits within the valid mask, values only where selected', () => {
  const p = one({ type: 'bitfield32', bitfield32Valid: 0x3 });
  ok(run(msg((w) => w.bitfield32(1, 0x1, 0x3)), p, true));
  ok(run(msg((w) => w.bitfield32(1, 0, 0)), p, true));
  for (const [value, selector] of [
    [0x1, 0x4], // selector bit not valid
    [0x4, 0x3], // value bit not valid
    [0x2, 0x1], // value bit not selected
  ] as const) {
    const f = failed(run(msg((w) => w.bitfield32(1, value, selector)), p, true));
    assert.equal(f.errno, EINVAL, `value ${value} selector ${selector}`);
    assert.equal(f.message, FAILED);
    assert.deepEqual(f.policy, { type: 'bitfield32', bitfield32Mask: 3 });
  }
  assert.equal(failed(run(msg((w) => w.u32(1, 0)), p)).errno, ERANGE); // 4 bytes, not 8
  // No valid bits at all: every value is refused.
  assert.equal(failed(run(msg((w) => w.bitfield32(1, 0, 0)), one({ type: 'bitfield32' }))).errno, EINVAL);
});

// ---- nests ----

const inner: Policy = { maxType: 2, attrs: { 1: { type: 'u32', max: 100 }, 2: { type: 'string' } } };
const outer: Policy = {
  maxType: 4,
  attrs: {
    1: { type: 'u8' },
    2: { type: 'nested', nested: inner },
    3: { type: 'nested', nested: { maxType: 1, attrs: { 1: { type: 'nested', nested: inner } } } },
    4: { type: 'nested-array', nested: inner },
  },
};

test('nested: the inner attributes are validated, and the failure names the inner attribute', () => {
  const b = msg((w) => {
    w.u8(1, 1); // 16..24
    w.nest(2, () => {
      // nest header at 24
      w.u32(1, 5); // 28..36
      w.u32(1, 101); // 36..44
    });
  });
  const f = failed(run(b, outer, true));
  assert.equal(f.errno, ERANGE);
  assert.equal(f.message, 'integer out of range');
  assert.equal(f.offset, 36);
  assert.deepEqual(f.path, [2, 1]);
  assert.deepEqual(f.policy, { type: 'u32', minValueU: 0n, maxValueU: 100n });
});

test('nested: two levels down, the path lists every nest', () => {
  const b = msg((w) => {
    w.nest(3, () => {
      // 16
      w.nest(1, () => {
        // 20
        w.string(2, 'ok'); // 24..32
        w.binary(2, new Uint8Array(0)); // 32: empty string
      });
    });
  });
  const f = failed(run(b, outer));
  assert.equal(f.errno, ERANGE);
  assert.equal(f.offset, 32);
  assert.deepEqual(f.path, [3, 1, 2]);
  assert.deepEqual(f.policy, { type: 'string' });
});

test('nested: empty is allowed; 1..3 bytes is ERANGE; valid content passes', () => {
  ok(run(msg((w) => w.nest(2, () => {})), outer, true));
  const f = failed(run(msg((w) => w.binary(2 | NLA_F_NESTED, bytesOf(1, 2))), outer, true));
  assert.equal(f.errno, ERANGE);
  assert.equal(f.message, FAILED);
  assert.deepEqual(f.path, [2]);
  assert.deepEqual(f.policy, { type: 'nested' }); // the extack carries no policy index/maxtype
  const tb = ok(run(msg((w) => w.nest(2, (n) => n.u32(1, 100).string(2, 'x'))), outer, true));
  assert.equal(tb[2]?.nested().u32(1), 100);
});

test('NLA_F_NESTED: required on nests and refused elsewhere when strict, ignored when liberal', () => {
  const bare = msg((w) => w.nest(2, (n) => n.u32(1, 1), false));
  ok(run(bare, outer));
  const missing = failed(run(bare, outer, true));
  assert.equal(missing.errno, EINVAL);
  assert.equal(missing.message, 'NLA_F_NESTED is missing');
  assert.deepEqual(missing.path, [2]);
  assert.deepEqual(missing.policy, { type: 'nested' });
  // Also on an empty nest: the flag check comes before the length rules.
  assert.equal(failed(run(msg((w) => w.binary(2, new Uint8Array(0))), outer, true)).message, 'NLA_F_NESTED is missing');

  const flagged = msg((w) => w.binary(1 | NLA_F_NESTED, bytesOf(7)));
  const tb = ok(run(flagged, outer));
  assert.equal(tb[1]?.u8(), 7);
  const unexpected = failed(run(flagged, outer, true));
  assert.equal(unexpected.errno, EINVAL);
  assert.equal(unexpected.message, 'NLA_F_NESTED not expected');
  assert.deepEqual(unexpected.path, [1]);
});

test('nested-array: each element validated against the policy, the path goes through the element index', () => {
  const good = msg((w) => w.array(4, [1, 2, 3], (a, v) => a.u32(1, v)));
  ok(run(good, outer, true));
  const bad = msg((w) =>
    // array at 16, element 1 at 20 (u32 at 24..32), element 2 at 32, its u32 at 36
    w.array(4, [1, 200], (a, v) => a.u32(1, v)),
  );
  const f = failed(run(bad, outer, true));
  assert.equal(f.message, 'integer out of range');
  assert.equal(f.offset, 36);
  assert.deepEqual(f.path, [4, 2, 1]);
});

test('nested-array: empty elements are skipped, 1..3-byte elements are "Array element too short"', () => {
  ok(run(msg((w) => w.nest(4, (n) => n.binary(1, new Uint8Array(0)).binary(2, new Uint8Array(0)))), outer, true));
  const b = msg((w) => w.nest(4, (n) => n.nest(1, (e) => e.u32(1, 1)).binary(2, bytesOf(1, 2))));
  const f = failed(run(b, outer, true));
  assert.equal(f.errno, ERANGE);
  assert.equal(f.message, 'Array element too short');
  assert.equal(f.offset, 32); // array 16, element 1 at 20..32, element 2 at 32
  assert.deepEqual(f.path, [4, 2]);
});

test('nested-array: element types are indexes, not checked against maxType even strictly', () => {
  const b = msg((w) => w.nest(4, (n) => n.nest(0, (e) => e.u32(1, 1)).nest(999, (e) => e.u32(1, 2))));
  ok(run(b, outer, true));
});

test('recursion stops at MAX_POLICY_RECURSION_DEPTH (10) with EINVAL', () => {
  const self: Policy = { maxType: 2, attrs: { 1: { type: 'u32' } } };
  self.attrs[2] = { type: 'nested', nested: self };
  const deep = (levels: number) =>
    msg((w) => {
      const open = (k: number): void => {
        if (k === 0) {
          w.u32(1, 1);
          return;
        }
        w.nest(2, () => open(k - 1));
      };
      open(levels);
    });
  ok(run(deep(9), self, true));
  const f = failed(run(deep(10), self, true));
  assert.equal(f.errno, EINVAL);
  assert.equal(f.message, 'allowed policy recursion depth exceeded');
  assert.deepEqual(f.path, Array(10).fill(2));
  assert.equal(f.offset, FIRST + 9 * 4); // the tenth nest header
});

// ---- the stream: unknown types, trailing bytes, malformed lengths, duplicates ----

test('unknown types: liberal ignores them (not in tb), strict is EINVAL "Unknown attribute type"', () => {
  const p: Policy = { maxType: 2, attrs: { 1: { type: 'u8' }, 2: { type: 'u8' } } };
  const b = msg((w) => w.u8(1, 1).u32(7, 9).u8(2, 2)); // 16, 24, 32
  const tb = ok(run(b, p));
  assert.equal(tb[7], undefined);
  assert.equal(tb.length, 3);
  assert.equal(tb[2]?.u8(), 2);
  const f = failed(run(b, p, true));
  assert.equal(f.errno, EINVAL);
  assert.equal(f.message, 'Unknown attribute type');
  assert.equal(f.offset, 24);
  assert.deepEqual(f.path, [7]);
  assert.equal(f.policy, undefined);
  // Type 0 is unknown too.
  assert.equal(failed(run(msg((w) => w.u8(0, 1)), p, true)).message, 'Unknown attribute type');
  ok(run(msg((w) => w.u8(0, 1)), p));
});

test('trailing bytes shorter than a header: ignored liberally, EINVAL when strict', () => {
  const b = new Uint8Array([...msg((w) => w.u32(1, 5)), 0xaa, 0xbb]);
  const p = one({ type: 'u32' });
  assert.equal(ok(run(b, p))[1]?.u32(), 5);
  const f = failed(run(b, p, true));
  assert.equal(f.errno, EINVAL);
  assert.equal(f.message, LEFTOVER);
  assert.equal(f.offset, 24);
  assert.deepEqual(f.path, []);
});

test('an attribute whose length runs past its parent is a failure, not an exception, in both modes', () => {
  // u32 at 16, then a header claiming 12 bytes where only 8 remain.
  const b = new Uint8Array([...msg((w) => w.u32(1, 5)), 12, 0, 2, 0, 0, 0, 0, 0]);
  const p: Policy = { maxType: 2, attrs: { 1: { type: 'u32' }, 2: { type: 'u32' } } };
  for (const strict of [false, true]) {
    const f = failed(run(b, p, strict));
    assert.equal(f.errno, EINVAL);
    assert.equal(f.message, LEFTOVER);
    assert.equal(f.offset, 24);
    assert.deepEqual(f.path, [2]);
  }
  // nla_len below the header size.
  const tiny = bytesOf(...new Uint8Array(16), 2, 0, 1, 0);
  assert.equal(failed(run(tiny, p)).offset, 16);
});

test('inside a nest, a length past the nest (not past the buffer) is caught with the nest in the path', () => {
  // outer nest type 2 at 16, len 12: holds a header at 20 claiming 16 bytes.
  const b = bytesOf(...new Uint8Array(16), 12, 0, 2, 0x80, 16, 0, 1, 0, 0, 0, 0, 0);
  const f = failed(run(b, outer, true));
  assert.equal(f.errno, EINVAL);
  assert.equal(f.message, LEFTOVER);
  assert.equal(f.offset, 20);
  assert.deepEqual(f.path, [2, 1]);
});

test('duplicates: the last one wins in tb[], as nla_parse', () => {
  const tb = ok(run(msg((w) => w.u32(1, 1).u32(1, 2).u32(1, 3)), one({ type: 'u32' }), true));
  assert.equal(tb[1]?.u32(), 3);
  assert.equal(tb[1]?.headerOffset, 32);
});

test('strictStartType: attributes from that type on are validated strictly in a liberal parse', () => {
  const p: Policy = { maxType: 3, strictStartType: 3, attrs: { 1: { type: 'u8' }, 3: { type: 'u8' } } };
  ok(run(msg((w) => w.u16(1, 1)), p)); // below: longer integer tolerated
  const f = failed(run(msg((w) => w.u16(3, 1)), p));
  assert.equal(f.message, 'invalid attribute length');
  ok(run(msg((w) => w.u32(9, 1)), p)); // the maxtype check stays liberal
});

test('NLA_F_NET_BYTEORDER is not part of the type', () => {
  const tb = ok(run(msg((w) => w.net16(1, 0x1234)), one({ type: 'u16' }), true));
  assert.equal(tb[1]?.be16(), 0x1234);
  assert.equal(tb[1]?.type, 1);
});

test('bounds outside the buffer are a RangeError (a caller bug, not input)', () => {
  const b = msg((w) => w.u8(1, 1));
  assert.throws(() => validateAttributes(b, viewOf(b), 16, b.byteLength + 4, one({ type: 'u8' })), RangeError);
  assert.throws(() => validateAttributes(b, viewOf(b), 20, 16, one({ type: 'u8' })), RangeError);
});

// ---- describePolicy ----

test('describePolicy: as GETPOLICY reports it', () => {
  assert.deepEqual(describePolicy({ type: 'u8' }), { type: 'u8', minValueU: 0n, maxValueU: 255n });
  assert.deepEqual(describePolicy({ type: 'u64' }), { type: 'u64', minValueU: 0n, maxValueU: 2n ** 64n - 1n });
  assert.deepEqual(describePolicy({ type: 's16' }), { type: 's16', minValueS: -32768n, maxValueS: 32767n });
  assert.deepEqual(describePolicy({ type: 'sint', min: -1 }), { type: 'sint', minValueS: -1n, maxValueS: 2n ** 63n - 1n });
  assert.deepEqual(describePolicy({ type: 'uint', min: 1, max: 2 }), { type: 'uint', minValueU: 1n, maxValueU: 2n });
  assert.deepEqual(describePolicy({ type: 'flag' }), { type: 'flag' });
  assert.deepEqual(describePolicy({ type: 'string', len: 15 }), { type: 'string', maxLength: 15 });
  assert.deepEqual(describePolicy({ type: 'nul-string' }), { type: 'nul-string' });
  assert.deepEqual(describePolicy({ type: 'binary', exactLen: 6 }), { type: 'binary', minLength: 6, maxLength: 6 });
  // Only a range is described as lengths: a lone MIN_LEN or MAX_LEN is not (policy.c checks
  // for NLA_VALIDATE_RANGE only).
  assert.deepEqual(describePolicy({ type: 'binary', minLen: 4 }), { type: 'binary' });
  assert.deepEqual(describePolicy({ type: 'binary', minLen: 0, maxLen: 0xffff }), { type: 'binary' });
  assert.deepEqual(describePolicy({ type: 'bitfield32', bitfield32Valid: 0x80000001 }), { type: 'bitfield32', bitfield32Mask: 0x80000001 });
  assert.deepEqual(describePolicy({ type: 'nested', nested: inner }), { type: 'nested', policyMaxtype: 2 });
  assert.deepEqual(describePolicy({ type: 'nested-array', nested: inner }), { type: 'nested-array', policyMaxtype: 2 });
  assert.deepEqual(describePolicy({ type: 'nested' }), { type: 'nested' });
  // The kernel leaves unspec and reject out of dumps; they have no netlink_attribute_type.
  assert.deepEqual(describePolicy({ type: 'unspec', len: 4 }), { type: 'invalid' });
  assert.deepEqual(describePolicy({ type: 'reject' }), { type: 'invalid' });
});

// ---- requireAttributes ----

test('requireAttributes: the first missing type, in the order asked', () => {
  const p: Policy = { maxType: 5, attrs: { 1: { type: 'u8' }, 2: { type: 'u8' }, 3: { type: 'u8' } } };
  const tb = ok(run(msg((w) => w.u8(1, 1).u8(3, 3)), p));
  assert.equal(requireAttributes(tb, [1, 3]), undefined);
  assert.deepEqual(requireAttributes(tb, [1, 2, 3]), { missingType: 2 });
  assert.deepEqual(requireAttributes(tb, [5, 2]), { missingType: 5 });
  assert.equal(requireAttributes(tb, []), undefined);
});

// ---- no bytes make it throw ----

test('property: any bytes give ok or a failure located inside the buffer, never an exception', () => {
  const rec: Policy = { maxType: 0, attrs: {} };
  const policy: Policy = {
    maxType: 12,
    attrs: {
      1: { type: 'u8', min: 1, max: 9 },
      2: { type: 'u64', mask: 0xffn },
      3: { type: 's16', min: -3 },
      4: { type: 'uint', max: 1000 },
      5: { type: 'string', len: 5 },
      6: { type: 'nul-string', len: 3 },
      7: { type: 'binary', minLen: 1, maxLen: 6 },
      8: { type: 'flag' },
      9: { type: 'bitfield32', bitfield32Valid: 0xf },
      10: { type: 'nested', nested: rec },
      11: { type: 'nested-array', nested: rec },
      12: { type: 'reject' },
    },
  };
  rec.maxType = policy.maxType;
  rec.attrs = policy.attrs;
  // Attribute-shaped input reaches far deeper into the validator than uniform noise.
  const attrLike = fc
    .array(
      fc.record({
        len: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 0xffff })),
        type: fc.oneof(fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 0xffff })),
        body: fc.uint8Array({ maxLength: 24 }),
      }),
      { maxLength: 6 },
    )
    .map((parts) => {
      const out: number[] = [];
      for (const p of parts) out.push(p.len & 0xff, p.len >> 8, p.type & 0xff, p.type >> 8, ...p.body);
      return Uint8Array.from(out);
    });
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 128 }), attrLike), fc.boolean(), fc.nat(8), (bytes, strict, skew) => {
      const start = Math.min(skew, bytes.byteLength);
      const r = validateAttributes(bytes, viewOf(bytes), start, bytes.byteLength, policy, { strict });
      if (!r.ok) {
        assert.ok(r.failure.offset >= start && r.failure.offset < bytes.byteLength, `offset ${r.failure.offset} of ${bytes.byteLength}`);
        assert.ok(r.failure.errno === EINVAL || r.failure.errno === ERANGE);
        assert.ok(r.failure.message.length > 0);
      } else {
        for (const [t, a] of r.attrs.entries()) if (a) assert.equal(a.type, t);
      }
    }),
    { numRuns: 3000 },
  );
});
