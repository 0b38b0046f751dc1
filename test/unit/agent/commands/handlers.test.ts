import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CommandContext, commandHandlers, handleCommand } from '../../../../agent/src/commands/handlers.js';
import { type CommandMessage, CommandResults, PROTOCOL_VERSION } from '../../../../protocol/src/index.js';

const ping: CommandMessage = { v: PROTOCOL_VERSION, id: 'cmd-1', ts: 1_700_000_000_000, op: 'ping' };

/** A context whose clock reads whatever `time.now` is set to. */
function context(startedAt: number, time: { now: number }): CommandContext {
  return {
    agentVersion: '1.2.3',
    startedAt,
    now: () => time.now,
    readLogs: async (request) => ({ container: request.container ?? 'main', lines: [`${request.pod} tail ${request.tail ?? 'all'}`], truncated: false }),
    triggerRun: async (job) => ({ run: `${job}-m1`, started: true }),
  };
}

test('handleCommand trigger asks for a run of the named job and returns what happened', async () => {
  const result = await handleCommand(context(0, { now: 0 }), { v: PROTOCOL_VERSION, id: 'cmd-3', ts: 1, op: 'trigger', job: 'backup' });
  assert.deepEqual(CommandResults.trigger.parse(result), { run: 'backup-m1', started: true });
});

test('handleCommand logs passes pod, container and tail to the log reader', async () => {
  const result = await handleCommand(context(0, { now: 0 }), { v: PROTOCOL_VERSION, id: 'cmd-2', ts: 1, op: 'logs', pod: 'web', container: 'app', tail: 5 });
  assert.deepEqual(result, { container: 'app', lines: ['web tail 5'], truncated: false });
  assert.ok(CommandResults.logs.safeParse(result).success);
});

test('handleCommand ping reports the agent version and the uptime from the injected clock', async () => {
  const time = { now: 1_000_000 + 90_500 };
  const result = await handleCommand(context(1_000_000, time), ping);
  assert.deepEqual(result, { agentVersion: '1.2.3', uptimeSeconds: 90.5 });
  assert.ok(CommandResults.ping.safeParse(result).success);
});

test('handleCommand ping reads the clock at each call', async () => {
  const time = { now: 5000 };
  const ctx = context(5000, time);
  assert.deepEqual(await handleCommand(ctx, ping), { agentVersion: '1.2.3', uptimeSeconds: 0 });
  time.now = 65_000;
  assert.deepEqual(await handleCommand(ctx, ping), { agentVersion: '1.2.3', uptimeSeconds: 60 });
});

test('handleCommand ping reports zero uptime, not a negative one, when the clock steps back', async () => {
  const result = await handleCommand(context(10_000, { now: 4000 }), ping);
  assert.deepEqual(result, { agentVersion: '1.2.3', uptimeSeconds: 0 });
  assert.ok(CommandResults.ping.safeParse(result).success, 'the hub accepts the result');
});

test('commandHandlers has a handler for every protocol operation', () => {
  assert.deepEqual(Object.keys(commandHandlers).sort(), Object.keys(CommandResults).sort());
});
