// Families compiled ahead of time. `npm run gen` writes one module per family into compiled/: the
// spec as loadSpec normalizes it and the codec source generateSource writes for it, so that using
// the family costs a JSON.parse and one evaluation of that source instead of a YAML parse,
// validation, normalization and code generation (30-40 ms for rt-route, at every start of
// `nlkit route show`). The codec is the one compileFamily builds: its source is handed to
// compileFamily for the revived spec object. test/families/precompiled.test.ts fails when a
// module is not what npm run gen would write now.
import { generateSource, providePrecompiled } from './compile.js';
import type { FamilySpec } from './model.js';

type Names = 'camel' | 'spec';

/** JSON for a graph of spec values: Maps, bigints, undefined and shared objects (a Map's values are the objects of an array) tagged by `$`. */
type Encoded = null | boolean | number | string | Encoded[] | { [key: string]: Encoded };

class GraphWriter {
  private readonly seen = new Map<object, number>();

  write(v: unknown, at: string): Encoded {
    if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
    if (typeof v === 'number') {
      if (!Number.isFinite(v) || Object.is(v, -0)) throw new TypeError(`${at}: ${v} has no JSON form`);
      return v;
    }
    if (typeof v === 'bigint') return { $: 'big', v: v.toString() };
    if (v === undefined) return { $: 'undef' };
    if (typeof v !== 'object') throw new TypeError(`${at}: a ${typeof v} cannot be precompiled`);
    const id = this.seen.get(v);
    if (id !== undefined) return { $: 'ref', v: id };
    this.seen.set(v, this.seen.size);
    if (Array.isArray(v)) return v.map((x, i) => this.write(x, `${at}[${i}]`));
    if (v instanceof Map) return { $: 'map', v: [...v].map(([k, x]) => [this.write(k, `${at} key`), this.write(x, `${at}.get(${String(k)})`)]) };
    if (Object.getPrototypeOf(v) !== Object.prototype) throw new TypeError(`${at}: a ${v.constructor.name} cannot be precompiled`);
    const o: { [key: string]: Encoded } = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === '$') throw new TypeError(`${at}: the key '$' is the format's tag`);
      o[k] = this.write(x, `${at}.${k}`);
    }
    return o;
  }
}

/** Reads what GraphWriter wrote: objects are numbered in the same order, so references resolve to the same object. */
class GraphReader {
  private readonly objects: object[] = [];

  read(e: Encoded): unknown {
    if (e === null || typeof e !== 'object') return e;
    if (Array.isArray(e)) {
      const a: unknown[] = [];
      this.objects.push(a);
      for (const x of e) a.push(this.read(x));
      return a;
    }
    switch (e.$) {
      case undefined: {
        const o: Record<string, unknown> = {};
        this.objects.push(o);
        for (const k in e) o[k] = this.read(e[k]!);
        return o;
      }
      case 'map': {
        const m = new Map<unknown, unknown>();
        this.objects.push(m);
        for (const [k, x] of e.v as [Encoded, Encoded][]) m.set(this.read(k), this.read(x));
        return m;
      }
      case 'ref':
        return this.objects[e.v as number];
      case 'big':
        return BigInt(e.v as string);
      case 'undef':
        return undefined;
      default:
        throw new TypeError(`precompiled family: unknown tag ${JSON.stringify(e.$)}`);
    }
  }
}

interface Precompiled {
  spec: FamilySpec;
  constants: unknown[];
  decoders: Map<string, string>;
  encoders: Map<string, string>;
}

/**
 * The module `npm run gen` writes for a family: `source` is the spec file as the module names it
 * (the path in the package, `specs/rt-route.yaml`, where loadSpec gives an absolute one), and
 * `textHash` its text's specTextHash.
 */
export function emitPrecompiled(spec: FamilySpec, names: Names, source: string, textHash: string): string {
  const gen = generateSource(spec, names);
  const data: Precompiled = { spec: { ...spec, source }, constants: gen.constants, decoders: gen.decoders, encoders: gen.encoders };
  const json = JSON.stringify(new GraphWriter().write(data, spec.name));
  return `// The ${spec.name} family compiled ahead of time from ${source} by \`npm run gen\`: the spec as
// loadSpec normalizes it and the codec source compileFamily generates for it (names: ${names}).
// Do not edit: regenerate instead.
import { precompiledSpec } from '../precompiled.js';

/** specTextHash of the spec file this was compiled from: loadSpec uses the module only for that text. */
export const textHash = ${JSON.stringify(textHash)};

export default precompiledSpec(${JSON.stringify(names)}, ${JSON.stringify(gen.source)}, ${JSON.stringify(json)});
`;
}

/** A precompiled module's spec, whose codec compileFamily (and so openFamily) takes from the module instead of generating it. */
export function precompiledSpec(names: Names, source: string, json: string): FamilySpec {
  const data = new GraphReader().read(JSON.parse(json) as Encoded) as Precompiled;
  providePrecompiled(data.spec, names, { source, constants: data.constants, decoders: data.decoders, encoders: data.encoders });
  return data.spec;
}
