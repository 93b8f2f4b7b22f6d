// The fake kernel needs no privilege: run its tests as nobody (uid 65534, no groups, no
// capabilities). Running as an unprivileged user already, the suite itself is that proof.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The environment without the runner's NODE_TEST_CONTEXT, so the child reports in TAP. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: '/tmp' };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

test('the fake-kernel tests pass as nobody, without any capability', { skip: process.getuid?.() !== 0 && 'not root: this run is unprivileged already' }, () => {
  const r = spawnSync(
    'setpriv',
    ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', process.execPath, '--import', 'tsx', '--test', 'test/testing/fake-kernel.test.ts'],
    { cwd: root, encoding: 'utf8', env: childEnv(), timeout: 120_000 },
  );
  const summary = r.stdout.split('\n').filter((l) => /^# (tests|pass|fail)/.test(l));
  assert.equal(r.status, 0, `${summary.join(', ')}\n${r.stderr}\n${r.stdout.slice(-2000)}`);
  assert.match(r.stdout, /^# fail 0$/m);
  assert.doesNotMatch(r.stdout, /^# pass 0$/m);
});
