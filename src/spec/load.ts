// Finding and loading YNL spec files: by path, or by family name along a search path (the
// caller's dirs, NLKIT_SPEC_PATH, the package's own specs/, the system's /usr/share/ynl/specs).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { Document, LineCounter } from 'yaml';
import { SpecError } from './errors.js';
import type { FamilySpec, Protocol } from './model.js';
import { normalizeSpec } from './normalize.js';
import { isPrecompiled, precompiledFor } from './shipped.js';
import { validateSpec, type Locate } from './validate.js';

export interface LoadOptions {
  /** Directories searched first, before NLKIT_SPEC_PATH and the built-in ones. */
  paths?: string[];
}

export interface SpecInfo {
  /** The family name (the YAML `name:`, which the file name need not match). */
  name: string;
  path: string;
  protocol: Protocol;
}

export const SYSTEM_SPEC_DIR = '/usr/share/ynl/specs';

let ownSpecDir: { dir: string | undefined } | undefined;

/** The package's own specs/ (absolute): found from this module's file, so it works from src/ and dist/src/. */
export function packageSpecDir(): string | undefined {
  return (ownSpecDir ??= { dir: findPackageSpecDir() }).dir;
}

function findPackageSpecDir(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'specs');
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** The directories searched for a family name, in order. */
export function specSearchPath(opts: LoadOptions = {}): string[] {
  const env = (process.env.NLKIT_SPEC_PATH ?? '').split(':').filter((d) => d !== '');
  const own = packageSpecDir();
  const dirs = [...(opts.paths ?? []), ...env, ...(own ? [own] : []), SYSTEM_SPEC_DIR];
  return [...new Set(dirs.map((d) => path.resolve(d)))];
}

function locator(doc: Document, lines: LineCounter): Locate {
  return (segments) => {
    const node = segments.length === 0 ? doc.contents : doc.getIn(segments, true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    return range ? lines.linePos(range[0]).line : undefined;
  };
}

/**
 * Parses, validates and normalizes spec text; `source` names it in errors.
 *
 * Two parsers, for speed: js-yaml reads a valid spec four times faster than `yaml` (rt-link:
 * 30 ms against 120 ms, which was most of `nlkit route show`'s start-up), but only `yaml` says
 * on which line a problem is. So a spec is read with js-yaml first, and only one that fails
 * to parse or to validate is read again with `yaml`, for errors that name their lines.
 */
export function loadSpecText(text: string, source: string): FamilySpec {
  let value: unknown;
  try {
    const jsYaml = requireJsYaml();
    value = jsYaml.load(text, { schema: jsYaml.CORE_SCHEMA, filename: source });
  } catch {
    return loadSpecTextLocated(text, source);
  }
  try {
    validateSpec(value, source, () => undefined);
  } catch (err) {
    if (err instanceof SpecError) return loadSpecTextLocated(text, source);
    throw err;
  }
  return normalizeSpec(value, source);
}

// `yaml` is loaded only for a spec that fails: importing it costs ~35 ms of every start-up.
const requireYaml = (): typeof import('yaml') => createRequire(import.meta.url)('yaml') as typeof import('yaml');

/** Loaded on the first spec parsed: openFamily of a precompiled spec never needs it. */
const requireJsYaml = (): typeof import('js-yaml') => createRequire(import.meta.url)('js-yaml') as typeof import('js-yaml');

function loadSpecTextLocated(text: string, source: string): FamilySpec {
  const { LineCounter, parseDocument } = requireYaml();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new SpecError(
      source,
      doc.errors.map((e) => ({ path: '', message: `YAML: ${e.message.split('\n')[0]}`, line: lines.linePos(e.pos[0]).line })),
    );
  }
  const value: unknown = doc.toJS({ maxAliasCount: -1 });
  validateSpec(value, source, locator(doc, lines));
  return normalizeSpec(value, source);
}

async function readSpec(file: string): Promise<FamilySpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new SpecError(file, [{ path: '', message: `cannot read the spec: ${(err as Error).message}` }]);
  }
  return loadSpecText(text, file);
}

/** The top-level `name:` and `protocol:` of a spec, read without parsing the whole document. */
function peek(text: string): { name?: string; protocol: Protocol } {
  const field = (key: string): string | undefined => {
    const m = new RegExp(`^${key}:[ \\t]*(['"]?)([^'"\\s#]+)\\1[ \\t]*(#.*)?$`, 'm').exec(text);
    return m?.[2];
  };
  const protocol = (field('protocol') ?? 'genetlink') as Protocol;
  const name = field('name');
  return name === undefined ? { protocol } : { name, protocol };
}

async function yamlFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort().map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

/** What a precompiled module (precompiled.ts) records of the spec text it was compiled from. */
export function specTextHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/**
 * Loads a spec by file path (anything with a `/` or a .yaml/.yml suffix) or by family name.
 * A name matches `<name>.yaml` (or with `_` for `-`) first, then any file whose `name:` is it.
 */
export async function loadSpec(nameOrPath: string, opts: LoadOptions = {}): Promise<FamilySpec> {
  if (nameOrPath.includes('/') || /\.ya?ml$/.test(nameOrPath)) return readSpec(nameOrPath);
  const dirs = specSearchPath(opts);
  const own = packageSpecDir();
  for (const dir of dirs) {
    for (const base of new Set([nameOrPath, nameOrPath.replace(/-/g, '_')])) {
      const file = path.join(dir, `${base}.yaml`);
      if (existsSync(file)) {
        const text = await readFile(file, 'utf8');
        if ((peek(text).name ?? base) !== nameOrPath) continue;
        if (dir === own && isPrecompiled(nameOrPath)) {
          const pre = await precompiledFor(nameOrPath, specTextHash(text));
          if (pre) return pre;
        }
        return loadSpecText(text, file);
      }
    }
    for (const file of await yamlFiles(dir)) {
      const text = await readFile(file, 'utf8').catch(() => '');
      if (peek(text).name === nameOrPath) return loadSpecText(text, file);
    }
  }
  throw new SpecError(nameOrPath, [{ path: '', message: `no spec for family '${nameOrPath}' in ${dirs.join(', ')}` }]);
}

/** Every spec on the search path; a name found in an earlier directory hides later ones. */
export async function findSpecs(opts: LoadOptions = {}): Promise<SpecInfo[]> {
  const found = new Map<string, SpecInfo>();
  for (const dir of specSearchPath(opts)) {
    for (const file of await yamlFiles(dir)) {
      const text = await readFile(file, 'utf8').catch(() => '');
      const { name, protocol } = peek(text);
      if (name !== undefined && !found.has(name)) found.set(name, { name, path: file, protocol });
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}
