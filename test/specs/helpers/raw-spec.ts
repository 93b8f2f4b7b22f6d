// A spec file as written (after schema validation), with the format's counting rules applied
// here on purpose: the conformance test must not lean on the spec engine it is meant to check.

export interface RawEnumEntry {
  name: string;
  value?: number;
  doc?: string;
}

export interface RawDefinition {
  name: string;
  type: 'const' | 'enum' | 'flags' | 'struct';
  value?: number | string;
  'value-start'?: number | string;
  entries?: Array<string | RawEnumEntry>;
  'name-prefix'?: string;
  'enum-name'?: string | null;
  'render-max'?: boolean;
  'enum-cnt-name'?: string;
  header?: string;
  scope?: 'uapi' | 'kernel' | 'user';
}

export interface RawChecks {
  min?: number | string;
  max?: number | string;
  'min-len'?: number | string;
  'max-len'?: number | string;
  'exact-len'?: number | string;
  'flags-mask'?: string;
  'unterminated-ok'?: boolean;
}

export interface RawAttribute {
  name: string;
  type?: string;
  value?: number;
  'name-prefix'?: string;
  'nested-attributes'?: string;
  'sub-type'?: string;
  'type-value'?: string[];
  'byte-order'?: 'little-endian' | 'big-endian';
  'multi-attr'?: boolean;
  enum?: string;
  'enum-as-flags'?: boolean;
  checks?: RawChecks;
  struct?: string;
  'sub-message'?: string;
  selector?: string;
}

export interface RawAttributeSet {
  name: string;
  'name-prefix'?: string;
  'subset-of'?: string;
  header?: string;
  attributes: RawAttribute[];
}

export interface RawMessage {
  attributes?: string[];
  value?: number;
}

export interface RawMode {
  request?: RawMessage;
  reply?: RawMessage;
}

export interface RawOperation {
  name: string;
  value?: number;
  'attribute-set'?: string;
  flags?: string[];
  do?: RawMode;
  dump?: RawMode;
  notify?: string;
  event?: { attributes?: string[] };
  mcgrp?: string;
}

export interface RawGroup {
  name: string;
  value?: number;
  'c-define-name'?: string;
}

export interface RawSpec {
  name: string;
  protocol?: 'genetlink' | 'genetlink-c' | 'genetlink-legacy' | 'netlink-raw';
  'uapi-header'?: string;
  'c-family-name'?: string;
  'c-version-name'?: string;
  version?: number;
  definitions?: RawDefinition[];
  'attribute-sets': RawAttributeSet[];
  'sub-messages'?: Array<{ name: string; formats: Array<{ value: string; 'attribute-set'?: string; 'fixed-header'?: string }> }>;
  operations: {
    'enum-model'?: 'unified' | 'directional';
    'name-prefix'?: string;
    'async-prefix'?: string;
    'fixed-header'?: string;
    list: RawOperation[];
  };
  'mcast-groups'?: { list: RawGroup[] };
}

export const isGenl = (spec: RawSpec): boolean => (spec.protocol ?? 'genetlink') !== 'netlink-raw';

/** The C spelling of a spec name: upper case, dashes to underscores (ynl-gen's c_upper). */
export const cUpper = (name: string): string => name.toUpperCase().replaceAll('-', '_');

export function entryName(e: string | RawEnumEntry): string {
  return typeof e === 'string' ? e : e.name;
}

/** Entries of an enum or flags definition with their wire values (flags: 1 << position). */
export function enumValues(def: RawDefinition): Array<{ name: string; value: number }> {
  const out: Array<{ name: string; value: number }> = [];
  let next = Number(def['value-start'] ?? 0);
  for (const e of def.entries ?? []) {
    const pos = typeof e === 'object' && e.value !== undefined ? e.value : next;
    next = pos + 1;
    out.push({ name: entryName(e), value: def.type === 'flags' ? 2 ** pos : pos });
  }
  return out;
}

/** Attribute ids: counting from 1, an explicit `value` restarts the count. */
export function attributeIds(set: RawAttributeSet): Map<string, number> {
  const ids = new Map<string, number>();
  let next = 1;
  for (const a of set.attributes) {
    const id = a.value ?? next;
    ids.set(a.name, id);
    next = id + 1;
  }
  return ids;
}

export function findSet(spec: RawSpec, name: string): RawAttributeSet | undefined {
  return spec['attribute-sets'].find((s) => s.name === name);
}

export function findDefinition(spec: RawSpec, name: string): RawDefinition | undefined {
  return spec.definitions?.find((d) => d.name === name);
}

/**
 * An attribute as its set's root defines it: a subset's entries carry only names, their type
 * and id come from the set they are a subset of.
 */
export function resolveAttribute(spec: RawSpec, set: RawAttributeSet, name: string): { attr: RawAttribute; id: number; root: RawAttributeSet } | undefined {
  let root = set;
  const seen = new Set<string>();
  while (root['subset-of'] !== undefined && !seen.has(root.name)) {
    seen.add(root.name);
    const parent = findSet(spec, root['subset-of']);
    if (!parent) return undefined;
    root = parent;
  }
  const attr = root.attributes.find((a) => a.name === name);
  const id = attributeIds(root).get(name);
  return attr && id !== undefined ? { attr, id, root } : undefined;
}

export interface OpValues {
  op: RawOperation;
  /** The id of messages to the kernel (undefined for notifications and events). */
  request?: number;
  /** The id of messages from the kernel. */
  reply?: number;
}

/**
 * Message ids of every operation. Unified: one count from 1 that an explicit `value` restarts.
 * Directional (netlink-raw): the ids written on each request and reply, as those specs give them.
 */
export function operationValues(spec: RawSpec): OpValues[] {
  const out: OpValues[] = [];
  if ((spec.operations['enum-model'] ?? 'unified') === 'unified') {
    let next = 1;
    for (const op of spec.operations.list) {
      const v = op.value ?? next;
      next = v + 1;
      const isNtf = op.notify !== undefined || op.event !== undefined;
      out.push({ op, request: isNtf ? undefined : v, reply: v });
    }
    return out;
  }
  for (const op of spec.operations.list) {
    const mode = op.do ?? op.dump;
    out.push({ op, request: mode?.request?.value, reply: mode?.reply?.value ?? op.value });
  }
  return out;
}
