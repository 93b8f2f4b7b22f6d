// JSON as the CLI prints it (DESIGN.md, Values): spec names as keys (camelCase → kebab-case),
// 64-bit integers as exact digits, binary as hex, Maps as objects.

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function encode(value: unknown, indent: string, depth: number): string | undefined {
  const pad = indent ? `\n${indent.repeat(depth + 1)}` : '';
  const end = indent ? `\n${indent.repeat(depth)}` : '';
  const sep = indent ? ': ' : ':';
  if (value === null) return 'null';
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      break;
  }
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex'));
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[${value.map((v) => pad + (encode(v, indent, depth + 1) ?? 'null')).join(',')}${end}]`;
  }
  const entries: Array<[string, unknown]> = value instanceof Map ? [...value.entries()].map(([k, v]) => [String(k), v]) : Object.entries(value as object).map(([k, v]) => [kebab(k), v]);
  const parts: string[] = [];
  for (const [k, v] of entries) {
    const e = encode(v, indent, depth + 1);
    if (e !== undefined) parts.push(`${pad}${JSON.stringify(k)}${sep}${e}`);
  }
  return parts.length === 0 ? '{}' : `{${parts.join(',')}${end}}`;
}

/** Pretty JSON (or one line with `compact`) with the CLI's value conventions. */
export function toJson(value: unknown, compact = false): string {
  return encode(value, compact ? '' : '  ', 0) ?? 'null';
}
