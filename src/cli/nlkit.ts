import { run } from './main.js';

// Not a top-level await: the same module is bundled as CommonJS for bin/nlkit.cjs, and node
// waits for the command's pending work either way (run() reports every error itself).
void run();
