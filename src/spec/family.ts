// The family object: a YNL spec's operations as calls over a NetlinkSocket. Requests are
// checked and encoded by the compiled codec, replies and notifications decoded by it; Generic
// Netlink ids are resolved through nlctrl, netlink-raw ids come from the spec.
import { GenlController, type GenlFamily } from '../genl/index.js';
import { NetlinkSocket, type CallOptions, type DumpOptions, type DumpStream, type NetlinkOverrun, type OpenOptions, type Outgoing, type SubscribeOptions } from '../socket/index.js';
import {
  DumpInterruptedError,
  GENL_HDRLEN,
  NetlinkError,
  NLM_F_APPEND,
  NLM_F_CREATE,
  NLM_F_ECHO,
  NLM_F_EXCL,
  NLM_F_REPLACE,
  NLMSG_HDRLEN,
  NLMSG_MIN_TYPE,
  type MessageBatch,
  type MessageWriter,
  type NetlinkMessage,
} from '../wire/index.js';
import type { DecodedObject, FamilyCodec } from './codec.js';
import { familyCodec } from './compile.js';
import { notificationKinds, type NotificationKind } from './family-events.js';
import { operationMethods } from './family-names.js';
import { loadSpec } from './load.js';
import type { FamilySpec, Operation } from './model.js';

/** Request flags a call can add (rtnetlink's NLM_F_CREATE and friends, NLM_F_ECHO). */
export type RequestFlag = 'create' | 'excl' | 'replace' | 'append' | 'echo';

const FLAG_BITS: Record<RequestFlag, number> = {
  create: NLM_F_CREATE,
  excl: NLM_F_EXCL,
  replace: NLM_F_REPLACE,
  append: NLM_F_APPEND,
  echo: NLM_F_ECHO,
};

export interface FamilyCallOptions {
  signal?: AbortSignal;
  /** Milliseconds; rejects with ETIMEDOUT when no answer came in time. */
  timeout?: number;
  flags?: RequestFlag[];
}

/** A dump's options: a call's, and the socket dump's buffering and NLM_F_DUMP_INTR retries. */
export interface FamilyDumpOptions extends FamilyCallOptions, Pick<DumpOptions, 'retry' | 'highWaterMark'> {}

export interface FamilySubscribeOptions extends SubscribeOptions {}

export interface OpenFamilyOptions extends OpenOptions {
  /** A socket of the family's protocol to use instead of opening one; the caller keeps owning it. */
  socket?: NetlinkSocket;
  /** Folders searched for a spec given by name (before the shipped specs). */
  paths?: string[];
  /** Property names of requests and decoded objects: camelCase (default) or the spec's own. */
  names?: 'camel' | 'spec';
}

/** A multicast message of the family, decoded, named by the operation it belongs to. */
export interface FamilyNotification<N extends string = string, M = DecodedObject> {
  readonly kind: 'notification';
  name: N;
  msg: M;
  message: NetlinkMessage;
}

/** A multicast message whose id the spec does not know: kept, not decoded. */
export interface UnknownNotification {
  readonly kind: 'unknown';
  /** The genl cmd or nlmsg_type. */
  value: number;
  message: NetlinkMessage;
}

export type FamilyEvent<N = FamilyNotification> = N | UnknownNotification | NetlinkOverrun;

/** A dump as decoded objects: iterate it, or collect it with `toArray()`. One use. */
export class FamilyDump<T = DecodedObject> implements AsyncIterable<T> {
  constructor(
    private readonly stream: DumpStream,
    private readonly decodeBatch: (batch: MessageBatch) => T[],
    private readonly label: string,
  ) {}

