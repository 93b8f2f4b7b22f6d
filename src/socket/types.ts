import type { MessageWriter, NetlinkError, NetlinkMessage } from '../wire/index.js';

/** What can be sent as a request: a complete message (its seq is filled in), or its parts. */
export type Outgoing =
  | Uint8Array
  | {
      type: number;
      /** Extra flags; the engine adds NLM_F_REQUEST and NLM_F_ACK or NLM_F_DUMP itself. */
      flags?: number;
      /** The payload after nlmsghdr (fixed header and attributes), already encoded... */
      payload?: Uint8Array;
      /** ...or written in place. */
      write?: (w: MessageWriter) => void;
    };

export interface CallOptions {
  signal?: AbortSignal;
  /** Milliseconds; rejects with ETIMEDOUT when no answer came in time. */
  timeout?: number;
  /** Size of the family's fixed header, so extended-ACK offsets become attribute paths. */
  headerSize?: number;
  /** How errors name this request ("nlctrl getfamily 'foo'"); defaults to type and seq. */
  label?: string;
  /** Names attribute types in extended-ACK paths (`.linkinfo.data`), when a layer above knows them. */
  attributeName?: (depth: number, type: number, path: number[]) => string | undefined;
  /** Destination port id; 0 (the kernel) unless the socket was opened with another peer. */
  peer?: number;
}

export interface RequestOptions extends CallOptions {
  /** Ask for an ACK (default true). Without it the first non-multipart reply completes the call. */
  ack?: boolean;
}

export interface DumpOptions extends CallOptions {
  /**
   * Re-run the dump up to this many times when the kernel flags it NLM_F_DUMP_INTR. The dump is
   * then buffered until NLMSG_DONE, because an inconsistent part cannot be taken back.
   */
  retry?: number;
  /** Datagrams buffered unread above which the socket stops reading (the kernel then waits). Default 64. */
  highWaterMark?: number;
}

/** A datagram not claimed by a request: user-to-user traffic and unsolicited messages. */
export interface Datagram {
  readonly kind: 'datagram';
  bytes: Uint8Array;
  view: DataView;
  /** The sender's port id (0 for the kernel). */
  portId: number;
  /** The destination group mask from sockaddr_nl (0 for unicast). */
  groups: number;
  /** The destination group number from NETLINK_PKTINFO (0 for unicast). */
  group: number;
  /** The peer namespace id (NETLINK_LISTEN_ALL_NSID), or -1. */
  nsid: number;
  /** The messages it holds (parsed on first access). */
  readonly messages: NetlinkMessage[];
}

/** An item of a notification stream saying that messages were lost (ENOBUFS). */
export interface NetlinkOverrun {
  readonly kind: 'overrun';
  error: NetlinkError;
}

export interface SubscribeOptions {
  signal?: AbortSignal;
  /** Buffered notifications above which the socket stops reading (and the kernel drops). Default 4096. */
  highWaterMark?: number;
  /** Also deliver unsolicited unicast messages from the kernel (seq 0 notifications). Default false. */
  unicast?: boolean;
  /** Only notifications whose sender (socket address) is this port id; 0 is the kernel. Default: any sender. */
  from?: number;
}

export interface SocketStats {
  /** Datagrams received. */
  datagrams: number;
  /** Messages received. */
  messages: number;
  /** Messages nobody claimed, or from a sender other than the request's peer. */
  dropped: number;
  /** ENOBUFS reports: times the kernel dropped messages for this socket. */
  overruns: number;
}
