// The C constants a spec stands for, named by the format's rules (what ynl-gen would write in
// the uAPI header), each with the value the spec gives it.
import {
  attributeIds,
  cUpper,
  enumValues,
  isGenl,
  operationValues,
  type RawSpec,
} from './raw-spec.js';

export interface CConstant {
  /** The C identifier. */
  name: string;
  expected: number | string;
  /** Where in the spec it comes from, for messages. */
  origin: string;
}

export interface SpecConstants {
  headers: string[];
  constants: CConstant[];
  /** Definitions that are not uAPI (scope kernel/user): nothing to compare, named in the output. */
  notUapi: string[];
}

function setPrefix(spec: RawSpec, setName: string, explicit: string | undefined): string {
  if (explicit !== undefined) return explicit;
  return setName === spec.name ? `${spec.name}-a-` : `${spec.name}-a-${setName}-`;
}

export function specConstants(spec: RawSpec): SpecConstants {
  const headers = [spec['uapi-header'] ?? `linux/${spec.name}.h`];
  const constants: CConstant[] = [];
  const notUapi: string[] = [];
  const family = spec.name;

  if (isGenl(spec)) {
    constants.push({ name: cUpper(spec['c-family-name'] ?? `${family}_FAMILY_NAME`), expected: family, origin: 'family name' });
    constants.push({ name: cUpper(spec['c-version-name'] ?? `${family}_FAMILY_VERSION`), expected: spec.version ?? 1, origin: 'family version' });
  }

  for (const def of spec.definitions ?? []) {
    if ((def.scope ?? 'uapi') !== 'uapi') {
      notUapi.push(`${def.name} (scope ${def.scope})`);
      continue;
    }
    if (def.header !== undefined && !headers.includes(def.header)) headers.push(def.header);
    if (def.type === 'const') {
      if (typeof def.value === 'number') {
        constants.push({ name: cUpper(`${def['name-prefix'] ?? `${family}-`}${def.name}`), expected: def.value, origin: `const ${def.name}` });
      }
      continue;
    }
    if (def.type !== 'enum' && def.type !== 'flags') continue;
    const prefix = def['name-prefix'] ?? `${family}-${def.name}-`;
    const values = enumValues(def);
    for (const e of values) constants.push({ name: cUpper(prefix + e.name), expected: e.value, origin: `${def.type} ${def.name}` });
    if (def['render-max'] && values.length > 0) {
      if (def.type === 'flags') {
        constants.push({ name: cUpper(`${prefix}mask`), expected: values.reduce((m, e) => m + e.value, 0), origin: `flags ${def.name} mask` });
      } else {
        constants.push({ name: cUpper(`${prefix}max`), expected: Math.max(...values.map((e) => e.value)), origin: `enum ${def.name} max` });
      }
    }
  }

  for (const set of spec['attribute-sets']) {
    // A subset's ids are its parent's: checking the parent covers them.
    if (set['subset-of'] !== undefined) continue;
    if (set.header !== undefined && !headers.includes(set.header)) headers.push(set.header);
    const prefix = setPrefix(spec, set.name, set['name-prefix']);
    const ids = attributeIds(set);
    for (const a of set.attributes) {
      constants.push({ name: cUpper((a['name-prefix'] ?? prefix) + a.name), expected: ids.get(a.name)!, origin: `attribute-set ${set.name}` });
    }
  }

  const opPrefix = spec.operations['name-prefix'] ?? `${family}-cmd-`;
  const asyncPrefix = spec.operations['async-prefix'] ?? opPrefix;
  for (const { op, request, reply } of operationValues(spec)) {
    const isNtf = op.notify !== undefined || op.event !== undefined;
    const value = request ?? reply;
    if (value === undefined) continue;
    constants.push({ name: cUpper((isNtf ? asyncPrefix : opPrefix) + op.name), expected: value, origin: `operation ${op.name}` });
  }

  for (const g of spec['mcast-groups']?.list ?? []) {
    if (isGenl(spec)) {
      constants.push({ name: cUpper(g['c-define-name'] ?? `${family}-mcgrp-${g.name}`), expected: g.name, origin: `mcast group ${g.name}` });
    } else if (g.value !== undefined) {
      constants.push({ name: cUpper(g['c-define-name'] ?? g.name), expected: g.value, origin: `mcast group ${g.name}` });
    }
  }

  return { headers, constants, notUapi };
}
