// The CLI's usage texts and option tables: kept apart from the command modules so that `nlkit`
// can print its usage and parse a command line without importing any command.
import type { OptionSpec } from './args.js';
import type { RequestFlag } from '../spec/index.js';

export const GENL_USAGE = `usage: nlkit genl list [--json]
       nlkit genl get <name|id> [--json]
       nlkit genl policy <name|id> [--op <cmd>] [--json]
       nlkit genl monitor [--json]
options: -n, --netns <name|path>   run in that network namespace`;

export const SPEC_USAGE = `usage: nlkit spec list
       nlkit spec <family|path> do <op> [--json '<attrs>'] [--create] [--excl] [--replace] [--append] [--echo]
       nlkit spec <family|path> dump <op> [--json '<attrs>']
       nlkit spec <family|path> subscribe <group> [--duration <seconds>]
       nlkit spec <family|path> ops|attrs [<set>]|policy
options: -o, --output json|table   output format (default table)
         -n, --netns <name|path>   run in that network namespace`;

export const GEN_USAGE = `usage: nlkit gen <family|path> [-o <file.ts>] [--import-from <module>]
options: -o, --output <file>       write there instead of to stdout
         --import-from <module>    where the generated code imports the family layer from (default nlkit/spec)`;

export const LINK_USAGE = `usage: nlkit link [show [[dev] NAME]]
       nlkit link add [link DEV] [name] NAME [mtu N] [address MAC] [txqueuelen N] [master DEV] [up]
                      type veth [peer [name] PEER [address MAC] [mtu N] [netns NS]]
                      | bridge [stp_state 0|1] [vlan_filtering 0|1] [forward_delay N] [priority N]
                      | macvlan [mode private|vepa|bridge|passthru|source]   (with link DEV)
                      | vxlan id N [dstport P] [group IP|remote IP] [local IP] [dev DEV] [ttl N]
                      | vlan id N [protocol 802.1Q|802.1ad]   (with link DEV)
                      | bond [mode M] [miimon N] | ifb | dummy | vrf table N
       nlkit link set [dev] NAME [up|down] [mtu N] [name NEW] [address MAC] [master DEV|nomaster]
                      [netns NS] [alias TEXT] [txqueuelen N]
       nlkit link del [dev] NAME`;

export const ADDR_USAGE = `usage: nlkit addr [show [[dev] NAME]] [-4|-6]
       nlkit addr add|replace CIDR [peer CIDR] [broadcast ADDR|brd +] [label LABEL] [scope SCOPE]
                      dev NAME [metric N] [valid_lft N|forever] [preferred_lft N|forever]
                      [nodad] [noprefixroute] [home] [mngtmpaddr] [autojoin]
       nlkit addr del CIDR [peer CIDR] dev NAME`;

export const ROUTE_USAGE = `usage: nlkit route [show [table T|all] [dev NAME] [type TYPE] [proto P]] [-4|-6]
       nlkit route add|replace|change|append|del [TYPE] PREFIX [via GW] [dev NAME] [table T]
                      [metric M] [src ADDR] [from PREFIX] [proto P] [scope S] [onlink] [mtu N]
                      [nexthop [via GW] [dev NAME] [weight N]]...
       TYPE: unicast|local|broadcast|multicast|anycast|blackhole|unreachable|prohibit|throw|nat
       PREFIX: default, ADDR/LEN or ADDR`;

export const NEIGH_USAGE = `usage: nlkit neigh [show [dev NAME] [nud all]] [-4|-6]
       nlkit neigh add|replace ADDR [lladdr MAC] dev NAME [nud STATE] [router] [proxy]
       nlkit neigh del ADDR dev NAME`;

export const RULE_USAGE = `usage: nlkit rule [show] [-4|-6]
       nlkit rule add|del [not] [from PREFIX] [to PREFIX] [table|lookup T] [priority N]
                      [fwmark M[/MASK]] [iif NAME] [oif NAME] [goto N] [blackhole|unreachable|prohibit|nop]`;

export const MONITOR_USAGE = `usage: nlkit monitor [all|link|addr|route|neigh|rule]... [--json]`;

export const EXAMPLE_USAGE = `usage: nlkit example resolve|change [value]|get|event [--variant genl|classic] [--usersock]
       nlkit example send <portid> <text> | recv
       nlkit example nlex-server`;

/** Request flags of `spec do`, as the kernel's YNL CLI spells them (--create --excl ...). */
export const REQUEST_FLAGS: RequestFlag[] = ['create', 'excl', 'replace', 'append', 'echo'];

export const SPEC_OPTIONS: OptionSpec[] = [
  { name: 'json', value: true },
  { name: 'output', short: 'o', value: true },
  { name: 'netns', short: 'n', value: true },
  { name: 'duration', value: true },
  ...REQUEST_FLAGS.map((name) => ({ name })),
  { name: 'help', short: 'h' },
];

export const GEN_OPTIONS: OptionSpec[] = [
  { name: 'output', short: 'o', value: true },
  { name: 'import-from', value: true },
  { name: 'help', short: 'h' },
];
