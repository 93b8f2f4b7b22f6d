// `nlkit neigh ...`: ip neigh show/add/replace/del over the rtnetlink layer.
import { openRoute, type Neighbour, type NeighbourSpec, type NudState, type RouteClient } from '../route/index.js';
import { UsageError, type ParsedArgs } from './args.js';
import type { Io } from './genl.js';
import { neighJson } from './ip-json.js';
import { columns, ipColour, useColour, type Cell } from './ip-table.js';
import { commandWords, familyOption, Words, netnsOption } from './ip-words.js';

function neighRow(n: Neighbour): Cell[] {
  return [{ text: n.dst ?? '', colour: ipColour(n.dst) }, { text: n.dev ?? `if${n.index}`, colour: 'name' }, { text: n.lladdr ?? '', colour: 'mac' }, n.state.map((s) => String(s).toUpperCase()).join(',')];
}

async function show(rt: RouteClient, w: Words, io: Io, json: boolean, family: 'inet' | 'inet6' | undefined): Promise<void> {
  let dev: string | undefined;
  let all = false;
  while (!w.done) {
    const k = w.next('a filter');
    if (k === 'dev') dev = w.value(k);
    else if (k === 'nud' && w.value(k) === 'all') all = true;
    else throw w.unexpected();
  }
  const list = await rt.neighbours({ ...(family ? { family } : {}), ...(dev !== undefined ? { dev } : {}), all }).toArray();
  if (json) return io.out(JSON.stringify(list.map(neighJson)));
  io.out(columns(['DST', 'DEV', 'LLADDR', 'STATE'], list.map(neighRow), useColour(io.tty)));
}

function spec(w: Words, forDelete: boolean): NeighbourSpec {
  const s: Partial<NeighbourSpec> = {};
  while (!w.done) {
    const k = w.next('a neighbour');
    if (k === 'dev') s.dev = w.value(k);
    else if (k === 'to') s.dst = w.value(k);
    else if (k === 'proxy') s.proxy = true;
    else if (!forDelete && k === 'lladdr') s.lladdr = w.value(k);
    else if (!forDelete && k === 'nud') s.state = w.value(k) as NudState;
    else if (!forDelete && k === 'router') s.router = true;
    else if (s.dst === undefined) s.dst = k;
    else throw w.unexpected();
  }
  if (s.dst === undefined) throw new UsageError('missing the neighbour address');
  if (s.dev === undefined) throw new UsageError('missing "dev NAME"');
  return s as NeighbourSpec;
}

export async function neighCommand(args: ParsedArgs, io: Io): Promise<void> {
  const { w, sub } = commandWords(args.words, 'neigh', ['show', 'list', 'ls', 'add', 'replace', 'del', 'delete']);
  const family = familyOption(args.options);
  const s = sub === 'add' || sub === 'replace' || sub.startsWith('del') ? spec(w, sub.startsWith('del')) : undefined;
  await using rt = await openRoute(netnsOption(args));
  if (!s) return await show(rt, w, io, args.options.has('json'), family);
  if (sub === 'add') return await rt.addNeighbour(s);
  if (sub === 'replace') return await rt.replaceNeighbour(s);
  return await rt.deleteNeighbour(s);
}
