// The normalized form of a YNL family spec: what the loader produces from YAML and what the
// compiler, the family object, codegen and the CLI consume. Every id is resolved here (attribute
// ids, enum values, message ids), so later stages never re-apply the format's counting rules.

export type Protocol = 'genetlink' | 'genetlink-c' | 'genetlink-legacy' | 'netlink-raw';

export type IntegerType = 'u8' | 'u16' | 'u32' | 'u64' | 's8' | 's16' | 's32' | 's64';
export type VariableIntegerType = 'uint' | 'sint';

export type AttributeType =
  | 'unused'
  | 'pad'
  | 'flag'
  | 'binary'
  | 'bitfield32'
  | IntegerType
  | VariableIntegerType
  | 'string'
  | 'nest'
  | 'indexed-array'
  | 'nest-type-value'
  | 'sub-message';

export type DisplayHint = 'hex' | 'mac' | 'fddi' | 'ipv4' | 'ipv6' | 'ipv4-or-v6' | 'uuid';
export type ByteOrder = 'little-endian' | 'big-endian';

export interface EnumEntry {
  name: string;
  /** The value on the wire: for `flags` the bit value (1 << position), not the position. */
  value: number;
  doc?: string;
}

export interface ConstDefinition {
  kind: 'const';
  name: string;
  value: number | string;
  doc?: string;
}

export interface EnumDefinition {
  kind: 'enum' | 'flags';
  name: string;
  entries: EnumEntry[];
  byName: ReadonlyMap<string, number>;
  byValue: ReadonlyMap<number, string>;
  doc?: string;
}

export interface StructMember {
  name: string;
  type: IntegerType | 'string' | 'binary' | 'pad';
  /** Bytes, for binary, string and pad members (a `len` naming a const is resolved). */
  length?: number;
  byteOrder?: ByteOrder;
  enum?: string;
  enumAsFlags?: boolean;
  displayHint?: DisplayHint;
  /** A binary member laid out as another struct. */
  struct?: string;
  doc?: string;
}

export interface StructDefinition {
  kind: 'struct';
  name: string;
  members: StructMember[];
  /** Bytes, the sum of the members' sizes (no implicit padding: YNL structs are packed as written). */
  size: number;
  doc?: string;
}

export type Definition = ConstDefinition | EnumDefinition | StructDefinition;

/** `checks:` with every `len-or-define` / `len-or-limit` resolved to a number. */
export interface AttributeChecks {
  min?: number | bigint;
  max?: number | bigint;
  minLen?: number;
  maxLen?: number;
  exactLen?: number;
  unterminatedOk?: boolean;
  /** The name of a flags definition whose bits are the only ones allowed. */
  flagsMask?: string;
}

export interface AttributeSpec {
  name: string;
  /** The attribute type number on the wire. */
  id: number;
  type: AttributeType;
  /**
   * Element type of indexed-array (an older spec's array-nest is an indexed-array of `nest`), or
   * of a binary attribute that holds a C array (`binary` with `sub-type: u32`).
   */
  subType?: AttributeType;
  byteOrder?: ByteOrder;
  multiAttr: boolean;
  /** Attribute set of a nest, indexed-array of nests, or nest-type-value. */
  nestedAttributes?: string;
  enum?: string;
  enumAsFlags: boolean;
  checks: AttributeChecks;
  displayHint?: DisplayHint;
  /** binary laid out as a struct definition. */
  struct?: string;
  /** sub-message definition and the sibling attribute (name) whose value selects the format. */
  subMessage?: string;
  selector?: string;
  typeValue?: string[];
  doc?: string;
}

export interface AttributeSet {
  name: string;
  /** For subsets: the set they take ids and types from. */
  subsetOf?: string;
  attributes: AttributeSpec[];
  byName: ReadonlyMap<string, AttributeSpec>;
  byId: ReadonlyMap<number, AttributeSpec>;
  doc?: string;
}

export interface SubMessageFormat {
  /** The selector value that picks this format (a string in YAML, compared as written). */
  value: string;
  fixedHeader?: string;
  attributeSet?: string;
}

export interface SubMessage {
  name: string;
  formats: ReadonlyMap<string, SubMessageFormat>;
}

export interface MessageSpec {
  /** nlmsg_type (netlink-raw) or genl cmd of this message. */
  value: number;
  /** The attributes this message carries (names in the operation's attribute set). */
  attributes: string[];
}

export interface OperationMode {
  request?: MessageSpec;
  reply?: MessageSpec;
}

export interface Operation {
  name: string;
  doc?: string;
  attributeSet?: string;
  /** The struct sent after the genl header / nlmsghdr; an op's own overrides the family's. */
  fixedHeader?: string;
  flags: string[];
  dontValidate: string[];
  /** Message id of requests to the kernel (undefined for notifications and events). */
  requestValue?: number;
  /** Message id of messages from the kernel (replies, notifications, events). */
  replyValue?: number;
  do?: OperationMode;
  dump?: OperationMode;
  /** A notification reuses the reply format of the named operation. */
  notify?: string;
  event?: { attributes: string[] };
  /** The multicast group notifications and events of this operation are sent to. */
  mcgrp?: string;
}

export interface McastGroup {
  name: string;
  /** Fixed group number (netlink-raw); genl groups are resolved through nlctrl. */
  value?: number;
  flags: string[];
}

export interface FamilySpec {
  name: string;
  doc?: string;
  protocol: Protocol;
  /** Netlink protocol number: 16 (NETLINK_GENERIC) for genl families, `protonum` for raw ones. */
  protonum: number;
  /** genl header version (1 when the spec says nothing). */
  version: number;
  /** The file the spec came from, for error messages. */
  source?: string;
  uapiHeader?: string;
  definitions: ReadonlyMap<string, Definition>;
  attributeSets: ReadonlyMap<string, AttributeSet>;
  subMessages: ReadonlyMap<string, SubMessage>;
  operations: Operation[];
  operationsByName: ReadonlyMap<string, Operation>;
  enumModel: 'unified' | 'directional';
  /** The family-wide fixed header (struct name), if any. */
  fixedHeader?: string;
  mcastGroups: McastGroup[];
  kernelPolicy?: 'split' | 'per-op' | 'global';
}
