/**
 * The single stderr line every failure ends in: `error: <message>\n`. Multi-line
 * messages (commander's "Did you mean …?" hints) are folded onto one line, and a
 * message that already starts with "error: " (commander's do) is not prefixed twice.
 */
export function errorLine(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  const message = raw.replace(/^error:\s*/i, '').replace(/\s*\n\s*/g, ' ').trim();
  return `error: ${message || 'unknown error'}\n`;
}
