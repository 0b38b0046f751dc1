import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { registerBootstrapTokenRoutes } from '../../../../hub/src/api/bootstrap-tokens.js';
import { advertisedBrokerUrl, registerEnrollRoutes } from '../../../../hub/src/api/enroll.js';
import { type BootstrapTokenRecord, BootstrapTokens } from '../../../../hub/src/security/bootstrap-tokens.js';
import { FailureLimiter } from '../../../../hub/src/security/failure-limiter.js';
import { type NodeCredentialRecord, NodeCredentials } from '../../../../hub/src/security/node-credentials.js';
import { MemoryCollection } from '../../../../hub/src/store/memory-collection.js';
import { BootstrapTokenList, BootstrapTokenObject, EnrollResponse } from '../../../../protocol/src/index.js';
import { silentLog } from '../fixtures.js';

const PUBLIC_KEY = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

async function setup(options: { maxFailuresPerMinute?: number; brokerUrl?: string; advertise?: boolean } = {}) {
  const clock = { now: 1_700_000_000_000 };
  const now = () => clock.now;
  const tokens = new BootstrapTokens(new MemoryCollection<BootstrapTokenRecord>(), { now, log: silentLog });
  const credentials = new NodeCredentials(new MemoryCollection<NodeCredentialRecord>(), { now, log: silentLog });
  const app = Fastify();
  registerEnrollRoutes(app, {
    tokens,
    credentials,
    brokerUrl: options.brokerUrl ?? 'mqtts://0.0.0.0:8883',
    advertiseRequestHost: options.advertise ?? true,
    caPem: CA,
    hubPublicKeyPem: PUBLIC_KEY,
    now,
    log: silentLog,
    ...(options.maxFailuresPerMinute === undefined ? {} : { maxFailuresPerMinute: options.maxFailuresPerMinute }),
  });
  registerBootstrapTokenRoutes(app, tokens);
  const createToken = async (body: object = {}) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/bootstrap-tokens', payload: body });
    assert.equal(res.statusCode, 201, res.body);
    return BootstrapTokenObject.parse(res.json());
  };
  const enroll = (body: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/api/v1/enroll', headers: { host: 'hub.lan:8443', ...headers }, payload: body as object });
  return { app, tokens, credentials, clock, createToken, enroll };
}

