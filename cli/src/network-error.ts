/** Why a fetch failed, in one line: the innermost useful message (`connect ECONNREFUSED 127.0.0.1:8080`). */
export function describeNetworkError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs / 1000}s`;
  }
  let current: unknown = error;
  // undici throws TypeError('fetch failed') with the socket error as `cause`; several
  // addresses tried (localhost → ::1 and 127.0.0.1) give an AggregateError with an empty message.
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const next: unknown = current instanceof AggregateError && current.errors.length > 0 ? current.errors[0] : current.cause;
    if (!(next instanceof Error)) break;
    current = next;
  }
  if (current instanceof Error) {
    const code = (current as NodeJS.ErrnoException).code;
    if (current.message) return current.message;
    if (code) return code;
  }
  return String(error);
}
