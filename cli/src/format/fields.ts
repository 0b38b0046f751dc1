/**
 * `Key:  value` blocks as `describe` and `version` print them: every value starts
 * in the same column, two spaces after the longest key.
 */

/** A field and its value; an array value continues on following lines, aligned under the first. */
export type Field = readonly [key: string, value: string | readonly string[]];

/** Renders `Key:  value` lines with every value starting in the same column (two spaces after the longest key). */
export function formatFields(fields: readonly Field[], indent = ''): string {
  const keyWidth = Math.max(0, ...fields.map(([k]) => k.length + 1)) + 2;
  const lines: string[] = [];
  for (const [key, value] of fields) {
    const values = typeof value === 'string' ? [value] : value.length === 0 ? [''] : value;
    values.forEach((v, i) => {
      const head = i === 0 ? `${key}:`.padEnd(keyWidth) : ' '.repeat(keyWidth);
      lines.push(`${indent}${head}${v}`.trimEnd());
    });
  }
  return lines.map((l) => l + '\n').join('');
}
