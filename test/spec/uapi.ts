// The enums of the kernel's uapi headers (/usr/include/linux), read the way a C compiler counts
// them, so tests compare spec-derived ids with the kernel's own values.
import { existsSync, readFileSync } from 'node:fs';

/** Each `enum { ... }` block of a header, in order, as name → value. */
export function headerEnums(file: string): Map<string, number>[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '')
    .replace(/^\s*#.*$/gm, '');
  const out: Map<string, number>[] = [];
  const all = new Map<string, number>();
  for (const m of text.matchAll(/enum\s*\w*\s*\{([^}]*)\}/g)) {
    const block = new Map<string, number>();
    let next = 0;
    for (const raw of m[1].split(',')) {
      const item = raw.trim();
      if (item === '') continue;
      const [name, expr] = item.split('=').map((s) => s.trim());
      let value = next;
      if (expr !== undefined) {
        const num = /^(0x[0-9a-fA-F]+|\d+)[uUlL]*$/.exec(expr);
        const shift = /^\(?\s*(\d+)[uUlL]*\s*<<\s*(\d+)\s*\)?$/.exec(expr);
        const ref = all.get(expr) ?? block.get(expr);
        if (num) value = Number(num[1]);
        else if (shift) value = Number(shift[1]) * 2 ** Number(shift[2]);
        else if (ref !== undefined) value = ref;
        else continue;
      }
      block.set(name, value);
      all.set(name, value);
      next = value + 1;
    }
    out.push(block);
  }
  return out;
}

/** One header's enumerators, all blocks merged, and its numeric `#define`s. */
export function headerConstants(file: string): Map<string, number> {
  const out = new Map<string, number>();
  if (!existsSync(file)) return out;
  for (const m of readFileSync(file, 'utf8').matchAll(/^#define\s+(\w+)\s+\(?(0x[0-9a-fA-F]+|\d+)[uUlL]*\)?\s*(\/[*/].*)?$/gm)) out.set(m[1], Number(m[2]));
  for (const block of headerEnums(file)) for (const [k, v] of block) out.set(k, v);
  return out;
}

/** `link-info` → `LINK_INFO`. */
export function cName(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}
