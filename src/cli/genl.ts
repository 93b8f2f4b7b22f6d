// `nlkit genl ...`: the Generic Netlink controller from the command line.
import { GenlController, type ControllerEvent, type GenlFamily, type GenlPolicy } from '../genl/index.js';
import type { PolicyDescription } from '../wire/index.js';
import { UsageError, parseNumber, type ParsedArgs } from './args.js';
import { toJson } from './json.js';
import { formatTable, hex } from './table.js';

export interface Io {
  /** One line (or lines): a newline is added. */
  out(text: string): void;
  /** Text or UTF-8 bytes as they are, for output written in pieces. A Buffer given is the writer's from then on. */
  write(text: string | Uint8Array): void;
  tty: boolean;
  signal: AbortSignal;
}

function familyArg(text: string | undefined): string | number {
  if (text === undefined) throw new UsageError('missing family name or id');
  return /^(0x[0-9a-f]+|\d+)$/i.test(text) ? parseNumber(text, 'family id', 0xffff) : text;
}

function flagText(flags: Array<string | number>): string {
  return flags.map((f) => (typeof f === 'number' ? hex(f) : f)).join(',');
}

function describeFamily(f: GenlFamily): string {
  const lines = [`${f.familyName}  id ${hex(f.familyId)}  version ${f.version}  hdrsize ${f.hdrsize}  maxattr ${f.maxattr}`];
  if (f.ops.length > 0) {
    lines.push('  ops:');
    for (const op of f.ops) lines.push(`    ${String(op.id).padStart(3)}  ${flagText(op.flags) || '-'}`);
  }
  if (f.mcastGroups.length > 0) {
    lines.push('  multicast groups:');
    for (const g of f.mcastGroups) lines.push(`    ${hex(g.id).padStart(6)}  ${g.name}`);
  }
  return lines.join('\n');
}

function range(d: PolicyDescription): string | undefined {
  const min = d.minValueS ?? d.minValueU;
  const max = d.maxValueS ?? d.maxValueU;
  return min !== undefined || max !== undefined ? `range [${min ?? ''}, ${max ?? ''}]` : undefined;
}

export function describePolicyLine(d: PolicyDescription): string {
  const parts = [typeof d.type === 'number' ? `type ${d.type}` : d.type];
  const r = range(d);
  if (r) parts.push(r);
  if (d.minLength !== undefined) parts.push(`min length ${d.minLength}`);
  if (d.maxLength !== undefined) parts.push(`max length ${d.maxLength}`);
  if (d.policyIdx !== undefined) parts.push(`policy ${d.policyIdx} maxattr ${d.policyMaxtype ?? '?'}`);
  if (d.bitfield32Mask !== undefined) parts.push(`mask ${hex(d.bitfield32Mask)}`);
  if (d.mask !== undefined) parts.push(`mask 0x${d.mask.toString(16)}`);
  return parts.join('  ');
}

function describePolicy(p: GenlPolicy): string {
  const lines: string[] = [];
  for (const [op, pol] of [...p.opPolicy].sort((a, b) => a[0] - b[0])) {
    const parts = [pol.do !== undefined ? `do policy ${pol.do}` : undefined, pol.dump !== undefined ? `dump policy ${pol.dump}` : undefined].filter(Boolean);
    lines.push(`op ${op}: ${parts.join(', ') || 'no policy'}`);
  }
  for (const [idx, table] of [...p.policy].sort((a, b) => a[0] - b[0])) {
    lines.push(`policy ${idx}:`);
    for (const [attr, d] of [...table].sort((a, b) => a[0] - b[0])) lines.push(`  attr ${String(attr).padStart(3)}: ${describePolicyLine(d)}`);
  }
  return lines.join('\n');
}

function describeEvent(e: ControllerEvent): string {
  const groups = e.family.mcastGroups.map((g) => `${g.name}(${hex(g.id)})`).join(' ');
  return `${e.kind} ${e.family.familyName} id ${hex(e.family.familyId)}${groups ? ` groups ${groups}` : ''}`;
}

export async function genlCommand(args: ParsedArgs, io: Io): Promise<void> {
  const [, sub, ...rest] = args.words;
  const json = args.options.has('json');
  const netns = args.options.get('netns');
  const op = args.options.get('op');
  if (op !== undefined && sub !== 'policy') throw new UsageError('--op goes with "genl policy"');
  const known = ['list', 'ls', 'get', 'policy', 'monitor'];
  if (sub === undefined || !known.includes(sub)) throw new UsageError(sub === undefined ? 'missing genl command' : `unknown genl command '${sub}'`);
  const wantsFamily = sub === 'get' || sub === 'policy';
  if (rest.length > (wantsFamily ? 1 : 0)) throw new UsageError(`unexpected argument '${rest[wantsFamily ? 1 : 0]}'`);
  const family = wantsFamily ? familyArg(rest[0]) : undefined;
  const opNumber = typeof op === 'string' ? parseNumber(op, '--op', 0xff) : undefined;

  await using ctrl = await GenlController.open(typeof netns === 'string' ? { netns } : {});
  switch (sub) {
    case 'list':
    case 'ls': {
      const families = (await ctrl.families({ signal: io.signal })).sort((a, b) => a.familyId - b.familyId);
      if (json) return io.out(toJson(families));
      const rows = families.map((f) => [f.familyName, hex(f.familyId), String(f.version), String(f.hdrsize), String(f.maxattr), String(f.ops.length), f.mcastGroups.map((g) => g.name).join(',')]);
      return io.out(formatTable(['FAMILY', 'ID', 'VERSION', 'HDRSIZE', 'MAXATTR', 'OPS', 'GROUPS'], rows, io.tty));
    }
    case 'get': {
      const f = await ctrl.family(family!, { signal: io.signal });
      return io.out(json ? toJson(f) : describeFamily(f));
    }
    case 'policy': {
      const p = await ctrl.policy(family!, { signal: io.signal, op: opNumber });
      return io.out(json ? toJson(p) : describePolicy(p));
    }
    case 'monitor': {
      try {
        for await (const e of ctrl.monitor({ signal: io.signal })) {
          if (e.kind === 'overrun') io.out(json ? toJson({ overrun: e.error.message }, true) : `overrun: ${e.error.message}`);
          else io.out(json ? toJson(e, true) : describeEvent(e));
        }
      } catch (err) {
        if (!io.signal.aborted) throw err;
      }
      return;
    }
  }
}
