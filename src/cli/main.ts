// nlkit: the command line. Parses arguments, calls the library, prints; errors are one line.
import { UsageError, parseArgs, type OptionSpec, type ParsedArgs } from './args.js';
import type { Io } from './genl.js';
import {
  ADDR_USAGE,
  EXAMPLE_USAGE,
  GEN_OPTIONS,
  GEN_USAGE,
  GENL_USAGE,
  LINK_USAGE,
  MONITOR_USAGE,
  NEIGH_USAGE,
  ROUTE_USAGE,
  RULE_USAGE,
  SPEC_OPTIONS,
  SPEC_USAGE,
} from './usage.js';

const OPTIONS: OptionSpec[] = [
  { name: 'json', short: 'j' },
  { name: 'netns', short: 'n', value: true },
  { name: 'op', value: true },
  { name: 'help', short: 'h' },
];

/** The ip-style commands: -j/--json, -n/--netns, -4/-6 as ip takes them. */
const IP_OPTIONS: OptionSpec[] = [
  { name: 'json', short: 'j' },
  { name: 'netns', short: 'n', value: true },
  { name: 'ipv4', short: '4' },
  { name: 'ipv6', short: '6' },
  { name: 'help', short: 'h' },
];

const IP_USAGE = `${LINK_USAGE}
${ADDR_USAGE}
${ROUTE_USAGE}
${NEIGH_USAGE}
${RULE_USAGE}
${MONITOR_USAGE}
options: -j, --json   JSON shaped like ip -j;  -n, --netns <name|path>;  -4, -6   one address family`;

const USAGE = `nlkit: Netlink and Generic Netlink from the command line

${GENL_USAGE}
${SPEC_USAGE}
${GEN_USAGE}
${IP_USAGE}
${EXAMPLE_USAGE}`;

/** Commands whose options differ from the others' (`--json` takes a value, `-o` a format or file). */
const COMMAND_OPTIONS: Record<string, OptionSpec[]> = {
  spec: SPEC_OPTIONS,
  gen: GEN_OPTIONS,
  link: IP_OPTIONS,
  addr: IP_OPTIONS,
  address: IP_OPTIONS,
  route: IP_OPTIONS,
  neigh: IP_OPTIONS,
  neighbour: IP_OPTIONS,
  rule: IP_OPTIONS,
  // --rcvbuf and --ready are for tests and scripts (see monitor.ts).
  monitor: [...IP_OPTIONS, { name: 'rcvbuf', value: true }, { name: 'ready' }],
};

type Command = (args: ParsedArgs, io: Io) => Promise<void>;

/**
 * The commands by name (ip's long names and the short ones), each imported only when run: a
 * command's module pulls in its layers (specs, sockets, codecs), which the others need not pay for.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  genl: async () => (await import('./genl.js')).genlCommand,
  spec: async () => (await import('./spec.js')).specCommand,
  gen: async () => (await import('./gen.js')).genCommand,
  link: async () => (await import('./link.js')).linkCommand,
  addr: async () => (await import('./addr.js')).addrCommand,
  address: async () => (await import('./addr.js')).addrCommand,
  route: async () => (await import('./route.js')).routeCommand,
  neigh: async () => (await import('./neigh.js')).neighCommand,
  neighbour: async () => (await import('./neigh.js')).neighCommand,
  rule: async () => (await import('./rule.js')).ruleCommand,
  monitor: async () => (await import('./monitor.js')).monitorCommand,
};

/** Runs one command line; resolves with the exit status (0 ok, 1 failed, 2 usage). */
export async function main(argv: string[], io: Io, err: (text: string) => void): Promise<number> {
  try {
    // The examples take options of their own.
    if (argv[0] === 'example') return await (await import('./example.js')).exampleCommand(argv.slice(1), io);
    const args = parseArgs(argv, COMMAND_OPTIONS[argv[0] ?? ''] ?? OPTIONS);
    if (args.options.has('help') || args.words.length === 0) {
      (args.options.has('help') ? io.out : err)(USAGE);
      return args.options.has('help') ? 0 : 2;
    }
    const command = Object.hasOwn(COMMANDS, args.words[0]!) ? COMMANDS[args.words[0]!] : undefined;
    if (!command) throw new UsageError(`unknown command '${args.words[0]}'`);
    await (await command())(args, io);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      err(`nlkit: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof Error) {
      err(`nlkit: ${e.message}`);
      return 1;
    }
    err(`nlkit: ${String(e)}`);
    return 1;
  }
}

/** The process entry: wires stdout, Ctrl-C and the exit status. */
export async function run(): Promise<void> {
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  process.once('SIGTERM', () => ac.abort());
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  const io: Io = { out: (t) => void process.stdout.write(`${t}\n`), write: (t) => void process.stdout.write(t), tty: process.stdout.isTTY === true, signal: ac.signal };
  const status = await main(process.argv.slice(2), io, (t) => void process.stderr.write(`${t}\n`));
  process.exitCode = status;
}
