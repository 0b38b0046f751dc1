import type { Command } from 'commander';
import { API_VERSION, PROTOCOL_VERSION } from '../../../protocol/src/index.js';
import type { CommandContext } from '../context.js';
import { formatFields } from '../format/fields.js';
import { cliVersion } from '../version.js';

/** `corral version`: the client's own versions only; it does not contact the hub. */
export function registerVersion(program: Command, ctx: CommandContext): void {
  program
    .command('version')
    .description('print the client version')
    .action(() => {
      ctx.io.stdout.write(
        formatFields([
          ['Client Version', cliVersion()],
          ['Protocol Version', String(PROTOCOL_VERSION)],
          ['API Version', API_VERSION],
        ]),
      );
    });
}
