// The nlex programs (examples/nlex/) as processes, per NLEX-CONTRACT.md's "Tests": against the
// kernel modules when NLEX_TARGET=kernel (in a VM that loaded them; nothing here touches the
// server then), otherwise against `nlkit example nlex-server`, which this file starts in a
// network namespace of its own and the programs reach with --usersock. Same assertions in both.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { NETLINK_GENERIC, NETLINK_USERSOCK, NLM_F_ECHO, NetlinkSocket, genlAttributes, genlRequest, GenlController, type NetlinkMessage } from '../../src/index.js';
import * as P from '../../examples/nlex/protocol.js';
import { createNetns, deleteNetns } from '../helpers/netns.js';

const KERNEL = process.env.NLEX_TARGET === 'kernel';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const WAIT_MS = 60_000; // a bound for a hung program on a loaded machine, not a performance claim

let netns: string | undefined;
let server: Program | undefined;

/** A program's command line: in the server's namespace and with --usersock unless against the kernel. */
function command(file: string, args: string[]): string[] {
  const node = [process.execPath, '--import', 'tsx', file, ...args, ...(KERNEL ? [] : ['--usersock'])];
  return netns ? ['ip', 'netns', 'exec', netns, ...node] : node;
}

class Program {
  readonly lines: string[] = [];
  stderr = '';
  private readonly waiters: Array<() => void> = [];
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    let partial = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      partial += chunk;
      const parts = partial.split('\n');
      partial = parts.pop()!;
      this.lines.push(...parts);
      for (const w of this.waiters.splice(0)) w();
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = once(child, 'exit').then(([code]) => {
      for (const w of this.waiters.splice(0)) w();
      return code as number | null;
    });
  }

  /** Resolves with the first line `match` accepts; rejects if the program exits first. */
  async line(match: (line: string) => boolean, what: string): Promise<string> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const found = this.lines.find(match);
      if (found !== undefined) return found;
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`no ${what} from ${this.child.spawnargs.join(' ')}: stdout ${JSON.stringify(this.lines)}, stderr ${JSON.stringify(this.stderr)}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 1000);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** SIGTERM, and its exit status. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}

function start(file: string, args: string[] = []): Program {
  const [cmd, ...rest] = command(file, args);
  return new Program(spawn(cmd!, rest, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** Runs a program to its end. */
async function run(name: string, args: string[] = []): Promise<{ code: number | null; stdout: string[]; stderr: string }> {
  const p = start(`examples/nlex/${name}.ts`, args);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), WAIT_MS);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, stdout: p.lines, stderr: p.stderr };
}

before(async () => {
  if (KERNEL) return;
  netns = createNetns('nlkit-nlex');
  server = start('src/cli/nlkit.ts', ['example', 'nlex-server']);
  await server.line((l) => l.startsWith('nlex-server: ready'), 'ready line');
});

after(async () => {
  if (server) assert.equal(await server.stop(), 0, `nlex-server: ${server.stderr}`);
  if (netns) deleteNetns(netns);
});

/** A socket to the variant's nlex, for the assertions made with the library directly. */
async function openTarget(variant: 'genl' | 'classic'): Promise<{ sock: NetlinkSocket; peer: number }> {
  if (KERNEL) return { sock: await NetlinkSocket.open(variant === 'genl' ? NETLINK_GENERIC : P.NETLINK_NLEX), peer: 0 };
  const peer = variant === 'genl' ? P.NLEX_SERVER_PORT : P.NLEX_SERVER_CLASSIC_PORT;
  return { sock: await NetlinkSocket.open(NETLINK_USERSOCK, { netns, peer }), peer };
}

test('resolve prints the family id and its group id, as nlctrl has them', async () => {
  const r = await run('resolve');
  assert.equal(r.code, 0, r.stderr);
  const family = /^family nlex id (\d+) version 1$/.exec(r.stdout[0] ?? '');
  const group = /^group example id (\d+)$/.exec(r.stdout[1] ?? '');
  assert.ok(family && group, JSON.stringify(r.stdout));
  if (KERNEL) {
    const text = execFileSync('genl', ['ctrl', 'get', 'name', 'nlex'], { encoding: 'utf8' });
    assert.equal(Number(family[1]), parseInt(/ID: (0x[0-9a-f]+)/.exec(text)![1]!, 16));
    assert.equal(Number(group[1]), parseInt(/ID-(0x[0-9a-f]+)\s+name: example/.exec(text)![1]!, 16));
  } else {
    assert.equal(Number(family[1]), P.NLEX_SERVER_FAMILY_ID);
    assert.equal(Number(group[1]), P.NLEX_SERVER_GENL_GROUP);
  }
});

for (const variant of ['genl', 'classic'] as const) {
  const v = ['--variant', variant];

  test(`${variant}: change 42 is acknowledged, a running event prints it, get reads it back`, async () => {
    const event = start('examples/nlex/event.ts', v);
    try {
      await event.line((l) => l === 'listening', "'listening'");
      const change = await run('change', ['42', ...v]);
      assert.deepEqual([change.code, change.stdout, change.stderr], [0, ['myvar set to 42'], '']);
      await event.line((l) => l === 'myvar=42', "'myvar=42'");
    } finally {
      assert.equal(await event.stop(), 0, event.stderr);
    }
    const get = await run('get', v);
    assert.deepEqual([get.code, get.stdout, get.stderr], [0, ['myvar=42'], '']);
  });

  test(`${variant}: change without a value fails with the kernel's extended ACK message`, async () => {
    const r = await run('change', v);
    assert.deepEqual([r.code, r.stdout, r.stderr], [1, [], 'EINVAL: NLE_MYVAR attribute is required\n']);
  });

  test(`${variant}: with NLM_F_ECHO the sender gets the notification too, without joining the group`, async () => {
    const { sock, peer } = await openTarget(variant);
    try {
      // What arrives addressed to a group, member or not: nlmsg_notify's unicast leg to the sender.
      const arrivals = sock.subscribe([], { from: peer });
      let replies: NetlinkMessage[];
      let myvar: (m: NetlinkMessage) => number | undefined;
      if (variant === 'classic') {
        replies = await sock.request({ type: P.NLEX_MSG_UPD, flags: NLM_F_ECHO, write: (w) => w.u32(P.NLE_MYVAR, 77) });
        myvar = (m) => m.attributes().u32(P.NLE_MYVAR);
      } else {
        const ctrl = new GenlController(sock);
        const f = await ctrl.family(P.NLEX_GENL_NAME);
        ctrl.close();
        replies = await genlRequest(sock, f.familyId, P.NLEX_CMD_UPD, P.NLEX_GENL_VERSION, (w) => w.u32(P.NLE_MYVAR, 77), { flags: NLM_F_ECHO });
        myvar = (m) => genlAttributes(m).u32(P.NLE_MYVAR);
      }
      assert.deepEqual(replies.map(myvar), [77], 'acknowledged, and the echo answers the request');
      const echo = (await arrivals.next()).value;
      assert.ok(echo && echo.kind === 'message');
      assert.equal(myvar(echo), 77);
      assert.equal(echo.portId, sock.portId, 'it names the sender');
      await arrivals.return?.(undefined);
    } finally {
      sock.close();
    }
  });
}

test('send and recv: user to user on NETLINK_USERSOCK, with the sender port id from the address', async () => {
  const recv = start('examples/nlex/recv.ts');
  try {
    const port = Number(/^recv: port (\d+)$/.exec(await recv.line((l) => l.startsWith('recv: port '), "'recv: port'"))![1]);
    const send = await run('send', [String(port), 'hello', 'nlex']);
    assert.deepEqual([send.code, send.stdout], [0, [`sent to port ${port}`]], send.stderr);
    const line = await recv.line((l) => l.endsWith(': hello nlex'), 'the message');
    const from = Number(line.slice(0, line.indexOf(':')));
    assert.ok(Number.isInteger(from) && from !== port && from !== 0, line);
  } finally {
    assert.equal(await recv.stop(), 0, recv.stderr);
  }
});

test('nlkit example runs the same programs', { skip: KERNEL && 'covered by the programs themselves' }, async () => {
  const p = start('src/cli/nlkit.ts', ['example', 'get', '--variant', 'classic']);
  assert.equal(await p.exited, 0, p.stderr);
  assert.match(p.lines[0] ?? '', /^myvar=\d+$/);
});
