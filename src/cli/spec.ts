// `nlkit spec ...`: any family with a YNL spec, from the command line. The JSON it prints is
// what the kernel's YNL CLI prints for the same spec and operation: spec names as keys.
import { GenlController, type GenlPolicy } from '../genl/index.js';
import { openFamily, type Family } from '../spec/index.js';
import { findSpecs, loadSpec } from '../spec/load.js';
import type { AttributeSet, AttributeSpec, FamilySpec, Operation } from '../spec/model.js';
import { UsageError, parseNumber, type ParsedArgs } from './args.js';
import { describePolicyLine, type Io } from './genl.js';
import { toJson } from './json.js';
import { requestFromJson, specNamed } from './spec-values.js';
import { formatTable } from './table.js';
import { REQUEST_FLAGS } from './usage.js';

type Format = 'json' | 'table';

function outputFormat(args: ParsedArgs): Format {
  const o = args.options.get('output') ?? 'table';
  if (o !== 'json' && o !== 'table') throw new UsageError(`--output: '${String(o)}' is not json or table`);
  return o;
}

/** A cell of the table output: scalars as text, bytes as hex, the rest as one-line JSON. */
function cell(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.join(',');
  return toJson(specNamed(v), true).replace(/^"|"$/g, '');
}

/** Decoded objects as a table: one row each, a column per key in first-seen order. */
function objectTable(rows: object[], tty: boolean): string {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    for (const [k, v] of Object.entries(r)) {
      if (v === undefined || seen.has(k)) continue;
      seen.add(k);
      keys.push(k);
    }
  }
  return formatTable(
    keys.map((k) => k.toUpperCase()),
    rows.map((r) => keys.map((k) => cell((r as Record<string, unknown>)[k]))),
    tty,
  );
}

