// Bundles the compiled CLI (dist/src/cli/nlkit.js, from tsc) into dist/src/bundle/: the command's
// start-up loaded some fifty ES modules one by one, about 35 ms before any work; the bundle loads
// a dozen chunks. Commands stay lazily loaded (esbuild's splitting turns each dynamic import into
// a chunk). The folder sits at the same depth as dist/src/cli, so the paths the code computes from
// import.meta.url (the addon, specs/, dist/examples) hold in both. Packages stay external.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist/src/bundle');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [path.join(root, 'dist/src/cli/nlkit.js')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
  // Less text for V8 to scan at every start (names stay, for stack traces): about 2 ms of an
  // `nlkit route show`, whose start-up is most of what it costs beyond node's own.
  minifyWhitespace: true,
  minifySyntax: true,
});
