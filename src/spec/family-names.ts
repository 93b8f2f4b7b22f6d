// How spec names become TypeScript names: shared by the family object (its per-operation
// methods) and codegen (the typed interfaces that describe those methods), so the two agree.
import type { Operation } from './model.js';

function words(name: string): string[] {
  return name.split(/[^A-Za-z0-9]+/).filter((w) => w.length > 0);
}

/** `dev-get` → `devGet`, `rtm-family` → `rtmFamily`. */
export function camelName(name: string): string {
  const ws = words(name);
  const out = ws.map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1))).join('');
  return /^[0-9]/.test(out) ? `_${out}` : out;
}

/** `rt-link` → `RtLink`, `link-attrs` → `LinkAttrs`. */
export function pascalName(name: string): string {
  const out = words(name)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  return /^[0-9]/.test(out) || out.length === 0 ? `T${out}` : out;
}

/** Members every family object has; an operation whose method would shadow one gets none. */
export const FAMILY_MEMBERS: ReadonlySet<string> = new Set(['spec', 'codec', 'socket', 'familyId', 'do', 'dump', 'subscribe', 'operation', 'close', 'then', 'constructor']);

/**
 * The methods a family object has for an operation: `devGet` for its do, `devGetDump` for its
 * dump. A name that would shadow a member of the family object is left out (the operation is
 * still reachable through `do()` and `dump()`).
 */
export function operationMethods(op: Operation): { do?: string; dump?: string } {
  const base = camelName(op.name);
  const pick = (name: string, has: boolean): string | undefined => (has && !FAMILY_MEMBERS.has(name) ? name : undefined);
  return { do: pick(base, op.do !== undefined), dump: pick(`${base}Dump`, op.dump !== undefined) };
}
