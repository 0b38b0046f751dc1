import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { OPEN_ROUTES, bearerToken, decideAccess } from '../../../../hub/src/api/auth.js';
import { createApi } from '../../../../hub/src/api/server.js';
import { CommandClient } from '../../../../hub/src/command-client.js';
import { ApiTokens, type ApiTokenRecord, newApiToken } from '../../../../hub/src/security/api-tokens.js';
import { HubStats } from '../../../../hub/src/stats.js';
import { MemoryCollection } from '../../../../hub/src/store/memory-collection.js';
import { silentLog } from '../fixtures.js';
import { ControllerFixture } from '../workloads/controller-fixture.js';

const deployment = { apiVersion: 'corral/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 1, template: { containers: [{ name: 'app', image: 'busybox:1.36' }] } } };
const applyBody = { kind: 'List', items: [deployment] };

describe('API authentication hook (API built with auth on)', () => {
  let app: FastifyInstance;
  let f: ControllerFixture;
  let tokens: ApiTokens;
  let admin: string;
  let viewer: string;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  before(async () => {
    f = new ControllerFixture();
    await f.join('n1');
    tokens = new ApiTokens(new MemoryCollection<ApiTokenRecord>(), { now: () => f.clock.now, log: silentLog });
    const a = await tokens.create({ name: 'admin', role: 'admin' });
    const v = await tokens.create({ name: 'viewer', role: 'read-only' });
    assert.ok(a.created && v.created);
    admin = a.token;
    viewer = v.token;
    app = createApi({
      registry: f.registry,
      stats: new HubStats(),
      commands: new CommandClient(async () => {}),
      pods: f.pods,
      startedAt: 0,
      now: () => f.clock.now,
      workloads: { store: f.workloads, controller: f.controller },
      auth: tokens,
    });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await f.stop();
  });

  it('a request without a token gets 401 Unauthorized with WWW-Authenticate: Bearer', async () => {
    const res = await app.inject('/api/v1/nodes');
    assert.equal(res.statusCode, 401);
    assert.match(String(res.headers['www-authenticate']), /^Bearer /);
    assert.deepEqual([res.json().kind, res.json().reason], ['Status', 'Unauthorized']);
  });

  it('an unknown, malformed or non-Bearer token gets 401 too', async () => {
    for (const authorization of [`Bearer ${newApiToken()}`, 'Bearer crl_nope', `Basic ${Buffer.from('a:b').toString('base64')}`, `Bearer ${admin} extra`]) {
      const res = await app.inject({ url: '/api/v1/nodes', headers: { authorization } });
      assert.equal(res.statusCode, 401, authorization);
      assert.match(String(res.headers['www-authenticate']), /error="invalid_token"|^Bearer realm/);
    }
  });

  it('unknown paths need a token as well (401, not 404)', async () => {
    assert.equal((await app.inject('/api/v1/secrets')).statusCode, 401);
    assert.equal((await app.inject({ url: '/api/v1/secrets', headers: bearer(admin) })).statusCode, 404);
  });

  it('/healthz stays open', async () => {
    const res = await app.inject('/healthz');
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, 'ok');
  });

  it('a read-only token may GET', async () => {
    assert.equal((await app.inject({ url: '/api/v1/nodes', headers: bearer(viewer) })).statusCode, 200);
    assert.equal((await app.inject({ url: '/api/v1/deployments', headers: bearer(viewer) })).statusCode, 200);
    assert.equal((await app.inject({ method: 'HEAD', url: '/api/v1/nodes', headers: bearer(viewer) })).statusCode, 200);
  });

  it('a read-only token cannot apply, delete, cordon, drain or ping: 403 Forbidden, and nothing changes', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/apply', payload: applyBody, headers: bearer(viewer) });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().reason, 'Forbidden');
    assert.match(res.json().message, /^read-only token: /);
    await f.settle();
    assert.equal(f.workloads.get('Deployment', 'web'), undefined);
    for (const [method, url] of [['DELETE', '/api/v1/pods/x'], ['POST', '/api/v1/nodes/n1/cordon'], ['POST', '/api/v1/nodes/n1/drain'], ['POST', '/api/v1/nodes/n1/ping'], ['POST', '/api/v1/tokens']] as const) {
      assert.equal((await app.inject({ method, url, headers: bearer(viewer) })).statusCode, 403, `${method} ${url}`);
    }
    assert.equal(f.registry.get('n1')?.unschedulable ?? false, false);
  });

  it('an admin token may apply', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/apply', payload: applyBody, headers: bearer(admin) });
    assert.equal(res.statusCode, 200);
    await f.settle();
    assert.ok(f.workloads.get('Deployment', 'web'));
  });

  it('the token routes: an admin creates, lists and revokes; a read-only token cannot list; the last admin stays', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'ci', role: 'read-only' }, headers: bearer(admin) });
    assert.equal(created.statusCode, 201);
    const ci = created.json<{ id: string; token: string; role: string }>();
    assert.match(ci.token, /^crl_/);
    assert.equal((await app.inject({ url: '/api/v1/nodes', headers: bearer(ci.token) })).statusCode, 200);

    const list = await app.inject({ url: '/api/v1/tokens', headers: bearer(admin) });
    assert.deepEqual(list.json<{ items: Array<{ name: string }> }>().items.map((t) => t.name), ['admin', 'ci', 'viewer'], 'created at the same time: by name');
    assert.ok(!list.body.includes('crl_') && !list.body.includes('hash'), 'no secrets listed');
    assert.equal((await app.inject({ url: '/api/v1/tokens', headers: bearer(viewer) })).statusCode, 403);
    assert.equal((await app.inject({ url: '/api/v1/tokens/self', headers: bearer(viewer) })).json().name, 'viewer');

    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'ci', role: 'admin' }, headers: bearer(admin) })).statusCode, 409);
    const bad = await app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'CI!', role: 'root' }, headers: bearer(admin) });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().details.causes[0].field, 'name');

    assert.equal((await app.inject({ method: 'DELETE', url: `/api/v1/tokens/${ci.id}`, headers: bearer(admin) })).statusCode, 200);
    assert.equal((await app.inject({ url: '/api/v1/nodes', headers: bearer(ci.token) })).statusCode, 401, 'revoked at once');
    assert.equal((await app.inject({ method: 'DELETE', url: `/api/v1/tokens/${ci.id}`, headers: bearer(admin) })).statusCode, 404);
    const adminId = tokens.list().find((t) => t.name === 'admin')?.id;
    assert.equal((await app.inject({ method: 'DELETE', url: `/api/v1/tokens/${adminId}`, headers: bearer(admin) })).statusCode, 409);
  });
});

