// `nlkit link ...`: ip link show/add/set/del over the rtnetlink layer.
import { openRoute, type Link, type LinkChanges, type LinkSpec, type RouteClient } from '../route/index.js';
import { UsageError, type ParsedArgs } from './args.js';
import type { Io } from './genl.js';
import { indexLinks, linkFlags, linkJson, type LinkIndex } from './ip-json.js';
import { columns, stateColour, useColour, type Cell } from './ip-table.js';
import { commandWords, netnsOption, Words } from './ip-words.js';

function linkRow(l: Link, links: LinkIndex): Cell[] {
  const state = String(l.operstate ?? '').toUpperCase();
  return [
    String(l.index),
    { text: l.name, colour: 'name' },
    { text: state, colour: stateColour(state) },
    String(l.mtu ?? ''),
    { text: l.address ?? '', colour: 'mac' },
    l.kind ?? '',
    l.master !== undefined ? (links.get(l.master)?.name ?? `if${l.master}`) : '',
    linkFlags(l, links).join(','),
  ];
}

async function show(rt: RouteClient, w: Words, io: Io, json: boolean): Promise<void> {
  w.take('dev');
  const name = w.done ? undefined : w.next('a link name');
  w.end();
  const all = await rt.links().toArray();
  const links = indexLinks(all);
  let shown = all;
  if (name !== undefined) {
    // Through the library's lookup, so a missing link is its one-line ENODEV.
    const one = await rt.link(name);
    shown = all.filter((l) => l.index === one.index);
  }
  if (json) return io.out(JSON.stringify(shown.map((l) => linkJson(l, links))));
  io.out(columns(['INDEX', 'NAME', 'STATE', 'MTU', 'ADDRESS', 'KIND', 'MASTER', 'FLAGS'], shown.map((l) => linkRow(l, links)), useColour(io.tty)));
}

function flag01(w: Words, keyword: string): boolean {
  const v = w.number(keyword, 1);
  return v === 1;
}

/** The kind's own words after `type KIND`, into the spec. */
function kindArgs(w: Words, s: Record<string, unknown>): void {
  const kind = s.kind as string;
  const data: Record<string, unknown> = {};
  while (!w.done) {
    const k = w.next('a keyword');
    if (kind === 'veth' && k === 'peer') {
      const peer: Record<string, unknown> = {};
      w.take('name');
      peer.name = w.next('the peer name');
      while (!w.done) {
        if (w.take('address')) peer.address = w.value('address');
        else if (w.take('mtu')) peer.mtu = w.number('mtu');
        else if (w.take('netns')) peer.netns = w.value('netns');
        else break;
      }
      s.peer = peer;
    } else if (kind === 'bridge' && k === 'stp_state') s.stp = flag01(w, k);
    else if (kind === 'bridge' && k === 'vlan_filtering') s.vlanFiltering = flag01(w, k);
    else if (kind === 'bridge' && k === 'forward_delay') s.forwardDelay = w.number(k);
    else if (kind === 'bridge' && k === 'hello_time') s.helloTime = w.number(k);
    else if (kind === 'bridge' && k === 'max_age') s.maxAge = w.number(k);
    else if (kind === 'bridge' && k === 'ageing_time') s.ageingTime = w.number(k);
    else if (kind === 'bridge' && k === 'priority') s.priority = w.number(k);
    else if ((kind === 'macvlan' || kind === 'bond') && k === 'mode') s.mode = w.value(k);
    else if (kind === 'bond' && k === 'miimon') s.miimon = w.number(k);
    else if ((kind === 'vxlan' && (k === 'id' || k === 'vni')) || (kind === 'vlan' && k === 'id')) s.id = w.number(k);
    else if (kind === 'vlan' && k === 'protocol') s.protocol = w.value(k).toLowerCase().replace('802.1q', '8021q').replace('802.1ad', '8021ad');
    else if (kind === 'vxlan' && k === 'dstport') s.port = w.number(k, 0xffff);
    else if (kind === 'vxlan' && (k === 'group' || k === 'remote' || k === 'local')) s[k] = w.value(k);
    else if (kind === 'vxlan' && k === 'dev') s.dev = w.value(k);
    else if (kind === 'vxlan' && k === 'ttl') s.ttl = w.number(k, 255);
    else if (kind === 'vxlan' && (k === 'learning' || k === 'nolearning')) s.learning = k === 'learning';
    else if (kind === 'vrf' && k === 'table') data.table = w.number(k);
    else throw new UsageError(`unexpected argument '${k}' for a link of type ${kind}`);
  }
  if (Object.keys(data).length > 0) s.data = data;
}

async function add(rt: RouteClient, w: Words): Promise<void> {
  const s: Record<string, unknown> = {};
  for (;;) {
    const k = w.next('"type KIND"');
    if (k === 'type') {
      s.kind = w.next('the link type');
      break;
    }
    if (k === 'link') s.link = w.value(k);
    else if (k === 'name') s.name = w.value(k);
    else if (k === 'mtu') s.mtu = w.number(k);
    else if (k === 'address') s.address = w.value(k);
    else if (k === 'txqueuelen' || k === 'txqlen') s.txqlen = w.number(k);
    else if (k === 'master') s.master = w.value(k);
    else if (k === 'up') s.up = true;
    else if (s.name === undefined && !k.startsWith('-')) s.name = k;
    else throw w.unexpected();
  }
  if (s.name === undefined) throw new UsageError('missing the link name');
  // A lower link given as `link DEV` belongs to the kinds that have one.
  if (s.link !== undefined && s.kind === 'vxlan') {
    s.dev = s.link;
    delete s.link;
  }
  kindArgs(w, s);
  await rt.addLink(s as unknown as LinkSpec);
}

async function set(rt: RouteClient, w: Words): Promise<void> {
  w.take('dev');
  const name = w.next('a link name');
  const c: Record<string, unknown> = {};
  while (!w.done) {
    const k = w.next('a change');
    if (k === 'up' || k === 'down') c.up = k === 'up';
    else if (k === 'mtu') c.mtu = w.number(k);
    else if (k === 'name') c.name = w.value(k);
    else if (k === 'address') c.address = w.value(k);
    else if (k === 'master') c.master = w.value(k);
    else if (k === 'nomaster') c.master = null;
    else if (k === 'netns') {
      const ns = w.value(k);
      c.netns = /^\d+$/.test(ns) ? { pid: Number(ns) } : ns;
    } else if (k === 'alias') c.alias = w.value(k);
    else if (k === 'txqueuelen' || k === 'txqlen') c.txqlen = w.number(k);
    else throw w.unexpected();
  }
  if (Object.keys(c).length === 0) throw new UsageError(`nothing to change on link "${name}"`);
  await rt.setLink(name, c as LinkChanges);
}

export async function linkCommand(args: ParsedArgs, io: Io): Promise<void> {
  const { w, sub } = commandWords(args.words, 'link', ['show', 'list', 'ls', 'add', 'set', 'change', 'del', 'delete']);
  const json = args.options.has('json');
  await using rt = await openRoute(netnsOption(args));
  switch (sub) {
    case 'show':
    case 'list':
    case 'ls':
      return await show(rt, w, io, json);
    case 'add':
      return await add(rt, w);
    case 'set':
    case 'change':
      return await set(rt, w);
    default: {
      w.take('dev');
      const name = w.next('a link name');
      w.end();
      return await rt.deleteLink(name);
    }
  }
}
