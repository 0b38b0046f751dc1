import type { Daemon } from '../../support/daemons.js';

/**
 * Polls `probe` until it returns true, failing at once (with the daemon's output) if the daemon exits, or
 * after `timeoutMs` with the probe's last error. Unlike `waitFor`, a dead daemon does not cost the timeout.
 */
export async function waitReady(daemon: Daemon, what: string, probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (!daemon.alive) throw new Error(`${daemon.name} exited before ${what}: ${daemon.log()}`);
    try {
      if (await probe()) return;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}\n${daemon.log()}`);
}
