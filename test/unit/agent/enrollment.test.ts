import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { type AgentConfig, explicitSettings, resolveAgentConfig } from '../../../agent/src/config.js';
import { type HttpAnswer, type PostJson, applyEnrollment, enroll, ensureEnrollment } from '../../../agent/src/enrollment.js';
import type { StoredEnrollment } from '../../../agent/src/state/store.js';
import { ErrorCode, type Result, ok } from '../../../protocol/src/index.js';

const log = pino({ level: 'silent' });
const TOKEN = `cbt_${'t'.repeat(43)}`;
const KEY = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n';
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const answer = { apiVersion: 'corral/v1', kind: 'Enrollment', nodeName: 'pi-a', mqtt: { url: 'mqtts://hub.lan:8883', username: 'pi-a', password: 'pw' }, caPem: CA, hubPublicKeyPem: KEY, labels: { site: 'lab' } };
const enrolled: StoredEnrollment = { nodeName: 'pi-a', mqtt: answer.mqtt, caPem: CA, hubPublicKeyPem: KEY, labels: { site: 'lab' }, enrolledAt: 5 };

/** A post that answers from a script, one entry per call (an Error is thrown as a network failure). */
function scripted(...script: Array<HttpAnswer | Error>): PostJson & { calls: Array<{ url: string; body: unknown; ca?: string }> } {
  const calls: Array<{ url: string; body: unknown; ca?: string }> = [];
  const post: PostJson = async (url, { body, ca }) => {
    calls.push({ url, body, ...(ca === undefined ? {} : { ca }) });
    const next = script.shift();
    if (next === undefined) throw new Error('script exhausted');
    if (next instanceof Error) throw next;
    return next;
  };
  return Object.assign(post, { calls });
}

const status = (code: number, reason: string, message: string, field?: string): HttpAnswer => ({
  status: code,
  body: JSON.stringify({ kind: 'Status', status: 'Failure', code, reason, message, ...(field ? { details: { causes: [{ field, message }] } } : {}) }),
});

function config(flags: Record<string, unknown>, env: Record<string, string> = {}): Result<AgentConfig> {
  return resolveAgentConfig({ env, flags }, 'host-1');
}

describe('enroll', () => {
  const request = { token: TOKEN, nodeName: 'pi-a' };

  it('posts the request to /api/v1/enroll with the pinned CA and returns the validated answer', async () => {
    const post = scripted({ status: 201, body: JSON.stringify(answer) });
    const result = await enroll(request, { url: 'https://hub.lan:8443/', ca: CA, log, post });
    assert.deepEqual(result, ok(answer));
    assert.deepEqual(post.calls, [{ url: 'https://hub.lan:8443/api/v1/enroll', body: request, ca: CA }]);
  });

  it('retries network errors, 5xx and 429 with capped jittered back-off (429 waits at least Retry-After), then succeeds', async () => {
    const waits: number[] = [];
    const post = scripted(new Error('connect ECONNREFUSED'), { status: 503, body: '' }, { status: 429, body: '', retryAfterSeconds: 7 }, { status: 201, body: JSON.stringify(answer) });
    const result = await enroll(request, { url: 'https://hub', log, post, sleep: async (ms) => void waits.push(ms), random: () => 0.5, backoff: { baseMs: 1000, maxMs: 3000 } });
    assert.equal(result.ok, true);
    assert.deepEqual(waits, [500, 1000, 7000]);
  });

  it('gives up after maxAttempts with CORRAL_ENROLLMENT_FAILED naming the last error', async () => {
    const post = scripted(new Error('a'), new Error('b'));
    const result = await enroll(request, { url: 'https://hub', log, post, sleep: async () => {}, maxAttempts: 2 });
    assert.equal(!result.ok && result.error.code, ErrorCode.EnrollmentFailed);
    assert.match(!result.ok ? result.error.message : '', /after 2 attempts \(b\)/);
  });

  it('a 401, 409 or 400 is final: CORRAL_ENROLLMENT_REFUSED with the reason, no retry', async () => {
    for (const [answerStatus, reason, field] of [[401, 'TokenUsedUp', 'token'], [409, 'NodeExists', 'nodeName'], [400, 'Invalid', 'nodeName']] as const) {
      const post = scripted(status(answerStatus, reason, 'no', field));
      const result = await enroll(request, { url: 'https://hub', log, post, sleep: async () => assert.fail('no retry') });
      assert.equal(!result.ok && result.error.code, ErrorCode.EnrollmentRefused);
      assert.equal(!result.ok && result.error.path, field);
      assert.match(!result.ok ? result.error.message : '', new RegExp(`HTTP ${answerStatus} ${reason}\\): no`));
    }
  });

  it('an answer that does not validate, or names another node, is CORRAL_ENROLLMENT_FAILED', async () => {
    for (const body of ['not json', JSON.stringify({ ...answer, hubPublicKeyPem: 'x' }), JSON.stringify({ ...answer, nodeName: 'pi-b' })]) {
      const result = await enroll(request, { url: 'https://hub', log, post: scripted({ status: 201, body }) });
      assert.equal(!result.ok && result.error.code, ErrorCode.EnrollmentFailed, body);
    }
  });
});

