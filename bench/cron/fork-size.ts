import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SizeReply, SizeRequest } from './size-process.js';

/** After its reply, how long a measurement process may take to exit before it is killed (something kept it alive). */
const EXIT_GRACE_MS = 20_000;
/** After an interrupt, how long it may clean up before it is sent SIGTERM (it got the terminal's SIGINT itself). */
const ABORT_GRACE_MS = 15_000;

/**
 * Runs `request` in a fresh process (size-process.ts, with this process's tsx loader); resolves
 * with its reply, or undefined when interrupted.
 */
export function measureInProcess(request: SizeRequest, signal: AbortSignal): Promise<SizeReply | undefined> {
  const child = fork(fileURLToPath(new URL('./size-process.ts', import.meta.url)), [JSON.stringify(request)], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let reply: SizeReply | undefined;
  const timers: NodeJS.Timeout[] = [];
  const killLater = (ms: number, sig: NodeJS.Signals, why: string) =>
    timers.push(
      setTimeout(() => {
        process.stderr.write(`\n  measurement process ${child.pid}: ${why}; sending ${sig}\n`);
        child.kill(sig);
      }, ms),
    );
  child.on('message', (message) => {
    reply = message as SizeReply;
    killLater(EXIT_GRACE_MS, 'SIGKILL', `still running ${EXIT_GRACE_MS / 1000} s after its reply`);
  });
  const onAbort = () => killLater(ABORT_GRACE_MS, 'SIGTERM', 'still cleaning up after the interrupt');
  signal.addEventListener('abort', onAbort, { once: true });
  return new Promise((resolve, reject) => {
    child.on('exit', (code, sig) => {
      signal.removeEventListener('abort', onAbort);
      for (const t of timers) clearTimeout(t);
      if (reply) resolve(reply);
      else if (signal.aborted) resolve(undefined);
      else reject(new Error(`measurement process for ${request.jobs} jobs (${request.path}) exited with ${code ?? sig} and no result`));
    });
  });
}
