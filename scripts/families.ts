// Where the generated types of nlkit's own families live, and how their index is written: one
// place for `npm run gen` (gen-families.ts) and the test that checks the shipped files are current.

export const GENERATED_DIR = 'src/families/generated';

/** What the generated files import the family layer from (relative to GENERATED_DIR). */
export const GENERATED_IMPORT = '../../spec/index.js';

/** The generated file of a family, relative to the project root. */
export function generatedFile(family: string): string {
  return `${GENERATED_DIR}/${family}.ts`;
}

/** The index of the generated families: each one as a namespace (`rtLink.openRtLink()`). */
export function generatedIndex(families: { name: string; namespace: string }[]): string {
  const lines = ['// The generated families, one namespace each. Written by `npm run gen`; do not edit.'];
  for (const f of [...families].sort((a, b) => a.name.localeCompare(b.name))) lines.push(`export * as ${f.namespace} from './${f.name}.js';`);
  return `${lines.join('\n')}\n`;
}

/** Where `npm run gen` writes the precompiled families (src/spec/precompiled.ts). */
export const COMPILED_DIR = 'src/spec/compiled';

/** The precompiled module of a family, relative to the project root. */
export function compiledFile(family: string): string {
  return `${COMPILED_DIR}/${family}.ts`;
}
