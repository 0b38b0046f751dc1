/**
 * Plain column-aligned tables in the style of kubectl: headers are upper-cased,
 * columns are separated by three spaces, there are no borders, and the last
 * column is never padded (so no line ends in whitespace).
 */

export const COLUMN_GAP = '   ';

/** Display width of a cell: code points, so "é" counts once. Tabs and newlines are not expected in cells. */
function width(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function pad(text: string, to: number): string {
  return text + ' '.repeat(Math.max(0, to - width(text)));
}

/**
 * Renders `headers` and `rows` as lines joined by "\n", with a trailing "\n".
 * Rows shorter than the header are filled with empty cells; extra cells are kept.
 * `indent` is prepended to every line (used by `describe` for nested tables).
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[], indent = ''): string {
  const all: string[][] = [headers.map((h) => h.toUpperCase()), ...rows.map((r) => [...r])];
  const columns = Math.max(0, ...all.map((r) => r.length));
  for (const r of all) while (r.length < columns) r.push('');

  const widths: number[] = [];
  for (let c = 0; c < columns; c++) widths.push(Math.max(...all.map((r) => width(r[c] ?? ''))));

  const lines = all.map((r) =>
    (indent + r.map((cell, c) => (c === columns - 1 ? cell : pad(cell, widths[c] ?? 0))).join(COLUMN_GAP)).trimEnd(),
  );
  return lines.join('\n') + '\n';
}
