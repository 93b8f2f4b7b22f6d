// The YNL format's structural rules (the kernel's four JSON schemas: genetlink, genetlink-c,
// genetlink-legacy, netlink-raw), written as one table where each key says at which protocol
// levels it is allowed. validate.ts walks a document against it; nlkit does not ship the schemas.
import type { Protocol } from './model.js';

export type Shape =
  | { t: 'string'; pattern?: RegExp }
  | { t: 'int'; min?: number }
  | { t: 'bool' }
  | { t: 'null' }
  | { t: 'enum'; values: readonly string[] }
  | { t: 'array'; items: Shape }
  | { t: 'object'; props: Readonly<Record<string, Prop>>; required?: readonly string[] }
  /** The first alternative whose type matches the value decides (the schemas' `type: [a, b]` and `oneOf`). */
  | { t: 'either'; of: readonly Shape[] };

export interface Prop {
  shape: Shape | ((level: Protocol) => Shape);
  /** Levels at which the key is allowed; every level when absent. */
  levels?: readonly Protocol[];
}

const C_UP: readonly Protocol[] = ['genetlink-c', 'genetlink-legacy', 'netlink-raw'];
const LEGACY_UP: readonly Protocol[] = ['genetlink-legacy', 'netlink-raw'];
const RAW: readonly Protocol[] = ['netlink-raw'];
const GENL: readonly Protocol[] = ['genetlink', 'genetlink-c', 'genetlink-legacy'];

export const NAME = /^[0-9a-z-]+$/;
const NAME_CAP = /^[0-9a-zA-Z-]+$/;
const LEN_OR_DEFINE = /^[0-9A-Za-z_-]+( - 1)?$/;
const LEN_OR_LIMIT = /^[0-9A-Za-z_-]+$/;

const string: Shape = { t: 'string' };
const bool: Shape = { t: 'bool' };
const int: Shape = { t: 'int' };
const uint: Shape = { t: 'int', min: 0 };
const name: Shape = { t: 'string', pattern: NAME };
const strings: Shape = { t: 'array', items: string };
const stringOrInt: Shape = { t: 'either', of: [string, int] };
const stringOrNull: Shape = { t: 'either', of: [string, { t: 'null' }] };
const lenOrDefine: Shape = { t: 'either', of: [{ t: 'string', pattern: LEN_OR_DEFINE }, uint] };
const lenOrLimit: Shape = { t: 'either', of: [{ t: 'string', pattern: LEN_OR_LIMIT }, uint] };
/** genetlink-c is the one level whose names are free-form strings. */
const nameAt = (level: Protocol): Shape => (level === 'genetlink-c' ? string : name);

export const INTEGER_TYPES = ['u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64'] as const;
export const DISPLAY_HINTS = ['hex', 'mac', 'fddi', 'ipv4', 'ipv6', 'ipv4-or-v6', 'uuid'] as const;
const BYTE_ORDER: Shape = { t: 'enum', values: ['little-endian', 'big-endian'] };

/** Attribute types per level; `array-nest` is accepted everywhere for specs of kernels before 6.7. */
export function attributeTypes(level: Protocol): readonly string[] {
  const base = ['unused', 'pad', 'flag', 'binary', 'uint', 'sint', ...INTEGER_TYPES, 'string', 'nest', 'indexed-array', 'nest-type-value', 'array-nest'];
  if (level === 'genetlink' || level === 'genetlink-c') return base;
  if (level === 'genetlink-legacy') return [...base, 'bitfield32'];
  return [...base, 'bitfield32', 'sub-message'];
}

const flagsAt = (level: Protocol): Shape => ({
  t: 'array',
  items: { t: 'enum', values: level === 'netlink-raw' || level === 'genetlink-c' ? ['admin-perm'] : ['admin-perm', 'uns-admin-perm'] },
});

const enumEntry: Prop = {
  shape: (level) => ({
    t: 'either',
    of: [
      string,
      { t: 'object', required: ['name'], props: { name: { shape: nameAt(level) }, value: { shape: int }, doc: { shape: string } } },
    ],
  }),
};