  /**
   * The objects each datagram brought, decoded: one await per datagram rather than per object.
   * A plain iterator over the socket's batches rather than a second async generator: one
   * generator's promises per datagram instead of two.
   */
  batches(): AsyncGenerator<T[], undefined> {
    const source = this.stream.batches();
    const decode = this.decodeBatch;
    const decoded = (r: IteratorResult<MessageBatch>): IteratorResult<T[]> | Promise<IteratorResult<T[]>> => {
      if (r.done) return { value: undefined, done: true };
      try {
        return { value: decode(r.value), done: false };
      } catch (err) {
        // A loop whose next() throws does not call return(): end the dump here.
        return source.return(undefined).then(() => Promise.reject(err));
      }
    };
    const it: AsyncGenerator<T[], undefined> = {
      next: () => source.next().then(decoded),
      return: () => source.return(undefined).then((): IteratorResult<T[]> => ({ value: undefined, done: true })),
      throw: (err: unknown) => source.throw(err).then((): IteratorResult<T[]> => ({ value: undefined, done: true })),
      [Symbol.asyncIterator]: () => it,
      [Symbol.asyncDispose]: () => source.return(undefined).then(() => undefined),
    };
    return it;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    const it = this.batches();
    let items: T[] = [];
    let i = 0;
    const next = (): Promise<IteratorResult<T>> => {
      if (i < items.length) return Promise.resolve({ value: items[i++]!, done: false });
      return it.next().then((r) => {
        if (r.done) return { value: undefined, done: true };
        items = r.value;
        i = 0;
        return next();
      });
    };
    return { next, return: () => it.return(undefined).then(() => ({ value: undefined, done: true })) };
  }

  /** The whole dump. A DumpInterruptedError then carries every object received. */
  async toArray(): Promise<T[]> {
    const out: T[] = [];
    try {
      for await (const items of this.batches()) for (const o of items) out.push(o);
    } catch (err) {
      if (err instanceof DumpInterruptedError) throw new DumpInterruptedError<T>(out, err.received, this.label);
      throw err;
    }
    return out;
  }
}

/** What a family object has for operations not known at compile time: `fam.devGet(...)`, `fam.devGetDump(...)`. */
export type DoMethod = (request?: object, opts?: FamilyCallOptions) => Promise<DecodedObject | undefined>;
export type DumpMethod = (request?: object, opts?: FamilyCallOptions) => FamilyDump;
export type UntypedMethods = { readonly [method: `${string}Dump`]: DumpMethod } & { readonly [method: string]: DoMethod };

/** A request value that breaks the spec: every problem, each with its attribute path. */
export class FamilyRequestError extends TypeError {
  override readonly name = 'FamilyRequestError';
  readonly code = 'ERR_NLKIT_REQUEST';
  constructor(
    label: string,
    readonly problems: { path: string; message: string }[],
  ) {
    super(`${label}: ${problems.map((p) => `${p.path || '(request)'}: ${p.message}`).join('; ')}`);
  }
}


function flagBits(flags: RequestFlag[] | undefined): number {
  let bits = 0;
  for (const f of flags ?? []) {
    const b = FLAG_BITS[f];
    if (b === undefined) throw new TypeError(`unknown request flag '${String(f)}' (flags are: ${Object.keys(FLAG_BITS).join(', ')})`);
    bits |= b;
  }
  return bits;
}

/**
 * One family over one socket. `do`, `dump` and `subscribe` take operation and group names as the
 * spec spells them; each operation also has a method (`devGet`, `devGetDump`).
 */
export class Family implements AsyncDisposable {
  /** The Generic Netlink family id (undefined for netlink-raw families). */
  readonly familyId: number | undefined;
  private readonly genl: boolean;
  private readonly groups: ReadonlyMap<string, number>;
  private readonly notifications: Map<number, NotificationKind>;
  /** Bytes between nlmsghdr and the fixed header: the genl header, or nothing. */
  private readonly prefix: number;

  constructor(
    readonly spec: FamilySpec,
    readonly codec: FamilyCodec,
    readonly socket: NetlinkSocket,
    private readonly ownsSocket: boolean,
    genlFamily: GenlFamily | undefined,
  ) {
    this.genl = spec.protocol !== 'netlink-raw';
    this.prefix = this.genl ? GENL_HDRLEN : 0;
    this.familyId = genlFamily?.familyId;
    const groups = new Map<string, number>();
    if (genlFamily) for (const g of genlFamily.mcastGroups) groups.set(g.name, g.id);
    else for (const g of spec.mcastGroups) if (g.value !== undefined) groups.set(g.name, g.value);
    this.groups = groups;
    this.notifications = notificationKinds(spec);
    for (const op of spec.operations) {
      const m = operationMethods(op);
      const self = this as unknown as Record<string, unknown>;
      if (m.do) self[m.do] = (request?: object, opts?: FamilyCallOptions) => this.do(op.name, request, opts);
      if (m.dump) self[m.dump] = (request?: object, opts?: FamilyCallOptions) => this.dump(op.name, request, opts);
    }
  }

