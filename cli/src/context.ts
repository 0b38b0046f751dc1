import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CorralError, ErrorCode } from '../../protocol/src/index.js';
import { HubClient } from './client.js';
import { resolveHubAccess } from './credentials-file.js';

/** Where the CLI writes and what it reads from its environment; `run()` never touches `process` directly. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
  /** Clock for ages, ms since the epoch; `Date.now` unless a test pins it. */
  now?: () => number;
  /** Standard input as text (`apply -f -`); none unless given. */
  readStdin?: () => Promise<string>;
}

export const DEFAULT_HUB = 'http://127.0.0.1:8080';

/** `--hub` default: `$CORRAL_HUB` when set and non-empty, else DEFAULT_HUB. */
export function defaultHub(env: CliIo['env']): string {
  const fromEnv = env['CORRAL_HUB'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_HUB;
}

/** What every command's action needs: output streams, the clock, and a client for the `--hub` in effect. */
export interface CommandContext {
  readonly io: CliIo;
  now(): number;
  client(command: Command): HubClient;
}

export function createContext(io: CliIo): CommandContext {
  return {
    io,
    now: () => (io.now ?? Date.now)(),
    client(command) {
      const { hub, token } = command.optsWithGlobals<{ hub: string; token?: string }>();
      // `--hub` given, else CORRAL_HUB, else the hub of `corral login`; its saved token unless --token or CORRAL_TOKEN.
      const given = command.getOptionValueSourceWithGlobals('hub') === 'cli' ? hub : undefined;
      return new HubClient({ ...resolveHubAccess({ hub: given, token }, { env: io.env, fallbackHub: DEFAULT_HUB }), ca: hubCa(command, io) });
    },
  };
}

/** The hub's CA to trust for https:// (`--ca FILE`, else CORRAL_CA), read as PEM; CORRAL_CONFIG_INVALID when unreadable. */
export function hubCa(command: Command, io: CliIo): string | undefined {
  const { ca } = command.optsWithGlobals<{ ca?: string }>();
  const path = ca ?? (io.env['CORRAL_CA'] || undefined);
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new CorralError(ErrorCode.ConfigInvalid, `cannot read the hub's CA ${path} (${(error as Error).message})`, { path: 'ca', cause: error });
  }
}
