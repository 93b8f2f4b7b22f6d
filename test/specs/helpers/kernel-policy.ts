// Compares a spec with what the running kernel says about its family: the ops it registered
// (ids, do/dump, permission flags), its multicast groups, and the policy of every op (attribute
// ids, types, ranges, masks, lengths, nesting).
import { emptyPolicy, type GenlFamily, type GenlPolicy } from '../../../src/genl/index.js';
import type { PolicyDescription } from '../../../src/wire/index.js';
import {
  enumValues,
  findDefinition,
  findSet,
  operationValues,
  resolveAttribute,
  type RawAttribute,
  type RawAttributeSet,
  type RawDefinition,
  type RawOperation,
  type RawSpec,
} from './raw-spec.js';

/** Spec types a policy type may stand for. */
const COMPATIBLE: Record<string, string[]> = {
  flag: ['flag'],
  u8: ['u8'],
  u16: ['u16'],
  u32: ['u32'],
  // NLA_MSECS is dumped as u64.
  u64: ['u64'],
  s8: ['s8'],
  s16: ['s16'],
  s32: ['s32'],
  s64: ['s64'],
  uint: ['uint'],
  sint: ['sint'],
  string: ['string'],
  'nul-string': ['string'],
  binary: ['binary'],
  nested: ['nest', 'indexed-array', 'nest-type-value'],
  'nested-array': ['indexed-array', 'nest-type-value'],
  bitfield32: ['bitfield32'],
};

const BITS: Record<string, number> = { u8: 8, u16: 16, u32: 32, u64: 64, uint: 64, s8: 8, s16: 16, s32: 32, s64: 64, sint: 64 };

function naturalRange(type: string): [bigint, bigint] | undefined {
  const bits = BITS[type];
  if (bits === undefined) return undefined;
  if (type.startsWith('s')) return [-(1n << BigInt(bits - 1)), (1n << BigInt(bits - 1)) - 1n];
  return [0n, (1n << BigInt(bits)) - 1n];
}

/** A `len-or-limit` / `len-or-define`: a number, `u32-max`-style limits, or a const name (optionally `- 1`). */
export function resolveLimit(spec: RawSpec, v: number | string): bigint {
  if (typeof v === 'number') return BigInt(v);
  const minus = / - 1$/.test(v) ? 1n : 0n;
  const name = v.replace(/ - 1$/, '');
  if (/^(0x[0-9a-f]+|\d+)$/i.test(name)) return BigInt(name) - minus;
  const lim = /^([us])(8|16|32|64)-(min|max)$/.exec(name);
  if (lim) {
    const r = naturalRange(`${lim[1]}${lim[2]}`)!;
    return (lim[3] === 'min' ? r[0] : r[1]) - minus;
  }
  const def = findDefinition(spec, name);
  if (def?.type === 'const' && def.value !== undefined) return BigInt(def.value) - minus;
  throw new Error(`check limit '${v}' names nothing the spec defines`);
}

function flagsMask(def: RawDefinition): bigint {
  return enumValues(def).reduce((m, e) => m | BigInt(e.value), 0n);
}

/** Every policy entry the kernel reported for one spec attribute, over all ops. */
interface Observed {
  attr: RawAttribute;
  label: string;
  type: string;
  entries: PolicyDescription[];
}

interface Ctx {
  spec: RawSpec;
  policy: GenlPolicy;
  problems: string[];
  seen: Set<string>;
  observed: Map<string, Observed>;
}

const minOf = <T extends number | bigint>(xs: Array<T | undefined>): T | undefined =>
  xs.some((x) => x === undefined) ? undefined : xs.reduce((a, b) => (b! < a! ? b : a));
const maxOf = <T extends number | bigint>(xs: Array<T | undefined>): T | undefined =>
  xs.some((x) => x === undefined) ? undefined : xs.reduce((a, b) => (b! > a! ? b : a));

