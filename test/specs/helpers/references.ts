// What the JSON schema cannot see: every name a spec uses refers to something it defines,
// and no set or enum gives two entries the same name or id.
import { resolveLimit } from './kernel-policy.js';
import { attributeIds, enumValues, findDefinition, findSet, operationValues, resolveAttribute, type RawSpec } from './raw-spec.js';

function duplicates<T>(items: T[]): T[] {
  const seen = new Set<T>();
  const dup = new Set<T>();
  for (const i of items) (seen.has(i) ? dup : seen).add(i);
  return [...dup];
}

export function referenceProblems(spec: RawSpec): string[] {
  const out: string[] = [];
  const defs = spec.definitions ?? [];
  const groups = new Set((spec['mcast-groups']?.list ?? []).map((g) => g.name));
  const subMessages = new Set((spec['sub-messages'] ?? []).map((s) => s.name));

  for (const d of duplicates(defs.map((d) => d.name))) out.push(`definition '${d}' is defined twice`);
  for (const d of defs) {
    if (d.type !== 'enum' && d.type !== 'flags') continue;
    const vals = enumValues(d);
    for (const n of duplicates(vals.map((e) => e.name))) out.push(`${d.type} ${d.name}: entry '${n}' twice`);
    for (const v of duplicates(vals.map((e) => e.value))) out.push(`${d.type} ${d.name}: value ${v} twice`);
  }

  for (const n of duplicates(spec['attribute-sets'].map((s) => s.name))) out.push(`attribute set '${n}' is defined twice`);
  for (const set of spec['attribute-sets']) {
    const where = `attribute-set ${set.name}`;
    if (set['subset-of'] !== undefined && !findSet(spec, set['subset-of'])) out.push(`${where}: subset-of '${set['subset-of']}' is not a set`);
    for (const n of duplicates(set.attributes.map((a) => a.name))) out.push(`${where}: attribute '${n}' twice`);
    if (set['subset-of'] === undefined) {
      for (const id of duplicates([...attributeIds(set).values()])) out.push(`${where}: id ${id} twice`);
    }
    for (const a of set.attributes) {
      const r = resolveAttribute(spec, set, a.name);
      if (!r) {
        out.push(`${where}: '${a.name}' is not in the set it is a subset of`);
        continue;
      }
      const at = `${where}.${a.name}`;
      const nested = a['nested-attributes'] ?? r.attr['nested-attributes'];
      if (nested !== undefined && !findSet(spec, nested)) out.push(`${at}: nested-attributes '${nested}' is not a set`);
      const en = a.enum ?? r.attr.enum;
      if (en !== undefined) {
        const def = findDefinition(spec, en);
        if (!def || (def.type !== 'enum' && def.type !== 'flags')) out.push(`${at}: enum '${en}' is not an enum or flags definition`);
      }
      const st = a.struct ?? r.attr.struct;
      if (st !== undefined && findDefinition(spec, st)?.type !== 'struct') out.push(`${at}: struct '${st}' is not a struct definition`);
      const sm = a['sub-message'] ?? r.attr['sub-message'];
      if (sm !== undefined && !subMessages.has(sm)) out.push(`${at}: sub-message '${sm}' is not defined`);
      const checks = a.checks ?? r.attr.checks ?? {};
      for (const key of ['min', 'max', 'min-len', 'max-len', 'exact-len'] as const) {
        const v = checks[key];
        if (v === undefined) continue;
        try {
          resolveLimit(spec, v);
        } catch (e) {
          out.push(`${at}: ${(e as Error).message}`);
        }
      }
      const fm = checks['flags-mask'];
      if (fm !== undefined && findDefinition(spec, fm)?.type !== 'flags') out.push(`${at}: flags-mask '${fm}' is not a flags definition`);
    }
  }

  const opNames = spec.operations.list.map((o) => o.name);
  for (const n of duplicates(opNames)) out.push(`operation '${n}' twice`);
  const requests = operationValues(spec).flatMap((o) => (o.request !== undefined ? [o.request] : []));
  for (const v of duplicates(requests)) out.push(`two operations take request id ${v}`);
  for (const op of spec.operations.list) {
    const where = `operation ${op.name}`;
    const setName = op['attribute-set'];
    const set = setName !== undefined ? findSet(spec, setName) : undefined;
    if (setName !== undefined && !set) out.push(`${where}: attribute-set '${setName}' is not a set`);
    if (op.notify !== undefined && !opNames.includes(op.notify)) out.push(`${where}: notify '${op.notify}' is not an operation`);
    if (op.mcgrp !== undefined && !groups.has(op.mcgrp)) out.push(`${where}: mcgrp '${op.mcgrp}' is not a multicast group`);
    const lists: Array<[string, string[] | undefined]> = [
      ['do request', op.do?.request?.attributes],
      ['do reply', op.do?.reply?.attributes],
      ['dump request', op.dump?.request?.attributes],
      ['dump reply', op.dump?.reply?.attributes],
      ['event', op.event?.attributes],
    ];
    for (const [what, names] of lists) {
      for (const n of names ?? []) {
        if (!set || !resolveAttribute(spec, set, n)) out.push(`${where} ${what}: '${n}' is not in attribute-set '${setName}'`);
      }
    }
  }
  return out;
}
