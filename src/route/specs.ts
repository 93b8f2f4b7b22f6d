// The five rtnetlink specs this layer is written against: nlkit's own (specs/ of this package),
// never a same-named spec found earlier on NLKIT_SPEC_PATH, since the code here relies on their
// attribute names and enums. Each is read from its module precompiled by `npm run gen`
// (src/spec/precompiled.ts), which also carries its codec, once per process.
import type { FamilySpec } from '../spec/index.js';

export { PRECOMPILED_FAMILIES as RT_FAMILIES, precompiledFamily as rtSpec, type PrecompiledFamily as RtFamilyName } from '../spec/shipped.js';

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