const member: Shape = {
  t: 'object',
  required: ['name', 'type'],
  props: {
    name: { shape: (level) => (level === 'netlink-raw' ? { t: 'string', pattern: NAME_CAP } : name) },
    type: { shape: (level) => ({ t: 'enum', values: level === 'netlink-raw' ? [...INTEGER_TYPES, 'string', 'binary', 'pad'] : [...INTEGER_TYPES, 'string', 'binary'] }) },
    len: { shape: lenOrDefine },
    'byte-order': { shape: BYTE_ORDER },
    doc: { shape: string },
    enum: { shape: string },
    'enum-as-flags': { shape: bool, levels: RAW },
    'display-hint': { shape: { t: 'enum', values: DISPLAY_HINTS } },
    struct: { shape: string },
  },
};

const definition: Shape = {
  t: 'object',
  required: ['type', 'name'],
  props: {
    name: { shape: nameAt },
    header: { shape: string },
    scope: { shape: { t: 'enum', values: ['uapi', 'kernel', 'user'] } },
    type: { shape: (level) => ({ t: 'enum', values: level === 'genetlink' || level === 'genetlink-c' ? ['const', 'enum', 'flags'] : ['const', 'enum', 'flags', 'struct'] }) },
    doc: { shape: string },
    value: { shape: stringOrInt },
    'value-start': { shape: stringOrInt },
    entries: { shape: (level) => ({ t: 'array', items: resolve(enumEntry.shape, level) }) },
    'render-max': { shape: bool },
    'enum-name': { shape: stringOrNull, levels: C_UP },
    'name-prefix': { shape: string, levels: C_UP },
    'enum-cnt-name': { shape: string, levels: ['genetlink-c', 'genetlink-legacy'] },
    members: { shape: { t: 'array', items: member }, levels: LEGACY_UP },
  },
};

const checks: Shape = {
  t: 'object',
  props: {
    'flags-mask': { shape: string },
    min: { shape: lenOrLimit },
    max: { shape: lenOrLimit },
    'min-len': { shape: lenOrDefine },
    'max-len': { shape: lenOrDefine },
    'exact-len': { shape: lenOrDefine },
    'unterminated-ok': { shape: bool, levels: C_UP },
  },
};

const attribute: Shape = {
  t: 'object',
  required: ['name'],
  props: {
    name: { shape: nameAt },
    type: { shape: (level) => ({ t: 'enum', values: attributeTypes(level) }) },
    doc: { shape: string },
    value: { shape: uint },
    'type-value': { shape: strings },
    'byte-order': { shape: BYTE_ORDER },
    'multi-attr': { shape: bool },
    'nested-attributes': { shape: string },
    enum: { shape: string },
    'enum-as-flags': { shape: bool },
    checks: { shape: checks },
    'sub-type': { shape: (level) => ({ t: 'enum', values: attributeTypes(level) }) },
    'display-hint': { shape: { t: 'enum', values: DISPLAY_HINTS } },
    'name-prefix': { shape: string, levels: C_UP },
    struct: { shape: string, levels: LEGACY_UP },
    'sub-message': { shape: string, levels: RAW },
    selector: { shape: string, levels: RAW },
  },
};

const attributeSet: Shape = {
  t: 'object',
  required: ['name', 'attributes'],
  props: {
    name: { shape: nameAt },
    'name-prefix': { shape: string },
    'enum-name': { shape: (level) => (level === 'genetlink' ? string : stringOrNull) },
    doc: { shape: string },
    'subset-of': { shape: string },
    'attr-cnt-name': { shape: string, levels: C_UP },
    'attr-max-name': { shape: string, levels: C_UP },
    header: { shape: string, levels: C_UP },
    attributes: { shape: { t: 'array', items: attribute } },
  },
};

const subMessage: Shape = {
  t: 'object',
  required: ['name', 'formats'],
  props: {
    name: { shape: string },
    formats: {
      shape: {
        t: 'array',
        items: {
          t: 'object',
          required: ['value'],
          props: { value: { shape: string }, 'fixed-header': { shape: string }, 'attribute-set': { shape: string } },
        },
      },
    },
  },
};

