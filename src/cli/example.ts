// `nlkit example <program> ...`: runs one of the nlex example programs (examples/nlex/), the
// same code `npx tsx examples/nlex/<program>.ts` runs.
import { UsageError } from './args.js';
import type { Io } from './genl.js';

type Program = (args: string[], signal: AbortSignal) => Promise<void>;
interface Runner {
  run(program: Program, args: string[], signal: AbortSignal): Promise<number>;
}

const PROGRAMS: Record<string, string> = {
  resolve: 'resolve',
  change: 'change',
  get: 'get',
  event: 'event',
  send: 'send',
  recv: 'recv',
  'nlex-server': 'server',
};

// bin/nlkit.cjs runs the CLI bundle as a script compiled with V8's code cache, and an import()
// in such a script has no module loader to call (the cache does not keep node's link to it). The
// bin hands the bundle an import function of its own, compiled the normal way, under this name;
// run from the sources, the name is not defined and this module's own import() is used.
declare const __nlkitImport: ((specifier: string) => Promise<unknown>) | undefined;
const importModule = typeof __nlkitImport === 'function' ? __nlkitImport : (specifier: string): Promise<unknown> => import(specifier);

/** Loads an example module next to this file's tree: .ts from the sources, .js once built. */
function load<T>(name: string): Promise<T> {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return importModule(new URL(`../../examples/nlex/${name}${ext}`, import.meta.url).href) as Promise<T>;
}

/** Runs the program; resolves with its exit status. */
export async function exampleCommand(argv: string[], io: Io): Promise<number> {
  const file = argv[0] === undefined ? undefined : PROGRAMS[argv[0]];
  if (file === undefined) throw new UsageError(argv[0] === undefined ? 'missing example program' : `unknown example program '${argv[0]}'`);
  const [{ main }, { run }] = await Promise.all([load<{ main: Program }>(file), load<Runner>('run')]);
  return run(main, argv.slice(1), io.signal);
}
