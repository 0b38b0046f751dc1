import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseTokenLabels, parseTtl } from '../../../cli/src/commands/token.js';
import { run } from '../../../cli/src/program.js';
import { Capture, NOW } from './fixtures.js';
import { type HubStub, notFoundStatus, startHubStub } from './hub-stub.js';

async function corral(argv: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await run(argv, { stdout, stderr, env: {}, now: () => NOW });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const iso = (offsetMs: number) => new Date(NOW + offsetMs).toISOString();
const token = (overrides: Record<string, unknown> = {}) => ({
  apiVersion: 'corral/v1',
  kind: 'BootstrapToken',
  id: '1a2b3c4d',
  state: 'Active',
  labels: { site: 'lab' },
  uses: 1,
  usesLeft: 1,
  createdAt: iso(-3_600_000),
  expiresAt: iso(23 * 3_600_000),
  nodes: [],
  ...overrides,
});
const SECRET = `cbt_${'s'.repeat(43)}`;

describe('corral token against a stub hub', () => {
  let hub: HubStub;
  before(async () => {
    hub = await startHubStub({
      'POST /api/v1/bootstrap-tokens': { status: 201, body: token({ token: SECRET, uses: 3, usesLeft: 3 }) },
      '/api/v1/bootstrap-tokens': {
        status: 200,
        body: { apiVersion: 'corral/v1', kind: 'List', items: [token(), token({ id: 'deadbeef', state: 'UsedUp', usesLeft: 0, labels: {}, nodes: ['pi-a'] })] },
      },
      'DELETE /api/v1/bootstrap-tokens/1a2b3c4d': { status: 200, body: token({ state: 'Revoked', revokedAt: iso(0) }) },
      'DELETE /api/v1/bootstrap-tokens/ffffffff': notFoundStatus('bootstrap token "ffffffff" not found'),
    });
  });
  after(() => hub.close());

  it('token create sends ttl in seconds, uses and labels, and prints the token alone on stdout', async () => {
    const out = await corral(['--hub', hub.url, 'token', 'create', '--ttl', '7d', '--uses', '3', '--labels', 'site=lab,tier=edge']);
    assert.deepEqual([out.code, out.stdout], [0, `${SECRET}\n`]);
    assert.match(out.stderr, /^token\/1a2b3c4d created \(3 uses, expires .*\); the token below is shown only this once\n$/);
    assert.deepEqual(hub.calls.at(-1)?.body, { ttlSeconds: 7 * 86_400, uses: 3, labels: { site: 'lab', tier: 'edge' } });
  });

  it('token create defaults to 24h and one use, and refuses a bad --ttl, --uses or label before asking the hub', async () => {
    assert.equal((await corral(['--hub', hub.url, 'token', 'create'])).code, 0);
    assert.deepEqual(hub.calls.at(-1)?.body, { ttlSeconds: 86_400, uses: 1, labels: {} });
    const before = hub.calls.length;
    for (const [args, message] of [
      [['--ttl', '3 weeks'], /^error: --ttl: "3 weeks" is not a duration/],
      [['--ttl', '0s'], /^error: --ttl/],
      [['--uses', '0'], /^error: --uses/],
      [['--labels', 'bad key=x'], /^error: --labels: bad key: /],
    ] as const) {
      const out = await corral(['--hub', hub.url, 'token', 'create', ...args]);
      assert.equal(out.code, 1);
      assert.match(out.stderr, message);
    }
    assert.equal(hub.calls.length, before);
  });

  it('token list shows state, uses left, expiry, labels and nodes, never a secret', async () => {
    const out = await corral(['--hub', hub.url, 'token', 'list']);
    assert.equal(out.code, 0);
    assert.deepEqual(out.stdout.split('\n').map((line) => line.split(/\s+/).join(' ')), [
      'ID STATE USES-LEFT EXPIRES LABELS NODES AGE',
      '1a2b3c4d Active 1/1 in 23h site=lab <none> 60m',
      'deadbeef UsedUp 0/1 - <none> pi-a 60m',
      '',
    ]);
  });

  it('token delete revokes; an unknown id is one error line', async () => {
    const out = await corral(['--hub', hub.url, 'token', 'delete', '1a2b3c4d']);
    assert.deepEqual([out.code, out.stdout], [0, 'token/1a2b3c4d revoked\n']);
    const missing = await corral(['--hub', hub.url, 'token', 'revoke', 'ffffffff']);
    assert.deepEqual([missing.code, missing.stderr], [1, 'error: bootstrap token "ffffffff" not found\n']);
  });
});

describe('token flags', () => {
  it('parseTtl reads 90m, 24h, 7d, 1s and combinations; anything else is undefined', () => {
    assert.deepEqual(['90m', '24h', '7d', '1s', '1h30m', '2d12h'].map(parseTtl), [5400, 86_400, 604_800, 1, 5400, 216_000]);
    assert.deepEqual(['', '0s', '24', 'h', '1x', '-1h', '1.5h'].map(parseTtl), Array(7).fill(undefined));
  });

  it('parseTokenLabels validates each label', () => {
    assert.deepEqual(parseTokenLabels('a=b, c=d'), { ok: true, value: { a: 'b', c: 'd' } });
    assert.equal(parseTokenLabels('a=b c').ok, false);
  });
});