/**
 * What the kernel accepts for an attribute over all its ops: one attribute set often serves
 * several policies (ethtool's header: flags 0x3 for most ops, 0x7 where stats exist), and a
 * spec attribute can state only their union.
 */
function union(o: Observed): PolicyDescription {
  const e = o.entries;
  const d: PolicyDescription = { type: o.type };
  const signed = e.some((x) => x.minValueS !== undefined);
  if (signed) {
    d.minValueS = minOf(e.map((x) => x.minValueS));
    d.maxValueS = maxOf(e.map((x) => x.maxValueS));
  } else {
    d.minValueU = minOf(e.map((x) => x.minValueU));
    d.maxValueU = maxOf(e.map((x) => x.maxValueU));
  }
  d.minLength = minOf(e.map((x) => x.minLength));
  d.maxLength = maxOf(e.map((x) => x.maxLength));
  if (e.every((x) => x.mask !== undefined)) d.mask = e.reduce((m, x) => m | x.mask!, 0n);
  if (e.every((x) => x.bitfield32Mask !== undefined)) d.bitfield32Mask = e.reduce((m, x) => (m | x.bitfield32Mask!) >>> 0, 0);
  return d;
}

function checkRange(ctx: Ctx, where: string, attr: RawAttribute, kernelType: string, d: PolicyDescription): void {
  const natural = naturalRange(kernelType);
  if (!natural) return;
  const kmin = d.minValueS ?? d.minValueU;
  const kmax = d.maxValueS ?? d.maxValueU;
  if (kmin === undefined || kmax === undefined) return;
  const checks = attr.checks ?? {};
  const enumDef = attr.enum !== undefined ? findDefinition(ctx.spec, attr.enum) : undefined;
  const isEnumValue = enumDef?.type === 'enum' && !attr['enum-as-flags'];
  let smin = natural[0];
  let smax = natural[1];
  let from = 'its type';
  if (checks.min !== undefined || checks.max !== undefined) {
    if (checks.min !== undefined) smin = resolveLimit(ctx.spec, checks.min);
    if (checks.max !== undefined) smax = resolveLimit(ctx.spec, checks.max);
    from = 'checks';
  } else if (isEnumValue) {
    const vals = enumValues(enumDef).map((e) => BigInt(e.value));
    // A kernel that does not validate an enum's values still agrees with the spec.
    if (kmin === natural[0] && kmax === natural[1]) return;
    smin = vals.reduce((a, b) => (b < a ? b : a));
    smax = vals.reduce((a, b) => (b > a ? b : a));
    from = `enum ${enumDef.name}`;
  }
  if (smin !== kmin || smax !== kmax) {
    ctx.problems.push(`${where}: kernel accepts [${kmin}, ${kmax}], spec (${from}) says [${smin}, ${smax}]`);
  }
}

function checkMask(ctx: Ctx, where: string, attr: RawAttribute, d: PolicyDescription): void {
  if (d.mask === undefined) return;
  let specMask: bigint | undefined;
  const named = attr.checks?.['flags-mask'];
  if (named !== undefined) {
    const def = findDefinition(ctx.spec, named);
    if (def) specMask = flagsMask(def);
  } else if (attr.enum !== undefined) {
    const def = findDefinition(ctx.spec, attr.enum);
    if (def && (def.type === 'flags' || attr['enum-as-flags'])) {
      specMask = def.type === 'flags' ? flagsMask(def) : enumValues(def).reduce((m, e) => m | (1n << BigInt(e.value)), 0n);
    }
  }
  if (specMask !== d.mask) ctx.problems.push(`${where}: kernel accepts bits 0x${d.mask.toString(16)}, spec allows ${specMask === undefined ? 'any bits' : `0x${specMask.toString(16)}`}`);
}

