// IP addresses, prefixes and MAC addresses as the user writes them, checked before anything is
// sent: the kernel would answer a malformed one with a bare EINVAL, or take a wrong one. Turning
// them into bytes is the spec codec's job (display hints); only IPv4 masks are computed here.
import { parseIp4, parseIp6 } from '../spec/display.js';
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

/** An address with its prefix length, `address` as the user wrote it (checked). */
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

/**
 * Whether `text` is an IPv4 or IPv6 address (no zone index: rtnetlink has no place for one). The
 * spec layer's parsers rather than node:net's isIP, whose module costs every command's start-up.
 */
function isIp(text: string, version: IpVersion): boolean {
  return (version === 4 ? parseIp4(text) : parseIp6(text)) !== undefined;
}

/** An IP address; `what` names the argument in the error ("gateway"). */
export function parseIp(text: unknown, what: string, want?: IpVersion): { version: IpVersion; address: string } {
  if (typeof text !== 'string') throw invalid(`${what}: expected an IP address string, got ${describe(text)}`);
  const version = intendedVersion(text);
  if (!isIp(text, version)) throw invalid(`${text} is not an ${versionName(version)} address${what ? ` (${what})` : ''}`);
  if (want !== undefined && version !== want) throw invalid(`${what} ${text} is ${versionName(version)}, expected ${versionName(want)}`);
  return { version, address: text };
}

/**
 * A prefix written `ADDRESS/LENGTH`, or a bare address (a host prefix, as `ip` takes it). Host bits
 * past the length of an IPv4 prefix are an error when `strict`, as the kernel refuses such a route
 * (it clears them in an IPv6 one).
 */
export function parseCidr(text: unknown, what: string, opts: { strict?: boolean; want?: IpVersion } = {}): Prefix {
  if (typeof text !== 'string') throw invalid(`${what}: expected a CIDR string such as "10.0.0.0/24", got ${describe(text)}`);
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const version = intendedVersion(addr);
  const max = version === 4 ? 32 : 128;
  const lenText = slash < 0 ? String(max) : text.slice(slash + 1);
  const len = /^\d{1,3}$/.test(lenText) ? Number(lenText) : NaN;
  if (!isIp(addr, version) || !(len <= max)) throw invalid(`${text} is not an ${versionName(version)} CIDR${what ? ` (${what})` : ''}`);
  if (opts.want !== undefined && version !== opts.want) throw invalid(`${what} ${text} is ${versionName(version)}, expected ${versionName(opts.want)}`);
  if (opts.strict && version === 4) {
    const bytes = v4Bytes(addr);
    const net = maskBytes(bytes, len);
    if (!net.every((b, i) => b === bytes[i])) throw invalid(`${text} has host bits set past /${len} (${what}: did you mean ${net.join('.')}/${len}?)`);
  }
  return { version, address: addr, prefixLength: len };
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
  const bytes = v4Bytes(p.address);
  const hostBits = maskBytes(new Uint8Array(4).fill(0xff), p.prefixLength).map((m) => ~m & 0xff);
  return maskBytes(bytes, p.prefixLength)
    .map((b, i) => b | hostBits[i]!)
    .join('.');
}

/** 224.0.0.0/4 or ff00::/8. */
export function isMulticast(p: { version: IpVersion; address: string }): boolean {
  if (p.version === 4) return (v4Bytes(p.address)[0]! & 0xf0) === 0xe0;
  return parseInt(p.address.split(':')[0] || '0', 16) >= 0xff00;
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
