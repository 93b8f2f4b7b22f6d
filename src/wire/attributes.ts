import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK } from './constants.js';
import { NetlinkProtocolError } from './errors.js';

const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * Calls `fn` for each attribute in bytes[start, end) with its masked type, raw nla_type flags,
 * payload offset and payload length. Allocation-free. Bytes left over that are too short for an
 * attribute header are ignored, as the kernel's nla_for_each_attr does.
 */
export function forEachAttribute(
  view: DataView,
  start: number,
  end: number,
  fn: (type: number, offset: number, length: number, rawType: number) => void,
): void {
  let off = start;
  while (off + NLA_HDRLEN <= end) {
    const len = view.getUint16(off, true);
    const raw = view.getUint16(off + 2, true);
    if (len < NLA_HDRLEN) throw new NetlinkProtocolError(off, `nla_len ${len} is smaller than the 4-byte attribute header`);
    if (off + len > end) throw new NetlinkProtocolError(off, `attribute type ${raw & NLA_TYPE_MASK} claims ${len} bytes, only ${end - off} remain in its parent`);
    fn(raw & NLA_TYPE_MASK, off + NLA_HDRLEN, len - NLA_HDRLEN, raw);
    off += (len + 3) & ~3;
  }
}

/** One attribute: where its payload is, plus typed readers that check the payload's size. */
export class Attribute {
  constructor(
    readonly bytes: Uint8Array,
    readonly view: DataView,
    /** Type with NLA_F_NESTED and NLA_F_NET_BYTEORDER masked off. */
    readonly type: number,
    /** Offset of the payload within `bytes`. */
    readonly offset: number,
    /** Payload length (nla_len minus the header). */
    readonly length: number,
    /** nla_type as sent, flags included. */
    readonly rawType: number,
  ) {}

  /** Offset of the attribute's header within `bytes`. */
  get headerOffset(): number {
    return this.offset - NLA_HDRLEN;
  }
  get isNested(): boolean {
    return (this.rawType & NLA_F_NESTED) !== 0;
  }
  get isNetByteOrder(): boolean {
    return (this.rawType & NLA_F_NET_BYTEORDER) !== 0;
  }

  private need(size: number, what: string): void {
    if (this.length < size) {
      throw new NetlinkProtocolError(this.headerOffset, `attribute type ${this.type} has ${this.length} bytes, ${what} needs ${size}`);
    }
  }

  u8(): number { this.need(1, 'u8'); return this.view.getUint8(this.offset); }
  u16(): number { this.need(2, 'u16'); return this.view.getUint16(this.offset, true); }
  u32(): number { this.need(4, 'u32'); return this.view.getUint32(this.offset, true); }
  u64(): bigint { this.need(8, 'u64'); return this.view.getBigUint64(this.offset, true); }
  s8(): number { this.need(1, 's8'); return this.view.getInt8(this.offset); }
  s16(): number { this.need(2, 's16'); return this.view.getInt16(this.offset, true); }
  s32(): number { this.need(4, 's32'); return this.view.getInt32(this.offset, true); }
  s64(): bigint { this.need(8, 's64'); return this.view.getBigInt64(this.offset, true); }
  be16(): number { this.need(2, 'be16'); return this.view.getUint16(this.offset, false); }
  be32(): number { this.need(4, 'be32'); return this.view.getUint32(this.offset, false); }
  be64(): bigint { this.need(8, 'be64'); return this.view.getBigUint64(this.offset, false); }

  /** NLA_UINT: 4 or 8 bytes (the kernel sends 4 when the value fits). */
  uint(): bigint {
    if (this.length === 4) return BigInt(this.view.getUint32(this.offset, true));
    if (this.length === 8) return this.view.getBigUint64(this.offset, true);
    throw new NetlinkProtocolError(this.headerOffset, `attribute type ${this.type} has ${this.length} bytes, uint needs 4 or 8`);
  }

  /** NLA_SINT: 4 or 8 bytes. */
  sint(): bigint {
    if (this.length === 4) return BigInt(this.view.getInt32(this.offset, true));
    if (this.length === 8) return this.view.getBigInt64(this.offset, true);
    throw new NetlinkProtocolError(this.headerOffset, `attribute type ${this.type} has ${this.length} bytes, sint needs 4 or 8`);
  }

  /** A string, up to its first NUL (NLA_STRING may or may not carry one; NLA_NUL_STRING does). */
  string(): string {
    const b = this.bytes.subarray(this.offset, this.offset + this.length);
    const nul = b.indexOf(0);
    return decoder.decode(nul < 0 ? b : b.subarray(0, nul));
  }

  /** The payload as a view (no copy). */
  data(): Uint8Array {
    return this.bytes.subarray(this.offset, this.offset + this.length);
  }

  /** The payload parsed as attributes (a nest). */
  nested(): Attributes {
    return new Attributes(this.bytes, this.view, this.offset, this.offset + this.length);
  }

  /** NLA_BITFIELD32: { value, selector }. */
  bitfield32(): { value: number; selector: number } {
    this.need(8, 'bitfield32');
    return { value: this.view.getUint32(this.offset, true), selector: this.view.getUint32(this.offset + 4, true) };
  }
}

/**
 * The attributes of one payload or nest. Iterating yields Attribute objects; the `get*` helpers
 * find the first attribute of a type. For hot paths use forEachAttribute directly.
 */
export class Attributes implements Iterable<Attribute> {
  constructor(
    readonly bytes: Uint8Array,
    readonly view: DataView,
    readonly start: number,
    readonly end: number,
  ) {}

  *[Symbol.iterator](): Iterator<Attribute> {
    const list: Attribute[] = [];
    forEachAttribute(this.view, this.start, this.end, (type, offset, length, raw) => {
      list.push(new Attribute(this.bytes, this.view, type, offset, length, raw));
    });
    yield* list;
  }

  /** Every attribute, validated to the end of the payload. */
  toArray(): Attribute[] {
    return [...this];
  }

  /** The first attribute of `type`, or undefined. Later duplicates are reached by iterating. */
  get(type: number): Attribute | undefined {
    let found: Attribute | undefined;
    forEachAttribute(this.view, this.start, this.end, (t, offset, length, raw) => {
      if (found === undefined && t === type) found = new Attribute(this.bytes, this.view, t, offset, length, raw);
    });
    return found;
  }

  /** An index by type, like the kernel's nla_parse() tb[] array: the last attribute of each type wins. */
  table(): Attribute[] {
    const tb: Attribute[] = [];
    forEachAttribute(this.view, this.start, this.end, (t, offset, length, raw) => {
      tb[t] = new Attribute(this.bytes, this.view, t, offset, length, raw);
    });
    return tb;
  }

  has(type: number): boolean { return this.get(type) !== undefined; }
  u8(type: number): number | undefined { return this.get(type)?.u8(); }
  u16(type: number): number | undefined { return this.get(type)?.u16(); }
  u32(type: number): number | undefined { return this.get(type)?.u32(); }
  u64(type: number): bigint | undefined { return this.get(type)?.u64(); }
  s32(type: number): number | undefined { return this.get(type)?.s32(); }
  string(type: number): string | undefined { return this.get(type)?.string(); }
  data(type: number): Uint8Array | undefined { return this.get(type)?.data(); }
  nested(type: number): Attributes | undefined { return this.get(type)?.nested(); }
}
