/**
 * A single-consumer async queue behind every stream of the socket (dumps, subscriptions, raw
 * datagrams). It tells its owner when it holds too much (so the owner can stop reading the
 * socket and let the kernel apply backpressure) and when a consumer is waiting (so the owner
 * can keep the event loop alive only while someone expects data).
 */
export interface QueueHooks {
  /** Called when the buffered item count crosses `highWaterMark` upwards (true) or drains to half (false). */
  onPressure?(full: boolean): void;
  /** Called when a consumer starts (true) or stops (false) waiting for an item. */
  onWaiting?(waiting: boolean): void;
  /** Called once when the consumer stops early (break / return()). */
  onCancel?(): void;
}

export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private items: T[] = [];
  private head = 0;
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  private ended = false;
  private error: unknown = undefined;
  private full = false;
  private finished = false;

  constructor(
    private readonly hooks: QueueHooks = {},
    private readonly highWaterMark = 1024,
  ) {}

  get size(): number {
    return this.items.length - this.head;
  }

  get done(): boolean {
    return this.finished;
  }

  push(item: T): void {
    if (this.ended) return;
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      this.hooks.onWaiting?.(false);
      w.resolve({ value: item, done: false });
      return;
    }
    this.items.push(item);
    if (!this.full && this.size >= this.highWaterMark) {
      this.full = true;
      this.hooks.onPressure?.(true);
    }
  }

  /** No more items: the consumer sees the buffered ones, then the end. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.settleWaiter();
  }

  /** Fails the stream: the consumer sees the buffered items, then the error. */
  fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    this.settleWaiter();
  }

  private settleWaiter(): void {
    const w = this.waiter;
    if (!w || this.size > 0) return;
    this.waiter = undefined;
    this.hooks.onWaiting?.(false);
    this.finish();
    if (this.error !== undefined) w.reject(this.error);
    else w.resolve({ value: undefined, done: true });
  }

  private finish(): void {
    if (this.full) {
      this.full = false;
      this.hooks.onPressure?.(false);
    }
    this.finished = true;
  }

  private take(): T {
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined as T;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.full && this.size <= this.highWaterMark >> 1) {
      this.full = false;
      this.hooks.onPressure?.(false);
    }
    return item;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.size > 0) return Promise.resolve({ value: this.take(), done: false });
    if (this.ended) {
      this.finish();
      if (this.error !== undefined) {
        const e = this.error;
        this.error = undefined;
        return Promise.reject(e);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    if (this.waiter) return Promise.reject(new Error('AsyncQueue: next() called while a previous next() is pending'));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.hooks.onWaiting?.(true);
    });
  }

  /**
   * Gives up a pending next() (its promise never settles); items that arrive later stay
   * buffered for the next call. For receive() with a timeout or signal.
   */
  abandonWait(): void {
    if (!this.waiter) return;
    this.waiter = undefined;
    this.hooks.onWaiting?.(false);
  }

  /** Takes everything buffered now without waiting (for batch consumers). */
  drain(): T[] {
    const out = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    if (this.full) {
      this.full = false;
      this.hooks.onPressure?.(false);
    }
    return out;
  }

  return(): Promise<IteratorResult<T>> {
    if (!this.ended) {
      this.ended = true;
      this.items = [];
      this.head = 0;
      this.hooks.onCancel?.();
    }
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      this.hooks.onWaiting?.(false);
      w.resolve({ value: undefined, done: true });
    }
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
