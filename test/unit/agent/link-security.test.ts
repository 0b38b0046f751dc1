import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type AgentConfig, type ConfigSources, resolveAgentConfig } from '../../../agent/src/config.js';
import { resolveLinkSecurity } from '../../../agent/src/link-security.js';
import { ensurePki } from '../../../hub/src/security/pki.js';
import { serverSans } from '../../../hub/src/security/san.js';
import { type CorralError, ErrorCode } from '../../../protocol/src/index.js';

let dir = '';
let caPem = '';
let serverPem = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corral-link-security-'));
  const pki = await ensurePki(join(dir, 'pki'), { sans: serverSans({ tlsSan: [], hostname: 'hub', listenHosts: [] }) });
  caPem = pki.caCert;
  serverPem = pki.serverCert;
});
after(() => rm(dir, { recursive: true, force: true }));

function config(sources: Partial<ConfigSources>): AgentConfig {
  const r = resolveAgentConfig({ env: {}, flags: {}, ...sources }, 'test-host');
  if (!r.ok) assert.fail(`${r.error.code} at ${r.error.path}`);
  return r.value;
}

function configError(sources: Partial<ConfigSources>): CorralError {
  const r = resolveAgentConfig({ env: {}, flags: {}, ...sources }, 'test-host');
  if (r.ok) assert.fail('expected an invalid config');
  return r.error;
}

/** A file reader over a fixed set of files. */
function files(map: Record<string, string>): (path: string) => Promise<string> {
  return async (path) => {
    const text = map[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return text;
  };
}

async function securityError(c: AgentConfig, read = files({})): Promise<CorralError> {
  const r = await resolveLinkSecurity(c, read);
  if (r.ok) assert.fail(`expected an error, got ${JSON.stringify(Object.keys(r.value))}`);
  assert.equal(r.error.code, ErrorCode.ConfigInvalid);
  return r.error;
}

test('resolveAgentConfig reads the CA and the broker login from flags, env and the YAML file, field by field', () => {
  const c = config({ file: { ca: '/etc/corral/ca.pem', credentials: { username: 'pi-1', password: 'from-file' } }, env: { CORRAL_MQTT_PASSWORD: 'from-env' } });
  assert.equal(c.ca, '/etc/corral/ca.pem');
  assert.deepEqual(c.credentials, { username: 'pi-1', password: 'from-env' });
  const flags = config({ env: { CORRAL_CA: '/env/ca.pem', CORRAL_MQTT_USERNAME: 'env-user' }, flags: { ca: '/flag/ca.pem', mqttUsername: 'pi-2', mqttPassword: 'p' } });
  assert.equal(flags.ca, '/flag/ca.pem');
  assert.deepEqual(flags.credentials, { username: 'pi-2', password: 'p' });
  const none = config({});
  assert.ok(!('ca' in none) && !('caPem' in none) && !('credentials' in none), 'absent unless set');
});

test('resolveAgentConfig names the field of an incomplete login or a doubled CA', () => {
  assert.equal(configError({ flags: { mqttUsername: 'pi-1' } }).path, 'credentials.password');
  assert.equal(configError({ file: { ca: '/a.pem', caPem: '-----BEGIN CERTIFICATE-----\n' } }).path, 'caPem');
  assert.equal(configError({ file: { caPem: 'not pem' } }).path, 'caPem');
});

test('resolveLinkSecurity in secure mode pins the CA file and passes the login', async () => {
  const c = config({ flags: { hub: 'mqtts://hub.lan:8883', ca: '/etc/corral/ca.pem', mqttUsername: 'pi-1', mqttPassword: 's3cret' } });
  const r = await resolveLinkSecurity(c, files({ '/etc/corral/ca.pem': caPem }));
  assert.ok(r.ok);
  assert.deepEqual(r.value, { ca: caPem, username: 'pi-1', password: 's3cret' });
  const inline = await resolveLinkSecurity(config({ file: { hub: 'mqtts://hub.lan:8883', caPem } }), files({}));
  assert.ok(inline.ok);
  assert.deepEqual(inline.value, { ca: caPem });
});

test('resolveLinkSecurity refuses plain mqtt:// or a missing CA outside insecure mode, naming the field', async () => {
  assert.equal((await securityError(config({ flags: { hub: 'mqtt://hub.lan:1883', ca: '/ca.pem' } }), files({ '/ca.pem': caPem }))).path, 'hub');
  assert.equal((await securityError(config({ flags: { hub: 'mqtts://hub.lan:8883' } }))).path, 'ca');
  assert.equal((await securityError(config({ flags: { hub: 'mqtts://hub.lan:8883', ca: '/missing.pem' } }))).path, 'ca');
  assert.equal((await securityError(config({ flags: { hub: 'mqtts://hub.lan:8883', ca: '/junk.pem' } }), files({ '/junk.pem': 'junk' }))).path, 'ca');
  assert.equal((await securityError(config({ flags: { hub: 'mqtts://hub.lan:8883', ca: '/server.pem' } }), files({ '/server.pem': serverPem }))).path, 'ca', 'a leaf certificate is no trust anchor');
});

test('resolveLinkSecurity with --insecure allows plain mqtt:// and needs nothing', async () => {
  const r = await resolveLinkSecurity(config({ flags: { insecure: true } }), files({}));
  assert.ok(r.ok);
  assert.deepEqual(r.value, {});
});
