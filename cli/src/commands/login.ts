import type { Command } from 'commander';
import { HubClient } from '../client.js';
import { type CommandContext, DEFAULT_HUB, hubCa } from '../context.js';
import { credentialsPath, readCredentials, saveCredentials } from '../credentials-file.js';
import { UsageError } from '../usage-error.js';

const TOKEN_PATTERN = /^crl_[A-Za-z0-9_-]{43}$/;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * `corral login [--hub URL] --token TOKEN|-`: asks the hub who the token is (a GET any token may
 * do) and saves `{hub, token}` for later commands. `--token -` reads the token from standard input
 * (`corral login --token - < admin.token`), so it stays out of the shell history.
 */
export function registerLogin(program: Command, ctx: CommandContext): void {
  program
    .command('login')
    .description('check an API token with the hub and save it, with the hub, for later commands')
    .addHelpText('after', '\nThe token comes from --token (- for standard input) or CORRAL_TOKEN; it is saved in\n$XDG_CONFIG_HOME/corral/credentials.yaml (default ~/.config/corral/credentials.yaml, mode 0600).\n')
    .action(async (_options: unknown, command: Command) => {
      const { token: flag, hub: hubFlag } = command.optsWithGlobals<{ token?: string; hub: string }>();
      const token = flag === '-' ? (await (ctx.io.readStdin ?? (async () => ''))()).trim() : (flag ?? ctx.io.env['CORRAL_TOKEN']);
      if (!token) throw new UsageError('give the token: corral login --token TOKEN, or --token - to read it from standard input');
      if (!TOKEN_PATTERN.test(token)) throw new UsageError('that is not a Corral API token (crl_ and 43 more characters)');
      const path = credentialsPath(ctx.io.env);
      if (path === undefined) throw new UsageError('cannot save credentials: neither XDG_CONFIG_HOME nor HOME is set');

      const client = new HubClient({ hub: loginHub(command, hubFlag, ctx.io.env, path), token, ca: hubCa(command, ctx.io) });
      const self = await client.whoami();
      await saveCredentials(path, { hub: client.hub, token });
      if (new URL(client.hub).protocol === 'http:' && !LOOPBACK.has(new URL(client.hub).hostname)) {
        ctx.io.stderr.write(`warning: ${client.hub} is plain HTTP: the token crosses the network unencrypted\n`);
      }
      ctx.io.stdout.write(`Logged in to ${client.hub} with API token "${self.name}" (${self.role}, id ${self.id}); saved in ${path}\n`);
    });
}

/** `--hub`, else CORRAL_HUB, else the hub of the last login (a broken file is about to be replaced), else the default. */
function loginHub(command: Command, hubFlag: string, env: Readonly<Record<string, string | undefined>>, path: string): string {
  if (command.getOptionValueSourceWithGlobals('hub') === 'cli') return hubFlag;
  const fromEnv = env['CORRAL_HUB'];
  if (fromEnv) return fromEnv;
  try {
    return readCredentials(path)?.hub ?? DEFAULT_HUB;
  } catch {
    return DEFAULT_HUB;
  }
}
