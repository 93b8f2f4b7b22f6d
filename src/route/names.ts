// The rtnetlink numbers users name: routing tables, scopes, protocols, route types. Read as the
// rt-* specs name them; written either by that name or by number.
import type { FamilySpec } from '../spec/index.js';
import { describe } from './inet.js';
import { invalid } from './errors.js';
import { enumNames, enumValue } from './specs.js';

export const RT_TABLE_UNSPEC = 0;
export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;

/** A routing table: its id, or one of the reserved names. */
export type TableRef = number | 'main' | 'local' | 'default';

/** A decoded enum value (the spec's name, or a number the spec does not name) as its number. */
export function enumNumber(spec: FamilySpec, enumName: string, value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return enumValue(spec, enumName, value);
  return undefined;
}

/**
 * enumNumber for the loop of a listing: it keeps the last name it looked up, which the next
 * object most likely repeats (the table, the protocol), so that most calls are one comparison.
 */
export function enumNumbers(spec: FamilySpec, enumName: string): (value: unknown) => number | undefined {
  let lastName: unknown;
  let lastNumber: number | undefined;
  return (value) => {
    if (typeof value === 'number') return value;
    if (value !== lastName) {
      lastNumber = enumNumber(spec, enumName, value);
      lastName = value;
    }
    return lastNumber;
  };
}

/** A table id from a number or a reserved name; `what` names the argument in errors. */
export function tableId(spec: FamilySpec, table: unknown, what = 'table'): number {
  if (typeof table === 'number' && Number.isInteger(table) && table >= 0 && table <= 0xffffffff) return table;
  if (typeof table === 'string' && table !== 'unspec' && table !== 'compat') {
    const v = enumValue(spec, 'rt-table', table);
    if (v !== undefined) return v;
  }
  throw invalid(`${what}: ${describe(table)} is not a routing table (a number from 0 to 2^32-1, or main, local, default)`);
}

/** How `ip` names a table in its output. */
export function tableName(id: number): string {
  return id === RT_TABLE_MAIN ? 'main' : id === RT_TABLE_LOCAL ? 'local' : id === 253 ? 'default' : String(id);
}

/**
 * A value of a spec enum given by name or number. `aliases` maps other names users know from
 * `ip` (scope `global` is RT_SCOPE_UNIVERSE) to the spec's.
 */
export function enumArg(spec: FamilySpec, enumName: string, value: unknown, what: string, aliases: Record<string, string> = {}): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === 'string') {
    const v = enumValue(spec, enumName, aliases[value] ?? value);
    if (v !== undefined) return v;
  }
  throw invalid(`${what}: ${describe(value)} is not one of ${[...enumNames(spec, enumName), ...Object.keys(aliases)].join(', ')} (or a number)`);
}

export const SCOPE_ALIASES: Record<string, string> = { global: 'universe' };
