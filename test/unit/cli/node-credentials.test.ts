import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { run } from '../../../cli/src/program.js';
import { Capture, NOW } from './fixtures.js';
import { type HubStub, notFoundStatus, startHubStub } from './hub-stub.js';

async function corral(argv: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await run(argv, { stdout, stderr, env: {}, now: () => NOW });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const issued = { kind: 'NodeCredentials', node: 'pi-a', username: 'pi-a', password: 'p'.repeat(43), rotated: false };

describe('corral node credentials and delete node against a stub hub', () => {
  let hub: HubStub;
  before(async () => {
    hub = await startHubStub({
      'POST /api/v1/nodes/pi-a/credentials': { status: 201, body: issued },
      'POST /api/v1/nodes/pi-b/credentials': { status: 201, body: { ...issued, node: 'pi-b', username: 'pi-b', rotated: true } },
      'DELETE /api/v1/nodes/pi-a': { status: 200, body: { kind: 'NodeDeletion', node: 'pi-a', registered: true, credentialsRevoked: true, disconnected: 1, evicted: ['web-1'] } },
      'DELETE /api/v1/nodes/gone': notFoundStatus('node "gone" not found'),
    });
  });
  after(() => hub.close());

  it('node credentials prints the username and password once, by default as two lines', async () => {
    const out = await corral(['--hub', hub.url, 'node', 'credentials', 'pi-a']);
    assert.deepEqual([out.code, out.stdout, out.stderr], [0, `username: pi-a\npassword: ${'p'.repeat(43)}\n`, '']);
    assert.equal(hub.calls.at(-1)?.method, 'POST');
  });

  it('node credentials -o yaml prints the agent config credentials block', async () => {
    const out = await corral(['--hub', hub.url, 'node', 'credentials', 'pi-a', '-o', 'yaml']);
    assert.equal(out.code, 0);
    assert.deepEqual(parseYaml(out.stdout), { credentials: { username: 'pi-a', password: 'p'.repeat(43) } });
  });

  it('node credentials warns when it replaced earlier credentials', async () => {
    const out = await corral(['--hub', hub.url, 'node', 'credentials', 'pi-b', '-o', 'json']);
    assert.equal(out.code, 0);
    assert.equal(JSON.parse(out.stdout).username, 'pi-b');
    assert.match(out.stderr, /^warning: node\/pi-b had credentials; they no longer work\n$/);
  });

  it('node credentials refuses an unknown output format', async () => {
    const out = await corral(['--hub', hub.url, 'node', 'credentials', 'pi-a', '-o', 'xml']);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /^error: unknown output format "xml"/);
  });

  it('delete node prints what the hub did; an unknown node is one not-found line', async () => {
    const out = await corral(['--hub', hub.url, 'delete', 'node', 'pi-a']);
    assert.deepEqual([out.code, out.stdout], [0, 'pod/web-1 evicted\nnode/pi-a credentials revoked\nnode/pi-a deleted\n']);
    assert.equal(hub.calls.at(-1)?.method, 'DELETE');
    const missing = await corral(['--hub', hub.url, 'delete', 'no', 'gone']);
    assert.deepEqual([missing.code, missing.stdout, missing.stderr], [1, '', 'error: node "gone" not found\n']);
  });
});
