// The five rtnetlink specs this layer is written against: nlkit's own (specs/ of this package),
// never a same-named spec found earlier on NLKIT_SPEC_PATH, since the code here relies on their
// attribute names and enums. Loaded once per process.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSpec, packageSpecDir, type FamilySpec } from '../spec/index.js';

export type RtFamilyName = 'rt-link' | 'rt-addr' | 'rt-route' | 'rt-neigh' | 'rt-rule';

export const RT_FAMILIES: readonly RtFamilyName[] = ['rt-link', 'rt-addr', 'rt-route', 'rt-neigh', 'rt-rule'];

function ownSpecDir(): string {
  const dir = packageSpecDir();
  if (dir === undefined) throw new Error(`nlkit: no package.json above ${fileURLToPath(import.meta.url)}, so no specs/ to load the rtnetlink specs from`);
  return dir;
}

const loaded = new Map<RtFamilyName, Promise<FamilySpec>>();

/** One of the rt-* specs, parsed and normalized once. */
export function rtSpec(name: RtFamilyName): Promise<FamilySpec> {
  let p = loaded.get(name);
  if (!p) {
    p = loadSpec(path.join(ownSpecDir(), `${name}.yaml`));
    p.catch(() => loaded.delete(name));
    loaded.set(name, p);
  }
  return p;
}

/** The value of an enum entry of a spec, by the spec's name for it. */
export function enumValue(spec: FamilySpec, enumName: string, entry: string): number | undefined {
  const def = spec.definitions.get(enumName);
  return def && (def.kind === 'enum' || def.kind === 'flags') ? def.byName.get(entry) : undefined;
}

/** The spec's name of an enum value. */
export function enumName(spec: FamilySpec, enumName: string, value: number): string | undefined {
  const def = spec.definitions.get(enumName);
  return def && (def.kind === 'enum' || def.kind === 'flags') ? def.byValue.get(value) : undefined;
}

/** The names of an enum, for error messages listing what is allowed. */
export function enumNames(spec: FamilySpec, enumName: string): string[] {
  const def = spec.definitions.get(enumName);
  return def && (def.kind === 'enum' || def.kind === 'flags') ? def.entries.map((e) => e.name) : [];
}