function print(io: Io, format: Format, value: object | object[] | undefined): void {
  if (format === 'json') return io.out(toJson(specNamed(value ?? null)));
  if (value === undefined) return;
  if (Array.isArray(value)) {
    if (value.length > 0) io.out(objectTable(value, io.tty));
    return;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  io.out(formatTable(['ATTRIBUTE', 'VALUE'], entries.map(([k, v]) => [k, cell(v)]), io.tty));
}

function operationRow(spec: FamilySpec, op: Operation): Record<string, unknown> {
  return {
    name: op.name,
    do: op.do !== undefined,
    dump: op.dump !== undefined,
    'request-value': op.requestValue,
    'reply-value': op.replyValue,
    'attribute-set': op.attributeSet,
    'fixed-header': op.fixedHeader ?? spec.fixedHeader,
    notify: op.notify,
    event: op.event !== undefined ? true : undefined,
    mcgrp: op.mcgrp,
  };
}

function describeAttribute(a: AttributeSpec): Record<string, unknown> {
  return {
    name: a.name,
    id: a.id,
    type: a.subType ? `${a.type} of ${a.subType}` : a.type,
    'multi-attr': a.multiAttr || undefined,
    'nested-attributes': a.nestedAttributes,
    enum: a.enum,
    struct: a.struct,
    'sub-message': a.subMessage,
    selector: a.selector,
    'display-hint': a.displayHint,
  };
}

function attributeDetail(spec: FamilySpec, a: AttributeSpec): string {
  const parts: string[] = [];
  if (a.multiAttr) parts.push('multi-attr');
  if (a.nestedAttributes) parts.push(`nest ${a.nestedAttributes}`);
  if (a.enum) parts.push(`${a.enumAsFlags || spec.definitions.get(a.enum)?.kind === 'flags' ? 'flags' : 'enum'} ${a.enum}`);
  if (a.struct) parts.push(`struct ${a.struct}`);
  if (a.subMessage) parts.push(`sub-message ${a.subMessage} by ${a.selector}`);
  if (a.displayHint) parts.push(a.displayHint);
  return parts.join(', ');
}

function attrsCommand(spec: FamilySpec, setName: string | undefined, format: Format, io: Io): void {
  let sets: AttributeSet[] = [...spec.attributeSets.values()];
  if (setName !== undefined) {
    const s = spec.attributeSets.get(setName);
    if (!s) throw new UsageError(`${spec.name} has no attribute set '${setName}' (it has: ${sets.map((x) => x.name).join(', ')})`);
    sets = [s];
  }
  if (format === 'json') return io.out(toJson(specNamed(sets.map((s) => ({ name: s.name, 'subset-of': s.subsetOf, attributes: s.attributes.map(describeAttribute) })))));
  const rows = sets.flatMap((s) => s.attributes.map((a) => [s.name, a.name, String(a.id), a.subType ? `${a.type}(${a.subType})` : a.type, attributeDetail(spec, a)]));
  io.out(formatTable(['SET', 'ATTRIBUTE', 'ID', 'TYPE', 'DETAIL'], rows, io.tty));
}

/** The spec's attribute set behind each kernel policy index, found by walking from the ops' policies. */
function policySets(spec: FamilySpec, policy: GenlPolicy, opsByCmd: Map<number, Operation>): Map<number, AttributeSet> {
  const sets = new Map<number, AttributeSet>();
  const visit = (idx: number, set: AttributeSet | undefined): void => {
    if (!set || sets.has(idx)) return;
    sets.set(idx, set);
    for (const [type, d] of policy.policy.get(idx) ?? []) {
      const a = set.byId.get(type);
      if (d.policyIdx !== undefined && a?.nestedAttributes) visit(d.policyIdx, spec.attributeSets.get(a.nestedAttributes));
    }
  };
  for (const [cmd, p] of policy.opPolicy) {
    const op = opsByCmd.get(cmd);
    const set = op?.attributeSet !== undefined ? spec.attributeSets.get(op.attributeSet) : undefined;
    if (p.do !== undefined) visit(p.do, set);
    if (p.dump !== undefined) visit(p.dump, set);
  }
  return sets;
}

async function policyCommand(spec: FamilySpec, netns: string | undefined, format: Format, io: Io): Promise<void> {
  if (spec.protocol === 'netlink-raw') {
    // rtnetlink and other raw families publish no policy; what nlkit checks is the spec's own.
    const rows = [...spec.attributeSets.values()].flatMap((s) =>
      s.attributes.filter((a) => Object.keys(a.checks).length > 0).map((a) => ({ set: s.name, attribute: a.name, checks: a.checks })),
    );
    if (format === 'json') return io.out(toJson(specNamed(rows)));
    return io.out(formatTable(['SET', 'ATTRIBUTE', 'CHECKS (from the spec)'], rows.map((r) => [r.set, r.attribute, cell(r.checks)]), io.tty));
  }
  await using ctrl = await GenlController.open(netns !== undefined ? { netns } : {});
  const policy = await ctrl.policy(spec.name, { signal: io.signal });
  const opsByCmd = new Map<number, Operation>();
  for (const op of spec.operations) {
    for (const v of [op.do?.request?.value, op.dump?.request?.value, op.requestValue]) if (v !== undefined && !opsByCmd.has(v)) opsByCmd.set(v, op);
  }
  const sets = policySets(spec, policy, opsByCmd);
  const attrName = (idx: number, type: number): string => sets.get(idx)?.byId.get(type)?.name ?? String(type);
  const ops = [...policy.opPolicy].sort((a, b) => a[0] - b[0]);
  const tables = [...policy.policy].sort((a, b) => a[0] - b[0]);
  if (format === 'json') {
    const out = {
      'op-policy': Object.fromEntries(ops.map(([cmd, p]) => [opsByCmd.get(cmd)?.name ?? String(cmd), { do: p.do, dump: p.dump }])),
      policy: Object.fromEntries(tables.map(([idx, t]) => [String(idx), { 'attribute-set': sets.get(idx)?.name, attributes: Object.fromEntries([...t].map(([type, d]) => [attrName(idx, type), d])) }])),
    };
    return io.out(toJson(specNamed(out)));
  }
  const lines: string[] = [];
  for (const [cmd, p] of ops) {
    const parts = [p.do !== undefined ? `do policy ${p.do}` : undefined, p.dump !== undefined ? `dump policy ${p.dump}` : undefined].filter(Boolean);
    lines.push(`${opsByCmd.get(cmd)?.name ?? `op ${cmd}`}: ${parts.join(', ') || 'no policy'}`);
  }
  for (const [idx, t] of tables) {
    lines.push(`policy ${idx}${sets.has(idx) ? ` (${sets.get(idx)!.name})` : ''}:`);
    const width = Math.max(0, ...[...t.keys()].map((type) => attrName(idx, type).length));
    for (const [type, d] of [...t].sort((a, b) => a[0] - b[0])) lines.push(`  ${attrName(idx, type).padEnd(width)}  ${describePolicyLine(d)}`);
  }
  io.out(lines.join('\n'));
}

async function listCommand(format: Format, io: Io): Promise<void> {
  const specs = await findSpecs();
  if (format === 'json') return io.out(toJson(specNamed(specs)));
  io.out(formatTable(['FAMILY', 'PROTOCOL', 'SPEC'], specs.map((s) => [s.name, s.protocol, s.path]), io.tty));
}

async function subscribeCommand(fam: Family, group: string, duration: number | undefined, format: Format, io: Io): Promise<void> {
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  io.signal.addEventListener('abort', stop, { once: true });
  const timer = duration !== undefined ? setTimeout(stop, duration * 1000) : undefined;
  try {
    for await (const e of fam.subscribe(group, { signal: ac.signal })) {
      let line: unknown;
      if (e.kind === 'overrun') line = { overrun: e.error.message };
      else if (e.kind === 'unknown') line = { value: e.value, data: e.message.payload };
      else line = { name: e.name, msg: e.msg };
      io.out(format === 'json' ? toJson(specNamed(line), true) : e.kind === 'notification' ? `${e.name} ${cell(e.msg)}` : cell(line));
    }
  } catch (err) {
    if (!ac.signal.aborted) throw err;
  } finally {
    if (timer) clearTimeout(timer);
    io.signal.removeEventListener('abort', stop);
  }
}

function wantOperation(spec: FamilySpec, name: string | undefined, mode: 'do' | 'dump'): Operation {
  if (name === undefined) throw new UsageError(`missing operation name for '${mode}'`);
  const op = spec.operationsByName.get(name);
  const have = spec.operations.filter((o) => o[mode] !== undefined).map((o) => o.name);
  if (!op || op[mode] === undefined) throw new UsageError(`${spec.name} has no ${mode} operation '${name}' (${mode}: ${have.join(', ') || 'none'})`);
  return op;
}

export async function specCommand(args: ParsedArgs, io: Io): Promise<void> {
  const [, target, sub, arg, ...rest] = args.words;
  const format = outputFormat(args);
  const netns = args.options.get('netns');
  const ns = typeof netns === 'string' ? netns : undefined;
  const json = args.options.get('json');
  const durationText = args.options.get('duration');
  if (target === undefined) throw new UsageError('missing family name or spec path');
  if (target === 'list') {
    if (sub !== undefined) throw new UsageError(`unexpected argument '${sub}'`);
    return listCommand(format, io);
  }
  const commands = ['do', 'dump', 'subscribe', 'ops', 'attrs', 'policy'];
  if (sub === undefined || !commands.includes(sub)) throw new UsageError(sub === undefined ? `missing spec command (${commands.join(', ')})` : `unknown spec command '${sub}'`);
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
  if (json !== undefined && sub !== 'do' && sub !== 'dump') throw new UsageError('--json goes with "do" and "dump"');
  if (durationText !== undefined && sub !== 'subscribe') throw new UsageError('--duration goes with "subscribe"');
  const flags = REQUEST_FLAGS.filter((f) => args.options.has(f));
  if (flags.length > 0 && sub !== 'do') throw new UsageError(`--${flags[0]} goes with "do"`);
  const spec = await loadSpec(target);
  switch (sub) {
    case 'ops': {
      if (arg !== undefined) throw new UsageError(`unexpected argument '${arg}'`);
      const rows = spec.operations.map((op) => operationRow(spec, op));
      if (format === 'json') return io.out(toJson(specNamed(rows)));
      const flag = (b: unknown): string => (b ? 'yes' : '');
      return io.out(
        formatTable(
          ['OPERATION', 'DO', 'DUMP', 'REQUEST', 'REPLY', 'ATTRIBUTE-SET', 'NOTIFY/GROUP'],
          rows.map((r) => [String(r.name), flag(r.do), flag(r.dump), cell(r['request-value']), cell(r['reply-value']), cell(r['attribute-set']), [r.notify ?? (r.event ? 'event' : ''), r.mcgrp].filter(Boolean).join(' ')]),
          io.tty,
        ),
      );
    }
    case 'attrs':
      return attrsCommand(spec, arg, format, io);
    case 'policy':
      if (arg !== undefined) throw new UsageError(`unexpected argument '${arg}'`);
      return policyCommand(spec, ns, format, io);
    default:
      break;
  }
  if (sub === 'subscribe' && arg === undefined) throw new UsageError(`missing multicast group (${spec.name} has: ${spec.mcastGroups.map((g) => g.name).join(', ') || 'none'})`);
  const op = sub === 'do' || sub === 'dump' ? wantOperation(spec, arg, sub) : undefined;
  const request = op ? requestFromJson(spec, op, typeof json === 'string' ? json : undefined) : {};
  const duration = typeof durationText === 'string' ? parseNumber(durationText, '--duration', 86400) : undefined;
  await using fam = await openFamily(spec, { names: 'spec', ...(ns !== undefined ? { netns: ns } : {}) });
  if (sub === 'do') return print(io, format, await fam.do(op!.name, request, { signal: io.signal, flags }));
  if (sub === 'dump') return print(io, format, await fam.dump(op!.name, request, { signal: io.signal }).toArray());
  await subscribeCommand(fam, arg!, duration, format, io);
}