  /** An operation by its spec name; a TypeError listing the operations when there is none. */
  operation(name: string): Operation {
    const op = this.spec.operationsByName.get(name);
    if (!op) throw new TypeError(`${this.spec.name}: no operation '${name}' (it has: ${this.spec.operations.map((o) => o.name).join(', ')})`);
    return op;
  }

  /** Checks `value` against the operation's spec: a FamilyRequestError (a TypeError) naming every bad path. */
  private checkRequest(op: Operation, value: object, label: string): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${label}: the request must be an object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
    const problems = this.codec.check(op, value);
    if (problems.length > 0) throw new FamilyRequestError(label, problems);
  }

  private outgoing(op: Operation, msgValue: number | undefined, value: object, flags: number, label: string): Outgoing {
    if (msgValue === undefined) throw new TypeError(`${label}: the spec gives this operation no request message id`);
    const codec = this.codec;
    if (!this.genl) return { type: msgValue, flags, write: (w: MessageWriter) => codec.encodeMessage(w, op, value) };
    const version = this.spec.version;
    return {
      type: this.familyId!,
      flags,
      write: (w: MessageWriter) => {
        w.genlHeader(msgValue, version);
        codec.encodeMessage(w, op, value);
      },
    };
  }

  private callOptions(op: Operation, value: object, opts: FamilyCallOptions, label: string): CallOptions {
    let namer: ((depth: number, type: number, path: number[]) => string | undefined) | undefined;
    return {
      signal: opts.signal,
      timeout: opts.timeout,
      label,
      headerSize: this.prefix + this.codec.headerSize(op),
      attributeName: (depth: number, type: number, path: number[]) => (namer ??= this.codec.attributeNamer(op, value))(depth, type, path),
    };
  }

  private decode(op: Operation, view: DataView, offset: number): DecodedObject {
    return this.codec.decodeMessage(op, view, offset + NLMSG_HDRLEN + this.prefix, offset + view.getUint32(offset, true));
  }

  /**
   * Runs an operation's do: resolves with the decoded reply, or undefined when the kernel sends
   * none. Kernel errors reject with a NetlinkError whose extended ACK names the attribute
   * (`.linkinfo.data.id`).
   */
  async do(opName: string, value: object = {}, opts: FamilyCallOptions = {}): Promise<DecodedObject | undefined> {
    const op = this.operation(opName);
    const label = `${this.spec.name} ${op.name}`;
    if (!op.do) throw new TypeError(`${label}: the operation has no do${op.dump ? '; use dump()' : ''}`);
    this.checkRequest(op, value, label);
    const msg = this.outgoing(op, op.do.request?.value ?? op.requestValue, value, flagBits(opts.flags), label);
    const replies = await this.socket.request(msg, this.callOptions(op, value, opts, label));
    const reply = replies.find((m) => m.type >= NLMSG_MIN_TYPE);
    return reply ? this.decode(op, reply.view, reply.offset) : undefined;
  }

  /**
   * Runs an operation's dump: an async iterable of decoded replies, paced by its consumer (the
   * socket stops reading while they are unread). The request is checked before anything is sent.
   */
  dump(opName: string, value: object = {}, opts: FamilyDumpOptions = {}): FamilyDump {
    const op = this.operation(opName);
    const label = `${this.spec.name} ${op.name} dump`;
    if (!op.dump) throw new TypeError(`${label}: the operation has no dump${op.do ? '; use do()' : ''}`);
    this.checkRequest(op, value, label);
    const msg = this.outgoing(op, op.dump.request?.value ?? op.requestValue, value, flagBits(opts.flags), label);
    const stream = this.socket.dump(msg, { ...this.callOptions(op, value, opts, label), retry: opts.retry, highWaterMark: opts.highWaterMark });
    const codec = this.codec;
    const skip = NLMSG_HDRLEN + this.prefix;
    return new FamilyDump(
      stream,
      (batch) => codec.decodeMessages(op, batch.datagram.view, batch.offsets, skip),
      label,
    );
  }

  /** The number of a multicast group: resolved through nlctrl for genl families, the spec's `value` for raw ones. */
  group(name: string): number {
    const id = this.groups.get(name);
    if (id !== undefined) return id;
    const known = this.genl ? [...this.groups.keys()] : this.spec.mcastGroups.map((g) => g.name);
    const inSpec = this.spec.mcastGroups.some((g) => g.name === name);
    throw new NetlinkError(-2, {
      request: `${this.spec.name} subscribe '${name}'`,
      detail: inSpec ? 'the kernel does not register this group' : `the family has no such multicast group (it has: ${known.join(', ') || 'none'})`,
    });
  }

  /**
   * Joins a multicast group and yields its notifications decoded, named by operation, until the
   * loop stops or `signal` aborts. Overruns (the kernel dropped notifications) are items too.
   */
  subscribe(groupName: string, opts: FamilySubscribeOptions = {}): AsyncIterableIterator<FamilyEvent> {
    const source = this.socket.subscribe(this.group(groupName), opts);
    const map = (item: NetlinkMessage | NetlinkOverrun): FamilyEvent | undefined => {
      if (item.kind === 'overrun') return item;
      return this.notification(item);
    };
    const iterator: AsyncIterableIterator<FamilyEvent> = {
      next: async (): Promise<IteratorResult<FamilyEvent>> => {
        for (;;) {
          const r = await source.next();
          if (r.done) return { value: undefined, done: true };
          const item = map(r.value);
          if (item !== undefined) return { value: item, done: false };
        }
      },
      return: async (): Promise<IteratorResult<FamilyEvent>> => {
        await source.return?.();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** Decodes one multicast message of this family; undefined for another family's message on a shared socket. */
  notification(message: NetlinkMessage): FamilyEvent | undefined {
    if (this.genl && message.type !== this.familyId) return undefined;
    const value = this.genl ? message.view.getUint8(message.payloadOffset) : message.type;
    const kind = this.notifications.get(value);
    if (!kind) return { kind: 'unknown', value, message };
    return { kind: 'notification', name: kind.op.name, msg: this.decode(kind.format, message.view, message.offset), message };
  }

  /** Closes the socket, unless it was given by the caller. */
  close(): void {
    if (this.ownsSocket) this.socket.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }
}

async function resolveSpec(spec: string | FamilySpec, paths: string[] | undefined): Promise<FamilySpec> {
  return typeof spec === 'string' ? loadSpec(spec, paths ? { paths } : {}) : spec;
}

/**
 * Opens a family by spec name (`netdev`, `rt-link`), spec file path, or loaded spec: a socket
 * of the spec's protocol (in `netns`, if given) with the family's ids resolved. A Generic Netlink
 * family the kernel does not have rejects with ENOENT.
 */
export function openFamily(spec: string | FamilySpec, opts?: OpenFamilyOptions): Promise<Family & UntypedMethods>;
/** With the methods' types given (codegen's typed open functions pass their interface). */
export function openFamily<M extends object>(spec: string | FamilySpec, opts?: OpenFamilyOptions): Promise<Family & M>;
export async function openFamily<M extends object>(spec: string | FamilySpec, opts: OpenFamilyOptions = {}): Promise<Family & M> {
  const { socket: given, paths, names, ...socketOptions } = opts;
  const s = await resolveSpec(spec, paths);
  const codec = familyCodec(s, names ?? 'camel');
  if (given && given.protocol !== s.protonum) {
    throw new TypeError(`${s.name}: the given socket speaks netlink protocol ${given.protocol}, the family needs ${s.protonum}`);
  }
  const sock = given ?? (await NetlinkSocket.open(s.protonum, socketOptions));
  try {
    let genlFamily: GenlFamily | undefined;
    if (s.protocol !== 'netlink-raw') {
      const ctrl = new GenlController(sock);
      try {
        genlFamily = await ctrl.family(s.name);
      } catch (err) {
        if (err instanceof NetlinkError && err.code === 'ENOENT') {
          throw new NetlinkError(-2, {
            request: `open family '${s.name}'`,
            detail: `the kernel${sock.netns ? ` (network namespace ${sock.netns})` : ''} has no Generic Netlink family of that name: not built in or its module not loaded`,
          });
        }
        throw err;
      } finally {
        ctrl.close();
      }
    }
    return new Family(s, codec, sock, given === undefined, genlFamily) as Family & M;
  } catch (err) {
    if (!given) sock.close();
    throw err;
  }
}
