// Bundles the compiled CLI (dist/src/cli/nlkit.js, from tsc) into one CommonJS file,
// dist/src/bundle/nlkit.cjs, which bin/nlkit.cjs runs with V8's code cache of it
// (dist/src/bundle/nlkit.cjs.cache, made here by running the command once).
// - One file: the command's start-up loaded some fifty ES modules one by one, about 35 ms before
//   any work. Commands stay lazily evaluated: esbuild turns each dynamic import into a module
//   initialised on first use.
// - CommonJS: node starts an ES module entry point with its ES module loader, ~5 ms more.
// - The folder sits at the same depth as dist/src/cli, so the paths the code computes from
//   import.meta.url (the addon, specs/, dist/examples) hold in both. Packages stay external.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist/src/bundle');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [path.join(root, 'dist/src/cli/nlkit.js')],
  outfile: path.join(outdir, 'nlkit.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
  // The sources are ES modules: strict, and import.meta.url is the file's own URL.
  banner: { js: '"use strict";const __nlkitUrl=require("node:url").pathToFileURL(__filename).href;' },
  define: { 'import.meta.url': '__nlkitUrl' },
  // Less text for V8 to scan when the cache is missing or rejected (names stay, for stack traces).
  minifyWhitespace: true,
  minifySyntax: true,
});

// The cache holds the bytecode of what a run compiled: a route listing of this namespace compiles
// the socket, the rtnetlink decoders and the JSON writer, the paths most commands share. Reading
// routes needs no privilege; should it fail anyway, the cache still holds the start-up.
spawnSync(process.execPath, [path.join(root, 'bin/nlkit.cjs'), 'route', 'show', '--json'], { stdio: 'ignore' });
