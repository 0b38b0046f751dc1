import { type Command, Option } from 'commander';
import type { ApiToken } from '../apitoken-object.js';
import type { CommandContext } from '../context.js';
import { age } from '../format/age.js';
import { formatTable } from '../format/table.js';

/**
 * `corral apitoken create NAME --role admin|read-only`, `list`, `delete ID` (admin tokens only).
 * `create` prints the token alone on stdout (`TOKEN=$(corral apitoken create ci --role read-only)`);
 * the hub keeps only its hash, so it is shown this once.
 */
export function registerApiToken(program: Command, ctx: CommandContext): void {
  const apitoken = program.command('apitoken').description('manage the hub API tokens (admin token needed)');

  apitoken
    .command('create')
    .description('create an API token and print it (shown only this once)')
    .argument('<name>', 'a name for the token (lower-case letters, digits, ".", "_", "-")')
    .addOption(new Option('--role <role>', 'admin (everything) or read-only (get, describe, logs…)').choices(['admin', 'read-only']).makeOptionMandatory())
    .action(async (name: string, options: { role: 'admin' | 'read-only' }, command: Command) => {
      const created = await ctx.client(command).createApiToken({ name, role: options.role });
      ctx.io.stderr.write(`apitoken/${created.id} "${created.name}" (${created.role}) created; the token below is shown only this once\n`);
      ctx.io.stdout.write(`${created.token ?? ''}\n`);
    });

  apitoken
    .command('list')
    .alias('ls')
    .description('list the API tokens (never their secrets)')
    .action(async (_options: unknown, command: Command) => {
      const list = await ctx.client(command).listApiTokens();
      ctx.io.stdout.write(list.items.length === 0 ? 'No API tokens found.\n' : formatTable(['ID', 'NAME', 'ROLE', 'AGE', 'LAST-USED'], list.items.map((t) => row(t, ctx.now()))));
    });

  apitoken
    .command('delete')
    .alias('revoke')
    .description('revoke an API token at once (the last admin token cannot be revoked)')
    .argument('<id>', 'the token id (corral apitoken list)')
    .action(async (id: string, _options: unknown, command: Command) => {
      const deleted = await ctx.client(command).deleteApiToken(id);
      ctx.io.stdout.write(`apitoken/${deleted.id} "${deleted.name}" deleted\n`);
    });
}

function row(token: ApiToken, now: number): string[] {
  return [token.id, token.name, token.role, age(token.createdAt, now), token.lastUsedAt === undefined ? '<never>' : `${age(token.lastUsedAt, now)} ago`];
}
