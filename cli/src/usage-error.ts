/**
 * A mistake in how the CLI was invoked (unknown resource type, bad `-o` value,
 * malformed `--hub`). Printed as `error: <message>` with exit code 1, like every error,
 * but never raised for anything the hub did.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
