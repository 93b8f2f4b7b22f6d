// Walking a request value against the spec outside the hot path (check(), the extended-ACK
// namer): records, their keys, and the scopes in which a sub-message's selector is looked up.
import { formatRecord, type RecordRef } from './gen-context.js';
import type { AttributeSpec, FamilySpec, StructDefinition } from './model.js';
import { propertyName, type Naming } from './names.js';
import { selKey } from './runtime.js';

/** One record being walked: the names it defines and the value given for it. */
export interface Scope {
  record: RecordRef;
  names: ReadonlySet<string>;
  value: Record<string, unknown> | undefined;
  up: Scope | undefined;
}

export class Walker {
  constructor(
    readonly spec: FamilySpec,
    readonly naming: Naming,
  ) {}

  prop(name: string): string {
    return propertyName(name, this.naming);
  }

  header(r: RecordRef): StructDefinition | undefined {
    const d = r.header !== undefined ? this.spec.definitions.get(r.header) : undefined;
    return d?.kind === 'struct' ? d : undefined;
  }

  attributes(r: RecordRef): AttributeSpec[] {
    return (r.set !== undefined ? this.spec.attributeSets.get(r.set)?.attributes : undefined) ?? [];
  }

  scope(r: RecordRef, value: unknown, up: Scope | undefined): Scope {
    const names = new Set<string>();
    for (const m of this.header(r)?.members ?? []) names.add(m.name);
    for (const a of this.attributes(r)) names.add(a.name);
    const v = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    return { record: r, names, value: v, up };
  }

  /** The selector's value: from the nearest record that defines it (as the kernel's YNL does). */
  selector(name: string, scope: Scope | undefined): unknown {
    for (let s = scope; s; s = s.up) if (s.names.has(name)) return s.value?.[this.prop(name)];
    return undefined;
  }

  /** The record a sub-message value is in, chosen by its selector; undefined when none matches. */
  subMessageRecord(a: AttributeSpec, scope: Scope | undefined): { record: RecordRef; empty: boolean } | undefined {
    const sm = a.subMessage !== undefined ? this.spec.subMessages.get(a.subMessage) : undefined;
    if (!sm || a.selector === undefined) return undefined;
    let sel = this.selector(a.selector, scope);
    if (typeof sel === 'number') {
      // A number where the format names an enum value: the selector attribute's enum decides.
      const owner = this.findAttribute(a.selector, scope);
      const def = owner?.enum !== undefined ? this.spec.definitions.get(owner.enum) : undefined;
      if (def?.kind === 'enum' || def?.kind === 'flags') sel = def.byValue.get(sel) ?? sel;
    }
    const key = selKey(sel);
    const f = key !== undefined ? sm.formats.get(key) : undefined;
    if (!f) return undefined;
    const record = formatRecord(f);
    return { record: record ?? {}, empty: record === undefined };
  }

  private findAttribute(name: string, scope: Scope | undefined): AttributeSpec | undefined {
    for (let s = scope; s; s = s.up) if (s.names.has(name)) return this.attributes(s.record).find((a) => a.name === name);
    return undefined;
  }
}
