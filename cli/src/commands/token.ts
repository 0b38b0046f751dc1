import type { Command } from 'commander';
import { type BootstrapTokenObject, Labels, type Result, err, formatPath, ok, parseLabelList } from '../../../protocol/src/index.js';
import type { CommandContext } from '../context.js';
import { age, humanDuration } from '../format/age.js';
import { formatTable } from '../format/table.js';
import { UsageError } from '../usage-error.js';

/** `90m`, `24h`, `7d`, `1s` (or a combination such as `1h30m`) → seconds; undefined when it is not one. */
export function parseTtl(text: string): number | undefined {
  const match = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!match) return undefined;
  const [, days = 0, hours = 0, minutes = 0, seconds = 0] = match;
  const total = Number(days) * 86_400 + Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
  return total > 0 && Number.isSafeInteger(total) ? total : undefined;
}

/** `--labels site=lab,tier=edge` → validated labels; the error names the label at fault. */
export function parseTokenLabels(text: string): Result<Labels, string> {
  const parsed = Labels.safeParse(parseLabelList(text));
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0];
  return err(`--labels: ${formatPath(issue?.path ?? [])}: ${issue?.message ?? 'invalid'}`);
}

/**
 * `corral token create [--ttl 24h] [--labels k=v,…] [--uses N]`, `token list`, `token delete ID`:
 * bootstrap tokens for enrolling devices (admin token needed). `create` prints the token alone on
 * stdout (`TOKEN=$(corral token create --labels site=lab)`); the hub keeps only its hash.
 */
export function registerToken(program: Command, ctx: CommandContext): void {
  const token = program.command('token').description('manage bootstrap tokens that enroll new devices (admin token needed)');

  token
    .command('create')
    .description('create a bootstrap token and print it (shown only this once)')
    .option('--ttl <duration>', 'how long it may be used: 90m, 24h, 7d… (default 24h)', '24h')
    .option('--uses <n>', 'how many devices it may enroll (default 1)', '1')
    .option('--labels <k=v,...>', 'labels the enrolled nodes get')
    .action(async (options: { ttl: string; uses: string; labels?: string }, command: Command) => {
      const ttlSeconds = parseTtl(options.ttl);
      if (ttlSeconds === undefined) throw new UsageError(`--ttl: ${JSON.stringify(options.ttl)} is not a duration such as 90m, 24h or 7d`);
      const uses = Number(options.uses);
      if (!Number.isInteger(uses) || uses < 1 || uses > 1000) throw new UsageError(`--uses: ${JSON.stringify(options.uses)} is not a whole number from 1 to 1000`);
      const labels = options.labels === undefined ? ok({}) : parseTokenLabels(options.labels);
      if (!labels.ok) throw new UsageError(labels.error);
      const created = await ctx.client(command).createBootstrapToken({ ttlSeconds, uses, labels: labels.value });
      ctx.io.stderr.write(`token/${created.id} created (${created.uses === 1 ? 'one use' : `${created.uses} uses`}, expires ${created.expiresAt}); the token below is shown only this once\n`);
      ctx.io.stdout.write(`${created.token ?? ''}\n`);
    });

  token
    .command('list')
    .alias('ls')
    .description('list the bootstrap tokens (never their secrets): state, uses left, expiry, enrolled nodes')
    .action(async (_options: unknown, command: Command) => {
      const list = await ctx.client(command).listBootstrapTokens();
      const now = ctx.now();
      ctx.io.stdout.write(list.items.length === 0 ? 'No bootstrap tokens found.\n' : formatTable(['ID', 'STATE', 'USES-LEFT', 'EXPIRES', 'LABELS', 'NODES', 'AGE'], list.items.map((t) => row(t, now))));
    });

  token
    .command('delete')
    .alias('revoke')
    .description('revoke a bootstrap token at once (nodes it enrolled keep their credentials: corral delete node)')
    .argument('<id>', 'the token id (corral token list)')
    .action(async (id: string, _options: unknown, command: Command) => {
      const revoked = await ctx.client(command).revokeBootstrapToken(id);
      ctx.io.stdout.write(`token/${revoked.id} revoked\n`);
    });
}

function row(token: BootstrapTokenObject, now: number): string[] {
  const left = Date.parse(token.expiresAt) - now;
  const expires = token.state !== 'Active' ? '-' : left > 0 ? `in ${humanDuration(left)}` : 'now';
  const labels = Object.entries(token.labels).map(([k, v]) => `${k}=${v}`).join(',') || '<none>';
  return [token.id, token.state, `${token.usesLeft}/${token.uses}`, expires, labels, token.nodes.join(',') || '<none>', age(token.createdAt, now)];
}
