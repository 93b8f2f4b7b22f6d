// `nlkit monitor [link|addr|route|neigh|rule]...`: rtnetlink changes as they happen, one line
// each (`--json`: one JSON object a line). Hidden options for tests and scripts: `--rcvbuf N`
// sets the socket's receive buffer; `--ready` prints a line once the monitor is subscribed and
// primed, so that every change made after it is reported.
import { MONITOR_KINDS, monitor, type MonitorEvent, type MonitorKind, type MonitorOptions } from '../route/monitor.js';
import type { Address, Link, Neighbour, Route, Rule } from '../route/index.js';
import { UsageError, type ParsedArgs } from './args.js';
import type { Io } from './genl.js';
import { addressFlags, addrInfoJson, indexLinks, linkFlags, linkJson, neighJson, ruleJson, scopeName, tableText, routeJson } from './ip-json.js';
import { paint, useColour } from './ip-table.js';
import { parseInteger, netnsOption } from './ip-words.js';

const WORDS: Record<string, MonitorKind> = { link: 'link', addr: 'addr', address: 'addr', route: 'route', neigh: 'neigh', neighbour: 'neigh', neighbor: 'neigh', rule: 'rule' };

function linkText(l: Link, links: Map<number, Link>): string {
  const master = l.master !== undefined ? ` master ${links.get(l.master)?.name ?? `if${l.master}`}` : '';
  return `${l.index}: ${l.name} <${linkFlags(l, links).join(',')}> mtu ${l.mtu ?? '?'}${master} state ${String(l.operstate ?? '').toUpperCase()}${l.address ? ` ${l.address}` : ''}`;
}

function addrText(a: Address): string {
  const flags = addressFlags(a);
  return `${a.index}: ${a.dev ?? `if${a.index}`} ${a.family} ${a.cidr}${a.peer ? ` peer ${a.peer}` : ''} scope ${scopeName(a.scope)}${flags.length ? ` ${flags.join(' ')}` : ''}`;
}

export function routeText(r: Route): string {
  const parts = [r.type !== 'unicast' ? `${r.type} ${r.dst}` : r.dst];
  if (r.gateway) parts.push(`via ${r.gateway}`);
  if (r.dev) parts.push(`dev ${r.dev}`);
  if (r.table !== 254) parts.push(`table ${tableText(r.table)}`);
  if (r.protocol !== 'boot') parts.push(`proto ${r.protocol}`);
  if (r.scope !== 'universe') parts.push(`scope ${scopeName(r.scope)}`);
  if (r.prefsrc) parts.push(`src ${r.prefsrc}`);
  if (r.metric !== undefined) parts.push(`metric ${r.metric}`);
  return parts.join(' ');
}

function neighText(n: Neighbour): string {
  return `${n.dst ?? ''} dev ${n.dev ?? `if${n.index}`}${n.lladdr ? ` lladdr ${n.lladdr}` : ''} ${n.state.map((s) => String(s).toUpperCase()).join(',')}`;
}

function ruleText(r: Rule): string {
  const not = r.flags.includes('invert') ? 'not ' : '';
  const to = r.to !== 'all' ? ` to ${r.to}` : '';
  const action = r.action === 'to-tbl' ? `lookup ${tableText(r.table)}` : String(r.action);
  return `${r.priority}: ${not}from ${r.from}${to} ${action}`;
}

/**
 * One event as a JSON line, the object as `ip -j` shows one of its kind. Routes, the kind that
 * comes by the ten thousand, are written by routeJson like `route show --json` writes them: a
 * burst must be formatted faster than the kernel's receive buffer fills behind it.
 */
function eventJson(e: MonitorEvent, links: Map<number, Link>): string {
  if (e.kind === 'route') {
    const origin = e.origin === 'notification' ? '' : `,"origin":"${e.origin}"`;
    return `{"kind":"route","action":"${e.action}"${origin},"object":${routeJson(e.object)}}\n`;
  }
  if (e.kind === 'resync') return `${JSON.stringify({ kind: 'resync', added: e.added, changed: e.changed, removed: e.removed, error: e.error.message })}\n`;
  let object: unknown;
  switch (e.kind) {
    case 'link':
      object = linkJson(e.object, links);
      break;
    case 'addr':
      object = { ifindex: e.object.index, ifname: e.object.dev, addr_info: [addrInfoJson(e.object)] };
      break;
    case 'neigh':
      object = neighJson(e.object);
      break;
    case 'rule':
      object = ruleJson(e.object);
      break;
  }
  const line = e.origin === 'notification' ? { kind: e.kind, action: e.action, object } : { kind: e.kind, action: e.action, origin: e.origin, object };
  return `${JSON.stringify(line)}\n`;
}

function eventText(e: MonitorEvent, links: Map<number, Link>, colour: boolean): string {
  if (e.kind === 'resync') return paint(`[RESYNC] the kernel dropped notifications (${e.error.code}); re-dumped: ${e.added} added, ${e.changed} changed, ${e.removed} removed`, 'down', colour);
  const text = e.kind === 'link' ? linkText(e.object, links) : e.kind === 'addr' ? addrText(e.object) : e.kind === 'route' ? routeText(e.object) : e.kind === 'neigh' ? neighText(e.object) : ruleText(e.object);
  const origin = e.origin === 'notification' ? '' : ` (${e.origin})`;
  return `[${e.kind.toUpperCase()}] ${e.action.padEnd(7)} ${text}${origin}`;
}

export async function monitorCommand(args: ParsedArgs, io: Io): Promise<void> {
  const opts: MonitorOptions = { ...netnsOption(args), signal: io.signal };
  for (const w of args.words.slice(1)) {
    if (w === 'all') continue;
    const kind = WORDS[w];
    if (!kind) throw new UsageError(`unknown monitor object '${w}' (choose from all, ${MONITOR_KINDS.join(', ')})`);
    opts[kind] = true;
  }
  const rcvbuf = args.options.get('rcvbuf');
  if (typeof rcvbuf === 'string') opts.rcvbuf = parseInteger(rcvbuf, '--rcvbuf');
  const json = args.options.has('json');
  const colour = useColour(io.tty);
  const m = monitor(opts);
  // Lines go out in one write per burst (when the monitor waits for the kernel again), not one
  // write per event: at 100,000 changes a second the writes would otherwise set the pace.
  // The text is encoded once per burst: node writes a Buffer to a pipe in one go.
  let burst = '';
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (burst.length > 0) io.write(Buffer.from(burst));
    burst = '';
  };
  try {
    await m.ready;
    const links = indexLinks(m.snapshot().link ?? []);
    if (args.options.has('ready')) io.out(json ? JSON.stringify({ kind: 'ready' }) : 'ready');
    for await (const e of m) {
      if (e.kind === 'link') {
        if (e.action === 'removed') links.delete(e.object.index);
        else links.set(e.object.index, e.object);
      }
      burst += json ? eventJson(e, links) : `${eventText(e, links, colour)}\n`;
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    }
  } catch (err) {
    if (!io.signal.aborted) throw err;
  } finally {
    m.close();
    flush();
  }
}
