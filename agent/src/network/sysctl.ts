import { readFile, writeFile } from 'node:fs/promises';
import { CorralError, ErrorCode, type Result, err, ok } from '../../../protocol/src/index.js';

/**
 * Kernel parameters. Keys are written the /proc/sys way, with slashes
 * (`net/ipv4/conf/corral0/route_localnet`), because interface names may contain dots.
 */
export interface Sysctl {
  /** Sets the parameter unless it already has the value. */
  ensure(key: string, value: string): Promise<Result<void>>;
}

const KEY = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_.-]+)+$/;

export class ProcSysctl implements Sysctl {
  constructor(private readonly root: string = '/proc/sys') {}

  async ensure(key: string, value: string): Promise<Result<void>> {
    if (!KEY.test(key) || key.split('/').includes('..')) return err(new CorralError(ErrorCode.NetworkHostFailed, `sysctl key ${JSON.stringify(key)} is not a /proc/sys path`));
    const path = `${this.root}/${key}`;
    try {
      if ((await readFile(path, 'utf8')).trim() === value) return ok(undefined);
      await writeFile(path, `${value}\n`);
      return ok(undefined);
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      return err(new CorralError(ErrorCode.NetworkHostFailed, `cannot set ${key.replace(/\//g, '.')}=${value}: ${message}`, { cause }));
    }
  }
}
