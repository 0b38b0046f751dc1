import { Command, CommanderError } from 'commander';
import { registerApiToken } from './commands/apitoken.js';
import { registerApply } from './commands/apply.js';
import { registerDelete } from './commands/delete.js';
import { registerDescribe } from './commands/describe.js';
import { registerExplain } from './commands/explain.js';
import { registerGet } from './commands/get.js';
import { registerLogin } from './commands/login.js';
import { registerLogs } from './commands/logs.js';
import { registerNodeAdmin } from './commands/node-admin.js';
import { registerNodeCredentials } from './commands/node-credentials.js';
import { registerRun } from './commands/run.js';
import { registerToken } from './commands/token.js';
import { registerTrigger } from './commands/trigger.js';
import { registerVersion } from './commands/version.js';
import { type CliIo, createContext, defaultHub } from './context.js';
import { errorLine } from './error-line.js';

export type { CliIo } from './context.js';

/** The commander tree for one invocation; built fresh each time so runs share no state. */
function buildProgram(io: CliIo, stderrCapture: { text: string }): Command {
  const program = new Command('corral')
    .description('Corral command-line client: inspect the nodes a Corral hub manages, run pods, apply workloads and cron jobs')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      // Commander writes usage text here when it bails out with help; `run` decides where it goes.
      writeErr: (text) => {
        stderrCapture.text += text;
      },
      // Errors are printed by `run`, as one line.
      outputError: () => {},
    })
    .option('--hub <url>', 'hub base URL (env CORRAL_HUB; else the hub of corral login)', defaultHub(io.env))
    .option('--ca <file>', "CA to trust for an https:// hub: the hub's <dataDir>/pki/ca.pem (env CORRAL_CA)")
    .option('--token <token>', 'API token (env CORRAL_TOKEN; else the one saved by corral login for this hub)');

  const ctx = createContext(io);
  registerGet(program, ctx);
  registerDescribe(program, ctx);
  registerRun(program, ctx);
  registerLogs(program, ctx);
  registerDelete(program, ctx);
  registerApply(program, ctx);
  registerExplain(program, ctx);
  registerNodeAdmin(program, ctx);
  registerNodeCredentials(program, ctx);
  registerTrigger(program, ctx);
  registerVersion(program, ctx);
  registerLogin(program, ctx);
  registerApiToken(program, ctx);
  registerToken(program, ctx);
  return program;
}

/**
 * Runs the CLI on `argv` (the user's arguments, without `node` and the script path)
 * and resolves to the exit code: 0 on success, 1 on any error after writing exactly
 * one `error: …` line to `io.stderr`. Never rejects.
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const stderrCapture = { text: '' };
  let program: Command | undefined;
  try {
    program = buildProgram(io, stderrCapture);
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help, `help`, `help COMMAND`: usage already went to stdout.
      if (error.exitCode === 0) return 0;
      if (error.code === 'commander.help') {
        // Bare `corral`: commander shows usage as an error; like kubectl, print it on stdout and succeed.
        const operands = program?.args ?? [];
        if (operands.length === 0) {
          io.stdout.write(stderrCapture.text);
          return 0;
        }
        // `corral help NOSUCH`
        io.stderr.write(errorLine(`unknown command ${JSON.stringify(operands.slice(1).join(' '))}`));
        return 1;
      }
    }
    io.stderr.write(errorLine(error));
    return 1;
  }
}
