// Aligned columns for the CLI's default output; the header is bold on a terminal.

export function formatTable(header: string[], rows: string[][], tty = false): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const head = line(header);
  return [tty ? `\x1b[1m${head}\x1b[0m` : head, ...rows.map(line)].join('\n');
}

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