describe('POST /api/v1/enroll and /api/v1/bootstrap-tokens', () => {
  it('a bootstrap token buys the node its broker login, the CA, the hub key and the labels, once', async () => {
    const { credentials, createToken, enroll } = await setup();
    const created = await createToken({ labels: { site: 'lab' } });
    assert.match(created.token ?? '', /^cbt_/);
    assert.deepEqual([created.uses, created.usesLeft, created.state], [1, 1, 'Active']);
    const res = await enroll({ token: created.token, nodeName: 'pi-a', hostname: 'pi-a.local', architecture: 'arm64' });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.headers['cache-control'], 'no-store');
    const answer = EnrollResponse.parse(res.json());
    assert.deepEqual({ ...answer, mqtt: { ...answer.mqtt, password: '…' } }, {
      apiVersion: 'corral/v1',
      kind: 'Enrollment',
      nodeName: 'pi-a',
      mqtt: { url: 'mqtts://hub.lan:8883', username: 'pi-a', password: '…' },
      caPem: CA,
      hubPublicKeyPem: PUBLIC_KEY,
      labels: { site: 'lab' },
    });
    assert.deepEqual(await credentials.verify('pi-a', answer.mqtt.password), { kind: 'node', name: 'pi-a' });
    const again = await enroll({ token: created.token, nodeName: 'pi-b' });
    assert.equal(again.statusCode, 401);
    assert.equal(again.json().reason, 'TokenUsedUp');
    assert.equal(credentials.has('pi-b'), false);
  });

  it('two concurrent enrollments with a single-use token: exactly one succeeds, one node gets credentials', async () => {
    const { credentials, createToken, enroll } = await setup();
    const { token } = await createToken();
    const answers = await Promise.all([enroll({ token, nodeName: 'pi-a' }), enroll({ token, nodeName: 'pi-b' })]);
    assert.deepEqual(answers.map((a) => a.statusCode).sort(), [201, 401]);
    assert.equal([credentials.has('pi-a'), credentials.has('pi-b')].filter(Boolean).length, 1);
  });

  it('a node that already has credentials is 409 NodeExists and the token keeps its use; the hub name is 409 too', async () => {
    const { credentials, createToken, enroll, app } = await setup();
    await credentials.issue('pi-a');
    const { token, id } = await createToken();
    const res = await enroll({ token, nodeName: 'pi-a' });
    assert.deepEqual([res.statusCode, res.json().reason, res.json().details.causes[0].field], [409, 'NodeExists', 'nodeName']);
    assert.equal((await enroll({ token, nodeName: 'corral-hub' })).json().reason, 'NameReserved');
    const list = BootstrapTokenList.parse((await app.inject({ url: '/api/v1/bootstrap-tokens' })).json());
    assert.deepEqual(list.items.map((t) => [t.id, t.usesLeft, t.token]), [[id, 1, undefined]]);
    assert.equal((await enroll({ token, nodeName: 'pi-b' })).statusCode, 201);
  });

  it('expired, revoked and unknown tokens are 401 with their reason', async () => {
    const { app, clock, createToken, enroll } = await setup();
    const expiring = await createToken({ ttlSeconds: 1 });
    clock.now += 1000;
    assert.equal((await enroll({ token: expiring.token, nodeName: 'pi-a' })).json().reason, 'TokenExpired');
    const revoked = await createToken();
    const deleted = await app.inject({ method: 'DELETE', url: `/api/v1/bootstrap-tokens/${revoked.id}` });
    assert.equal(BootstrapTokenObject.parse(deleted.json()).state, 'Revoked');
    const res = await enroll({ token: revoked.token, nodeName: 'pi-a' });
    assert.deepEqual([res.statusCode, res.json().reason, res.json().details.causes[0].field], [401, 'TokenRevoked', 'token']);
    assert.equal((await enroll({ token: `cbt_${'x'.repeat(43)}`, nodeName: 'pi-a' })).json().reason, 'TokenUnknown');
    assert.equal((await app.inject({ method: 'DELETE', url: '/api/v1/bootstrap-tokens/ffffffff' })).statusCode, 404);
  });

  it('a malformed body is 400 naming the field; a body over 16 KiB is refused before the route', async () => {
    const { enroll } = await setup();
    const res = await enroll({ token: 'cbt_x', nodeName: 'pi-a' });
    assert.deepEqual([res.statusCode, res.json().details.causes[0].field], [400, 'token']);
    assert.equal((await enroll({ token: `cbt_${'x'.repeat(43)}`, nodeName: 'Pi_A' })).json().details.causes[0].field, 'nodeName');
    assert.equal((await enroll({ token: `cbt_${'x'.repeat(43)}`, nodeName: 'pi-a', extra: 1 })).statusCode, 400);
    assert.equal((await enroll({ token: `cbt_${'x'.repeat(43)}`, nodeName: 'pi-a', hostname: 'h'.repeat(17_000) })).statusCode, 413);
  });

  it('after too many failures within a minute an address gets 429 with Retry-After, even with a good token, until the minute is over', async () => {
    const { clock, createToken, enroll } = await setup({ maxFailuresPerMinute: 3 });
    const { token } = await createToken();
    for (let i = 0; i < 3; i++) assert.equal((await enroll({ token: `cbt_${'y'.repeat(43)}`, nodeName: 'pi-a' })).statusCode, 401);
    const blocked = await enroll({ token, nodeName: 'pi-a' });
    assert.deepEqual([blocked.statusCode, blocked.json().reason, blocked.headers['retry-after']], [429, 'TooManyFailures', '60']);
    clock.now += 60_000;
    assert.equal((await enroll({ token, nodeName: 'pi-a' })).statusCode, 201);
  });

  it('POST /api/v1/bootstrap-tokens validates ttlSeconds, uses and labels, naming the field', async () => {
    const { app } = await setup();
    for (const [body, field] of [
      [{ ttlSeconds: 0 }, 'ttlSeconds'],
      [{ uses: 1001 }, 'uses'],
      [{ labels: { 'bad key!': 'x' } }, 'labels.bad key!'],
      [{ role: 'admin' }, '(root)'],
    ] as const) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/bootstrap-tokens', payload: body });
      assert.deepEqual([res.statusCode, res.json().details.causes[0].field], [400, field], JSON.stringify(body));
    }
  });

  it('an external broker URL is answered as it is', async () => {
    const { createToken, enroll } = await setup({ brokerUrl: 'mqtts://broker.example:8883', advertise: false });
    const { token } = await createToken();
    assert.equal(EnrollResponse.parse((await enroll({ token, nodeName: 'pi-a' })).json()).mqtt.url, 'mqtts://broker.example:8883');
  });
});

describe('advertisedBrokerUrl', () => {
  it('puts the host the device reached the API at in front of the broker port, unless the Host header is no host name', () => {
    assert.equal(advertisedBrokerUrl('mqtts://0.0.0.0:8883', 'hub.lan'), 'mqtts://hub.lan:8883');
    assert.equal(advertisedBrokerUrl('mqtt://127.0.0.1:1883', '10.0.0.2'), 'mqtt://10.0.0.2:1883');
    assert.equal(advertisedBrokerUrl('mqtts://[::]:8883', '[fe80::1]'), 'mqtts://[fe80::1]:8883');
    assert.equal(advertisedBrokerUrl('mqtts://127.0.0.1:8883', 'evil@host/x'), 'mqtts://127.0.0.1:8883');
    assert.equal(advertisedBrokerUrl('mqtts://127.0.0.1:8883', ''), 'mqtts://127.0.0.1:8883');
  });
});

describe('FailureLimiter', () => {
  it('turns an address away after maxFailures in a window, others not, and forgets the oldest addresses beyond maxAddresses', () => {
    const clock = { now: 0 };
    const limiter = new FailureLimiter({ maxFailures: 2, windowMs: 1000, now: () => clock.now, maxAddresses: 2 });
    limiter.fail('a');
    assert.equal(limiter.retryAfterMs('a'), 0);
    clock.now = 400;
    limiter.fail('a');
    assert.equal(limiter.retryAfterMs('a'), 600);
    assert.equal(limiter.retryAfterMs('b'), 0);
    clock.now = 1000;
    assert.equal(limiter.retryAfterMs('a'), 0);
    limiter.fail('a');
    limiter.fail('a');
    limiter.fail('b');
    limiter.fail('c');
    assert.equal(limiter.retryAfterMs('a'), 0, 'a was the oldest and was forgotten');
  });
});
