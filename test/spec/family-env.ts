// Where the spec tests find their specs: the project's own specs/ once it has them; until then
// the kernel's corpus (../shared/ynl/specs, test data only), through NLKIT_SPEC_PATH, which
// child processes (the CLI tests) inherit.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The kernel's spec corpus, if this checkout sits next to it. */
export const CORPUS = [path.resolve(ROOT, '../shared/ynl/specs'), path.resolve(ROOT, '../../shared/ynl/specs')].find((d) => existsSync(d));

/** The families nlkit ships specs for. */
export const SHIPPED_FAMILIES = ['nlctrl', 'netdev', 'ethtool', 'tcp_metrics', 'mptcp_pm', 'rt-link', 'rt-addr', 'rt-route', 'rt-neigh', 'rt-rule'];

if (!existsSync(path.join(ROOT, 'specs')) && CORPUS !== undefined && process.env.NLKIT_SPEC_PATH === undefined) {
  process.env.NLKIT_SPEC_PATH = CORPUS;
}
