// `nlkit route ...`: ip route show/add/replace/change/append/del over the rtnetlink layer.
import { openRoute, routeRecords } from '../route/client.js';
import type { NextHopSpec, Route, RouteClient, RouteFilter, RouteSpec, RouteType, TableRef } from '../route/index.js';
import { UsageError, type ParsedArgs } from './args.js';
import type { Io } from './genl.js';
import { routeJson, scopeName, tableText, type RouteFields } from './ip-json.js';
import { columns, ipColour, useColour, type Cell } from './ip-table.js';
import { commandWords, familyOption, parseInteger, Words, netnsOption } from './ip-words.js';

const TYPES = new Set<string>(['unicast', 'local', 'broadcast', 'multicast', 'anycast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'nat']);

/** Output written at a time: a few pipe buffers' worth. */
const FLUSH_CHARS = 32 * 1024;

function table(text: string): TableRef {
  return text === 'main' || text === 'local' || text === 'default' ? text : parseInteger(text, 'table');
}

function routeRow(r: Route): Cell[] {
  return [
    { text: r.dst, colour: ipColour(r.dst) },
    { text: r.gateway ?? (r.nexthops ? r.nexthops.map((h) => h.gateway ?? '').join(',') : ''), colour: ipColour(r.gateway) },
    { text: r.dev ?? (r.nexthops ? r.nexthops.map((h) => h.dev ?? '').join(',') : ''), colour: 'name' },
    tableText(r.table),
    r.metric === undefined ? '' : String(r.metric),
    String(r.protocol),
    scopeName(r.scope),
    String(r.type),
    r.prefsrc ?? '',
  ];
}

async function show(rt: RouteClient, w: Words, io: Io, json: boolean, family: 'inet' | 'inet6' | undefined): Promise<void> {
  const f: RouteFilter = family ? { family } : {};
  while (!w.done) {
    const k = w.next('a filter');
    if (k === 'table') {
      const t = w.value(k);
      f.table = t === 'all' ? 'all' : table(t);
    } else if (k === 'dev' || k === 'oif') f.dev = w.value(k);
    else if (k === 'type') f.type = w.value(k) as RouteType;
    else if (k === 'proto' || k === 'protocol') f.protocol = w.value(k);
    else throw w.unexpected();
  }
  if (f.table === 'all' && !family) f.family = 'all';
  if (json) {
    // ip prints the table only when listing more than one, and neither the dev nor the protocol a listing is filtered by.
    const shown: RouteFields = { table: f.table === 'all', dev: f.dev === undefined, protocol: f.protocol === undefined };
    // The text is written as the dump comes, in pieces of some tens of kilobytes: the output
    // leaves while the dump goes on, and a 100,000-route listing is never held whole (as text or
    // as objects). Each route is read off the wire into one reused record, not decoded. The text
    // is encoded here: node writes a Buffer to a pipe in one go, a string of this size slower.
    const { batches, read } = await routeRecords(rt, f);
    let text = '[';
    let first = true;
    for await (const batch of batches) {
      for (let i = 0; i < batch.length; i++) {
        const r = read(batch, i);
        if (r === undefined) continue;
        text += first ? routeJson(r, shown) : `,${routeJson(r, shown)}`;
        first = false;
      }
      if (text.length >= FLUSH_CHARS) {
        io.write(Buffer.from(text));
        text = '';
      }
    }
    return io.write(Buffer.from(`${text}]\n`));
  }
  const stream = rt.routes(f);
  const rows = (await stream.toArray()).map(routeRow);
  io.out(columns(['DST', 'GATEWAY', 'DEV', 'TABLE', 'METRIC', 'PROTO', 'SCOPE', 'TYPE', 'PREFSRC'], rows, useColour(io.tty)));
}

function nexthop(w: Words): NextHopSpec {
  const h: NextHopSpec = {};
  for (;;) {
    if (w.take('via')) {
      if (w.peek() === 'inet' || w.peek() === 'inet6') w.next('family');
      h.gateway = w.value('via');
    } else if (w.take('dev')) h.dev = w.value('dev');
    else if (w.take('weight')) h.weight = w.number('weight', 256);
    else if (w.take('onlink')) h.onlink = true;
    else return h;
  }
}

/** `ip route add` words after the command, as a RouteSpec. */
function spec(w: Words, family: 'inet' | 'inet6' | undefined): RouteSpec {
  const s: Partial<RouteSpec> = family ? { family } : {};
  const hops: NextHopSpec[] = [];
  while (!w.done) {
    const k = w.next('a route');
    if (k === 'via') {
      if (w.peek() === 'inet' || w.peek() === 'inet6') w.next('family');
      s.gateway = w.value(k);
    } else if (k === 'dev' || k === 'oif') s.dev = w.value(k);
    else if (k === 'table') s.table = table(w.value(k));
    else if (k === 'metric' || k === 'priority' || k === 'preference') s.metric = w.number(k);
    else if (k === 'src') s.src = w.value(k);
    else if (k === 'from') s.from = w.value(k);
    else if (k === 'proto' || k === 'protocol') {
      const p = w.value(k);
      s.protocol = /^\d+$/.test(p) ? Number(p) : p;
    } else if (k === 'scope') {
      const v = w.value(k);
      s.scope = (/^\d+$/.test(v) ? Number(v) : v) as RouteSpec['scope'];
    } else if (k === 'onlink') s.onlink = true;
    else if (k === 'mtu') s.mtu = w.number(k);
    else if (k === 'nexthop') hops.push(nexthop(w));
    else if (k === 'to') s.dst = w.value(k);
    else if (TYPES.has(k) && s.dst === undefined && s.type === undefined) s.type = k as RouteType;
    else if (s.dst === undefined) s.dst = k;
    else throw w.unexpected();
  }
  if (s.dst === undefined) throw new UsageError('missing the route prefix');
  if (hops.length > 0) s.nexthops = hops;
  return s as RouteSpec;
}

export async function routeCommand(args: ParsedArgs, io: Io): Promise<void> {
  const changes = ['add', 'replace', 'change', 'append', 'del', 'delete'];
  const { w, sub } = commandWords(args.words, 'route', ['show', 'list', 'ls', ...changes]);
  const family = familyOption(args.options);
  const s = changes.includes(sub) ? spec(w, family) : undefined;
  await using rt = await openRoute(netnsOption(args));
  if (!s) return await show(rt, w, io, args.options.has('json'), family);
  switch (sub) {
    case 'add':
      return await rt.addRoute(s);
    case 'replace':
      return await rt.replaceRoute(s);
    case 'change':
      return await rt.changeRoute(s);
    case 'append':
      return await rt.appendRoute(s);
    default:
      return await rt.deleteRoute(s);
  }
}
