// Keeps a subscription read while the monitor is busy dumping on the same socket. The socket
// stops reading when any of its queues is full; a subscription nobody reads while a dump
// waits for its answer would then stall both. So one loop always moves notifications from the
// subscription into this buffer, numbered in arrival order, and stops only when the buffer is
// full and no dump is running: that is where backpressure reaches the kernel.

export interface Numbered<T> {
  /** Arrival number, from 0. */
  n: number;
  item: T;
}

export class DrainBuffer<T> {
  private items: Array<Numbered<T> | undefined> = [];
  private head = 0;
  private count = 0;
  private holds = 0;
  private ended = false;
  private error: { reason: unknown } | undefined;
  private wakeTaker: (() => void) | undefined;
  private wakeReader: (() => void) | undefined;

  constructor(
    private readonly source: AsyncIterator<T>,
    private readonly highWaterMark: number,
  ) {
    void this.run();
  }

  /** The number the next item to arrive will get: a fence between what came before and after. */
  get arrived(): number {
    return this.count;
  }

  private get size(): number {
    return this.items.length - this.head;
  }

  /** Reads regardless of the high-water mark until the returned function is called (a dump runs). */
  hold(): () => void {
    this.holds++;
    this.wakeReader?.();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
    };
  }

  private async run(): Promise<void> {
    try {
      for (;;) {
        while (this.size >= this.highWaterMark && this.holds === 0 && !this.ended) await new Promise<void>((r) => (this.wakeReader = r));
        this.wakeReader = undefined;
        if (this.ended) return;
        const r = await this.source.next();
        if (r.done) break;
        this.items.push({ n: this.count++, item: r.value });
        this.wakeTaker?.();
      }
    } catch (reason) {
      this.error ??= { reason };
    }
    this.ended = true;
    this.wakeTaker?.();
  }

  /** The next item; undefined when the source ended; rejects with the source's error. */
  async take(): Promise<Numbered<T> | undefined> {
    for (;;) {
      if (this.size > 0) {
        const item = this.items[this.head]!;
        this.items[this.head++] = undefined;
        if (this.head > 1024 && this.head * 2 > this.items.length) {
          this.items = this.items.slice(this.head);
          this.head = 0;
        }
        if (this.size < this.highWaterMark) this.wakeReader?.();
        return item;
      }
      if (this.error) throw this.error.reason;
      if (this.ended) return undefined;
      await new Promise<void>((r) => (this.wakeTaker = r));
      this.wakeTaker = undefined;
    }
  }

  /** Stops: the source is closed, buffered items are dropped, a waiting take() ends. */
  close(reason?: unknown): void {
    if (reason !== undefined) this.error ??= { reason };
    this.items = [];
    this.head = 0;
    if (!this.ended) {
      this.ended = true;
      void this.source.return?.();
    }
    this.wakeReader?.();
    this.wakeTaker?.();
  }
}