const messageAttrs: Shape = {
  t: 'object',
  props: { attributes: { shape: strings }, value: { shape: uint, levels: LEGACY_UP } },
};

const mode: Shape = {
  t: 'object',
  props: { request: { shape: messageAttrs }, reply: { shape: messageAttrs }, pre: { shape: string }, post: { shape: string } },
};

const operation: Shape = {
  t: 'object',
  required: ['name', 'doc'],
  props: {
    name: { shape: nameAt },
    doc: { shape: string },
    value: { shape: uint },
    'attribute-set': { shape: string },
    flags: { shape: flagsAt },
    'dont-validate': { shape: (level) => ({ t: 'array', items: { t: 'enum', values: level === 'netlink-raw' ? ['strict', 'dump'] : ['strict', 'dump', 'dump-strict'] } }) },
    'config-cond': { shape: string, levels: GENL },
    'fixed-header': { shape: string, levels: LEGACY_UP },
    do: { shape: mode },
    dump: { shape: mode },
    notify: { shape: string },
    event: { shape: { t: 'object', props: { attributes: { shape: strings } } } },
    mcgrp: { shape: string },
  },
};

const operations: Shape = {
  t: 'object',
  required: ['list'],
  props: {
    'enum-model': { shape: (level) => ({ t: 'enum', values: level === 'genetlink' || level === 'genetlink-c' ? ['unified'] : ['unified', 'directional'] }) },
    'name-prefix': { shape: string },
    'enum-name': { shape: (level) => (level === 'genetlink' ? string : stringOrNull) },
    'async-prefix': { shape: string },
    'async-enum': { shape: (level) => (level === 'genetlink' ? string : stringOrNull) },
    'fixed-header': { shape: string, levels: LEGACY_UP },
    list: { shape: { t: 'array', items: operation } },
  },
};

const mcastGroups: Shape = {
  t: 'object',
  required: ['list'],
  props: {
    list: {
      shape: {
        t: 'array',
        items: {
          t: 'object',
          required: ['name'],
          props: {
            name: { shape: (level) => (level === 'genetlink' ? name : string) },
            'c-define-name': { shape: string, levels: C_UP },
            flags: { shape: flagsAt },
            value: { shape: int, levels: RAW },
          },
        },
      },
    },
  },
};

export const DOCUMENT: Shape = {
  t: 'object',
  required: ['name', 'doc', 'attribute-sets', 'operations'],
  props: {
    name: { shape: (level) => (level === 'genetlink' ? name : string) },
    doc: { shape: string },
    protocol: { shape: { t: 'enum', values: ['genetlink', 'genetlink-c', 'genetlink-legacy', 'netlink-raw'] } },
    protonum: { shape: int, levels: RAW },
    'uapi-header': { shape: string },
    'c-family-name': { shape: string, levels: C_UP },
    'c-version-name': { shape: string, levels: C_UP },
    'max-by-define': { shape: bool, levels: C_UP },
    'cmd-max-name': { shape: string, levels: C_UP },
    'cmd-cnt-name': { shape: string, levels: C_UP },
    'kernel-policy': { shape: { t: 'enum', values: ['split', 'per-op', 'global'] }, levels: LEGACY_UP },
    version: { shape: { t: 'int', min: 1 }, levels: ['genetlink-legacy'] },
    definitions: { shape: { t: 'array', items: definition } },
    'attribute-sets': { shape: { t: 'array', items: attributeSet } },
    'sub-messages': { shape: { t: 'array', items: subMessage }, levels: RAW },
    operations: { shape: operations },
    'mcast-groups': { shape: mcastGroups },
    'kernel-family': {
      shape: { t: 'object', props: { headers: { shape: strings }, 'sock-priv': { shape: string } } },
      levels: GENL,
    },
  },
};

export function resolve(shape: Prop['shape'], level: Protocol): Shape {
  return typeof shape === 'function' ? shape(level) : shape;
}
