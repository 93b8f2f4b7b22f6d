// Display hints (mac, ipv4, ipv6, uuid) written by hand: decoders call these for every address of
// a dump, so they read bytes straight from the buffer without intermediate arrays or library calls.

const HEX2: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
// Hex texts of 16-bit groups, filled in as they are met; the table itself (half a megabyte) is
// made on the first IPv6 address, not at import, since most processes never format one.
let hexTexts: (string | undefined)[] | undefined;
const hex16 = (g: number): string => ((hexTexts ??= new Array<string | undefined>(0x10000))[g] ??= g.toString(16));

/** `02:00:00:00:00:01` for any length (InfiniBand addresses have 20 bytes). */
export function formatMac(u8: Uint8Array, off: number, len: number): string {
  if (len === 6) {
    return `${HEX2[u8[off]]}:${HEX2[u8[off + 1]]}:${HEX2[u8[off + 2]]}:${HEX2[u8[off + 3]]}:${HEX2[u8[off + 4]]}:${HEX2[u8[off + 5]]}`;
  }
  const parts: string[] = new Array(len);
  for (let i = 0; i < len; i++) parts[i] = HEX2[u8[off + i]];
  return parts.join(':');
}

const DEC: string[] = Array.from({ length: 256 }, (_, i) => String(i));
const DEC_DOT: string[] = DEC.map((d) => `${d}.`);
// IPv4 texts come from two small direct-mapped caches, so a million-route dump neither builds
// each address from four pieces nor keeps a table of every address it met. Texts kept by a cache
// outlive young-generation collections, and enough surviving bytes make V8 double the young
// generation (+16 MB of RSS), so both caches are small and a text is only kept when it is reused.
//
// Whole addresses: a dump repeats gateways and preferred sources on every route, and a hit costs a
// compare instead of a string. A text is kept on its second sighting in a slot, so a table of
// distinct destinations leaves nothing behind.
const IP4_SLOTS = 1024;
const ip4Keys = new Float64Array(IP4_SLOTS).fill(-1);
const ip4Seen = new Float64Array(IP4_SLOTS).fill(-1);
const ip4Texts: string[] = new Array<string>(IP4_SLOTS).fill('');
// The first three octets with their dots ("10.1.2."): a dump walks the table in order, so
// neighbours share them and a new address is one concatenation.
const PREFIX_SLOTS = 1024;
const prefixKeys = new Int32Array(PREFIX_SLOTS).fill(-1);
const prefixTexts: string[] = new Array<string>(PREFIX_SLOTS).fill('');

/** An IPv4 address held in an integer (a big-endian u32 attribute with display-hint ipv4). */
export function formatIp4Number(x: number): string {
  const key = x >>> 0;
  const slot = (key ^ (key >>> 10) ^ (key >>> 20)) & (IP4_SLOTS - 1);
  if (ip4Keys[slot] === key) return ip4Texts[slot];
  const top = key >>> 8;
  const p = (top ^ (top >>> 10)) & (PREFIX_SLOTS - 1);
  let prefix = prefixTexts[p];
  if (prefixKeys[p] !== top) {
    prefix = DEC_DOT[top >>> 16] + DEC_DOT[(top >>> 8) & 0xff] + DEC_DOT[top & 0xff];
    prefixKeys[p] = top;
    prefixTexts[p] = prefix;
  }
  const text = prefix + DEC[key & 0xff];
  if (ip4Seen[slot] === key) {
    ip4Keys[slot] = key;
    ip4Texts[slot] = text;
  } else ip4Seen[slot] = key;
  return text;
}

export function formatIp4(u8: Uint8Array, off: number): string {
  return formatIp4Number(((u8[off] << 24) | (u8[off + 1] << 16) | (u8[off + 2] << 8) | u8[off + 3]) >>> 0);
}

/**
 * RFC 5952 text: lower-case, the longest run of two or more zero groups as `::`, IPv4-mapped as
 * `::ffff:a.b.c.d` and IPv4-compatible as `::a.b.c.d` (glibc's inet_ntop, so text equals ip's).
 */
export function formatIp6(u8: Uint8Array, off: number): string {
  const g0 = (u8[off] << 8) | u8[off + 1];
  const g1 = (u8[off + 2] << 8) | u8[off + 3];
  const g2 = (u8[off + 4] << 8) | u8[off + 5];
  const g3 = (u8[off + 6] << 8) | u8[off + 7];
  const g4 = (u8[off + 8] << 8) | u8[off + 9];
  const g5 = (u8[off + 10] << 8) | u8[off + 11];
  const g6 = (u8[off + 12] << 8) | u8[off + 13];
  const g7 = (u8[off + 14] << 8) | u8[off + 15];
  if ((g0 | g1 | g2 | g3 | g4) === 0) {
    if (g5 === 0xffff) return `::ffff:${formatIp4(u8, off + 12)}`;
    // IPv4-compatible, as glibc's inet_ntop (and so ip) prints it; ::1 and ::x stay hex.
    if (g5 === 0 && g6 !== 0) return `::${formatIp4(u8, off + 12)}`;
  }
  const g = [g0, g1, g2, g3, g4, g5, g6, g7];
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
  if (best < 0) return `${hex16(g0)}:${hex16(g1)}:${hex16(g2)}:${hex16(g3)}:${hex16(g4)}:${hex16(g5)}:${hex16(g6)}:${hex16(g7)}`;
  let head = '';
  for (let i = 0; i < best; i++) head += i === 0 ? hex16(g[i]) : `:${hex16(g[i])}`;
  let tail = '';
  for (let i = best + bestLen; i < 8; i++) tail += tail === '' ? hex16(g[i]) : `:${hex16(g[i])}`;
  return `${head}::${tail}`;
}

export function formatUuid(u8: Uint8Array, off: number): string {
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    s += HEX2[u8[off + i]];
  }
  return s;
}

/** `aa:bb:cc`, `aa-bb-cc` or `aabbcc` to bytes; undefined when it is none of these. */
export function parseMac(text: string): Uint8Array | undefined {
  const parts = /[:-]/.test(text) ? text.split(/[:-]/) : text.match(/.{1,2}/g) ?? [];
  if (parts.length === 0 || !parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) return undefined;
  if (!/[:-]/.test(text) && text.length % 2 !== 0) return undefined;
  return Uint8Array.from(parts, (p) => parseInt(p, 16));
}

export function parseIp4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
  return Uint8Array.from(parts, Number);
}

export function parseIp6(text: string): Uint8Array | undefined {
  let s = text;
  const tail: number[] = [];
  if (s.includes('.')) {
    // A trailing dotted quad stands for the last two groups.
    const at = s.lastIndexOf(':');
    const v4 = at < 0 ? undefined : parseIp4(s.slice(at + 1));
    if (!v4) return undefined;
    tail.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    s = s.slice(0, at + 1);
    if (!s.endsWith('::')) s = s.slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const group = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = group(halves[0]);
  const rest = halves.length === 2 ? group(halves[1]) : [];
  if (!head || !rest) return undefined;
  const given = head.length + rest.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  const groups = [...head, ...new Array<number>(8 - given).fill(0), ...rest, ...tail];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

export function parseUuid(text: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/.test(text)) return undefined;
  const hex = text.replace(/-/g, '');
  return Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16));
}
