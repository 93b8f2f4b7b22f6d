// Asks the C compiler what the installed uAPI headers say: one small program per spec prints
// every constant the spec stands for. Constants (and headers) this machine's headers lack are
// dropped and reported, so an older distribution's headers narrow the check instead of failing it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CConstant } from './c-names.js';

export interface ProbeResult {
  /** Constants the headers define, with the value the compiler printed. */
  found: Array<CConstant & { actual: number | string }>;
  /** Constants the headers do not declare. */
  undeclared: CConstant[];
  /** Headers not installed here. */
  missingHeaders: string[];
}

function program(headers: string[], constants: CConstant[]): { source: string; lineOf: Map<number, CConstant> } {
  const lines = ['#include <stdio.h>', ...headers.map((h) => `#include <${h}>`), 'int main(void) {'];
  const lineOf = new Map<number, CConstant>();
  for (const c of constants) {
    // Strings go through a pointer and numbers through an integer: with -Werror=int-conversion a
    // constant of the other kind is a compile error, not a silent wrong print.
    lineOf.set(lines.length + 1, c);
    lines.push(
      typeof c.expected === 'string'
        ? `  { const char *v = (${c.name}); printf("%s\\t%s\\n", "${c.name}", v); }`
        : `  { long long v = (${c.name}) + 0LL; printf("%s\\t%lld\\n", "${c.name}", v); }`,
    );
  }
  lines.push('  return 0;', '}', '');
  return { source: lines.join('\n'), lineOf };
}

export function gccAvailable(): boolean {
  return spawnSync('gcc', ['--version'], { stdio: 'ignore' }).status === 0;
}

export function probeConstants(headers: string[], constants: CConstant[]): ProbeResult {
  const dir = mkdtempSync(path.join(tmpdir(), 'nlkit-spec-c-'));
  const src = path.join(dir, 'probe.c');
  const exe = path.join(dir, 'probe');
  const result: ProbeResult = { found: [], undeclared: [], missingHeaders: [] };
  let includes = [...headers];
  let wanted = [...constants];
  try {
    // Each round removes what is missing; a round that removes nothing must compile.
    for (let round = 0; ; round++) {
      const { source, lineOf } = program(includes, wanted);
      writeFileSync(src, source);
      const cc = spawnSync('gcc', ['-std=gnu11', '-Werror=int-conversion', '-o', exe, src], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
      if (cc.status === 0) break;
      const stderr = cc.stderr;
      const missingHeaders = [...stderr.matchAll(/fatal error: ([^:\s]+): No such file or directory/g)].map((m) => m[1]!);
      if (missingHeaders.length > 0) {
        result.missingHeaders.push(...missingHeaders);
        includes = includes.filter((h) => !missingHeaders.includes(h));
        continue;
      }
      const gone = new Set<CConstant>();
      for (const m of stderr.matchAll(/probe\.c:(\d+):\d+: error: ['‘](\w+)['’] undeclared/g)) {
        const c = lineOf.get(Number(m[1]));
        if (c && c.name === m[2]) gone.add(c);
      }
      if (gone.size === 0 || round > 50) throw new Error(`gcc failed on the probe for ${headers.join(', ')}:\n${stderr}\n--- probe.c ---\n${source}`);
      result.undeclared.push(...gone);
      wanted = wanted.filter((c) => !gone.has(c));
    }
    if (wanted.length === 0) return result;
    const printed = new Map<string, string>();
    for (const line of execFileSync(exe, { encoding: 'utf8' }).split('\n')) {
      const tab = line.indexOf('\t');
      if (tab > 0) printed.set(line.slice(0, tab), line.slice(tab + 1));
    }
    for (const c of wanted) {
      const text = printed.get(c.name)!;
      result.found.push({ ...c, actual: typeof c.expected === 'string' ? text : Number(text) });
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Whether a header's value is the spec's. A bit-31 flag written `(1 << 31)` is a negative int
 * in C; as the unsigned 32-bit pattern a flags attribute carries, it is the spec's 1 << 31.
 */
export function sameValue(actual: number | string, expected: number | string): boolean {
  if (actual === expected) return true;
  if (typeof actual !== 'number' || typeof expected !== 'number') return false;
  return actual < 0 && actual >= -(2 ** 31) && expected >= 2 ** 31 && expected < 2 ** 32 && actual + 2 ** 32 === expected;
}
