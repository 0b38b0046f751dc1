import { readFileSync } from 'node:fs';
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { CorralError, ErrorCode, formatPath } from '../../protocol/src/index.js';
import type { CliIo } from './context.js';

/** What `corral login` saves: one hub and the token for it. */
const Credentials = z.object({ hub: z.string().min(1), token: z.string().min(1) });
export type Credentials = z.infer<typeof Credentials>;

/**
 * `$XDG_CONFIG_HOME/corral/credentials.yaml`, else `$HOME/.config/corral/credentials.yaml`;
 * undefined when the environment names neither (then nothing is read or saved).
 */
export function credentialsPath(env: CliIo['env']): string | undefined {
  const xdg = env['XDG_CONFIG_HOME'];
  if (xdg && isAbsolute(xdg)) return join(xdg, 'corral', 'credentials.yaml');
  const home = env['HOME'];
  return home ? join(home, '.config', 'corral', 'credentials.yaml') : undefined;
}

/** The saved credentials; undefined when there is no file. A file that does not parse is an error naming it. */
export function readCredentials(path: string): Credentials | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CorralError(ErrorCode.ConfigInvalid, `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  let document: unknown;
  try {
    document = parse(text) as unknown;
  } catch (error) {
    throw new CorralError(ErrorCode.ConfigInvalid, `${path} is not YAML (run corral login again)`, { cause: error });
  }
  const parsed = Credentials.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CorralError(ErrorCode.ConfigInvalid, `${path}: ${formatPath(issue?.path ?? [])}: ${issue?.message ?? 'invalid'} (run corral login again)`);
  }
  return parsed.data;
}

/** Writes the file 0600 in a 0700 directory: temporary file, fsync, rename, so a crash leaves old or new. */
export async function saveCredentials(path: string, credentials: Credentials): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const temporary = `${path}.${process.pid}.tmp`;
  await rm(temporary, { force: true });
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(stringify(credentials));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
}

/** Two hub URLs name the same hub when they are equal but for case in scheme and host and trailing slashes. */
export function sameHub(a: string, b: string): boolean {
  const normal = (url: string) => {
    try {
      return new URL(url.replace(/\/+$/, '') + '/').href;
    } catch {
      return url;
    }
  };
  return normal(a) === normal(b);
}

/** Where a command goes and with which token. */
export interface HubAccess {
  hub: string;
  token: string | undefined;
}

/**
 * The hub is `--hub`, else `$CORRAL_HUB`, else the hub of `corral login`, else `fallbackHub`. The
 * token is `--token`, else `$CORRAL_TOKEN`, else the saved one when it was saved for that very hub.
 */
export function resolveHubAccess(given: { hub?: string | undefined; token?: string | undefined }, options: { env: CliIo['env']; fallbackHub: string }): HubAccess {
  const { env } = options;
  const explicitHub = given.hub ?? nonEmpty(env['CORRAL_HUB']);
  const explicitToken = given.token ?? nonEmpty(env['CORRAL_TOKEN']);
  if (explicitHub !== undefined && explicitToken !== undefined) return { hub: explicitHub, token: explicitToken };
  const path = credentialsPath(env);
  const saved = path === undefined ? undefined : readCredentials(path);
  const hub = explicitHub ?? saved?.hub ?? options.fallbackHub;
  const token = explicitToken ?? (saved && sameHub(saved.hub, hub) ? saved.token : undefined);
  return { hub, token };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
