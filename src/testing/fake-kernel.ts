// A fake kernel for unit tests, the role mdlayher's nltest/genltest play in Go: the services of
// src/service sit at port 0 of an in-memory Netlink network, and the sockets handed out are real
// NetlinkSockets over it, so request, dump, subscribe and GenlController work unchanged, without
// root, a namespace or the native addon.
import { GenlController } from '../genl/index.js';
import { NetlinkSocket, type OpenOptions } from '../socket/index.js';
import { NETLINK_GENERIC, NETLINK_USERSOCK, NetlinkMessage, type DatagramBytes } from '../wire/index.js';
import { Dispatcher, GenlService, NetlinkService, type DispatcherOptions, type MessageSpec, type Peer } from '../service/index.js';
import { MemoryNetwork, type KernelPort } from '../service/memory.js';

export interface FakeSocketOptions extends Omit<OpenOptions, 'netns'> {
  /** Whether the process holds CAP_NET_ADMIN: admin-perm operations answer EPERM without it. Default true. */
  privileged?: boolean;
}

/** A message the fake kernel received, kept for assertions. */
export interface ReceivedMessage {
  protocol: number;
  /** The sender's port id (its socket address). */
  portId: number;
  type: number;
  flags: number;
  seq: number;
  /** A copy of the message, header included. */
  message: NetlinkMessage;
}

export interface FakeKernelOptions {
  /** Dump datagram size and error hooks, as for any service. */
  service?: Pick<DispatcherOptions, 'dumpBytes' | 'onError'>;
}

function copyMessage(msg: NetlinkMessage): NetlinkMessage {
  const bytes = msg.raw.slice();
  const datagram: DatagramBytes = { bytes, view: new DataView(bytes.buffer) };
  return new NetlinkMessage(datagram, 0);
}

export class FakeKernel implements AsyncDisposable {
  /** Every message sent to the kernel (port 0) of any protocol, in order. */
  readonly received: ReceivedMessage[] = [];
  private readonly network = new MemoryNetwork();
  private readonly services = new Map<number, { service: Dispatcher; port: KernelPort }>();
  private readonly sockets = new Set<NetlinkSocket>();
  private readonly options: FakeKernelOptions;
  /** Generic Netlink (NETLINK_GENERIC) with its nlctrl: register families here. */
  readonly genl: GenlService;

  constructor(options: FakeKernelOptions = {}) {
    this.options = options;
    this.genl = this.attach(NETLINK_GENERIC, new GenlService(this.serviceOptions(NETLINK_GENERIC)));
  }

  private serviceOptions(protocol: number): DispatcherOptions {
    return {
      ...this.options.service,
      observe: (msg, peer) => {
        this.received.push({ protocol, portId: peer.portId, type: msg.type, flags: msg.flags, seq: msg.seq, message: copyMessage(msg) });
      },
    };
  }

  private attach<T extends Dispatcher>(protocol: number, service: T): T {
    const port = this.network.attachKernel(protocol, (bytes: Uint8Array, from: Peer) => void service.input(bytes, from));
    service.attach({ send: (bytes, to) => void port.send(bytes, to), sendDump: (bytes, portId) => port.sendDump(bytes, portId) });
    this.services.set(protocol, { service, port });
    return service;
  }

  /**
   * The classic Netlink protocol `protocol` (a kernel subsystem with message types of its own),
   * created on first use: register its operations with `handle()`.
   */
  protocol(protocol: number): NetlinkService {
    if (!Number.isInteger(protocol) || protocol < 0 || protocol > 31) throw new RangeError(`netlink protocol must be an integer from 0 to 31, got ${protocol}`);
    if (protocol === NETLINK_GENERIC) throw new TypeError('NETLINK_GENERIC is served by kernel.genl');
    if (protocol === NETLINK_USERSOCK) throw new TypeError('NETLINK_USERSOCK has no kernel side; open two sockets and talk between them');
    const have = this.services.get(protocol);
    if (have) {
      if (!(have.service instanceof NetlinkService)) throw new TypeError(`protocol ${protocol} is not classic Netlink`);
      return have.service;
    }
    return this.attach(protocol, new NetlinkService(this.serviceOptions(protocol)));
  }

  /**
   * A NetlinkSocket on `protocol`, bound like a real one (its own port id, or `portId`), talking
   * to this kernel. Closed with the kernel.
   */
  async socket(protocol: number, opts: FakeSocketOptions = {}): Promise<NetlinkSocket> {
    const { privileged, ...open } = opts;
    const sock = await NetlinkSocket.openOn(this.network.binding({ privileged: privileged ?? true }), protocol, open);
    this.sockets.add(sock);
    return sock;
  }

  /** A GenlController over a fresh NETLINK_GENERIC socket of this kernel (it owns the socket). */
  async controller(opts: FakeSocketOptions = {}): Promise<GenlController> {
    return new GenlController(await this.socket(NETLINK_GENERIC, opts), { ownsSocket: true });
  }

  /** A notification from the kernel on `protocol`'s `group` (a Generic Netlink family notifies through its own `notify`). */
  notify(protocol: number, group: number, message: MessageSpec | Uint8Array): void {
    const s = this.services.get(protocol);
    if (!s) throw new RangeError(`the fake kernel does not serve protocol ${protocol}`);
    s.service.notify(group, message);
  }

  /** Closes every socket it handed out. */
  close(): void {
    for (const s of this.sockets) s.close();
    this.sockets.clear();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }
}

/** A fresh fake kernel: Generic Netlink with nlctrl, and classic protocols on demand. */
export function fakeKernel(options: FakeKernelOptions = {}): FakeKernel {
  return new FakeKernel(options);
}
