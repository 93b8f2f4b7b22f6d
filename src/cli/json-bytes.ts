// The text of a burst of monitor events, gathered as UTF-8 bytes and written in one piece: what
// a burst wrote is handed to the stream whole, and the next burst gets a buffer of its own (a
// stream may hold a Buffer until the write completes, so a written one is never reused).

export class JsonBytes {
  private bytes: Buffer;
  /** Bytes written into the current buffer. */
  length = 0;

  constructor(private readonly size = 64 * 1024) {
    this.bytes = Buffer.allocUnsafe(size);
  }

  /** Room for `n` more bytes: a bigger buffer, with what is written so far, if needed. */
  private reserve(n: number): Buffer {
    const need = this.length + n;
    if (need > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.bytes.length * 2));
      this.bytes.copy(grown, 0, 0, this.length);
      this.bytes = grown;
    }
    return this.bytes;
  }

  /** Text that is JSON as it is and ASCII (punctuation, keys, numbers): copied a byte a character. */
  raw(s: string): this {
    const n = s.length;
    const b = this.reserve(n);
    let at = this.length;
    for (let i = 0; i < n; i++) b[at++] = s.charCodeAt(i);
    this.length = at;
    return this;
  }

  /** Any text (non-ASCII included), as UTF-8. */
  utf8(s: string): this {
    this.length += this.reserve(s.length * 3).write(s, this.length, 'utf8');
    return this;
  }

  /** Any JSON text, as UTF-8. */
  json(s: string): this {
    return this.utf8(s);
  }

  /** The bytes written since the last take; later writes go to a new buffer. */
  take(): Buffer {
    const out = this.bytes.subarray(0, this.length);
    this.bytes = Buffer.allocUnsafe(this.size);
    this.length = 0;
    return out;
  }
}
