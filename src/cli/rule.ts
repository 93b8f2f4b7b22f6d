// `nlkit rule ...`: ip rule show/add/del over the rtnetlink layer.
import { openRoute, type Rule, type RuleAction, type RuleSpec, type TableRef } from '../route/index.js';
import { UsageError, type ParsedArgs } from './args.js';
import type { Io } from './genl.js';
import { ruleJson, tableText } from './ip-json.js';
import { columns, useColour, type Cell } from './ip-table.js';
import { commandWords, familyOption, parseInteger, Words, netnsOption } from './ip-words.js';

const ACTIONS = new Set(['blackhole', 'unreachable', 'prohibit', 'nop']);

function ruleRow(r: Rule): Cell[] {
  const extra = [r.iif !== undefined ? `iif ${r.iif}` : '', r.oif !== undefined ? `oif ${r.oif}` : '', r.fwmark !== undefined ? `fwmark 0x${r.fwmark.toString(16)}` : ''].filter(Boolean).join(' ');
  const action = r.action === 'to-tbl' ? `lookup ${tableText(r.table)}` : r.action === 'goto' ? `goto ${r.goto ?? ''}` : String(r.action);
  return [String(r.priority), `${r.flags.includes('invert') ? 'not ' : ''}${r.from}`, r.to, action, extra];
}

function table(text: string): TableRef {
  return text === 'main' || text === 'local' || text === 'default' ? text : parseInteger(text, 'table');
}

function spec(w: Words, family: 'inet' | 'inet6' | undefined): RuleSpec {
  const s: RuleSpec = family ? { family } : {};
  while (!w.done) {
    const k = w.next('a rule');
    if (k === 'not') s.not = true;
    else if (k === 'from' || k === 'to') s[k] = w.value(k);
    else if (k === 'table' || k === 'lookup') s.table = table(w.value(k));
    else if (k === 'priority' || k === 'pref' || k === 'preference' || k === 'order') s.priority = w.number(k);
    else if (k === 'fwmark') {
      const [mark, mask] = w.value(k).split('/') as [string, string | undefined];
      s.fwmark = parseInteger(mark, 'fwmark');
      if (mask !== undefined) s.fwmask = parseInteger(mask, 'fwmark mask');
    } else if (k === 'iif' || k === 'dev') s.iif = w.value(k);
    else if (k === 'oif') s.oif = w.value(k);
    else if (k === 'goto') {
      s.action = 'goto';
      s.goto = w.number(k);
    } else if (k === 'protocol' || k === 'proto') {
      const p = w.value(k);
      s.protocol = /^\d+$/.test(p) ? Number(p) : p;
    } else if (ACTIONS.has(k)) s.action = k as RuleAction;
    else if (k === 'type' && ACTIONS.has(w.peek() ?? '')) s.action = w.next('a rule type') as RuleAction;
    else throw w.unexpected();
  }
  return s;
}

export async function ruleCommand(args: ParsedArgs, io: Io): Promise<void> {
  const { w, sub } = commandWords(args.words, 'rule', ['show', 'list', 'ls', 'add', 'del', 'delete']);
  const family = familyOption(args.options);
  const s = sub === 'add' || sub.startsWith('del') ? spec(w, family) : undefined;
  if (!s) w.end();
  await using rt = await openRoute(netnsOption(args));
  if (s) return await (sub === 'add' ? rt.addRule(s) : rt.deleteRule(s));
  const list = await rt.rules(family ? { family } : {}).toArray();
  if (args.options.has('json')) return io.out(JSON.stringify(list.map(ruleJson)));
  io.out(columns(['PRIORITY', 'FROM', 'TO', 'ACTION', 'MATCH'], list.map(ruleRow), useColour(io.tty)));
}