describe('ensureEnrollment', () => {
  const store = (initial?: StoredEnrollment) => {
    const saved: StoredEnrollment[] = [];
    return { saved, loadEnrollment: async () => ok(saved.at(-1) ?? initial), saveEnrollment: async (e: StoredEnrollment) => void saved.push(e) };
  };
  const secure = config({ enrollToken: TOKEN, enrollUrl: 'https://hub.lan:8443', ca: '/ca.pem', nodeName: 'pi-a' });

  it('with nothing stored, enrolls with the token, the CA file and the node name, and stores the answer before returning it', async () => {
    assert.ok(secure.ok);
    const s = store();
    const post = scripted({ status: 201, body: JSON.stringify(answer) });
    const result = await ensureEnrollment(secure.value, { store: s, readText: async (path) => (path === '/ca.pem' ? CA : assert.fail(path)), log, now: () => 5, hostname: 'pi-a.local', post });
    assert.deepEqual(result, ok(enrolled));
    assert.deepEqual(s.saved, [enrolled]);
    const body = post.calls[0]?.body as Record<string, unknown>;
    assert.deepEqual([body.token, body.nodeName, body.hostname, post.calls[0]?.ca], [TOKEN, 'pi-a', 'pi-a.local', CA]);
    assert.equal(typeof body.architecture, 'string');
  });

  it('leaves out a hostname the hub would refuse rather than be refused for it', async () => {
    assert.ok(secure.ok);
    const post = scripted({ status: 201, body: JSON.stringify(answer) });
    await ensureEnrollment(secure.value, { store: store(), readText: async () => CA, log, now: () => 5, hostname: 'my pi', post });
    assert.equal('hostname' in (post.calls[0]?.body as object), false);
  });

  it('with an enrollment stored, ignores the token and asks nobody', async () => {
    assert.ok(secure.ok);
    const result = await ensureEnrollment(secure.value, { store: store(enrolled), readText: async () => assert.fail('no CA read'), log, now: () => 9, post: scripted() });
    assert.deepEqual(result, ok(enrolled));
  });

  it('without a token and nothing stored, there is no enrollment; a refusal is returned and nothing stored', async () => {
    const plain = config({ insecure: true });
    assert.ok(plain.ok);
    assert.deepEqual(await ensureEnrollment(plain.value, { store: store(), readText: async () => '', log, now: () => 0 }), ok(undefined));
    assert.ok(secure.ok);
    const s = store();
    const result = await ensureEnrollment(secure.value, { store: s, readText: async () => CA, log, now: () => 0, post: scripted(status(401, 'TokenExpired', 'expired', 'token')) });
    assert.equal(!result.ok && result.error.code, ErrorCode.EnrollmentRefused);
    assert.deepEqual(s.saved, []);
  });

  it('https enrollment without a CA is CORRAL_CONFIG_INVALID naming ca', async () => {
    const noCa = config({ enrollToken: TOKEN, enrollUrl: 'https://hub.lan:8443' });
    assert.ok(noCa.ok);
    const result = await ensureEnrollment(noCa.value, { store: store(), readText: async () => '', log, now: () => 0, post: scripted() });
    assert.deepEqual(!result.ok && [result.error.code, result.error.path], [ErrorCode.ConfigInvalid, 'ca']);
  });
});

