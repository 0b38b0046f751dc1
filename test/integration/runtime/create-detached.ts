/**
 * Creates and starts one container with a RuncRuntime, then exits: the
 * contract suite runs it as a separate process to show that containers (and
 * their exit codes) outlive the agent process that made them.
 * Usage: node --import tsx create-detached.ts '<json>'; prints "ok" or the error code.
 */
import { RuncRuntime, type RuncRuntimeOptions } from '../../../agent/src/runtime/index.js';

interface Args {
  runtime: RuncRuntimeOptions;
  id: string;
  bundle: string;
  stdoutPath: string;
  stderrPath: string;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const runtime = new RuncRuntime(args.runtime);
const created = await runtime.create(args.id, { bundle: args.bundle, stdoutPath: args.stdoutPath, stderrPath: args.stderrPath });
const started = created.ok ? await runtime.start(args.id) : created;
process.stdout.write(started.ok ? 'ok\n' : `${started.error.code} ${started.error.message}\n`);
