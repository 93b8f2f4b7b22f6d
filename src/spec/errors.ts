// One error class for everything wrong with a spec file: YAML syntax, format rules, dangling
// references. It names the file and the key path so a spec author can go straight to the line.

export interface SpecProblem {
  /** Key path inside the spec: `operations.list[3].do.request.attributes[1]` ('' for the whole file). */
  path: string;
  message: string;
  /** 1-based line of the offending node, when the YAML source is known. */
  line?: number;
}

const SHOWN = 10;

function describe(p: SpecProblem): string {
  const where = p.path === '' ? '' : `${p.path}${p.line !== undefined ? ` (line ${p.line})` : ''}: `;
  return `${where}${p.message}`;
}

export class SpecError extends Error {
  override readonly name = 'SpecError';
  readonly code = 'ERR_NLKIT_SPEC';
  /** The first problem's key path. */
  readonly path: string;

  constructor(
    /** The file (or the label given to `loadSpecText`). */
    readonly source: string,
    /** Every problem found, in document order; never empty. */
    readonly problems: SpecProblem[],
  ) {
    const first = problems[0] ?? { path: '', message: 'invalid spec' };
    let message = `${source}: ${describe(first)}`;
    if (problems.length > 1) {
      const more = problems.slice(1, SHOWN).map((p) => `\n  ${describe(p)}`).join('');
      const rest = problems.length > SHOWN ? `\n  ... and ${problems.length - SHOWN} more` : '';
      message += `${more}${rest}`;
    }
    super(message);
    this.path = first.path;
  }
}

/** Formats a key path from its segments: `['operations', 'list', 3, 'do']` → `operations.list[3].do`. */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? s : `.${s}`;
  }
  return out;
}