describe('applyEnrollment', () => {
  it('fills in node name, broker URL and login, hub key and CA the config leaves out; token labels under the config labels', () => {
    const base = config({ labels: 'tier=edge,site=home' });
    assert.ok(base.ok);
    const applied = applyEnrollment(base.value, { enrollment: enrolled, explicit: new Set() });
    assert.ok(applied.ok);
    const c = applied.value;
    assert.deepEqual([c.nodeName, c.hub, c.credentials, c.hubPublicKey, c.caPem, c.labels], ['pi-a', 'mqtts://hub.lan:8883', { username: 'pi-a', password: 'pw' }, KEY, CA, { site: 'home', tier: 'edge' }]);
  });

  it('what the config sets itself wins', () => {
    const sources = { env: { CORRAL_HUB: 'mqtts://other:8883' }, flags: { nodeName: 'pi-a', mqttUsername: 'u', mqttPassword: 'p', hubPublicKey: '/key.pem', ca: '/ca.pem' } };
    const base = resolveAgentConfig(sources, 'host-1');
    assert.ok(base.ok);
    const explicit = explicitSettings(sources);
    assert.deepEqual([...explicit].sort(), ['ca', 'credentials', 'hub', 'hubPublicKey', 'nodeName']);
    const applied = applyEnrollment(base.value, { enrollment: enrolled, explicit });
    assert.ok(applied.ok);
    assert.deepEqual([applied.value.hub, applied.value.credentials, applied.value.hubPublicKey, applied.value.ca, applied.value.caPem], ['mqtts://other:8883', { username: 'u', password: 'p' }, '/key.pem', '/ca.pem', undefined]);
  });

  it('another node name without its own credentials is CORRAL_CONFIG_INVALID: the stored login is the enrolled node’s', () => {
    const sources = { env: {}, flags: { nodeName: 'pi-z' } };
    const base = resolveAgentConfig(sources, 'host-1');
    assert.ok(base.ok);
    const applied = applyEnrollment(base.value, { enrollment: enrolled, explicit: explicitSettings(sources) });
    assert.deepEqual(!applied.ok && [applied.error.code, applied.error.path], [ErrorCode.ConfigInvalid, 'nodeName']);
  });

  it('nothing enrolled: the config as it is', () => {
    const base = config({ insecure: true });
    assert.ok(base.ok);
    assert.deepEqual(applyEnrollment(base.value, { enrollment: undefined, explicit: new Set() }), ok(base.value));
  });
});

describe('agent config: enrollment settings', () => {
  it('takes --enroll-token and --enroll-url (or CORRAL_ENROLL_TOKEN / CORRAL_ENROLL_URL) together', () => {
    const fromFlags = config({ enrollToken: TOKEN, enrollUrl: 'https://hub:8443' });
    assert.deepEqual(fromFlags.ok && [fromFlags.value.enrollToken, fromFlags.value.enrollUrl], [TOKEN, 'https://hub:8443']);
    const fromEnv = config({}, { CORRAL_ENROLL_TOKEN: TOKEN, CORRAL_ENROLL_URL: 'https://hub:8443' });
    assert.equal(fromEnv.ok && fromEnv.value.enrollToken, TOKEN);
  });

  it('refuses a malformed token, one without a URL, and plain http:// outside insecure mode, naming the field', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ enrollToken: 'crl_nope', enrollUrl: 'https://hub:8443' }, 'enrollToken'],
      [{ enrollToken: TOKEN }, 'enrollUrl'],
      [{ enrollUrl: 'https://hub:8443' }, 'enrollToken'],
      [{ enrollToken: TOKEN, enrollUrl: 'http://hub:8080' }, 'enrollUrl'],
      [{ enrollToken: TOKEN, enrollUrl: 'mqtts://hub:8883' }, 'enrollUrl'],
    ];
    for (const [flags, path] of cases) {
      const result = config(flags);
      assert.deepEqual(!result.ok && [result.error.code, result.error.path], [ErrorCode.ConfigInvalid, path], JSON.stringify(flags));
    }
    assert.equal(config({ enrollToken: TOKEN, enrollUrl: 'http://hub:8080', insecure: true }).ok, true);
  });

  it('explicitSettings sees the config file, the environment and the flags, not defaults', () => {
    assert.deepEqual([...explicitSettings({ env: {}, flags: {} })], []);
    assert.deepEqual([...explicitSettings({ file: { credentials: { username: 'a', password: 'b' }, caPem: CA }, env: {}, flags: {} })].sort(), ['ca', 'credentials']);
    assert.deepEqual([...explicitSettings({ env: { CORRAL_MQTT_PASSWORD: 'x', CORRAL_NODE_NAME: 'n' }, flags: { hubPublicKey: undefined } })].sort(), ['credentials', 'nodeName']);
  });
});
