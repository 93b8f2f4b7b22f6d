#!/bin/sh
':' //; [ -z "$NODE_EXTRA_CA_CERTS" ] || exec env -u NODE_EXTRA_CA_CERTS node "$0" "$@"; exec node "$0" "$@"
// Run as a command, the line above is sh and starts node on this file; to node it is a string
// and a comment. It drops NODE_EXTRA_CA_CERTS, which makes node 20 parse its whole root
// certificate store before running any script (about 40 ms on the machine where this was
// measured, two thirds of its start-up): nlkit makes no TLS connections.
//
// The installed command: runs the CLI bundle (dist/src/bundle/nlkit.cjs, made by
// scripts/bundle.mjs) compiled with V8's code cache of it. A CommonJS script, not an ES module:
// node then starts without its ES module loader, and the bundle's bytecode is read from the cache
// instead of compiled again. Together about 15 ms of every command (README, "What the numbers say").
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire } = require('node:module');

const file = path.join(__dirname, '..', 'dist', 'src', 'bundle', 'nlkit.cjs');
const cacheFile = `${file}.cache`;
let source;
try {
  source = fs.readFileSync(file, 'utf8');
} catch {
  process.stderr.write(`nlkit: ${file} is missing: run \`npm run build\` (or npm install) first\n`);
  process.exit(1);
}
let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  // No cache yet: compiled from the source, and the cache is written at exit.
}
// The module wrapper node uses, with one parameter more: an import() for the bundle. One inside
// a script compiled from a code cache finds no module loader (`nlkit example` loads the example
// programs with it; src/cli/example.ts).
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, __nlkitImport) {${source}\n})`, { filename: file, cachedData });
// V8 rejects a cache made by another node version, with other V8 flags or for a source of another
// length (it checks no more of the source: scripts/bundle.mjs replaces the cache along with the
// bundle). A missing or rejected cache is written again when the command ends, from what this run
// compiled. Best effort: an installation the user cannot write to runs uncached. Written under a
// temporary name and renamed, so that a command starting meanwhile never reads half a file.
if (cachedData === undefined || script.cachedDataRejected) {
  process.once('exit', () => {
    const tmp = `${cacheFile}.${process.pid}`;
    try {
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
    } catch {
      fs.rmSync(tmp, { force: true });
    }
  });
}
const mod = { exports: {} };
script.runInThisContext()(mod.exports, createRequire(file), mod, file, path.dirname(file), (specifier) => import(specifier));
