import path from 'node:path';

/** Where `ip netns add NAME` puts its namespace files. */
export const NETNS_RUN_DIR = '/var/run/netns';

/**
 * The file behind a `netns` option: a bare name is looked up under /var/run/netns (as
 * `ip netns exec` does), anything with a slash is taken as a path (/proc/PID/ns/net).
 */
export function netnsPath(netns: string): string {
  if (netns.length === 0) throw new TypeError('netns: empty name');
  if (netns.includes('/')) return path.resolve(netns);
  if (netns === '.' || netns === '..') throw new TypeError(`netns: '${netns}' is not a namespace name`);
  return path.join(NETNS_RUN_DIR, netns);
}
