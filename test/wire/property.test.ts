// Properties over generated input: what the writer writes the reader reads back, and no byte
// sequence makes a reader do anything but return values or throw NetlinkProtocolError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Attributes,
  MessageWriter,
  NetlinkProtocolError,
  attributePathAt,
  decodeDone,
  decodeError,
  parseMessages,
  viewOf,
  type Attribute,
} from '../../src/wire/index.js';

type Value =
  | { kind: 'u8' | 'u16' | 'u32' | 's8' | 's16' | 's32' | 'be16' | 'be32'; v: number }
  | { kind: 'u64' | 's64' | 'uint' | 'sint'; v: bigint }
  | { kind: 'string'; v: string }
  | { kind: 'binary'; v: Uint8Array }
  | { kind: 'flag' }
  | { kind: 'nest'; v: Item[] };
type Item = { type: number; value: Value };

const type = fc.integer({ min: 1, max: 0x3fff });
const scalar: fc.Arbitrary<Value> = fc.oneof(
  fc.integer({ min: 0, max: 0xff }).map((v) => ({ kind: 'u8' as const, v })),
  fc.integer({ min: 0, max: 0xffff }).map((v) => ({ kind: 'u16' as const, v })),
  fc.integer({ min: 0, max: 0xffffffff }).map((v) => ({ kind: 'u32' as const, v })),
  fc.integer({ min: -128, max: 127 }).map((v) => ({ kind: 's8' as const, v })),
  fc.integer({ min: -32768, max: 32767 }).map((v) => ({ kind: 's16' as const, v })),
  fc.integer({ min: -0x80000000, max: 0x7fffffff }).map((v) => ({ kind: 's32' as const, v })),
  fc.integer({ min: 0, max: 0xffff }).map((v) => ({ kind: 'be16' as const, v })),
  fc.integer({ min: 0, max: 0xffffffff }).map((v) => ({ kind: 'be32' as const, v })),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((v) => ({ kind: 'u64' as const, v })),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((v) => ({ kind: 's64' as const, v })),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((v) => ({ kind: 'uint' as const, v })),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((v) => ({ kind: 'sint' as const, v })),
  fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !s.includes('\0')).map((v) => ({ kind: 'string' as const, v })),
  fc.uint8Array({ maxLength: 64 }).map((v) => ({ kind: 'binary' as const, v })),
  fc.constant({ kind: 'flag' as const }),
);
const { tree } = fc.letrec<{ tree: Item[]; item: Item; value: Value }>((tie) => ({
  tree: fc.array(tie('item'), { maxLength: 6 }),
  item: fc.record({ type, value: tie('value') }),
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('tree').map((v) => ({ kind: 'nest' as const, v }))),
}));

function write(w: MessageWriter, items: Item[]): void {
  for (const { type: t, value } of items) {
    switch (value.kind) {
      case 'nest':
        w.nest(t, (n) => write(n, value.v));
        break;
      case 'flag':
        w.flag(t);
        break;
      case 'string':
        w.string(t, value.v);
        break;
      case 'binary':
        w.binary(t, value.v);
        break;
      case 'u64': w.u64(t, value.v); break;
      case 's64': w.s64(t, value.v); break;
      case 'uint': w.uint(t, value.v); break;
      case 'sint': w.sint(t, value.v); break;
      default:
        w[value.kind](t, value.v);
    }
  }
}

function check(attrs: Attribute[], items: Item[]): void {
  assert.equal(attrs.length, items.length);
  items.forEach(({ type: t, value }, i) => {
    const a = attrs[i]!;
    assert.equal(a.type, t);
    switch (value.kind) {
      case 'nest':
        assert.equal(a.isNested, true);
        check(a.nested().toArray(), value.v);
        break;
      case 'flag':
        assert.equal(a.length, 0);
        break;
      case 'string':
        assert.equal(a.string(), value.v);
        break;
      case 'binary':
        assert.deepEqual([...a.data()], [...value.v]);
        break;
      default:
        assert.equal(a[value.kind](), value.v);
    }
  });
}

test('writer → reader round trip for every attribute type, nested to any depth', () => {
  fc.assert(
    fc.property(fc.integer({ min: 16, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), fc.nat(), tree, (msgType, flags, seq, items) => {
      const w = new MessageWriter(16);
      w.begin(msgType, flags, seq >>> 0, 7);
      write(w, items);
      w.end();
      const bytes = w.finish();
      const [m, ...rest] = parseMessages(bytes);
      assert.equal(rest.length, 0);
      assert.equal(m!.type, msgType);
      assert.equal(m!.flags, flags);
      assert.equal(m!.seq, seq >>> 0);
      assert.equal(m!.portId, 7);
      assert.equal(m!.length, bytes.byteLength);
      check(m!.attributes().toArray(), items);
    }),
    { numRuns: 400 },
  );
});

/** Runs every reader over the bytes; anything other than a NetlinkProtocolError fails the property. */
function readEverything(bytes: Uint8Array): void {
  const walk = (a: Attributes, depth: number): void => {
    for (const at of a) {
      for (const fn of ['u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64', 'be16', 'be32', 'uint', 'sint', 'string', 'data', 'bitfield32'] as const) {
        try {
          at[fn]();
        } catch (e) {
          if (!(e instanceof NetlinkProtocolError)) throw e;
        }
      }
      if (depth < 4) walk(at.nested(), depth + 1);
    }
  };
  try {
    for (const m of parseMessages(bytes)) {
      for (const decode of [decodeError, decodeDone]) {
        try {
          decode(m);
        } catch (e) {
          if (!(e instanceof NetlinkProtocolError)) throw e;
        }
      }
      for (const hdr of [0, 4, 16]) {
        try {
          walk(m.attributes(hdr), 0);
        } catch (e) {
          if (!(e instanceof NetlinkProtocolError)) throw e;
        }
      }
    }
  } catch (e) {
    if (!(e instanceof NetlinkProtocolError)) throw e;
  }
  try {
    walk(new Attributes(bytes, viewOf(bytes), 0, bytes.byteLength), 0);
  } catch (e) {
    if (!(e instanceof NetlinkProtocolError)) throw e;
  }
  for (let off = 0; off < bytes.byteLength; off += 3) {
    const p = attributePathAt(bytes, off, 4);
    assert.ok(Array.isArray(p));
  }
}

test('random bytes into every reader: values or NetlinkProtocolError, nothing else', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (b) => readEverything(b)), { numRuns: 3000 });
});

test('valid messages with random corruption: values or NetlinkProtocolError', () => {
  fc.assert(
    fc.property(tree, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), (items, flips) => {
      const w = new MessageWriter();
      w.begin(NLMSG_ERROR_OR_DONE[flips.length % 3]!, 0x300);
      write(w, items);
      const bytes = w.end().finish();
      for (const [pos, val] of flips) bytes[pos % bytes.byteLength] = val;
      readEverything(bytes);
    }),
    { numRuns: 1500 },
  );
});
const NLMSG_ERROR_OR_DONE = [2, 3, 20];
