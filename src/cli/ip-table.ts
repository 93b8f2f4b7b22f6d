// Output helpers of the ip-style commands: colour as `ip -c` uses it (names cyan, MACs yellow,
// IPv4 magenta, IPv6 blue, up green, down red), only on a terminal and never with NO_COLOR set;
// and aligned columns that measure text, not escape codes.

export type Colour = 'name' | 'mac' | 'inet' | 'inet6' | 'up' | 'down';

const CODES: Record<Colour, string> = { name: '36', mac: '33', inet: '35', inet6: '34', up: '32', down: '31' };

/** A table cell: plain text, or text with the colour it is printed in. */
export type Cell = string | { text: string; colour?: Colour };

/** Colour on when printing to a terminal, unless NO_COLOR is set to anything non-empty (no-color.org). */
export function useColour(tty: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  return tty && !env.NO_COLOR;
}

export function paint(text: string, colour: Colour | undefined, on: boolean): string {
  return on && colour && text !== '' ? `\x1b[${CODES[colour]}m${text}\x1b[0m` : text;
}

/** The colour of an IP address by its family. */
export function ipColour(address: string | undefined): Colour {
  return address?.includes(':') ? 'inet6' : 'inet';
}

export function stateColour(state: string): Colour | undefined {
  return state === 'UP' ? 'up' : state === 'DOWN' || state === 'LOWERLAYERDOWN' ? 'down' : undefined;
}

function text(c: Cell): string {
  return typeof c === 'string' ? c : c.text;
}

/** Columns padded to their widest cell, two spaces apart; the header bold when in colour. */
export function columns(header: string[], rows: Cell[][], colour: boolean): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => text(r[i] ?? '').length)));
  const line = (cells: Cell[]): string =>
    cells
      .map((c, i) => {
        const t = text(c);
        const pad = i === cells.length - 1 ? '' : ' '.repeat(widths[i]! - t.length);
        return paint(t, typeof c === 'string' ? undefined : c.colour, colour) + pad;
      })
      .join('  ')
      .trimEnd();
  const head = header
    .map((h, i) => (i === header.length - 1 ? h : h.padEnd(widths[i]!)))
    .join('  ')
    .trimEnd();
  return [colour ? `\x1b[1m${head}\x1b[0m` : head, ...rows.map(line)].join('\n');
}
