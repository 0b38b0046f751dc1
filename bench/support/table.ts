/** Plain-text tables for benchmark output: the first `textColumns` columns left-aligned, numbers right-aligned. */
export function formatTable(header: readonly string[], body: ReadonlyArray<readonly string[]>, options: { textColumns?: number } = {}): string {
  const text = options.textColumns ?? 1;
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i < text ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export const ms = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : '—');
export const ratio = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '—');
