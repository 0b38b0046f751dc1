import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { credentialsPath, readCredentials, resolveHubAccess, sameHub } from '../../../cli/src/credentials-file.js';
import { run } from '../../../cli/src/program.js';
import { Capture, makeList, makeNode, NOW } from './fixtures.js';
import { type CannedResponse, type HubStub, startHubStub } from './hub-stub.js';

const TOKEN = `crl_${'a'.repeat(43)}`;
const OTHER = `crl_${'b'.repeat(43)}`;
const ops = { apiVersion: 'corral/v1', kind: 'ApiToken', id: '0a1b2c3d', name: 'ops', role: 'admin', createdAt: new Date(NOW - 3_600_000).toISOString() };
const refusal = (code: 401 | 403, message: string): CannedResponse => ({ status: code, body: { kind: 'Status', status: 'Failure', code, reason: code === 401 ? 'Unauthorized' : 'Forbidden', message } });
const deploymentYaml = 'apiVersion: corral/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n  template:\n    containers: [{name: app, image: "busybox:1.36"}]\n';

describe('corral login, saved credentials and refusals against stub hubs', () => {
  let hub: HubStub;
  let refusing: HubStub;
  let config: string;
  const corral = async (argv: string[], options: { env?: Record<string, string>; stdin?: string } = {}) => {
    const stdout = new Capture();
    const stderr = new Capture();
    const env = { XDG_CONFIG_HOME: config, ...options.env };
    const code = await run(argv, { stdout, stderr, env, now: () => NOW, readStdin: async () => options.stdin ?? '' });
    return { code, stdout: stdout.text, stderr: stderr.text, errLines: stderr.lines };
  };
  const saved = () => join(config, 'corral', 'credentials.yaml');

  before(async () => {
    hub = await startHubStub({
      '/api/v1/tokens/self': { status: 200, body: ops },
      '/api/v1/nodes': { status: 200, body: makeList([makeNode({ name: 'a' })]) },
      '/api/v1/tokens': { status: 200, body: { kind: 'List', items: [ops, { ...ops, id: '99887766', name: 'ci', role: 'read-only', lastUsedAt: new Date(NOW - 120_000).toISOString() }] } },
      'POST /api/v1/tokens': { status: 201, body: { ...ops, id: '55667788', name: 'ci', role: 'read-only', token: OTHER } },
      'DELETE /api/v1/tokens/99887766': { status: 200, body: { ...ops, id: '99887766', name: 'ci', role: 'read-only' } },
      'DELETE /api/v1/tokens/0a1b2c3d': { status: 409, body: { kind: 'Status', status: 'Failure', code: 409, reason: 'Conflict', message: 'API token "0a1b2c3d" (ops) is the last admin token; create another admin token first' } },
    });
    refusing = await startHubStub({
      '/api/v1/tokens/self': refusal(401, 'the token is not valid (unknown or revoked)'),
      '/api/v1/nodes': refusal(401, 'no token'),
      'POST /api/v1/apply': refusal(403, 'read-only token: POST /api/v1/apply needs an admin token'),
      'POST /api/v1/nodes/n1/drain': refusal(403, 'read-only token: POST /api/v1/nodes/:name/drain needs an admin token'),
    });
  });
  after(async () => {
    await hub.close();
    await refusing.close();
  });
  beforeEach(async () => {
    config = await mkdtemp(join(tmpdir(), 'corral-cli-login-'));
  });
  afterEach(() => rm(config, { recursive: true, force: true }));

  it('login checks the token with the hub and saves hub and token in a 0600 file in a 0700 directory', async () => {
    const out = await corral(['login', '--hub', hub.url, '--token', TOKEN]);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(hub.calls.at(-1)?.path, '/api/v1/tokens/self');
    assert.equal(hub.calls.at(-1)?.authorization, `Bearer ${TOKEN}`);
    assert.match(out.stdout, /^Logged in to http:\/\/127\.0\.0\.1:\d+ with API token "ops" \(admin, id 0a1b2c3d\)/);
    assert.deepEqual(readCredentials(saved()), { hub: hub.url, token: TOKEN });
    assert.equal((await stat(saved())).mode & 0o777, 0o600);
    assert.equal((await stat(join(config, 'corral'))).mode & 0o777, 0o700);
  });

  it('login --token - reads the token from standard input', async () => {
    const out = await corral(['login', '--hub', hub.url, '--token', '-'], { stdin: `${TOKEN}\n` });
    assert.equal(out.code, 0, out.stderr);
    assert.equal(readCredentials(saved())?.token, TOKEN);
  });

  it('after login, commands without --hub go to the saved hub with the saved token', async () => {
    await corral(['login', '--hub', hub.url, '--token', TOKEN]);
    const out = await corral(['get', 'nodes']);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual([hub.calls.at(-1)?.path, hub.calls.at(-1)?.authorization], ['/api/v1/nodes', `Bearer ${TOKEN}`]);
  });

  it('the saved token goes only to the hub it was saved for; CORRAL_TOKEN and --token override it', async () => {
    await corral(['login', '--hub', hub.url, '--token', TOKEN]);
    await corral(['--hub', `${hub.url}/`, 'get', 'nodes']);
    assert.equal(hub.calls.at(-1)?.authorization, `Bearer ${TOKEN}`, 'same hub, trailing slash or not');
    await corral(['get', 'nodes'], { env: { CORRAL_HUB: refusing.url } });
    assert.equal(refusing.calls.at(-1)?.authorization, undefined, 'another hub never sees the saved token');
    await corral(['get', 'nodes'], { env: { CORRAL_TOKEN: OTHER } });
    assert.equal(hub.calls.at(-1)?.authorization, `Bearer ${OTHER}`);
    await corral(['get', 'nodes', '--token', TOKEN], { env: { CORRAL_TOKEN: OTHER } });
    assert.equal(hub.calls.at(-1)?.authorization, `Bearer ${TOKEN}`);
  });

  it('login with a token the hub refuses fails with one error line and saves nothing', async () => {
    const out = await corral(['login', '--hub', refusing.url, '--token', TOKEN]);
    assert.equal(out.code, 1);
    assert.deepEqual(out.errLines, ['error: the hub refused the request: the token is not valid (unknown or revoked; use corral login or CORRAL_TOKEN)']);
    await assert.rejects(readFile(saved()), { code: 'ENOENT' });
  });

  it('login refuses what is not a Corral token, and a hub that does not check tokens', async () => {
    const bad = await corral(['login', '--hub', hub.url, '--token', 'hunter2']);
    assert.equal(bad.code, 1);
    assert.match(bad.errLines.join('\n'), /^error: that is not a Corral API token/);
    const missing = await corral(['login', '--hub', hub.url]);
    assert.match(missing.errLines.join('\n'), /^error: give the token/);
    const insecure = await startHubStub({});
    try {
      const out = await corral(['login', '--hub', insecure.url, '--token', TOKEN]);
      assert.equal(out.code, 1);
      assert.match(out.errLines.join('\n'), /does not check API tokens/);
    } finally {
      await insecure.close();
    }
  });

  it('a 401 without a token says how to get one; a 403 says what a read-only token cannot do', async () => {
    const noToken = await corral(['--hub', refusing.url, 'get', 'nodes']);
    assert.equal(noToken.code, 1);
    assert.deepEqual(noToken.errLines, ['error: the hub refused the request: no token (use corral login or CORRAL_TOKEN)']);
    const apply = await corral(['--hub', refusing.url, '--token', TOKEN, 'apply', '-f', '-'], { stdin: deploymentYaml });
    assert.equal(apply.code, 1);
    assert.deepEqual(apply.errLines, ['error: the hub refused the request: read-only token cannot apply']);
    const drain = await corral(['--hub', refusing.url, '--token', TOKEN, 'drain', 'n1']);
    assert.deepEqual(drain.errLines, ['error: the hub refused the request: read-only token cannot drain']);
  });

  it('apitoken create prints only the token on stdout; list shows no secrets; delete revokes or explains', async () => {
    const created = await corral(['--hub', hub.url, '--token', TOKEN, 'apitoken', 'create', 'ci', '--role', 'read-only']);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, `${OTHER}\n`);
    assert.deepEqual(hub.calls.at(-1)?.body, { name: 'ci', role: 'read-only' });
    assert.match(created.stderr, /apitoken\/55667788 "ci" \(read-only\) created/);

    const list = await corral(['--hub', hub.url, '--token', TOKEN, 'apitoken', 'list']);
    assert.deepEqual(list.stdout.trimEnd().split('\n').map((l) => l.split(/\s{3,}/)), [
      ['ID', 'NAME', 'ROLE', 'AGE', 'LAST-USED'],
      ['0a1b2c3d', 'ops', 'admin', '60m', '<never>'],
      ['99887766', 'ci', 'read-only', '60m', '2m ago'],
    ]);

    const deleted = await corral(['--hub', hub.url, '--token', TOKEN, 'apitoken', 'delete', '99887766']);
    assert.equal(deleted.stdout, 'apitoken/99887766 "ci" deleted\n');
    const last = await corral(['--hub', hub.url, '--token', TOKEN, 'apitoken', 'delete', '0a1b2c3d']);
    assert.equal(last.code, 1);
    assert.match(last.errLines.join('\n'), /^error: API token "0a1b2c3d" \(ops\) is the last admin token/);
    const noRole = await corral(['--hub', hub.url, 'apitoken', 'create', 'x']);
    assert.equal(noRole.code, 1);
    assert.match(noRole.errLines.join('\n'), /--role/);
  });
});

