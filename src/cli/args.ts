// A small argument parser: positional words plus the options a command declares.

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface OptionSpec {
  /** Long name without dashes. */
  name: string;
  short?: string;
  /** Takes a value (`--netns NS`), or is a switch. */
  value?: boolean;
}

export interface ParsedArgs {
  words: string[];
  options: Map<string, string | true>;
}

export function parseArgs(argv: string[], specs: OptionSpec[]): ParsedArgs {
  const words: string[] = [];
  const options = new Map<string, string | true>();
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      words.push(...argv.slice(i + 1));
      break;
    }
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      if (eq > 0) inline = arg.slice(eq + 1);
      spec = byLong.get(name);
      if (!spec) throw new UsageError(`unknown option '--${name}'`);
    } else if (arg.startsWith('-') && arg.length === 2) {
      spec = byShort.get(arg.slice(1));
      if (!spec) throw new UsageError(`unknown option '${arg}'`);
    } else {
      words.push(arg);
      continue;
    }
    if (spec.value) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`option '--${spec.name}' needs a value`);
      options.set(spec.name, v);
    } else {
      if (inline !== undefined) throw new UsageError(`option '--${spec.name}' takes no value`);
      options.set(spec.name, true);
    }
  }
  return { words, options };
}

/** A number in decimal or 0x-hex, or a UsageError naming what it was for. */
export function parseNumber(text: string, what: string, max = 0xffffffff): number {
  const n = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : /^\d+$/.test(text) ? parseInt(text, 10) : NaN;
  if (!Number.isSafeInteger(n) || n < 0 || n > max) throw new UsageError(`${what}: '${text}' is not a number from 0 to ${max}`);
  return n;
}
