import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type HubConfig, resolveHubConfig } from '../../../../hub/src/config.js';
import {
  HUB_MQTT_SECRET_FILE,
  HUB_MQTT_USERNAME,
  ensureHubMqttIdentity,
  isHubMqttIdentity,
  readHubMqttIdentity,
} from '../../../../hub/src/security/hub-mqtt-identity.js';
import { busSecurity, dialUrl, prepareHubTransport, serverTls } from '../../../../hub/src/security/transport.js';
import { type CorralError, ErrorCode } from '../../../../protocol/src/index.js';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'corral-transport-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function config(flags: Record<string, unknown>): HubConfig {
  const r = resolveHubConfig(flags);
  if (!r.ok) assert.fail(`${r.error.code} at ${r.error.path}`);
  return r.value;
}

function rejectPath(flags: Record<string, unknown>): string | undefined {
  const r = resolveHubConfig(flags);
  assert.equal(r.ok, false, JSON.stringify(flags));
  return r.ok ? undefined : (assert.equal(r.error.code, ErrorCode.ConfigInvalid), r.error.path);
}

test('resolveHubConfig takes --tls-san as a comma-separated list and names a bad entry', () => {
  assert.deepEqual(config({ tlsSan: 'hub.lan, 10.0.0.2,,::1' }).tlsSan, ['hub.lan', '10.0.0.2', '::1']);
  assert.deepEqual(config({}).tlsSan, []);
  assert.equal(rejectPath({ tlsSan: 'hub.lan,not a name' }), 'tlsSan');
});

test('resolveHubConfig wants an mqtts:// external broker outside insecure mode, and --broker-ca only with one', () => {
  assert.equal(rejectPath({ broker: 'mqtt://10.0.0.5:1883' }), 'broker');
  assert.equal(config({ broker: 'mqtt://10.0.0.5:1883', insecure: true }).broker, 'mqtt://10.0.0.5:1883');
  assert.equal(config({ broker: 'mqtts://10.0.0.5:8883', brokerCa: '/etc/ca.pem' }).brokerCa, '/etc/ca.pem');
  assert.equal(rejectPath({ brokerCa: '/etc/ca.pem' }), 'brokerCa');
  assert.equal(rejectPath({ broker: 'mqtt://10.0.0.5:1883', insecure: true, brokerCa: '/etc/ca.pem' }), 'brokerCa');
});

test('prepareHubTransport in insecure mode touches nothing', async (t) => {
  const dataDir = await tempDir(t);
  const transport = await prepareHubTransport(config({ dataDir, insecure: true }), { hostname: 'hub' });
  assert.deepEqual(transport, { secure: false });
  assert.deepEqual(await readdir(dataDir), []);
  assert.equal(serverTls(transport), undefined);
  assert.equal(busSecurity(transport), undefined);
});

test('prepareHubTransport in secure mode creates the PKI and the hub\'s broker login, and pins its own CA for the embedded broker', async (t) => {
  const dataDir = await tempDir(t);
  const transport = await prepareHubTransport(config({ dataDir, tlsSan: 'hub.lan' }), { hostname: 'hub' });
  assert.ok(transport.secure);
  assert.equal(transport.pki.caFile, join(dataDir, 'pki', 'ca.pem'));
  assert.equal(transport.brokerCa, transport.pki.caCert);
  assert.equal(transport.mqttIdentity.username, HUB_MQTT_USERNAME);
  const secretFile = join(dataDir, 'pki', HUB_MQTT_SECRET_FILE);
  assert.equal((await stat(secretFile)).mode & 0o777, 0o600);
  assert.equal((await readFile(secretFile, 'utf8')).trim(), transport.mqttIdentity.password);
  assert.deepEqual(serverTls(transport), { key: transport.pki.serverKey, cert: transport.pki.serverCert });
  assert.deepEqual(busSecurity(transport), { ca: transport.pki.caCert, username: HUB_MQTT_USERNAME, password: transport.mqttIdentity.password });

  const again = await prepareHubTransport(config({ dataDir, tlsSan: 'hub.lan' }), { hostname: 'hub' });
  assert.ok(again.secure);
  assert.equal(again.mqttIdentity.password, transport.mqttIdentity.password, 'the secret is created once');
  assert.equal(again.pki.caFingerprint, transport.pki.caFingerprint);
});

test('prepareHubTransport pins --broker-ca for an external broker, the system CAs without it, and names a bad file', async (t) => {
  const dataDir = await tempDir(t);
  const own = await prepareHubTransport(config({ dataDir: join(dataDir, 'own') }), { hostname: 'hub' });
  assert.ok(own.secure);
  const caFile = join(dataDir, 'broker-ca.pem');
  await writeFile(caFile, own.pki.caCert);
  const pinned = await prepareHubTransport(config({ dataDir, broker: 'mqtts://broker.lan:8883', brokerCa: caFile }), { hostname: 'hub' });
  assert.ok(pinned.secure);
  assert.equal(pinned.brokerCa, own.pki.caCert);
  const system = await prepareHubTransport(config({ dataDir, broker: 'mqtts://broker.lan:8883' }), { hostname: 'hub' });
  assert.ok(system.secure);
  assert.equal(system.brokerCa, undefined);
  assert.equal(busSecurity(system)?.ca, undefined);

  await writeFile(join(dataDir, 'junk.pem'), 'not a certificate');
  for (const brokerCa of [join(dataDir, 'junk.pem'), join(dataDir, 'missing.pem')]) {
    await assert.rejects(prepareHubTransport(config({ dataDir, broker: 'mqtts://broker.lan:8883', brokerCa }), { hostname: 'hub' }), (e: CorralError) => e.code === ErrorCode.ConfigInvalid && e.path === 'brokerCa');
  }
});

test('the hub\'s broker identity is created once, read back, and matched in constant time', async (t) => {
  const dir = join(await tempDir(t), 'pki');
  assert.equal(await readHubMqttIdentity(dir), undefined);
  const [a, b] = await Promise.all([ensureHubMqttIdentity(dir), ensureHubMqttIdentity(dir)]);
  assert.deepEqual(a, b, 'racing creators agree');
  assert.match(a.password, /^[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(await readHubMqttIdentity(dir), a);
  assert.equal(isHubMqttIdentity(a, 'corral-hub', Buffer.from(a.password)), true);
  assert.equal(isHubMqttIdentity(a, 'corral-hub', a.password.slice(1)), false);
  assert.equal(isHubMqttIdentity(a, 'node-1', a.password), false);
  assert.equal(isHubMqttIdentity(a, 'corral-hub', undefined), false);
  assert.deepEqual((await readdir(dir)).sort(), [HUB_MQTT_SECRET_FILE], 'no temp files left');
});

test('dialUrl turns a wildcard listen host into loopback, which the server certificate names', () => {
  assert.equal(dialUrl('mqtts://0.0.0.0:8883'), 'mqtts://127.0.0.1:8883');
  assert.equal(dialUrl('mqtts://[::]:8883'), 'mqtts://[::1]:8883');
  assert.equal(dialUrl('mqtts://10.0.0.2:8883'), 'mqtts://10.0.0.2:8883');
});
