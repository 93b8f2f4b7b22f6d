// IP addresses, prefixes and MAC addresses as the user writes them, checked before anything is
// sent: the kernel would answer a malformed one with a bare EINVAL, or take a wrong one.
import { isIPv4, isIPv6 } from 'node:net';
import { invalid } from './errors.js';

export type IpVersion = 4 | 6;

/** AF_INET and AF_INET6 as the rt-* specs name them. */
export type InetFamily = 'inet' | 'inet6';

export function familyName(v: IpVersion): InetFamily {
  return v === 4 ? 'inet' : 'inet6';
}

export function versionOf(family: InetFamily): IpVersion {
  return family === 'inet' ? 4 : 6;
}

/** An address with its prefix length; `address` in canonical text form. */
export interface Prefix {
  version: IpVersion;
  address: string;
  prefixLength: number;
}

/** Which version a string was meant to be: a colon means IPv6, otherwise IPv4. */
function intendedVersion(text: string): IpVersion {
  return text.includes(':') ? 6 : 4;
}

function v4Bytes(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}

function v6Bytes(text: string): Uint8Array {
  let s = text;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    // An embedded IPv4 tail (::ffff:10.0.0.1) stands for the last two groups.
    const v4 = v4Bytes(s.slice(lastColon + 1));
    s = `${s.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const groups = (x: string) => (x === '' ? [] : x.split(':').map((g) => parseInt(g, 16)));
  const [head, tail] = s.split('::') as [string, string | undefined];
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const all = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

/** The address's bytes in network order, or undefined when `text` is no IPv4 or IPv6 address. */
export function ipBytes(text: string): Uint8Array | undefined {
  if (isIPv4(text)) return v4Bytes(text);
  if (isIPv6(text) && !text.includes('%')) return v6Bytes(text);
  return undefined;
}

/** Text of 4 or 16 address bytes; IPv6 compressed as RFC 5952 and `ip` write it. */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.');
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((bytes[i]! << 8) | bytes[i + 1]!);
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return `::ffff:${bytes.subarray(12).join('.')}`;
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** An IP address; `what` names the argument in the error ("gateway"). */
export function parseIp(text: unknown, what: string, want?: IpVersion): { version: IpVersion; address: string; bytes: Uint8Array } {
  if (typeof text !== 'string') throw invalid(`${what}: expected an IP address string, got ${describe(text)}`);
  const bytes = ipBytes(text);
  const version = intendedVersion(text);
  if (!bytes) throw invalid(`${text} is not an ${versionName(version)} address${what ? ` (${what})` : ''}`);
  if (want !== undefined && version !== want) throw invalid(`${what} ${text} is ${versionName(version)}, expected ${versionName(want)}`);
  return { version, address: formatIp(bytes), bytes };
}

/**
 * A prefix written `ADDRESS/LENGTH`, or a bare address (a host prefix, as `ip` takes it). Host bits
 * past the length are an error when `strict`, as the kernel refuses such a route.
 */
export function parseCidr(text: unknown, what: string, opts: { strict?: boolean; want?: IpVersion } = {}): Prefix {
  if (typeof text !== 'string') throw invalid(`${what}: expected a CIDR string such as "10.0.0.0/24", got ${describe(text)}`);
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const version = intendedVersion(addr);
  const max = version === 4 ? 32 : 128;
  const lenText = slash < 0 ? String(max) : text.slice(slash + 1);
  const bytes = ipBytes(addr);
  const len = /^\d{1,3}$/.test(lenText) ? Number(lenText) : NaN;
  if (!bytes || !(len <= max)) throw invalid(`${text} is not an ${versionName(version)} CIDR${what ? ` (${what})` : ''}`);
  if (opts.want !== undefined && version !== opts.want) throw invalid(`${what} ${text} is ${versionName(version)}, expected ${versionName(opts.want)}`);
  if (opts.strict) {
    const net = maskBytes(bytes, len);
    if (!net.every((b, i) => b === bytes[i])) throw invalid(`${text} has host bits set past /${len} (${what}: did you mean ${formatIp(net)}/${len}?)`);
  }
  return { version, address: formatIp(bytes), prefixLength: len };
}

/** The bytes with every bit past `len` cleared. */
export function maskBytes(bytes: Uint8Array, len: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, len - i * 8));
    out[i]! &= (0xff << (8 - keep)) & 0xff;
  }
  return out;
}

/** The IPv4 broadcast address of a prefix (every host bit set), as `ip addr add ... brd +` computes it. */
export function broadcastOf(p: Prefix): string {
  const bytes = ipBytes(p.address)!;
  const net = maskBytes(bytes, p.prefixLength);
  const hostBits = maskBytes(new Uint8Array(bytes.length).fill(0xff), p.prefixLength).map((m) => ~m & 0xff);
  return formatIp(net.map((b, i) => b | hostBits[i]!));
}

export function isMulticast(p: { version: IpVersion; address: string }): boolean {
  const b = ipBytes(p.address)!;
  return p.version === 4 ? (b[0]! & 0xf0) === 0xe0 : b[0] === 0xff;
}

/** A link-layer address: hex bytes separated by colons ("02:00:00:00:00:01"). */
export function parseMac(text: unknown, what: string): string {
  if (typeof text !== 'string' || !/^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){0,31}$/.test(text)) {
    throw invalid(`${typeof text === 'string' ? text : describe(text)} is not a link-layer address (${what}: hex bytes separated by colons, such as 02:00:00:00:00:01)`);
  }
  return text
    .split(':')
    .map((b) => b.padStart(2, '0').toLowerCase())
    .join(':');
}

function versionName(v: IpVersion): string {
  return v === 4 ? 'IPv4' : 'IPv6';
}

export function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}
