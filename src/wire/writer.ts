import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK, NLMSG_HDRLEN } from './constants.js';

const encoder = new TextEncoder();

/** Marks an open nest; pass it back to `endNest`. */
export type NestToken = number & { readonly __nest: unique symbol };

const MAX_ATTR_LEN = 0xffff;

/**
 * Builds one or more Netlink messages into a buffer it grows itself (doubling), in the spirit of
 * libmnl's mnl_nlmsg_put_header / mnl_attr_put_*: explicit, no hidden state beyond the open
 * message and nests. Padding bytes are always zero.
 */
export class MessageWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;
  private msgStart = -1;

  constructor(initialSize = 512) {
    this.buf = new Uint8Array(Math.max(64, initialSize));
    this.view = new DataView(this.buf.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  private reserve(n: number): number {
    const at = this.pos;
    const need = at + n;
    if (need > this.buf.byteLength) {
      let size = this.buf.byteLength * 2;
      while (size < need) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, at));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    this.pos = need;
    return at;
  }

  private pad(): void {
    const aligned = (this.pos + 3) & ~3;
    if (aligned !== this.pos) {
      const at = this.reserve(aligned - this.pos);
      this.buf.fill(0, at, aligned);
    }
  }

  /** Starts a message: writes an nlmsghdr whose length `end()` fills in. */
  begin(type: number, flags = 0, seq = 0, portId = 0): this {
    if (this.msgStart >= 0) throw new Error('MessageWriter: begin() while a message is open; call end() first');
    this.pad();
    const at = this.reserve(NLMSG_HDRLEN);
    this.msgStart = at;
    this.view.setUint32(at, 0, true);
    this.view.setUint16(at + 4, type, true);
    this.view.setUint16(at + 6, flags, true);
    this.view.setUint32(at + 8, seq >>> 0, true);
    this.view.setUint32(at + 12, portId >>> 0, true);
    return this;
  }

  /** Closes the open message, setting nlmsg_len. */
  end(): this {
    if (this.msgStart < 0) throw new Error('MessageWriter: end() without begin()');
    this.pad();
    this.view.setUint32(this.msgStart, this.pos - this.msgStart, true);
    this.msgStart = -1;
    return this;
  }

  /**
   * Appends a fixed ("extra") header: the given bytes, or `size` zero bytes, padded to 4.
   * Returns the offset where it starts, so the caller can fill fields through `dataView`.
   */
  header(bytesOrSize: Uint8Array | number): number {
    const size = typeof bytesOrSize === 'number' ? bytesOrSize : bytesOrSize.byteLength;
    const at = this.reserve(size);
    if (typeof bytesOrSize === 'number') this.buf.fill(0, at, at + size);
    else this.buf.set(bytesOrSize, at);
    this.pad();
    return at;
  }

  /** The Generic Netlink header: cmd, version, reserved. */
  genlHeader(cmd: number, version: number): this {
    const at = this.reserve(4);
    this.view.setUint8(at, cmd);
    this.view.setUint8(at + 1, version);
    this.view.setUint16(at + 2, 0, true);
    return this;
  }

  /** The view over the buffer as it is now (replaced when the buffer grows). */
  get dataView(): DataView {
    return this.view;
  }

  private attrHeader(type: number, payloadLen: number): number {
    const len = NLA_HDRLEN + payloadLen;
    if (len > MAX_ATTR_LEN) throw new RangeError(`attribute type ${type & NLA_TYPE_MASK}: ${payloadLen} bytes do not fit nla_len (max ${MAX_ATTR_LEN - NLA_HDRLEN})`);
    if (type < 0 || type > 0xffff) throw new RangeError(`attribute type ${type} is not a u16`);
    this.pad();
    const at = this.reserve(len);
    this.view.setUint16(at, len, true);
    this.view.setUint16(at + 2, type, true);
    return at + NLA_HDRLEN;
  }

  private checkInt(type: number, value: number, min: number, max: number, what: string): void {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`attribute type ${type}: ${value} is not a valid ${what}`);
    }
  }

  u8(type: number, value: number): this {
    this.checkInt(type, value, 0, 0xff, 'u8');
    const at = this.attrHeader(type, 1);
    this.view.setUint8(at, value);
    return this;
  }
  u16(type: number, value: number): this {
    this.checkInt(type, value, 0, 0xffff, 'u16');
    const at = this.attrHeader(type, 2);
    this.view.setUint16(at, value, true);
    return this;
  }
  u32(type: number, value: number): this {
    this.checkInt(type, value, 0, 0xffffffff, 'u32');
    const at = this.attrHeader(type, 4);
    this.view.setUint32(at, value, true);
    return this;
  }
  u64(type: number, value: bigint | number): this {
    const v = BigInt(value);
    if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`attribute type ${type}: ${v} is not a valid u64`);
    const at = this.attrHeader(type, 8);
    this.view.setBigUint64(at, v, true);
    return this;
  }
  s8(type: number, value: number): this {
    this.checkInt(type, value, -0x80, 0x7f, 's8');
    const at = this.attrHeader(type, 1);
    this.view.setInt8(at, value);
    return this;
  }
  s16(type: number, value: number): this {
    this.checkInt(type, value, -0x8000, 0x7fff, 's16');
    const at = this.attrHeader(type, 2);
    this.view.setInt16(at, value, true);
    return this;
  }
  s32(type: number, value: number): this {
    this.checkInt(type, value, -0x80000000, 0x7fffffff, 's32');
    const at = this.attrHeader(type, 4);
    this.view.setInt32(at, value, true);
    return this;
  }
  s64(type: number, value: bigint | number): this {
    const v = BigInt(value);
    if (v < -0x8000000000000000n || v > 0x7fffffffffffffffn) throw new RangeError(`attribute type ${type}: ${v} is not a valid s64`);
    const at = this.attrHeader(type, 8);
    this.view.setBigInt64(at, v, true);
    return this;
  }

  /** NLA_UINT: 4 bytes when the value fits, else 8 (what the kernel's nla_put_uint does). */
  uint(type: number, value: bigint | number): this {
    const v = BigInt(value);
    if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`attribute type ${type}: ${v} is not a valid uint`);
    if (v <= 0xffffffffn) {
      const at = this.attrHeader(type, 4);
      this.view.setUint32(at, Number(v), true);
    } else {
      const at = this.attrHeader(type, 8);
      this.view.setBigUint64(at, v, true);
    }
    return this;
  }

  /** NLA_SINT: 4 bytes when the value fits in s32, else 8. */
  sint(type: number, value: bigint | number): this {
    const v = BigInt(value);
    if (v < -0x8000000000000000n || v > 0x7fffffffffffffffn) throw new RangeError(`attribute type ${type}: ${v} is not a valid sint`);
    if (v >= -0x80000000n && v <= 0x7fffffffn) {
      const at = this.attrHeader(type, 4);
      this.view.setInt32(at, Number(v), true);
    } else {
      const at = this.attrHeader(type, 8);
      this.view.setBigInt64(at, v, true);
    }
    return this;
  }

  /** Big-endian u16 without NLA_F_NET_BYTEORDER (the kernel's nla_put_be16). */
  be16(type: number, value: number): this {
    this.checkInt(type, value, 0, 0xffff, 'be16');
    const at = this.attrHeader(type, 2);
    this.view.setUint16(at, value, false);
    return this;
  }
  /** Big-endian u32 without NLA_F_NET_BYTEORDER (the kernel's nla_put_be32). */
  be32(type: number, value: number): this {
    this.checkInt(type, value, 0, 0xffffffff, 'be32');
    const at = this.attrHeader(type, 4);
    this.view.setUint32(at, value, false);
    return this;
  }
  /** Big-endian u16 flagged NLA_F_NET_BYTEORDER (the kernel's nla_put_net16). */
  net16(type: number, value: number): this {
    return this.be16(type | NLA_F_NET_BYTEORDER, value);
  }
  /** Big-endian u32 flagged NLA_F_NET_BYTEORDER (the kernel's nla_put_net32). */
  net32(type: number, value: number): this {
    return this.be32(type | NLA_F_NET_BYTEORDER, value);
  }

  /** A NUL-terminated string (mnl_attr_put_strz): valid for both NLA_STRING and NLA_NUL_STRING. */
  string(type: number, value: string): this {
    const bytes = encoder.encode(value);
    const at = this.attrHeader(type, bytes.byteLength + 1);
    this.buf.set(bytes, at);
    this.buf[at + bytes.byteLength] = 0;
    return this;
  }

  /** A string without the terminating NUL (mnl_attr_put_str). */
  stringRaw(type: number, value: string): this {
    return this.binary(type, encoder.encode(value));
  }

  binary(type: number, value: Uint8Array): this {
    const at = this.attrHeader(type, value.byteLength);
    this.buf.set(value, at);
    return this;
  }

  /** NLA_FLAG: an attribute with no payload; present means true. */
  flag(type: number): this {
    this.attrHeader(type, 0);
    return this;
  }

  /** NLA_BITFIELD32: value and selector. */
  bitfield32(type: number, value: number, selector: number): this {
    this.checkInt(type, value, 0, 0xffffffff, 'bitfield32 value');
    this.checkInt(type, selector, 0, 0xffffffff, 'bitfield32 selector');
    const at = this.attrHeader(type, 8);
    this.view.setUint32(at, value, true);
    this.view.setUint32(at + 4, selector, true);
    return this;
  }

  /** Opens a nest. NLA_F_NESTED is set unless `flagged` is false (for peers that predate it). */
  beginNest(type: number, flagged = true): NestToken {
    const at = this.attrHeader(flagged ? type | NLA_F_NESTED : type, 0) - NLA_HDRLEN;
    return at as NestToken;
  }

  /** Closes a nest, setting its nla_len. */
  endNest(token: NestToken): this {
    this.pad();
    const len = this.pos - token;
    if (len > MAX_ATTR_LEN) throw new RangeError(`nest at offset ${token}: ${len} bytes do not fit nla_len`);
    this.view.setUint16(token, len, true);
    return this;
  }

  /** A nest whose content `fill` writes. */
  nest(type: number, fill: (w: this) => void, flagged = true): this {
    const t = this.beginNest(type, flagged);
    fill(this);
    return this.endNest(t);
  }

  /**
   * An indexed array (the kernel's NLA_NESTED_ARRAY): a nest holding one nest per item, typed by
   * the item's index (from `first`, 1 by default as nlctrl numbers them).
   */
  array<T>(type: number, items: Iterable<T>, fill: (w: this, item: T, index: number) => void, first = 1): this {
    const outer = this.beginNest(type);
    let i = first;
    for (const item of items) {
      const inner = this.beginNest(i);
      fill(this, item, i);
      this.endNest(inner);
      i++;
    }
    return this.endNest(outer);
  }

  /** A copy of everything written (the writer can be reused after `reset`). */
  finish(): Uint8Array {
    if (this.msgStart >= 0) throw new Error('MessageWriter: finish() with a message still open; call end() first');
    return this.buf.slice(0, this.pos);
  }

  reset(): this {
    this.pos = 0;
    this.msgStart = -1;
    return this;
  }
}

/** Builds one complete message: header, then whatever `fill` writes. */
export function buildMessage(type: number, flags: number, fill?: (w: MessageWriter) => void, seq = 0, portId = 0): Uint8Array {
  const w = new MessageWriter(256);
  w.begin(type, flags, seq, portId);
  fill?.(w);
  return w.end().finish();
}
