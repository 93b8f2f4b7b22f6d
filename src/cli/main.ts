// nlkit: the command line. Parses arguments, calls the library, prints; errors are one line.
import { NetlinkError } from '../wire/index.js';
import { UsageError, parseArgs, type OptionSpec, type ParsedArgs } from './args.js';
import { GENL_USAGE, genlCommand, type Io } from './genl.js';
import { GEN_OPTIONS, GEN_USAGE, genCommand } from './gen.js';
import { SPEC_OPTIONS, SPEC_USAGE, specCommand } from './spec.js';
import { EXAMPLE_USAGE, exampleCommand } from './example.js';
import { ADDR_USAGE, addrCommand } from './addr.js';
import { LINK_USAGE, linkCommand } from './link.js';
import { MONITOR_USAGE, monitorCommand } from './monitor.js';
import { NEIGH_USAGE, neighCommand } from './neigh.js';
import { ROUTE_USAGE, routeCommand } from './route.js';
import { RULE_USAGE, ruleCommand } from './rule.js';

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

/** The ip-style commands by name (ip's long names and the short ones). */
const IP_COMMANDS: Record<string, (args: ParsedArgs, io: Io) => Promise<void>> = {
  link: linkCommand,
  addr: addrCommand,
  address: addrCommand,
  route: routeCommand,
  neigh: neighCommand,
  neighbour: neighCommand,
  rule: ruleCommand,
  monitor: monitorCommand,
};

/** Runs one command line; resolves with the exit status (0 ok, 1 failed, 2 usage). */
export async function main(argv: string[], io: Io, err: (text: string) => void): Promise<number> {
  try {
    // The examples take options of their own.
    if (argv[0] === 'example') return await exampleCommand(argv.slice(1), io);
    const args = parseArgs(argv, COMMAND_OPTIONS[argv[0] ?? ''] ?? OPTIONS);
    if (args.options.has('help') || args.words.length === 0) {
      (args.options.has('help') ? io.out : err)(USAGE);
      return args.options.has('help') ? 0 : 2;
    }
    switch (args.words[0]) {
      case 'genl':
        await genlCommand(args, io);
        return 0;
      case 'spec':
        await specCommand(args, io);
        return 0;
      case 'gen':
        await genCommand(args, io);
        return 0;
      default: {
        const ipCommand = IP_COMMANDS[args.words[0]!];
        if (!ipCommand) throw new UsageError(`unknown command '${args.words[0]}'`);
        await ipCommand(args, io);
        return 0;
      }
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`nlkit: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof NetlinkError || e instanceof Error) {
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
  const io: Io = { out: (t) => void process.stdout.write(`${t}\n`), tty: process.stdout.isTTY === true, signal: ac.signal };
  const status = await main(process.argv.slice(2), io, (t) => void process.stderr.write(`${t}\n`));
  process.exitCode = status;
}
