// Why generated code: a dump of 100,000 routes decodes some three million attributes, and an
// interpreter that looks up each attribute's spec, dispatches on its type and grows an object key
// by key spends more time on the spec than on the bytes. So each record (a fixed header and an
// attribute set) is compiled once, when the family is compiled, into JavaScript source: a loop
// with a `switch` on the attribute type whose cases read the value straight from the DataView
// into a local, and one object literal at the end, so V8 sees straight-line code, monomorphic
// reads and objects of few shapes. Enum tables, flag decoders and struct readers are
// emitted beside them; sub-message selectors are resolved by scope analysis at compile time and
// passed as parameters. The source is built from the normalized spec only (names are emitted as
// JSON string literals), and evaluated once with `new Function`.
//
// Value conventions the generated code follows (DESIGN.md's table, plus what it leaves open):
// - a decoded nest/message object has the fixed header's fields and the attributes present, in
//   spec order (so objects of one kind share a hidden class), and `$unknown` only when the
//   message held attributes the spec does not list;
// - a struct longer than the spec says keeps its extra bytes as a Uint8Array under `$trailing`
//   (added only then); a shorter one has only its complete members;
// - a sub-message whose selector value has no format, or has none at all, stays raw bytes;
// - indexed arrays are written with indices from 0, as the kernel's YNL does, and read in order
//   whatever their indices.
import type { MessageWriter } from '../wire/index.js';
import { attributeNamer } from './namer.js';
import { checkRequest } from './check.js';
import type { CompileOptions, CompiledSet, DecodedObject, FamilyCodec, ValueProblem } from './codec.js';
import { GenContext, recordKey, type RecordRef } from './gen-context.js';
import { decodeRecordFn } from './gen-decode.js';
import { encodeRecordFn } from './gen-encode.js';
import type { FamilySpec, Operation } from './model.js';
import * as runtime from './runtime.js';

type Decoder = (v: DataView, u8: Uint8Array, s: number, e: number) => DecodedObject;
type Encoder = (w: MessageWriter, o: object, p: string) => void;

const RUNTIME_NAMES = [
  'perr', 'perrHeader', 'perrSize', 'utf8', 'cstr', 'mac', 'ip4', 'ip4n', 'ip6', 'ip4or6', 'uuid', 'enum64', 'flags64', 'ntv',
  'describe', 'terr', 'toInt', 'toBig', 'toEnum', 'toFlags', 'toFlags64', 'toIp4Number', 'toStr', 'toBytes', 'cArray',
  'toObject', 'toArray', 'unknownOut', 'scratch', 'sv', 'putBytes', 'putCString', 'varIntBE', 'selKey', 'ntvOut', 'noFlags',
] as const;

export function opRecord(op: Operation): RecordRef {
  const r: RecordRef = {};
  if (op.fixedHeader !== undefined) r.header = op.fixedHeader;
  if (op.attributeSet !== undefined) r.set = op.attributeSet;
  return r;
}

/** What generateSource writes for a family: the source, the values it reads as `K[i]`, and its functions' names by record key. */
export interface GeneratedSource {
  source: string;
  constants: unknown[];
  decoders: Map<string, string>;
  encoders: Map<string, string>;
}

/** The generated source of a family's codec (what compileFamily evaluates), for inspection. */
export function generateSource(spec: FamilySpec, names: 'camel' | 'spec'): GeneratedSource {
  const ctx = new GenContext(spec, names);
  const decoders = new Map<string, string>();
  const encoders = new Map<string, string>();
  const add = (r: RecordRef): void => {
    const k = recordKey(r);
    if (decoders.has(k)) return;
    decoders.set(k, decodeRecordFn(ctx, r));
    encoders.set(k, encodeRecordFn(ctx, r));
  };
  for (const name of spec.attributeSets.keys()) add({ set: name });
  for (const op of spec.operations) add(opRecord(op));
  const exported = [...new Set([...decoders.values(), ...encoders.values()])];
  const source = `"use strict";
const { ${RUNTIME_NAMES.join(', ')} } = rt;
${ctx.functions.join('\n')}
return { ${exported.join(', ')} };`;
  return { source, constants: ctx.constants, decoders, encoders };
}

class Codec implements FamilyCodec {
  private readonly decoders = new Map<string, Decoder>();
  private readonly encoders = new Map<string, Encoder>();
  private readonly sets = new Map<string, CompiledSet>();
  private readonly replies = new Map<number, Operation>();
  private readonly opDecoders = new Map<Operation, Decoder>();
  // A dump decodes one operation's messages back to back: remember the last one's decoder.
  private lastOp: Operation | undefined;
  private lastDecoder: Decoder | undefined;

