// Every spec of the kernel's corpus: loads, validates, compiles; every attribute set and every
// operation's message survives encode → decode with values generated from the spec itself; and no
// byte string makes a decoder do anything but return a value or throw NetlinkProtocolError.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compileFamily } from '../../src/spec/compile.js';
import { loadSpec } from '../../src/spec/load.js';
import type { FamilyCodec } from '../../src/spec/codec.js';
import type { FamilySpec, Operation } from '../../src/spec/model.js';
import { MessageWriter, NetlinkProtocolError } from '../../src/wire/index.js';
import { SKIP, ValueModel, corpusFiles, strip } from './corpus.js';

const RUNS = Number(process.env.NLKIT_PROPERTY_RUNS ?? 12);

function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function encodeSet(codec: FamilyCodec, set: string, value: object): Uint8Array {
  const w = new MessageWriter(64);
  codec.set(set).encode(w, value);
  return w.finish();
}

function encodeOp(codec: FamilyCodec, op: Operation, value: object): Uint8Array {
  const w = new MessageWriter(64);
  codec.encodeMessage(w, op, value);
  return w.finish();
}

/** A decode that must either return or throw NetlinkProtocolError. */
function decodeSafely(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof NetlinkProtocolError)) throw err;
    assert.match(err.message, /offset \d+/);
  }
}

function opsWithMessages(spec: FamilySpec): Operation[] {
  const seen = new Set<string>();
  return spec.operations.filter((op) => {
    const k = `${op.fixedHeader ?? ''}|${op.attributeSet ?? ''}`;
    if (op.attributeSet === undefined || seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

describe('the YNL corpus', { skip: SKIP }, () => {
  const files = corpusFiles();

  test('holds the 33 specs of the kernel the README lists', () => {
    assert.equal(files.length, 33);
  });

  for (const file of files) {
    describe(path.basename(file), () => {
      let spec: FamilySpec;
      let camel: FamilyCodec;

      test('loads, validates and compiles with both namings', async () => {
        spec = await loadSpec(file);
        assert.ok(spec.attributeSets.size > 0);
        camel = compileFamily(spec, { names: 'camel' });
        const own = compileFamily(spec, { names: 'spec' });
        for (const name of spec.attributeSets.keys()) {
          assert.equal(camel.set(name).name, name);
          assert.equal(own.set(name).name, name);
        }
      });

      test('every attribute set: decode(encode(v)) is v', () => {
        const model = new ValueModel(spec, 'camel');
        for (const name of spec.attributeSets.keys()) {
          fc.assert(
            fc.property(model.record({ set: name }, 0, new Map()), (value) => {
              const bytes = encodeSet(camel, name, value);
              const back = camel.set(name).decode(viewOf(bytes), 0, bytes.byteLength);
              assert.deepStrictEqual(strip(back), strip(value), `set ${name}`);
            }),
            { numRuns: RUNS },
          );
        }
      });

      test("every operation's message (fixed header + attributes): decode(encode(v)) is v, spec names too", () => {
        for (const names of ['camel', 'spec'] as const) {
          const codec = names === 'camel' ? camel : compileFamily(spec, { names });
          const model = new ValueModel(spec, names);
          for (const op of opsWithMessages(spec)) {
            const r = { header: op.fixedHeader, set: op.attributeSet };
            fc.assert(
              fc.property(model.record(r, 0, new Map()), (value) => {
                const bytes = encodeOp(codec, op, value);
                assert.equal(bytes.byteLength >= codec.headerSize(op), true);
                const back = codec.decodeMessage(op, viewOf(bytes), 0, bytes.byteLength);
                assert.deepStrictEqual(strip(back), strip(value), `op ${op.name}`);
              }),
              { numRuns: Math.max(4, RUNS / 2) },
            );
          }
        }
      });

      test('random and corrupted bytes: every decoder returns a value or throws NetlinkProtocolError', () => {
        const model = new ValueModel(spec, 'camel', 2);
        for (const name of spec.attributeSets.keys()) {
          const decode = (b: Uint8Array): void => decodeSafely(() => camel.set(name).decode(viewOf(b), 0, b.byteLength));
          fc.assert(fc.property(fc.uint8Array({ maxLength: 96 }), decode), { numRuns: RUNS });
          // Valid encodings with bytes overwritten reach deeper than noise does.
          const corrupted = fc
            .tuple(model.record({ set: name }, 0, new Map()), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }))
            .map(([value, edits]) => {
              const b = encodeSet(camel, name, value);
              for (const [at, byte] of edits) if (b.byteLength > 0) b[at % b.byteLength] = byte;
              return b;
            });
          fc.assert(fc.property(corrupted, decode), { numRuns: RUNS });
        }
        for (const op of opsWithMessages(spec)) {
          fc.assert(
            fc.property(fc.uint8Array({ maxLength: 96 }), (b) => decodeSafely(() => camel.decodeMessage(op, viewOf(b), 0, b.byteLength))),
            { numRuns: RUNS },
          );
        }
      });
    });
  }
});
