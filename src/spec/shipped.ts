// nlkit's own rt-* families, precompiled by `npm run gen` into compiled/ (see precompiled.ts).
// The route layer reads them from here; loadSpec does too, whenever the search path finds nlkit's
// own spec file for one of them and the module was compiled from that very text. So
// `openFamily('rt-route')` costs a JSON.parse instead of a YAML parse, validation and code
// generation, and leaves far less behind in the heap.
import type { FamilySpec } from './model.js';

export type PrecompiledFamily = 'rt-link' | 'rt-addr' | 'rt-route' | 'rt-neigh' | 'rt-rule';

export const PRECOMPILED_FAMILIES: readonly PrecompiledFamily[] = ['rt-link', 'rt-addr', 'rt-route', 'rt-neigh', 'rt-rule'];

interface Module {
  default: FamilySpec;
  textHash: string;
}

/** Imported only when used: a module holds its whole codec source (rt-link's is 200 kB). */
const MODULES: Record<PrecompiledFamily, () => Promise<Module>> = {
  'rt-link': () => import('./compiled/rt-link.js'),
  'rt-addr': () => import('./compiled/rt-addr.js'),
  'rt-route': () => import('./compiled/rt-route.js'),
  'rt-neigh': () => import('./compiled/rt-neigh.js'),
  'rt-rule': () => import('./compiled/rt-rule.js'),
};

const loaded = new Map<PrecompiledFamily, Promise<Module>>();

function load(name: PrecompiledFamily): Promise<Module> {
  let p = loaded.get(name);
  if (!p) {
    p = MODULES[name]();
    p.catch(() => loaded.delete(name));
    loaded.set(name, p);
  }
  return p;
}

export function isPrecompiled(name: string): name is PrecompiledFamily {
  return Object.hasOwn(MODULES, name);
}

/** One of the precompiled specs, with its codec, loaded once per process. */
export async function precompiledFamily(name: PrecompiledFamily): Promise<FamilySpec> {
  return (await load(name)).default;
}

/** The precompiled spec, if it was compiled from the spec text whose specTextHash is `textHash`. */
export async function precompiledFor(name: PrecompiledFamily, textHash: string): Promise<FamilySpec | undefined> {
  const m = await load(name);
  return m.textHash === textHash ? m.default : undefined;
}
