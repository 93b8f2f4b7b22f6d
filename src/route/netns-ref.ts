// Another network namespace as the target of a link move (IFLA_NET_NS_FD / IFLA_NET_NS_PID):
// a name under /var/run/netns, a path such as /proc/PID/ns/net, or a process id.
import { closeSync, openSync } from 'node:fs';
import { netnsPath } from '../socket/index.js';
import { ENOENT } from '../wire/index.js';
import { invalid, routeError } from './errors.js';
import { describe } from './inet.js';

/** A namespace by name (`ip netns` names), by path, or as the namespace of a process. */
export type NetnsRef = string | { pid: number };

/** The attributes that point a link at `ref`; `release` closes the file descriptor once the request is answered. */
export interface NetnsTarget {
  attrs: { netNsFd: number } | { netNsPid: number };
  label: string;
  release(): void;
}

export function openNetnsTarget(ref: NetnsRef): NetnsTarget {
  if (typeof ref === 'object' && ref !== null && !Array.isArray(ref)) {
    const pid = (ref as { pid: unknown }).pid;
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) throw invalid(`netns: ${describe(pid)} is not a process id`);
    return { attrs: { netNsPid: pid }, label: `the network namespace of process ${pid}`, release: () => {} };
  }
  if (typeof ref !== 'string' || ref === '') throw invalid(`netns: ${describe(ref)} is not a namespace name or path`);
  let file: string;
  try {
    file = netnsPath(ref);
  } catch (err) {
    throw invalid(`netns: ${(err as Error).message}`);
  }
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw routeError(ENOENT, `network namespace "${ref}" not found (${file})`);
    throw routeError(-((err as NodeJS.ErrnoException).errno ?? -ENOENT), `cannot open network namespace "${ref}" (${file}): ${(err as Error).message}`);
  }
  let open = true;
  return {
    attrs: { netNsFd: fd },
    label: `network namespace "${ref}"`,
    release: () => {
      if (open) closeSync(fd);
      open = false;
    },
  };
}
