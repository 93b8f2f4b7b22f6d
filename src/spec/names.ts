// Property names of encoded and decoded values: the spec's own (`rtm-family`) or camelCase
// (`rtmFamily`). Enum and flag values always keep the spec's names.

/** `rtm-family` → `rtmFamily`, `def-DP` → `defDP`, `2ghz-shortpreamble` → `2ghzShortpreamble`. */
export function camelCase(name: string): string {
  const parts = name.split('-').filter((p) => p !== '');
  return parts.map((p, i) => (i === 0 ? p : p[0].toUpperCase() + p.slice(1))).join('');
}

export type Naming = 'camel' | 'spec';

export function propertyName(name: string, naming: Naming): string {
  return naming === 'camel' ? camelCase(name) : name;
}

/**
 * The spec-level name of a fixed-header field in a message whose attributes sit beside it: the
 * member's own name, unless an attribute of the set has it too (rt-rule's `table` is a u8 in
 * fib_rule_hdr and a u32 attribute; the attribute is the one that holds tables above 255). Then
 * the field is prefixed with its struct's name (`fib-rule-hdr-table`) and the attribute keeps it.
 */
export function headerFieldName(structName: string, member: string, attributeNames: ReadonlySet<string> | undefined): string {
  return attributeNames?.has(member) ? `${structName}-${member}` : member;
}
