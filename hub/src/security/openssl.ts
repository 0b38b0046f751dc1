import { execFile } from 'node:child_process';
import { CorralError, ErrorCode } from '../../../protocol/src/index.js';

/** Runs `openssl` with an argument vector (never a shell string); rejects with CORRAL_PKI_FAILED and openssl's stderr. */
export type OpensslRunner = (args: readonly string[]) => Promise<void>;

export function opensslRunner(binary = 'openssl'): OpensslRunner {
  return (args) =>
    new Promise((resolve, reject) => {
      execFile(binary, [...args], { timeout: 60_000, env: { ...process.env, OPENSSL_CONF: '/dev/null' } }, (error, _stdout, stderr) => {
        if (!error) {
          resolve();
          return;
        }
        const detail = String(stderr).trim().split('\n').slice(-3).join(' ') || error.message;
        reject(new CorralError(ErrorCode.PkiFailed, `openssl ${args[0] ?? ''} failed: ${detail}`, { cause: error }));
      });
    });
}

/**
 * An openssl config file from sections of `key = value` lines. Values come from validated
 * input only (hex ids, SANs checked by `parseSan`), so nothing here needs quoting.
 */
export function opensslConfig(sections: Record<string, ReadonlyArray<readonly [string, string]>>): string {
  return Object.entries(sections)
    .map(([name, lines]) => [`[ ${name} ]`, ...lines.map(([key, value]) => `${key} = ${value}`)].join('\n'))
    .join('\n\n')
    .concat('\n');
}