function checkLength(ctx: Ctx, where: string, attr: RawAttribute, d: PolicyDescription): void {
  const c = attr.checks ?? {};
  const exact = c['exact-len'] !== undefined ? Number(resolveLimit(ctx.spec, c['exact-len'])) : undefined;
  const min = exact ?? (c['min-len'] !== undefined ? Number(resolveLimit(ctx.spec, c['min-len'])) : undefined);
  const max = exact ?? (c['max-len'] !== undefined ? Number(resolveLimit(ctx.spec, c['max-len'])) : undefined);
  if (d.minLength !== min) ctx.problems.push(`${where}: kernel minimum length ${d.minLength ?? 'none'}, spec ${min ?? 'none'}`);
  if (d.maxLength !== max) ctx.problems.push(`${where}: kernel maximum length ${d.maxLength ?? 'none'}, spec ${max ?? 'none'}`);
}

function compareObserved(ctx: Ctx): void {
  for (const o of ctx.observed.values()) {
    const d = union(o);
    const { attr, label, type } = o;
    if (BITS[type] !== undefined) {
      checkRange(ctx, label, attr, type, d);
      checkMask(ctx, label, attr, d);
    } else if (type === 'string' || type === 'nul-string' || type === 'binary') {
      checkLength(ctx, label, attr, d);
    } else if (type === 'bitfield32' && attr.enum !== undefined) {
      const def = findDefinition(ctx.spec, attr.enum);
      if (def && BigInt(d.bitfield32Mask ?? 0) !== flagsMask(def)) {
        ctx.problems.push(`${label}: kernel bitfield32 mask 0x${(d.bitfield32Mask ?? 0).toString(16)}, spec flags ${def.name} 0x${flagsMask(def).toString(16)}`);
      }
    }
  }
}

/** Walks one kernel policy table against a spec attribute set, into nested tables. */
function comparePolicy(ctx: Ctx, idx: number, set: RawAttributeSet, path: string): void {
  const key = `${idx}/${set.name}`;
  if (ctx.seen.has(key)) return;
  ctx.seen.add(key);
  const table = ctx.policy.policy.get(idx);
  if (!table) return;
  for (const [id, d] of table) {
    const where = `${path} attr ${id}`;
    const name = set.attributes.map((a) => resolveAttribute(ctx.spec, set, a.name)).find((r) => r?.id === id)?.attr.name;
    const found = name !== undefined ? resolveAttribute(ctx.spec, set, name) : undefined;
    if (!found) {
      ctx.problems.push(`${where}: the kernel accepts attribute ${id} (${d.type}), set '${set.name}' has no attribute with that id`);
      continue;
    }
    const { attr } = found;
    const label = `${path}.${attr.name} (attr ${id})`;
    const ktype = String(d.type);
    const allowed = COMPATIBLE[ktype];
    if (!allowed || !allowed.includes(attr.type ?? '')) {
      ctx.problems.push(`${label}: kernel type ${ktype}, spec type ${attr.type}`);
      continue;
    }
    const key = `${found.root.name}.${attr.name}`;
    const seen = ctx.observed.get(key);
    if (seen) seen.entries.push(d);
    else ctx.observed.set(key, { attr, label: `${found.root.name}.${attr.name} (attr ${id}; first in ${path})`, type: ktype, entries: [d] });
    if (d.policyIdx !== undefined) {
      const nestedName = attr['nested-attributes'];
      const nested = nestedName !== undefined ? findSet(ctx.spec, nestedName) : undefined;
      if (!nested) ctx.problems.push(`${label}: the kernel nests policy ${d.policyIdx}, the spec names no nested attribute set`);
      else comparePolicy(ctx, d.policyIdx, nested, `${path}.${attr.name}`);
    }
  }
}

function requestAttributes(op: RawOperation, mode: 'do' | 'dump'): string[] {
  return op[mode]?.request?.attributes ?? [];
}

export interface KernelComparison {
  problems: string[];
  /** Spec ops the kernel does not register (config options, newer kernels): listed, not failed. */
  specOnly: string[];
  checkedOps: number;
}

