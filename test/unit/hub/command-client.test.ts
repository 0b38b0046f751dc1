import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CommandClient, CommandFailedError } from '../../../hub/src/command-client.js';
import { type CommandMessage, ErrorCode, decodeMessage, nodeTopic } from '../../../protocol/src/index.js';

function recorder() {
  const sent: Array<{ topic: string; command: CommandMessage }> = [];
  const publish = async (topic: string, payload: Uint8Array) => {
    const decoded = decodeMessage('cmd', payload);
    assert.ok(decoded.ok);
    sent.push({ topic, command: decoded.value });
  };
  return { sent, client: new CommandClient(publish, () => 5_000) };
}

test('CommandClient sends a valid cmd and resolves with the validated reply result', async () => {
  const { sent, client } = recorder();
  const pending = client.request('pi-1', { op: 'ping' });
  await Promise.resolve();
  assert.equal(sent[0]?.topic, nodeTopic('pi-1', 'cmd'));
  const id = sent[0]!.command.id;
  assert.equal(client.settle('pi-1', { v: 1, id, ts: 1, ok: true, result: { agentVersion: '0.1.0', uptimeSeconds: 3 } }), true);
  assert.deepEqual(await pending, { agentVersion: '0.1.0', uptimeSeconds: 3 });
});

test('CommandClient ignores a reply from another node than the one asked', async () => {
  const { sent, client } = recorder();
  const pending = client.request('pi-1', { op: 'ping' }, { timeoutMs: 50 });
  await Promise.resolve();
  assert.equal(client.settle('pi-2', { v: 1, id: sent[0]!.command.id, ts: 1, ok: true, result: { agentVersion: 'x', uptimeSeconds: 1 } }), false);
  await assert.rejects(pending, { code: ErrorCode.CommandTimeout });
});

test('CommandClient rejects on an error reply and on a malformed result', async () => {
  const { sent, client } = recorder();
  const failed = client.request('pi-1', { op: 'ping' });
  const malformed = client.request('pi-1', { op: 'ping' });
  await Promise.resolve();
  client.settle('pi-1', { v: 1, id: sent[0]!.command.id, ts: 1, ok: false, error: { code: 'E', message: 'no' } });
  client.settle('pi-1', { v: 1, id: sent[1]!.command.id, ts: 1, ok: true, result: { agentVersion: 7 } });
  await assert.rejects(failed, { code: ErrorCode.CommandFailed });
  await assert.rejects(malformed, { code: ErrorCode.ProtocolInvalid });
});

test('CommandClient rejects everything pending when cancelled', async () => {
  const { client } = recorder();
  const pending = client.request('pi-1', { op: 'ping' });
  client.cancelAll();
  await assert.rejects(pending, { code: ErrorCode.BrokerUnavailable });
});

test('CommandClient sends a logs command with its arguments and resolves with the validated lines', async () => {
  const { sent, client } = recorder();
  const pending = client.request('pi-1', { op: 'logs', pod: 'web', container: 'app', tail: 20 });
  await Promise.resolve();
  const command = sent[0]!.command;
  assert.ok(command.op === 'logs');
  assert.deepEqual([command.pod, command.container, command.tail], ['web', 'app', 20]);
  client.settle('pi-1', { v: 1, id: command.id, ts: 1, ok: true, result: { container: 'app', lines: ['a'], truncated: false } });
  assert.deepEqual(await pending, { container: 'app', lines: ['a'], truncated: false });
});

test('CommandClient keeps the agent error code on a failed command', async () => {
  const { sent, client } = recorder();
  const pending = client.request('pi-1', { op: 'logs', pod: 'web' });
  await Promise.resolve();
  client.settle('pi-1', { v: 1, id: sent[0]!.command.id, ts: 1, ok: false, error: { code: ErrorCode.PodNotFound, message: 'no such pod' } });
  await assert.rejects(pending, (error: unknown) => error instanceof CommandFailedError && error.code === ErrorCode.CommandFailed && error.remote.code === ErrorCode.PodNotFound);
});

test('CommandClient rejects a command whose arguments the protocol refuses, without sending it', async () => {
  const { sent, client } = recorder();
  await assert.rejects(client.request('pi-1', { op: 'logs', pod: 'web', tail: 0 }), { code: ErrorCode.ProtocolInvalid });
  assert.equal(sent.length, 0);
});