  constructor(
    readonly spec: FamilySpec,
    readonly names: 'camel' | 'spec',
    gen: GeneratedSource,
  ) {
    const factory = new Function('rt', 'K', gen.source) as (rt: typeof runtime, k: unknown[]) => Record<string, Decoder & Encoder>;
    const fns = factory(runtime, gen.constants);
    for (const [k, fn] of gen.decoders) this.decoders.set(k, fns[fn]);
    for (const [k, fn] of gen.encoders) this.encoders.set(k, fns[fn]);
    // A reply id shared by several operations (a get and its notification) decodes alike; the
    // last one listed wins, as in the kernel's YNL.
    for (const op of spec.operations) {
      if (op.replyValue !== undefined) this.replies.set(op.replyValue, op);
      const decode = this.decoders.get(recordKey(opRecord(op)));
      if (decode) this.opDecoders.set(op, decode);
    }
  }

  set(name: string): CompiledSet {
    let s = this.sets.get(name);
    if (s) return s;
    const decode = this.decoders.get(recordKey({ set: name }));
    const encode = this.encoders.get(recordKey({ set: name }));
    if (!decode || !encode) throw new RangeError(`family '${this.spec.name}' has no attribute set '${name}'`);
    s = {
      name,
      encode: (w, value) => encode(w, value, ''),
      decode: (view, start, end) => decode(view, runtime.bytesOf(view), start, end),
    };
    this.sets.set(name, s);
    return s;
  }

  headerSize(op: Operation): number {
    if (op.fixedHeader === undefined) return 0;
    const d = this.spec.definitions.get(op.fixedHeader);
    return d?.kind === 'struct' ? d.size : 0;
  }

  encodeMessage(w: MessageWriter, op: Operation, value: object): void {
    const encode = this.encoders.get(recordKey(opRecord(op)));
    if (!encode) throw new RangeError(`operation '${op.name}' is not an operation of family '${this.spec.name}'`);
    encode(w, value, '');
  }

  check(op: Operation, value: object): ValueProblem[] {
    return checkRequest(this.spec, this.names, opRecord(op), value);
  }

  private decoderOf(op: Operation): Decoder {
    if (op === this.lastOp) return this.lastDecoder!;
    const decode = this.opDecoders.get(op) ?? this.decoders.get(recordKey(opRecord(op)));
    if (!decode) throw new RangeError(`operation '${op.name}' is not an operation of family '${this.spec.name}'`);
    this.lastOp = op;
    this.lastDecoder = decode;
    return decode;
  }

  decodeMessage(op: Operation, view: DataView, start: number, end: number): DecodedObject {
    return this.decoderOf(op)(view, runtime.bytesOf(view), start, end);
  }

  decodeMessages(op: Operation, view: DataView, offsets: readonly number[], skip: number): DecodedObject[] {
    const decode = this.decoderOf(op);
    const u8 = runtime.bytesOf(view);
    const n = offsets.length;
    const out = new Array<DecodedObject>(n);
    for (let i = 0; i < n; i++) {
      const off = offsets[i]!;
      out[i] = decode(view, u8, off + skip, off + view.getUint32(off, true));
    }
    return out;
  }

  operationForReply(value: number): Operation | undefined {
    return this.replies.get(value);
  }

  attributeNamer(op: Operation, request: object): (depth: number, type: number, path: number[]) => string | undefined {
    return attributeNamer(this.spec, this.names, opRecord(op), request);
  }
}

const pregenerated = new WeakMap<FamilySpec, Map<'camel' | 'spec', GeneratedSource>>();

/**
 * Gives compileFamily the source generateSource wrote for this spec object ahead of time (a
 * precompiled module: npm run gen), so that compiling it skips generation and only evaluates.
 */
export function providePrecompiled(spec: FamilySpec, names: 'camel' | 'spec', gen: GeneratedSource): void {
  let byNames = pregenerated.get(spec);
  if (!byNames) pregenerated.set(spec, (byNames = new Map()));
  byNames.set(names, gen);
}

/** Compiles every attribute set and operation of a family into its encoders and decoders. */
export function compileFamily(spec: FamilySpec, opts: CompileOptions = {}): FamilyCodec {
  const names = opts.names ?? 'camel';
  return new Codec(spec, names, pregenerated.get(spec)?.get(names) ?? generateSource(spec, names));
}

const shared = new WeakMap<FamilySpec, Map<'camel' | 'spec', FamilyCodec>>();

/**
 * The one codec of a spec and naming that every user of it shares (family objects, the route
 * layer's listings): compiled on first use, so a spec is never compiled twice in a process.
 */
export function familyCodec(spec: FamilySpec, names: 'camel' | 'spec' = 'camel'): FamilyCodec {
  let byNames = shared.get(spec);
  if (!byNames) shared.set(spec, (byNames = new Map()));
  let codec = byNames.get(names);
  if (!codec) byNames.set(names, (codec = compileFamily(spec, { names })));
  return codec;
}