/**
 * `policyOf(op)` fetches the kernel's policy for one op (a single-op GETPOLICY: the kernel files
 * a dump-only op's policies under op 0, so only asking per op ties a policy to its op).
 */
export async function compareWithKernel(spec: RawSpec, family: GenlFamily, policyOf: (op: number) => Promise<GenlPolicy>): Promise<KernelComparison> {
  const problems: string[] = [];
  const observed = new Map<string, Observed>();
  const ops = operationValues(spec).filter((o) => o.request !== undefined);
  const byId = new Map(ops.map((o) => [o.request!, o.op]));

  for (const kop of family.ops) {
    const op = byId.get(kop.id);
    if (!op) {
      problems.push(`the kernel has op ${kop.id} (${kop.flags.join(',')}), the spec has no request with that id`);
      continue;
    }
    const label = `op ${op.name} (${kop.id})`;
    const has = (f: string): boolean => kop.flags.includes(f);
    if (has('cmd-cap-do') !== (op.do !== undefined)) problems.push(`${label}: kernel ${has('cmd-cap-do') ? 'has' : 'has no'} do, spec ${op.do ? 'has' : 'has no'} do`);
    if (has('cmd-cap-dump') !== (op.dump !== undefined)) problems.push(`${label}: kernel ${has('cmd-cap-dump') ? 'has' : 'has no'} dump, spec ${op.dump ? 'has' : 'has no'} dump`);
    for (const perm of ['admin-perm', 'uns-admin-perm']) {
      if (has(perm) !== (op.flags ?? []).includes(perm)) problems.push(`${label}: kernel ${has(perm) ? 'requires' : 'does not require'} ${perm}, the spec ${has(perm) ? 'omits' : 'lists'} it`);
    }
    if (!has('cmd-cap-haspol')) continue;
    const setName = op['attribute-set'];
    const set = setName !== undefined ? findSet(spec, setName) : undefined;
    const policy = await policyOf(kop.id);
    const entries = [...policy.opPolicy.values()];
    for (const mode of ['do', 'dump'] as const) {
      const idx = entries.find((e) => e[mode] !== undefined)?.[mode];
      if (idx === undefined) continue;
      if (!set) {
        problems.push(`${label}: the kernel has a ${mode} policy, the spec op names no attribute set`);
        continue;
      }
      const ctx: Ctx = { spec, policy, problems, seen: new Set(), observed };
      comparePolicy(ctx, idx, set, `${label} ${mode}`);
      // The other way: what the spec sends, the kernel's policy must know. The policy dump skips
      // NLA_BE16/NLA_BE32 entries (netlink_policy_dump_write's default case), so big-endian
      // integers cannot be seen there.
      const table = policy.policy.get(idx) ?? new Map<number, PolicyDescription>();
      for (const name of requestAttributes(op, mode)) {
        const r = resolveAttribute(spec, set, name);
        if (!r) continue;
        if (!table.has(r.id) && r.attr['byte-order'] !== 'big-endian') {
          problems.push(`${label} ${mode}: the spec's request carries ${name} (attr ${r.id}), the kernel's policy does not accept it`);
        }
      }
    }
  }

  compareObserved({ spec, policy: emptyPolicy(), problems, seen: new Set(), observed });

  const kernelIds = new Set(family.ops.map((o) => o.id));
  const specOnly = ops.filter((o) => !kernelIds.has(o.request!)).map((o) => `${o.op.name} (${o.request})`);

  const specGroups = new Set((spec['mcast-groups']?.list ?? []).map((g) => g.name));
  for (const g of family.mcastGroups) {
    if (!specGroups.has(g.name)) problems.push(`the kernel has multicast group '${g.name}', the spec does not`);
  }
  for (const name of specGroups) {
    if (!family.mcastGroups.some((g) => g.name === name)) problems.push(`the spec has multicast group '${name}', the kernel does not`);
  }

  return { problems, specOnly, checkedOps: family.ops.length };
}