describe('credentials file', () => {
  it('credentialsPath uses XDG_CONFIG_HOME, else ~/.config, else nothing', () => {
    assert.equal(credentialsPath({ XDG_CONFIG_HOME: '/x', HOME: '/h' }), '/x/corral/credentials.yaml');
    assert.equal(credentialsPath({ XDG_CONFIG_HOME: 'relative', HOME: '/h' }), '/h/.config/corral/credentials.yaml');
    assert.equal(credentialsPath({}), undefined);
  });

  it('sameHub ignores trailing slashes and case in scheme and host', () => {
    assert.ok(sameHub('https://Hub.lan:8443/', 'https://hub.lan:8443'));
    assert.ok(!sameHub('https://hub.lan:8443', 'https://hub.lan:8444'));
  });

  it('resolveHubAccess prefers the flag, then the environment, then the file, then the fallback', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'corral-cli-creds-'));
    try {
      const env = { XDG_CONFIG_HOME: dir };
      const options = { env, fallbackHub: 'http://127.0.0.1:8080' };
      assert.deepEqual(resolveHubAccess({}, options), { hub: 'http://127.0.0.1:8080', token: undefined });
      await mkdir(join(dir, 'corral'));
      await writeFile(join(dir, 'corral', 'credentials.yaml'), `hub: https://hub.lan:8443\ntoken: ${TOKEN}\n`);
      assert.deepEqual(resolveHubAccess({}, options), { hub: 'https://hub.lan:8443', token: TOKEN });
      assert.deepEqual(resolveHubAccess({ hub: 'https://other:8443' }, options), { hub: 'https://other:8443', token: undefined });
      assert.deepEqual(resolveHubAccess({}, { ...options, env: { ...env, CORRAL_TOKEN: OTHER } }), { hub: 'https://hub.lan:8443', token: OTHER });
      await writeFile(join(dir, 'corral', 'credentials.yaml'), 'hub: [\n');
      assert.throws(() => resolveHubAccess({}, options), { code: 'CORRAL_CONFIG_INVALID' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
