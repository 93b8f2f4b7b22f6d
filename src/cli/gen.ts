// `nlkit gen <family|path> [-o file.ts]`: TypeScript types and a typed open function for a spec.
import { writeFile } from 'node:fs/promises';
import { generateTypes } from '../spec/index.js';
import { loadSpec } from '../spec/load.js';
import { UsageError, type ParsedArgs } from './args.js';
import type { Io } from './genl.js';

export async function genCommand(args: ParsedArgs, io: Io): Promise<void> {
  const [, target, extra] = args.words;
  if (target === undefined) throw new UsageError('missing family name or spec path');
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
  const out = args.options.get('output');
  const from = args.options.get('import-from');
  const spec = await loadSpec(target);
  const text = generateTypes(spec, typeof from === 'string' ? { importFrom: from } : {});
  if (typeof out === 'string') await writeFile(out, text);
  else io.out(text.trimEnd());
}
