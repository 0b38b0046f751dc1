import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN, type Daemon, freePort, startHub, tempDir } from '../support/daemons.js';

const deployment = `apiVersion: corral/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  template:
    containers:
      - {name: web, image: "busybox:1.36", command: [sleep, "3600"]}
`;

/** One https request trusting only the hub's CA; never rejects on an HTTP status. */
function httpsGet(url: string, options: { ca: string; token?: string }): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = options.token === undefined ? {} : { authorization: `Bearer ${options.token}` };
    const req = request(url, { ca: options.ca, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.once('error', reject);
    req.end();
  });
}

/**
 * The API auth of issue 7 end to end: `corral-hub` in secure mode (https with its own CA, no
 * --insecure) and the built `corral` CLI with its own XDG_CONFIG_HOME, no CORRAL_HUB or CORRAL_TOKEN
 * from the developer's shell.
 */
describe('API auth: a secure hub and the corral CLI', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let hub: Daemon;
  let api: string;
  let caFile: string;
  let ca: string;
  let adminToken: string;
  let viewerToken: string;
  let viewerId: string;
  let httpPort: number;
  let mqttPort: number;

  /** `corral-hub` without --insecure, on the same ports each time (a restart keeps the CLI's saved hub). */
  const startSecureHub = async () => {
    const started = await startHub({ dataDir: join(dir.path, 'hub'), secure: true, httpPort, mqttPort });
    hub = started.daemon;
    api = started.api;
    caFile = started.caFile ?? '';
    ca = await readFile(caFile, 'utf8');
  };

  /** The built CLI, trusting the hub's CA through CORRAL_CA. */
  const corral = (args: string[], options: { env?: Record<string, string>; stdin?: string } = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const env = { PATH: process.env['PATH'] ?? '', HOME: dir.path, XDG_CONFIG_HOME: join(dir.path, 'config'), CORRAL_CA: caFile, ...options.env };
      const child = spawn(process.execPath, [BIN.cli, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdin.end(options.stdin ?? '');
      child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });

  before(async () => {
    dir = await tempDir('api-auth');
    httpPort = await freePort();
    mqttPort = await freePort();
    await writeFile(join(dir.path, 'web.yaml'), deployment);
    await startSecureHub();
  });
  after(async () => {
    await hub?.stop();
    await dir?.remove();
  });

  test('a new secure hub writes a bootstrap admin token to <dataDir>/admin.token (0600) and logs the path, never the token', async () => {
    const file = join(dir.path, 'hub', 'admin.token');
    adminToken = (await readFile(file, 'utf8')).trim();
    assert.match(adminToken, /^crl_[A-Za-z0-9_-]{43}$/);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.ok(hub.log().includes(file), 'the path is logged');
    assert.ok(!hub.log().includes(adminToken), 'the token is not');
  });

  test('the API refuses a request without a token (401, WWW-Authenticate: Bearer); /healthz stays open', async () => {
    const res = await httpsGet(`${api}/api/v1/nodes`, { ca });
    assert.equal(res.status, 401);
    assert.match(String(res.headers['www-authenticate']), /^Bearer/);
    assert.equal((await httpsGet(`${api}/healthz`, { ca })).status, 200);
    const cli = await corral(['--hub', api, 'get', 'nodes']);
    assert.equal(cli.code, 1);
    assert.equal(cli.stderr, 'error: the hub refused the request: no token (use corral login or CORRAL_TOKEN)\n');
  });

  test('corral login --token - checks the bootstrap token and saves it; later commands need no --hub', async () => {
    const login = await corral(['login', '--hub', api, '--token', '-'], { stdin: await readFile(join(dir.path, 'hub', 'admin.token'), 'utf8') });
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, /^Logged in to https:\/\/127\.0\.0\.1:\d+ with API token "bootstrap-admin" \(admin, id [0-9a-f]{8}\)/);
    const saved = join(dir.path, 'config', 'corral', 'credentials.yaml');
    assert.equal((await stat(saved)).mode & 0o777, 0o600);
    const nodes = await corral(['get', 'nodes']);
    assert.equal(nodes.code, 0, nodes.stderr);
  });

  test('an admin creates a read-only token; it can get but cannot apply, and nothing is applied', async () => {
    const created = await corral(['apitoken', 'create', 'viewer', '--role', 'read-only']);
    assert.equal(created.code, 0, created.stderr);
    viewerToken = created.stdout.trim();
    viewerId = /apitoken\/([0-9a-f]{8})/.exec(created.stderr)?.[1] ?? '';
    assert.match(viewerToken, /^crl_/);

    const asViewer = { env: { CORRAL_TOKEN: viewerToken } };
    assert.equal((await corral(['get', 'deployments'], asViewer)).code, 0);
    const apply = await corral(['apply', '-f', join(dir.path, 'web.yaml')], asViewer);
    assert.equal(apply.code, 1);
    assert.equal(apply.stderr, 'error: the hub refused the request: read-only token cannot apply\n');
    const list = await corral(['apitoken', 'list'], asViewer);
    assert.equal(list.stderr, 'error: the hub refused the request: read-only token cannot list tokens\n');
    const raw = await httpsGet(`${api}/api/v1/deployments`, { ca, token: viewerToken });
    assert.deepEqual(JSON.parse(raw.body).items, [], 'the refused apply changed nothing');
  });

  test('an admin token applies; token list shows no secrets; the last admin token cannot be revoked', async () => {
    const apply = await corral(['apply', '-f', join(dir.path, 'web.yaml')]);
    assert.equal(apply.code, 0, apply.stderr);
    assert.match(apply.stdout, /deployment\/web created/);

    const list = await corral(['apitoken', 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(list.stdout.trimEnd().split('\n').slice(1).map((l) => l.split(/\s{3,}/).slice(1, 3)), [['bootstrap-admin', 'admin'], ['viewer', 'read-only']]);
    assert.ok(!list.stdout.includes('crl_'));
    const adminId = list.stdout.split('\n')[1]?.split(/\s+/)[0] ?? '';
    const last = await corral(['apitoken', 'delete', adminId]);
    assert.equal(last.code, 1);
    assert.match(last.stderr, /^error: API token "[0-9a-f]{8}" \(bootstrap-admin\) is the last admin token/);
  });

  test('a revoked token is refused at once', async () => {
    const revoke = await corral(['apitoken', 'delete', viewerId]);
    assert.equal(revoke.code, 0, revoke.stderr);
    const refused = await corral(['get', 'nodes'], { env: { CORRAL_TOKEN: viewerToken } });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^error: the hub refused the request: the token is not valid/);
  });

  test('after a restart the tokens still work and no new bootstrap token is written', async () => {
    const before = await readFile(join(dir.path, 'hub', 'admin.token'), 'utf8');
    await hub.stop();
    await startSecureHub();
    assert.equal(await readFile(join(dir.path, 'hub', 'admin.token'), 'utf8'), before);
    const nodes = await corral(['get', 'deployments']);
    assert.equal(nodes.code, 0, nodes.stderr);
    assert.match(nodes.stdout, /^NAME/);
  });
});
