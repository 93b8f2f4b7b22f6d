// Where the shipped specs and the kernel's YNL schemas are, and reading them as plain YAML.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const specsDir = path.join(projectRoot, 'specs');

/** The shipped spec files, sorted by name. */
export function specFiles(): string[] {
  if (!existsSync(specsDir)) return [];
  return readdirSync(specsDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => path.join(specsDir, f));
}

/**
 * The kernel's schemas: ../shared/ynl/schemas next to the project, else the machine-wide
 * /work/shared copy. Undefined in a fresh clone that has neither.
 */
export function schemaDir(): string | undefined {
  for (const dir of [path.resolve(projectRoot, '../shared/ynl/schemas'), '/work/shared/ynl/schemas']) {
    if (existsSync(dir)) return dir;
  }
  return undefined;
}

export function readYaml(file: string): unknown {
  return parse(readFileSync(file, 'utf8'));
}

/**
 * A kernel schema. netlink-raw.yaml repeats an `if`/`then` pair inside one mapping; PyYAML,
 * which the kernel's own tools use, keeps the last of duplicate keys, and so does this.
 */
export function readSchema(file: string): Record<string, unknown> {
  return parse(readFileSync(file, 'utf8'), { uniqueKeys: false }) as Record<string, unknown>;
}
