import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { HubClient } from '../client.js';
import type { CommandContext } from '../context.js';
import type { NodeCredentials } from '../node-credentials-object.js';
import { UsageError } from '../usage-error.js';

const FORMATS = ['text', 'yaml', 'json'] as const;
type Format = (typeof FORMATS)[number];

/** How `corral node credentials` prints the login: plain lines, the agent config's `credentials:` block, or the hub's JSON. */
export function formatNodeCredentials(credentials: NodeCredentials, format: Format): string {
  if (format === 'json') return `${JSON.stringify(credentials, null, 2)}\n`;
  if (format === 'yaml') {
    const snippet = stringify({ credentials: { username: credentials.username, password: credentials.password } });
    return `# corral-agent config for node ${credentials.node} (its nodeName must be ${credentials.node})\n${snippet}`;
  }
  return `username: ${credentials.username}\npassword: ${credentials.password}\n`;
}

/** `corral delete node NAME`: what the hub did, one line each, like `drain`. */
export async function deleteNode(client: HubClient, name: string): Promise<string> {
  const result = await client.deleteNode(name);
  const lines = result.evicted.map((pod) => `pod/${pod} evicted\n`);
  if (result.credentialsRevoked) lines.push(`node/${name} credentials revoked\n`);
  return `${lines.join('')}node/${name} deleted\n`;
}

/** `corral node credentials NAME [-o yaml|json]`: issues (or rotates) a node's broker password and prints it once. */
export function registerNodeCredentials(program: Command, ctx: CommandContext): void {
  const node = program.command('node').description('node administration: broker credentials');
  node
    .command('credentials')
    .description("issue a node's MQTT username and password (again: a new password, the old one stops working); shown only now")
    .argument('<node>', 'node name (it need not have registered yet)')
    .option('-o, --output <format>', `output format: ${FORMATS.join(', ')} (yaml: the agent config's credentials block)`, 'text')
    .action(async (name: string, options: { output: string }, command: Command) => {
      if (!(FORMATS as readonly string[]).includes(options.output)) throw new UsageError(`unknown output format ${JSON.stringify(options.output)} (supported: ${FORMATS.join(', ')})`);
      const credentials = await ctx.client(command).issueNodeCredentials(name);
      ctx.io.stdout.write(formatNodeCredentials(credentials, options.output as Format));
      if (credentials.rotated) ctx.io.stderr.write(`warning: node/${name} had credentials; they no longer work\n`);
    });
}
