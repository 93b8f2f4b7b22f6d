// What every nlex program shares: its options (--variant genl|classic, --usersock), how it
// reaches nlex (the kernel modules, or nlex-server on NETLINK_USERSOCK) and how it fails (one
// line on stderr, `EINVAL: <the kernel's message>`, exit status 1).
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import {
  GenlController,
  NETLINK_GENERIC,
  NETLINK_USERSOCK,
  NetlinkError,
  NetlinkSocket,
  errnoDescription,
  genlAttributes,
  genlRequest,
  type MessageWriter,
  type NetlinkMessage,
} from '../../src/index.js';
import * as P from './protocol.js';

export type Program = (args: string[], signal: AbortSignal) => Promise<void>;

export class UsageError extends Error {}

export interface Target {
  variant: 'genl' | 'classic';
  /** Talk to nlex-server on NETLINK_USERSOCK instead of the kernel. */
  usersock: boolean;
  /** The arguments left once the options are taken. */
  args: string[];
}

export function parseTarget(argv: string[]): Target {
  const t: Target = { variant: 'genl', usersock: false, args: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--usersock') t.usersock = true;
    else if (a === '--variant' || a.startsWith('--variant=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v !== 'genl' && v !== 'classic') throw new UsageError(`--variant must be genl or classic, got '${v ?? ''}'`);
      t.variant = v;
    } else t.args.push(a);
  }
  return t;
}

/** Who answers: the kernel (port 0) on the module's bus, or nlex-server's socket for the variant. */
export function peerOf(t: Target): number {
  if (!t.usersock) return 0;
  return t.variant === 'genl' ? P.NLEX_SERVER_PORT : P.NLEX_SERVER_CLASSIC_PORT;
}

export function openSocket(t: Target): Promise<NetlinkSocket> {
  const protocol = t.usersock ? NETLINK_USERSOCK : t.variant === 'genl' ? NETLINK_GENERIC : P.NETLINK_NLEX;
  return NetlinkSocket.open(protocol, { peer: peerOf(t) });
}

/** nlex whichever the variant: the two differ only in how an operation is addressed. */
export interface Nlex extends AsyncDisposable {
  readonly sock: NetlinkSocket;
  /** The group notifications arrive on, and who sends them. */
  readonly group: number;
  readonly peer: number;
  request(op: 'upd' | 'get', write?: (w: MessageWriter) => void): Promise<NetlinkMessage[]>;
  /** NLE_MYVAR of a reply or notification. */
  myvar(msg: NetlinkMessage): number | undefined;
}

export async function connect(t: Target): Promise<Nlex> {
  const sock = await openSocket(t);
  const base = { sock, peer: peerOf(t), [Symbol.asyncDispose]: async () => sock.close() };
  if (t.variant === 'classic') {
    return {
      ...base,
      group: P.NLEX_GRP_MYVAR,
      request: (op, write) => sock.request({ type: op === 'upd' ? P.NLEX_MSG_UPD : P.NLEX_MSG_GET, write }),
      myvar: (m) => m.attributes().u32(P.NLE_MYVAR),
    };
  }
  try {
    // Generic Netlink: the family id and group id are the controller's to tell.
    const ctrl = new GenlController(sock);
    const family = await ctrl.family(P.NLEX_GENL_NAME);
    const group = await ctrl.group(P.NLEX_GENL_NAME, P.NLEX_GENL_MCGRP_NAME);
    ctrl.close();
    return {
      ...base,
      group,
      request: (op, write) => genlRequest(sock, family.familyId, op === 'upd' ? P.NLEX_CMD_UPD : P.NLEX_CMD_GET, P.NLEX_GENL_VERSION, write),
      myvar: (m) => genlAttributes(m).u32(P.NLE_MYVAR),
    };
  } catch (err) {
    sock.close();
    throw err;
  }
}

/** Runs a program to its exit status: 0, 1 after one line naming the error, 2 for bad usage. */
export async function run(program: Program, args: string[], signal: AbortSignal): Promise<number> {
  try {
    await program(args, signal);
    return 0;
  } catch (err) {
    if (signal.aborted && err === signal.reason) return 0;
    if (err instanceof UsageError) {
      process.stderr.write(`usage: ${err.message}\n`);
      return 2;
    }
    if (err instanceof NetlinkError) {
      process.stderr.write(`${err.code}: ${err.extack?.message ?? errnoDescription(err.errno)}\n`);
      return 1;
    }
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/** Runs `program` when its file is the one node was started with (`npx tsx examples/nlex/get.ts`). */
export function runIfMain(url: string, program: Program): void {
  const entry = process.argv[1];
  if (entry === undefined || pathToFileURL(realpathSync(entry)).href !== url) return;
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  process.once('SIGTERM', () => ac.abort());
  void run(program, process.argv.slice(2), ac.signal).then((status) => {
    process.exitCode = status;
  });
}

/** A u32 argument, or a UsageError naming it. */
export function u32Arg(text: string, what: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n > 0xffffffff) throw new UsageError(`${what} must be a number from 0 to 4294967295, got '${text}'`);
  return n;
}

/** Resolves once `signal` aborts (SIGINT, SIGTERM). */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}
