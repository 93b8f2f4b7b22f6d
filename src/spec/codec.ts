// The contract between the compiler (compile.ts) and its users (family object, CLI, codegen).
import type { MessageWriter } from '../wire/index.js';
import type { FamilySpec, Operation } from './model.js';

/** A decoded message or nest: spec attributes by name, plus what the spec did not know. */
export interface DecodedObject {
  [name: string]: unknown;
  /** Attributes whose type the spec does not list: kept raw, never dropped. */
  $unknown?: { type: number; data: Uint8Array }[];
}

export interface CompileOptions {
  /**
   * Property names of encoded and decoded objects: `camel` (TypeScript API, `rtm-family` →
   * `rtmFamily`) or `spec` (the spec's own names, as the kernel's YNL tool prints them).
   */
  names?: 'camel' | 'spec';
}

/** One attribute set compiled to straight-line functions. */
export interface CompiledSet {
  readonly name: string;
  /** Writes the attributes of `value` (keys in the codec's naming) at the writer's position. */
  encode(w: MessageWriter, value: object): void;
  /** Decodes the attributes in view[start, end). Throws NetlinkProtocolError on malformed input. */
  decode(view: DataView, start: number, end: number): DecodedObject;
}

/** A request value that breaks the spec (unknown attribute, wrong type, failed `checks`). */
export interface ValueProblem {
  /** Where, in the codec's naming: `.linkinfo.data.id`. */
  path: string;
  message: string;
}

export interface FamilyCodec {
  readonly spec: FamilySpec;
  readonly names: 'camel' | 'spec';
  set(name: string): CompiledSet;
  /** The struct size of the operation's fixed header (0 without one). */
  headerSize(op: Operation): number;
  /**
   * Writes an operation's payload after nlmsghdr and (for genl) the genl header the caller wrote:
   * the fixed header's fields taken from the top level of `value`, then the attributes.
   * Throws a TypeError naming the path (`.linkinfo.data.id`) when a value breaks the spec.
   */
  encodeMessage(w: MessageWriter, op: Operation, value: object): void;
  /** The problems of a request value, checked against types and the spec's `checks`. */
  check(op: Operation, value: object): ValueProblem[];
  /** Decodes a payload (after nlmsghdr and the genl header) with fixed-header fields merged in. */
  decodeMessage(op: Operation, view: DataView, start: number, end: number): DecodedObject;
  /**
   * Decodes the messages of one datagram: each at `offsets[i]` (its nlmsghdr), its payload from
   * `offsets[i] + skip` to the end nlmsg_len gives. The dump path: one lookup per datagram.
   */
  decodeMessages(op: Operation, view: DataView, offsets: readonly number[], skip: number): DecodedObject[];
  /** The operation a message from the kernel belongs to, by its nlmsg_type (raw) or genl cmd. */
  operationForReply(value: number): Operation | undefined;
  /**
   * Names numeric attribute paths of an extended ACK against the request that was sent, following
   * nests and sub-messages (whose format the request's selector value chose).
   */
  attributeNamer(op: Operation, request: object): (depth: number, type: number, path: number[]) => string | undefined;
}
