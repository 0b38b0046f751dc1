import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { runProbe } from '../../../../agent/src/probes/probe-actions.js';
import { afterProbe, freshProbeState, probeDue } from '../../../../agent/src/probes/probe-state.js';
import { Probe } from '../../../../protocol/src/index.js';

const probe = Probe.parse({ exec: { command: ['true'] }, initialDelaySeconds: 5, periodSeconds: 10, failureThreshold: 3 });

test('probeDue waits for the initial delay, then one period between probes', () => {
  const s = freshProbeState(1_000);
  assert.equal(probeDue(s, probe, 5_999), false);
  assert.equal(probeDue(s, probe, 6_000), true);
  const after = afterProbe(s, probe, { ok: true, at: 6_000 }).state;
  assert.equal(probeDue(after, probe, 15_999), false);
  assert.equal(probeDue(after, probe, 16_000), true);
});

test('afterProbe asks for a restart only after failureThreshold failures in a row', () => {
  let s = freshProbeState(0);
  const results = [false, false, true, false, false, false].map((ok, i) => {
    const next = afterProbe(s, probe, { ok, at: i * 10_000 });
    s = next.state;
    return next.restart;
  });
  assert.deepEqual(results, [false, false, false, false, false, true]);
});

test('runProbe checks exec exit codes, http status and tcp connections against 127.0.0.1', async () => {
  const server = createServer((req, res) => {
    res.statusCode = req.url === '/healthz' ? 204 : 500;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const target = (code: number) => ({ host: '127.0.0.1', exec: async () => code });
  try {
    assert.equal(await runProbe(Probe.parse({ exec: { command: ['x'] } }), target(0)), true);
    assert.equal(await runProbe(Probe.parse({ exec: { command: ['x'] } }), target(1)), false);
    assert.equal(await runProbe(Probe.parse({ httpGet: { path: '/healthz', port } }), target(0)), true);
    assert.equal(await runProbe(Probe.parse({ httpGet: { path: '/broken', port } }), target(0)), false);
    assert.equal(await runProbe(Probe.parse({ tcpSocket: { port } }), target(0)), true);
  } finally {
    await new Promise((r) => server.close(r));
  }
  assert.equal(await runProbe(Probe.parse({ tcpSocket: { port } }), target(0)), false, 'closed port');
  const failing = { host: '127.0.0.1', exec: async () => Promise.reject(new Error('timeout')) };
  assert.equal(await runProbe(Probe.parse({ exec: { command: ['x'] } }), failing), false);
});
