// Private network namespaces for tests that touch the kernel: never the host's interfaces.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';

export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `ip -n NS -j ...` parsed. */
export function ipJson<T = unknown>(ns: string, ...args: string[]): T {
  return JSON.parse(sh('ip', ['-n', ns, '-j', ...args]) || '[]') as T;
}

export function ip(ns: string, ...args: string[]): string {
  return sh('ip', ['-n', ns, ...args]);
}

export function createNetns(prefix = 'nlkit-test'): string {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  sh('ip', ['netns', 'add', name]);
  return name;
}

export function deleteNetns(name: string): void {
  try {
    sh('ip', ['netns', 'del', name]);
  } catch {
    // already gone
  }
}

/** A namespace created before the file's tests and deleted after them. */
export function useNetns(prefix?: string): { readonly name: string } {
  const ref = { name: '' };
  before(() => {
    ref.name = createNetns(prefix);
  });
  after(() => deleteNetns(ref.name));
  return ref;
}
