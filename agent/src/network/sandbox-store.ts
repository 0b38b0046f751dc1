import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { z } from 'zod';
import { CorralError, ErrorCode, type Result, err, ok } from '../../../protocol/src/index.js';

/**
 * Everything DEL needs, kept in `<dataDir>/network/<uid>.json` so a pod's
 * sandbox can be released after an agent restart or a reboot: the exact
 * network configuration list and port mappings ADD ran with (not whatever the
 * agent is configured with today), the container id, the namespace, and the
 * final ADD result, which the spec hands DEL as `prevResult`.
 */
export const SandboxRecord = z.object({
  version: z.literal(1),
  podUid: z.string().min(1),
  podName: z.string(),
  containerId: z.string().min(1),
  netnsName: z.string().min(1),
  netnsPath: z.string().startsWith('/'),
  ifName: z.string().min(1),
  network: z.object({
    cniVersion: z.string(),
    name: z.string(),
    plugins: z.array(z.looseObject({ type: z.string(), capabilities: z.record(z.string(), z.boolean()).optional() })).min(1),
  }),
  portMappings: z.array(z.object({ hostPort: z.number().int(), containerPort: z.number().int(), protocol: z.enum(['tcp', 'udp']) })),
  /** `creating` is written before the first side effect, so a crash half-way still leaves what DEL needs. */
  phase: z.enum(['creating', 'ready']),
  /** Result of the last plugin that answered ADD; the final one once `ready`. */
  result: z.unknown().optional(),
  podIP: z.string().optional(),
});
export type SandboxRecord = z.output<typeof SandboxRecord>;

const SUFFIX = '.json';

/** Sandbox records on disk, one small JSON file per pod, replaced atomically. */
export class SandboxStore {
  constructor(private readonly dir: string) {}

  async read(podUid: string): Promise<Result<SandboxRecord | undefined>> {
    let text: string;
    try {
      text = await readFile(this.file(podUid), 'utf8');
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return ok(undefined);
      return err(failure(`cannot read sandbox record of pod ${podUid}`, cause));
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      return err(failure(`sandbox record ${this.file(podUid)} is not JSON`, cause));
    }
    const parsed = SandboxRecord.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return err(new CorralError(ErrorCode.NetworkStateFailed, `sandbox record ${this.file(podUid)}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`));
    }
    if (parsed.data.podUid !== podUid) return err(new CorralError(ErrorCode.NetworkStateFailed, `sandbox record ${this.file(podUid)} belongs to pod ${parsed.data.podUid}`));
    return ok(parsed.data);
  }

  /** Write to a temporary file, fsync, rename over the old one, fsync the directory: a crash leaves old or new, never half. */
  async write(record: SandboxRecord): Promise<Result<void>> {
    const path = this.file(record.podUid);
    const temporary = `${path}.tmp`;
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const handle = await open(temporary, 'w', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(record, null, 2)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, path);
      await this.syncDir();
      return ok(undefined);
    } catch (cause) {
      await rm(temporary, { force: true }).catch(() => undefined);
      return err(failure(`cannot write sandbox record of pod ${record.podUid}`, cause));
    }
  }

  async remove(podUid: string): Promise<Result<void>> {
    try {
      await rm(this.file(podUid), { force: true });
      await this.syncDir();
      return ok(undefined);
    } catch (cause) {
      return err(failure(`cannot remove sandbox record of pod ${podUid}`, cause));
    }
  }

  /** Uids of every stored record, sorted. */
  async list(): Promise<Result<string[]>> {
    try {
      const names = await readdir(this.dir);
      return ok(names.filter((n) => n.endsWith(SUFFIX)).map((n) => n.slice(0, -SUFFIX.length)).sort());
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return ok([]);
      return err(failure(`cannot list sandbox records in ${this.dir}`, cause));
    }
  }

  private file(podUid: string): string {
    return `${this.dir}/${podUid}${SUFFIX}`;
  }

  private async syncDir(): Promise<void> {
    const handle = await open(this.dir, 'r').catch(() => undefined);
    if (handle === undefined) return;
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

function failure(message: string, cause: unknown): CorralError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new CorralError(ErrorCode.NetworkStateFailed, `${message}: ${detail}`, { cause });
}
