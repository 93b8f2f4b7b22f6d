// Shared bench fixtures: a private namespace holding a large routing table, and the C reference.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Creates a namespace with `routes` IPv4 /32 routes on lo; returns its name. */
export function routeNamespace(routes: number): string {
  const ns = `nlkit-bench-${randomBytes(3).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', ns]);
  execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  const lines: string[] = [];
  for (let i = 0; i < routes; i++) lines.push(`route add 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32 dev lo`);
  const file = path.join(here, 'c', 'out', `${ns}.batch`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${lines.join('\n')}\n`);
  try {
    execFileSync('ip', ['-n', ns, '-batch', file]);
  } finally {
    rmSync(file, { force: true });
  }
  return ns;
}

export function deleteNamespace(ns: string): void {
  spawnSync('ip', ['netns', 'del', ns]);
}

/** Builds bench/c/NAME.c with the system compiler into bench/c/out/. */
export function buildC(name: string): string {
  const out = path.join(here, 'c', 'out', name);
  mkdirSync(path.dirname(out), { recursive: true });
  execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-o', out, path.join(here, 'c', `${name}.c`)]);
  return out;
}

/** Runs the C dump loop in `ns`: [messages, nanoseconds] per round. */
export function runC(binary: string, ns: string, rounds: number): Array<[number, number]> {
  const text = execFileSync('ip', ['netns', 'exec', ns, binary, String(rounds)], { encoding: 'utf8' });
  return text.trim().split('\n').map((l) => l.split(' ').map(Number) as [number, number]);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}
