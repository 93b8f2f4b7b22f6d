// A listing as an async iterable: each iteration runs its own dump, paced by the consumer (the
// socket stops reading while items are unread), so nothing holds a whole dump unless asked to.
import { DumpInterruptedError } from '../wire/index.js';

export class RouteStream<T> implements AsyncIterable<T> {
  constructor(
    /** Starts a dump: the items each datagram brought, after filtering and decoration. */
    private readonly source: () => AsyncGenerator<T[]>,
    private readonly label: string,
  ) {}

  /** The items a datagram brought at a time: one await per datagram rather than per item. */
  batches(): AsyncGenerator<T[]> {
    return this.source();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    const it = this.source();
    let items: T[] = [];
    let i = 0;
    const next = async (): Promise<IteratorResult<T>> => {
      while (i >= items.length) {
        const r = await it.next();
        if (r.done) return { value: undefined, done: true };
        items = r.value;
        i = 0;
      }
      return { value: items[i++]!, done: false };
    };
    return {
      next,
      return: async () => {
        await it.return(undefined);
        return { value: undefined, done: true };
      },
    };
  }

  /** Every item. A DumpInterruptedError then carries the items received before it. */
  async toArray(): Promise<T[]> {
    const out: T[] = [];
    try {
      for await (const items of this.source()) for (const o of items) out.push(o);
    } catch (err) {
      if (err instanceof DumpInterruptedError) throw new DumpInterruptedError<T>(out, err.received, this.label);
      throw err;
    }
    return out;
  }
}
