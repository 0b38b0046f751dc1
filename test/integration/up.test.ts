import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { BIN, Daemon, ROOT, freePort, tempDir, waitFor } from '../support/daemons.js';

const run = promisify(execFile);

test('make up runs a hub and a local agent that the CLI lists Ready, and Ctrl-C stops both', async (t) => {
  const dir = await tempDir('up');
  const http = `127.0.0.1:${await freePort()}`;
  const mqtt = `127.0.0.1:${await freePort()}`;
  const up = new Daemon(
    'up',
    spawn(process.execPath, [join(ROOT, 'dist/scripts/up.js')], {
      env: { ...process.env, CORRAL_UP_HTTP: http, CORRAL_UP_MQTT: mqtt, CORRAL_UP_DATA: dir.path },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  try {
    await waitFor('"Corral is up"', () => (up.log().includes('Corral is up') ? true : undefined), 30_000);
    assert.match(up.log(), new RegExp(`API\\s+http://${http.replace(/\./g, '\\.')}`));
    assert.match(up.log(), /corral get nodes/);
    const { stdout } = await run(process.execPath, [BIN.cli, '--hub', `http://${http}`, 'get', 'nodes', '-o', 'json']);
    const items = (JSON.parse(stdout) as { items: Array<{ status: { phase: string; nodeInfo: { architecture: string } } }> }).items;
    assert.equal(items.length, 1);
    assert.equal(items[0]?.status.phase, 'Ready');
    const pids = (await run('pgrep', ['-f', '--', `--data-dir ${dir.path}/`]).catch(() => ({ stdout: '' }))).stdout.trim().split('\n').filter(Boolean);
    assert.equal(pids.length, 2, 'a hub and an agent run');
    up.signal('SIGINT');
    const exit = await up.exited;
    assert.equal(exit.code, 0, up.log());
    assert.match(up.log(), /AgentShutdown/, 'the agent said goodbye before the hub stopped');
    const left = (await run('pgrep', ['-f', '--', `--data-dir ${dir.path}/`]).catch(() => ({ stdout: '' }))).stdout.trim();
    assert.equal(left, '', 'no daemon outlives make up');
  } finally {
    if (up.alive) t.diagnostic(up.log());
    await up.stop('SIGINT');
    await run('pkill', ['-KILL', '-f', '--', `--data-dir ${dir.path}/`]).catch(() => undefined);
    await dir.remove();
  }
});
