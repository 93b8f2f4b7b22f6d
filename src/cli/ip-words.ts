// Reading `ip`-style arguments: keywords followed by their values (`dev va mtu 1400`). A word
// the grammar does not expect is a usage error (exit 2); a value that is not what it should be
// is bad input (exit 1, one line), as the library reports malformed addresses.
import { invalid } from '../route/errors.js';
import { UsageError, type ParsedArgs } from './args.js';

export class Words {
  private i = 0;
  constructor(private readonly list: string[]) {}

  get done(): boolean {
    return this.i >= this.list.length;
  }

  peek(): string | undefined {
    return this.list[this.i];
  }

  /** The next word, or a usage error saying what was missing. */
  next(what: string): string {
    const w = this.list[this.i++];
    if (w === undefined) throw new UsageError(`missing ${what}`);
    return w;
  }

  /** Takes the next word if it is `word` (or one of `also`). */
  take(word: string, ...also: string[]): boolean {
    const w = this.list[this.i];
    if (w === word || also.includes(w ?? '')) {
      this.i++;
      return true;
    }
    return false;
  }

  /** The value after a keyword just read. */
  value(keyword: string): string {
    return this.next(`a value after "${keyword}"`);
  }

  /** A decimal or 0x-hex integer after a keyword, from 0 to `max`. */
  number(keyword: string, max = 0xffffffff): number {
    return parseInteger(this.value(keyword), keyword, max);
  }

  unexpected(): UsageError {
    return new UsageError(`unexpected argument '${this.list[this.i - 1] ?? ''}'`);
  }

  /** Nothing may follow. */
  end(): void {
    if (!this.done) throw new UsageError(`unexpected argument '${this.list[this.i]}'`);
  }
}

/** The words after the command, and its verb (`show` when none is given), checked against `verbs`. */
export function commandWords(words: string[], command: string, verbs: string[]): { w: Words; sub: string } {
  const w = new Words(words.slice(1));
  const sub = w.done ? 'show' : w.next(`a ${command} command`);
  if (!verbs.includes(sub)) throw new UsageError(`unknown ${command} command '${sub}'`);
  return { w, sub };
}

export function parseInteger(text: string, what: string, max = 0xffffffff): number {
  const n = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : /^\d+$/.test(text) ? parseInt(text, 10) : NaN;
  if (!Number.isSafeInteger(n) || n > max) throw invalid(`${what} "${text}" is not a number from 0 to ${max}`);
  return n;
}

/** `-4`/`-6` as the family the command is about, or undefined for both. */
export function familyOption(options: Map<string, string | true>): 'inet' | 'inet6' | undefined {
  const v4 = options.has('ipv4');
  const v6 = options.has('ipv6');
  if (v4 && v6) throw new UsageError('-4 and -6 exclude each other');
  return v4 ? 'inet' : v6 ? 'inet6' : undefined;
}

/** The -n/--netns option as openRoute takes it. */
export function netnsOption(args: ParsedArgs): { netns?: string } {
  const ns = args.options.get('netns');
  return typeof ns === 'string' ? { netns: ns } : {};
}
