#!/usr/bin/env node
// The installed command: runs the bundled CLI (tsc and scripts/bundle.mjs, run by `npm install`
// through `prepare` and by `npm run build`).
import '../dist/src/bundle/nlkit.js';
