// `nlkit addr ...`: ip addr show/add/replace/del over the rtnetlink layer.
import { openRoute, type Address, type AddressFlag, type AddressSpec, type RouteClient } from '../route/index.js';
import { UsageError, type ParsedArgs } from './args.js';
import type { Io } from './genl.js';
import { addressFlags, addrJson, indexLinks, scopeName } from './ip-json.js';
import { columns, ipColour, useColour, type Cell } from './ip-table.js';
import { commandWords, familyOption, parseInteger, Words, netnsOption } from './ip-words.js';

const CONF_FLAGS: Record<string, AddressFlag> = { nodad: 'nodad', noprefixroute: 'noprefixroute', home: 'homeaddress', mngtmpaddr: 'managetempaddr', autojoin: 'mcautojoin', optimistic: 'optimistic' };

function addrRow(a: Address): Cell[] {
  return [{ text: a.dev ?? `if${a.index}`, colour: 'name' }, String(a.family), { text: a.peer ? `${a.address} peer ${a.peer}/${a.prefixLength}` : a.cidr, colour: ipColour(a.address) }, scopeName(a.scope), addressFlags(a).join(',')];
}

async function show(rt: RouteClient, w: Words, io: Io, json: boolean, family: 'inet' | 'inet6' | undefined): Promise<void> {
  w.take('dev');
  const dev = w.done ? undefined : w.next('a link name');
  w.end();
  const all = await rt.links().toArray();
  const index = indexLinks(all);
  const links = dev === undefined ? all : [await rt.link(dev)];
  const addrs = await rt.addresses({ ...(family ? { family } : {}), ...(dev !== undefined ? { dev } : {}) }).toArray();
  if (json) {
    // As ip: with a family chosen, only the links that have an address of it.
    const withAddr = new Set(addrs.map((a) => a.index));
    const shown = family === undefined ? links : links.filter((l) => withAddr.has(l.index));
    return io.out(JSON.stringify(addrJson(shown, addrs, index, family, dev === undefined)));
  }
  io.out(columns(['DEV', 'FAMILY', 'ADDRESS', 'SCOPE', 'FLAGS'], addrs.map(addrRow), useColour(io.tty)));
}

function lifetime(w: Words, keyword: string): number {
  const v = w.value(keyword);
  return v === 'forever' ? 0xffffffff : parseInteger(v, keyword);
}

/** `ip addr add` words after the command, as an AddressSpec. */
function spec(w: Words, forDelete: boolean): AddressSpec {
  const s: Partial<AddressSpec> & { flags: AddressFlag[] } = { flags: [] };
  while (!w.done) {
    const k = w.next('an address');
    if (k === 'dev') s.dev = w.value(k);
    else if (k === 'local') s.address = w.value(k);
    else if (k === 'peer') s.peer = w.value(k);
    else if (forDelete) {
      if (s.address === undefined) s.address = k;
      else throw w.unexpected();
    } else if (k === 'broadcast' || k === 'brd') {
      const b = w.value(k);
      s.broadcast = b === '+' ? true : b;
    } else if (k === 'label') s.label = w.value(k);
    else if (k === 'scope') {
      const v = w.value(k);
      s.scope = (/^\d+$/.test(v) ? Number(v) : v) as AddressSpec['scope'];
    } else if (k === 'metric' || k === 'priority') s.metric = w.number(k);
    else if (k === 'valid_lft') s.validLifetime = lifetime(w, k);
    else if (k === 'preferred_lft') s.preferredLifetime = lifetime(w, k);
    else if (CONF_FLAGS[k]) s.flags.push(CONF_FLAGS[k]);
    else if (s.address === undefined) s.address = k;
    else throw w.unexpected();
  }
  if (s.address === undefined) throw new UsageError('missing the address (CIDR)');
  if (s.dev === undefined) throw new UsageError('missing "dev NAME"');
  if (s.flags.length === 0) delete (s as { flags?: AddressFlag[] }).flags;
  return s as AddressSpec;
}

export async function addrCommand(args: ParsedArgs, io: Io): Promise<void> {
  const { w, sub } = commandWords(args.words, 'addr', ['show', 'list', 'ls', 'add', 'replace', 'del', 'delete']);
  const family = familyOption(args.options);
  const change = sub === 'add' || sub === 'replace' || sub === 'del' || sub === 'delete' ? spec(w, sub.startsWith('del')) : undefined;
  await using rt = await openRoute(netnsOption(args));
  if (!change) return await show(rt, w, io, args.options.has('json'), family);
  if (sub === 'add') return await rt.addAddress(change);
  if (sub === 'replace') return await rt.replaceAddress(change);
  return await rt.deleteAddress(change);
}