describe('decideAccess', () => {
  it('decideAccess keeps the token lists (API and bootstrap) for admin tokens', () => {
    const readOnly = { authenticate: () => ({ id: 'r', name: 'viewer', role: 'read-only' as const, createdAt: 0 }) };
    for (const route of ['/api/v1/tokens', '/api/v1/bootstrap-tokens']) {
      const access = decideAccess({ method: 'GET', route, authorization: 'Bearer x' }, readOnly as never);
      assert.equal(access.allowed ? 200 : access.status, 403, route);
    }
    assert.equal(decideAccess({ method: 'GET', route: '/api/v1/nodes', authorization: 'Bearer x' }, readOnly as never).allowed, true);
  });

  const none = { authenticate: () => undefined };
  it('decideAccess lets the enrollment route through without a token, and only that method', () => {
    assert.ok(OPEN_ROUTES.has('POST /api/v1/enroll'));
    assert.equal(decideAccess({ method: 'POST', route: '/api/v1/enroll', authorization: undefined }, none).allowed, true);
    assert.equal(decideAccess({ method: 'GET', route: '/api/v1/enroll', authorization: undefined }, none).allowed, false);
  });

  it('decideAccess asks for a token where no route matched, even for a path like an open one', () => {
    const access = decideAccess({ method: 'GET', route: undefined, authorization: undefined }, none);
    assert.equal(!access.allowed && access.status, 401);
  });

  it('bearerToken takes the scheme in any case and nothing else', () => {
    assert.equal(bearerToken('bearer abc'), 'abc');
    assert.equal(bearerToken('Bearer  abc'), 'abc');
    assert.equal(bearerToken('Bearer'), undefined);
    assert.equal(bearerToken('Token abc'), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });
});

describe('API without auth (insecure mode)', () => {
  it('createApi without auth leaves every route open and has no token routes', async () => {
    const f = new ControllerFixture();
    const app = createApi({ registry: f.registry, stats: new HubStats(), commands: new CommandClient(async () => {}), pods: f.pods, startedAt: 0, now: () => f.clock.now });
    try {
      assert.equal((await app.inject('/api/v1/nodes')).statusCode, 200);
      assert.equal((await app.inject('/api/v1/tokens')).statusCode, 404);
    } finally {
      await app.close();
      await f.stop();
    }
  });
});
