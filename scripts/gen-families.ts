// `npm run gen [-- NAME...]`: regenerates src/families/generated/ from the specs nlkit ships
// (every spec in specs/, or the families named), one file per family and an index, and
// src/spec/compiled/: nlkit's rt-* families, precompiled.
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { camelName } from '../src/spec/family-names.js';
import { generateTypes } from '../src/spec/codegen.js';
import { emitPrecompiled } from '../src/spec/precompiled.js';
import { specTextHash } from '../src/spec/load.js';
import { RT_FAMILIES } from '../src/route/specs.js';
import { findSpecs, loadSpec } from '../src/spec/load.js';
import { COMPILED_DIR, compiledFile, GENERATED_DIR, generatedFile, generatedIndex, GENERATED_IMPORT } from './families.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const wanted = process.argv.slice(2);
const names = wanted.length > 0 ? wanted : (await findSpecs({ paths: [path.join(root, 'specs')] })).filter((s) => s.path.startsWith(path.join(root, 'specs'))).map((s) => s.name);
if (names.length === 0) throw new Error('no specs to generate from: specs/ is empty and no family was named');

const dir = path.join(root, GENERATED_DIR);
await mkdir(dir, { recursive: true });
for (const f of await readdir(dir)) if (f.endsWith('.ts')) await rm(path.join(dir, f));
for (const name of names) {
  const spec = await loadSpec(name);
  await writeFile(path.join(root, generatedFile(name)), generateTypes(spec, { importFrom: GENERATED_IMPORT }));
  console.log(`${generatedFile(name)}  (${path.relative(root, spec.source ?? name)})`);
}
await writeFile(path.join(dir, 'index.ts'), generatedIndex(names.map((n) => ({ name: n, namespace: camelName(n) }))));

const compiled = path.join(root, COMPILED_DIR);
await mkdir(compiled, { recursive: true });
if (wanted.length === 0) for (const f of await readdir(compiled)) if (f.endsWith('.ts')) await rm(path.join(compiled, f));
for (const name of names.filter((n): n is (typeof RT_FAMILIES)[number] => (RT_FAMILIES as readonly string[]).includes(n))) {
  // From the spec file itself: loadSpec by name would hand back the precompiled module.
  const file = path.join(root, 'specs', `${name}.yaml`);
  const spec = await loadSpec(file);
  await writeFile(path.join(root, compiledFile(name)), emitPrecompiled(spec, 'camel', path.relative(root, file), specTextHash(await readFile(file, 'utf8'))));
  console.log(`${compiledFile(name)}  (${path.relative(root, spec.source ?? name)})`);
}
