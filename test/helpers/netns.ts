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

/**
 * Waits until no IPv6 address of the namespace is tentative: until then DAD is running and the
 * kernel will add the address's local route (and flags) by itself, under a test's feet.
 */
export async function dadDone(ns: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (sh('ip', ['-n', ns, '-6', 'addr', 'show', 'tentative']).trim() !== '') {
    if (Date.now() > end) throw new Error(`netns ${ns}: IPv6 addresses still tentative after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
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
