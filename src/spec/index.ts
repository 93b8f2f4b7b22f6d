// The family-spec engine: YNL specs loaded, validated, normalized and compiled to codecs.
export type * from './model.js';
export type * from './codec.js';
export { SpecError, type SpecProblem } from './errors.js';
export { loadSpec, loadSpecText, findSpecs, specSearchPath, packageSpecDir, SYSTEM_SPEC_DIR, type LoadOptions, type SpecInfo } from './load.js';
export { validateSpec, specProblems } from './validate.js';
export { normalizeSpec } from './normalize.js';
export { compileFamily, generateSource } from './compile.js';
export { PRECOMPILED_FAMILIES, precompiledFamily, type PrecompiledFamily } from './shipped.js';
export { SpecValueError } from './runtime.js';
export { camelCase, propertyName, type Naming } from './names.js';
export * from './family.js';
export { generateTypes, type GenerateOptions } from './codegen.js';
