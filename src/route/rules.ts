// Routing policy rules: the decoded object with `ip -j rule`'s view of it, and the newrule/
// delrule requests of `ip rule add/del` (linux/fib_rules.h, iproute2 iprule.c).
import type { DecodedObject, FamilySpec } from '../spec/index.js';
import { invalid } from './errors.js';
import { describe, familyName, parseCidr, versionOf, type InetFamily, type IpVersion, type Prefix } from './inet.js';
import { checkLinkName } from './links.js';
import { enumArg, enumNumber, RT_TABLE_MAIN, RT_TABLE_UNSPEC, tableId, tableName, type TableRef } from './names.js';
import { familyArg } from './routes.js';

export type RuleAction = 'to-tbl' | 'goto' | 'nop' | 'blackhole' | 'unreachable' | 'prohibit';

/** A rule as getrule decodes it (rt-rule's fib-rule-attrs, fib_rule_hdr fields at the top), plus conveniences. */
export interface Rule extends DecodedObject {
  family: InetFamily | string | number;
  dstLen: number;
  srcLen: number;
  tos: number;
  action: RuleAction | string | number;
  flags: (string | number)[];
  /** FRA_PRIORITY; 0 when the kernel leaves it out (the local rule). */
  priority: number;
  /** FRA_TABLE, else the header's table, as a number. */
  table: number;
  /** "all", or the source prefix ("10.9.0.0/16"). */
  from: string;
  /** "all", or the destination prefix. */
  to: string;
  /** FRA_IIFNAME and FRA_OIFNAME. */
  iif?: string;
  oif?: string;
  fwmark?: number;
  fwmask?: number;
  src?: string;
  dst?: string;
  iifname?: string;
  oifname?: string;
  goto?: number;
}

function prefix(addr: unknown, len: number): string {
  return typeof addr === 'string' ? `${addr}/${len}` : len === 0 ? 'all' : `0/${len}`;
}

export function asRule(o: DecodedObject, spec: FamilySpec): Rule {
  const r = o as Rule;
  r.priority = (o.priority as number | undefined) ?? 0;
  // rt-rule's header and attribute are both `table`; the engine names the header's fibRuleHdrTable.
  r.table = enumNumber(spec, 'rt-table', o.table ?? o.fibRuleHdrTable) ?? RT_TABLE_UNSPEC;
  r.from = prefix(o.src, r.srcLen);
  r.to = prefix(o.dst, r.dstLen);
  if (r.iifname !== undefined) r.iif = r.iifname;
  if (r.oifname !== undefined) r.oif = r.oifname;
  return r;
}

export interface RuleFilter {
  /** Default IPv4, as `ip rule show`; 'all' for both. */
  family?: InetFamily | IpVersion | 'all';
}

/** What `addRule` and `deleteRule` take (ip rule add/del SELECTOR ACTION). */
export interface RuleSpec {
  family?: InetFamily | IpVersion;
  /** Source prefix, or "all". */
  from?: string;
  /** Destination prefix, or "all". */
  to?: string;
  /** Default main when adding, as ip. */
  table?: TableRef;
  priority?: number;
  fwmark?: number;
  fwmask?: number;
  iif?: string;
  oif?: string;
  /** Default to-tbl when adding. */
  action?: RuleAction;
  /** The priority a goto rule jumps to. */
  goto?: number;
  /** Match packets the selector does not match (ip rule add not ...). */
  not?: boolean;
  protocol?: string | number;
}

function u32(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) throw invalid(`${what}: ${describe(v)} is not an integer from 0 to 2^32-1`);
  return v;
}

/** The rule as errors name it: `rule priority 1000 from 10.9.0.0/16 table 100`. */
export function ruleLabel(s: RuleSpec): string {
  const parts = ['rule'];
  if (s.priority !== undefined) parts.push(`priority ${s.priority}`);
  if (s.not) parts.push('not');
  parts.push(`from ${s.from ?? 'all'}`);
  if (s.to !== undefined) parts.push(`to ${s.to}`);
  if (s.fwmark !== undefined) parts.push(`fwmark ${s.fwmark}`);
  if (s.iif !== undefined) parts.push(`iif ${s.iif}`);
  if (s.oif !== undefined) parts.push(`oif ${s.oif}`);
  if (s.table !== undefined) parts.push(`table ${typeof s.table === 'number' ? tableName(s.table) : s.table}`);
  if (s.action !== undefined && s.action !== 'to-tbl') parts.push(s.action);
  return parts.join(' ');
}

export function ruleRequest(spec: FamilySpec, s: RuleSpec, forDelete: boolean): Record<string, unknown> {
  if (typeof s !== 'object' || s === null) throw invalid(`expected a rule object, got ${describe(s)}`);
  const given = familyArg(s.family, 'family');
  let version: IpVersion | undefined = given === undefined ? undefined : versionOf(given);
  const side = (text: string | undefined, what: string): Prefix | undefined => {
    if (text === undefined || text === 'all') return undefined;
    const p = parseCidr(text, what, version === undefined ? {} : { want: version });
    version = p.version;
    return p;
  };
  const from = side(s.from, 'from');
  const to = side(s.to, 'to');
  const req: Record<string, unknown> = { family: familyName(version ?? 4) };
  if (from) {
    req.srcLen = from.prefixLength;
    req.src = from.address;
  }
  if (to) {
    req.dstLen = to.prefixLength;
    req.dst = to.address;
  }
  // As ip: a rule that looks a table up uses main unless told; one with another action has none.
  const lookup = s.action === undefined || s.action === 'to-tbl';
  const table = s.table !== undefined ? tableId(spec, s.table) : forDelete || !lookup ? undefined : RT_TABLE_MAIN;
  if (table !== undefined) {
    // As ip: the header's byte when the id fits it, else RT_TABLE_UNSPEC there and FRA_TABLE.
    req.fibRuleHdrTable = table < 256 ? table : RT_TABLE_UNSPEC;
    if (table >= 256) req.table = table;
  }
  const action = s.action ?? (forDelete ? undefined : 'to-tbl');
  if (action !== undefined) req.action = enumArg(spec, 'fr-act', action, 'action');
  if (s.not) req.flags = ['invert'];
  if (s.priority !== undefined) req.priority = u32(s.priority, 'priority');
  if (s.fwmark !== undefined) req.fwmark = u32(s.fwmark, 'fwmark');
  if (s.fwmask !== undefined) req.fwmask = u32(s.fwmask, 'fwmask');
  if (s.iif !== undefined) req.iifname = checkLinkName(s.iif, 'iif');
  if (s.oif !== undefined) req.oifname = checkLinkName(s.oif, 'oif');
  if (s.goto !== undefined) req.goto = u32(s.goto, 'goto');
  if (s.protocol !== undefined) req.protocol = enumArg(spec, 'rt-protocol', s.protocol, 'protocol');
  return req;
}
