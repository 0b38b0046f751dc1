import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AgentConfig, type ConfigSources, resolveAgentConfig, sanitizeNodeName } from '../../../agent/src/config.js';
import { type CorralError, ErrorCode, isNodeName } from '../../../protocol/src/index.js';

/** A fixed hostname so no test depends on the machine it runs on. */
const HOST = 'test-host';

function resolve(sources: Partial<ConfigSources>, host = HOST): AgentConfig {
  const r = resolveAgentConfig({ env: {}, flags: {}, ...sources }, host);
  if (!r.ok) assert.fail(`expected a valid config, got ${r.error.code} at ${r.error.path}`);
  return r.value;
}

function reject(sources: Partial<ConfigSources>, host = HOST): CorralError {
  const r = resolveAgentConfig({ env: {}, flags: {}, ...sources }, host);
  if (r.ok) assert.fail(`expected an invalid config, got ${JSON.stringify(r.value)}`);
  return r.error;
}

test('resolveAgentConfig applies the documented defaults', () => {
  assert.deepEqual(resolve({}), {
    dataDir: './.data/agent',
    hub: 'mqtt://127.0.0.1:1883',
    nodeName: HOST,
    labels: {},
    heartbeatMs: 5000,
    keepaliveSeconds: 20,
    reserved: { cpu: 100, memory: 128 * 2 ** 20 },
    runtime: 'auto',
    insecure: false,
    logLevel: 'info',
    podsDir: '/etc/corral/pods.d',
    hostPathAllow: [],
    runtimeStateDir: '/run/corral',
    outboxMaxBytes: 1024 * 1024,
    podBridge: 'corral0',
    podSubnet: '10.88.0.0/16',
    insecureRegistries: [],
    registryAuth: {},
  });
});

test('resolveAgentConfig takes registry credentials from the config file and insecure registries from the env', () => {
  const c = resolve({ file: { registryAuth: { 'registry.lan:5000': { username: 'edge', password: 's3cret' } } }, env: { CORRAL_INSECURE_REGISTRIES: 'registry.lan:5000, 10.0.0.2:5000' } });
  assert.deepEqual(c.registryAuth, { 'registry.lan:5000': { username: 'edge', password: 's3cret' } });
  assert.deepEqual(c.insecureRegistries, ['registry.lan:5000', '10.0.0.2:5000']);
  assert.equal(reject({ file: { registryAuth: { 'registry.lan': { username: 'edge' } } } }).path, 'registryAuth.registry.lan.password');
});

test('resolveAgentConfig lets a flag override the env and the env override the file', () => {
  const file = { hub: 'mqtt://file:1883', dataDir: '/file', logLevel: 'warn', runtime: 'crun' };
  const env = { CORRAL_HUB: 'mqtt://env:1883', CORRAL_DATA_DIR: '/env' };
  const flags = { hub: 'mqtt://flag:1883' };
  const c = resolve({ file, env, flags });
  assert.equal(c.hub, 'mqtt://flag:1883');
  assert.equal(c.dataDir, '/env');
  assert.equal(c.logLevel, 'warn');
  assert.equal(c.runtime, 'crun');
});

test('resolveAgentConfig ignores flags and env variables that were not given', () => {
  const c = resolve({ file: { hub: 'mqtt://file:1883' }, env: { CORRAL_HUB: undefined }, flags: { hub: undefined } });
  assert.equal(c.hub, 'mqtt://file:1883');
});

test('resolveAgentConfig reads every CORRAL_* variable', () => {
  const c = resolve({
    env: {
      CORRAL_DATA_DIR: '/var/lib/corral',
      CORRAL_HUB: 'mqtts://hub.example:8883',
      CORRAL_NODE_NAME: 'pi-1',
      CORRAL_LABELS: 'zone=kitchen',
      CORRAL_HEARTBEAT_SECONDS: '10',
      CORRAL_KEEPALIVE_SECONDS: '30',
      CORRAL_RESERVED: 'cpu=1,memory=1Gi',
      CORRAL_RUNTIME: 'runc',
      CORRAL_INSECURE: 'true',
      CORRAL_LOG_LEVEL: 'debug',
      CORRAL_PODS_DIR: '/etc/pods',
      CORRAL_HOST_PATH_ALLOW: '/srv/data, /media/usb',
      CORRAL_RUNTIME_STATE_DIR: '/run/x',
      CORRAL_POD_BRIDGE: 'cbr0',
      CORRAL_POD_SUBNET: '10.1.0.0/16',
      CORRAL_OUTBOX_MAX_BYTES: '64Ki',
    },
  });
  assert.deepEqual(c, {
    dataDir: '/var/lib/corral',
    hub: 'mqtts://hub.example:8883',
    nodeName: 'pi-1',
    labels: { zone: 'kitchen' },
    heartbeatMs: 10_000,
    keepaliveSeconds: 30,
    reserved: { cpu: 1000, memory: 2 ** 30 },
    runtime: 'runc',
    insecure: true,
    logLevel: 'debug',
    podsDir: '/etc/pods',
    hostPathAllow: ['/srv/data', '/media/usb'],
    runtimeStateDir: '/run/x',
    outboxMaxBytes: 64 * 1024,
    podBridge: 'cbr0',
    podSubnet: '10.1.0.0/16',
    insecureRegistries: [],
    registryAuth: {},
  });
});

test('resolveAgentConfig parses labels from a "k=v,k2=v2" string', () => {
  assert.deepEqual(resolve({ flags: { labels: 'zone=kitchen, tier=edge' } }).labels, { zone: 'kitchen', tier: 'edge' });
  assert.deepEqual(resolve({ env: { CORRAL_LABELS: 'example.com/room=hall,gpu=' } }).labels, { 'example.com/room': 'hall', gpu: '' });
});

test('resolveAgentConfig takes labels from a YAML-style object', () => {
  assert.deepEqual(resolve({ file: { labels: { zone: 'kitchen', 'example.com/tier': 'edge' } } }).labels, { zone: 'kitchen', 'example.com/tier': 'edge' });
});

test('resolveAgentConfig replaces the file labels wholesale with the env labels', () => {
  assert.deepEqual(resolve({ file: { labels: { zone: 'kitchen' } }, env: { CORRAL_LABELS: 'tier=edge' } }).labels, { tier: 'edge' });
});

test('resolveAgentConfig rejects an invalid label key with a path under labels', () => {
  for (const sources of [{ flags: { labels: '-bad=x' } }, { file: { labels: { 'no spaces': 'x' } } }, { env: { CORRAL_LABELS: 'a/b/c=x' } }]) {
    const e = reject(sources);
    assert.equal(e.code, ErrorCode.ConfigInvalid);
    assert.ok(e.path?.startsWith('labels'), `path ${e.path}`);
  }
});

test('resolveAgentConfig rejects an invalid label value with a path under labels', () => {
  const e = reject({ flags: { labels: 'zone=-kitchen' } });
  assert.equal(e.code, ErrorCode.ConfigInvalid);
  assert.ok(e.path?.startsWith('labels'), `path ${e.path}`);
});

test('resolveAgentConfig rejects a hub that is not an mqtt URL with path hub', () => {
  for (const hub of ['http://127.0.0.1:1883', 'mqtt://', '127.0.0.1:1883', 'mqtt://host:1883/path']) {
    const e = reject({ flags: { hub } });
    assert.equal(e.code, ErrorCode.ConfigInvalid, hub);
    assert.equal(e.path, 'hub', hub);
  }
});

test('resolveAgentConfig converts heartbeatSeconds from an env string to heartbeatMs', () => {
  assert.equal(resolve({ env: { CORRAL_HEARTBEAT_SECONDS: '2.5' } }).heartbeatMs, 2500);
  assert.equal(resolve({ file: { heartbeatSeconds: 0.25 } }).heartbeatMs, 250);
});

test('resolveAgentConfig rejects out-of-range periods with the field as path', () => {
  for (const [flags, path] of [
    [{ heartbeatSeconds: '0' }, 'heartbeatSeconds'],
    [{ heartbeatSeconds: 'soon' }, 'heartbeatSeconds'],
    [{ heartbeatSeconds: '3601' }, 'heartbeatSeconds'],
    [{ keepaliveSeconds: '4' }, 'keepaliveSeconds'],
    [{ keepaliveSeconds: '7.5' }, 'keepaliveSeconds'],
  ] as const) {
    const e = reject({ flags });
    assert.equal(e.code, ErrorCode.ConfigInvalid);
    assert.equal(e.path, path, JSON.stringify(flags));
  }
});

test('resolveAgentConfig parses reserved resources from a "cpu=…,memory=…" string', () => {
  assert.deepEqual(resolve({ flags: { reserved: 'cpu=250m,memory=64Mi' } }).reserved, { cpu: 250, memory: 67108864 });
});

test('resolveAgentConfig takes reserved resources from a YAML-style object and defaults the missing one', () => {
  assert.deepEqual(resolve({ file: { reserved: { cpu: 0.5, memory: 1048576 } } }).reserved, { cpu: 500, memory: 1048576 });
  assert.deepEqual(resolve({ flags: { reserved: 'cpu=250m' } }).reserved, { cpu: 250, memory: 128 * 2 ** 20 });
});

test('resolveAgentConfig rejects a reserved memory of "64MB" with path reserved.memory', () => {
  const e = reject({ flags: { reserved: 'cpu=250m,memory=64MB' } });
  assert.equal(e.code, ErrorCode.ConfigInvalid);
  assert.equal(e.path, 'reserved.memory');
});

test('resolveAgentConfig rejects a reserved cpu finer than 1m with path reserved.cpu', () => {
  const e = reject({ file: { reserved: { cpu: '0.0001' } } });
  assert.equal(e.code, ErrorCode.ConfigInvalid);
  assert.equal(e.path, 'reserved.cpu');
});

test('resolveAgentConfig derives the default nodeName from the hostname argument', () => {
  assert.equal(resolve({}, 'Pi-Kitchen.local').nodeName, 'pi-kitchen');
});

test('resolveAgentConfig prefers a given nodeName over the hostname', () => {
  assert.equal(resolve({ env: { CORRAL_NODE_NAME: 'from-env' } }, 'Pi-Kitchen.local').nodeName, 'from-env');
});

test('resolveAgentConfig rejects a hostname that cannot be sanitized with path nodeName', () => {
  const e = reject({}, '___');
  assert.equal(e.code, ErrorCode.ConfigInvalid);
  assert.equal(e.path, 'nodeName');
});

test('resolveAgentConfig rejects a given nodeName that is not a DNS label with path nodeName', () => {
  for (const nodeName of ['Pi-Kitchen', 'pi.kitchen', '-pi', 'x'.repeat(64)]) {
    const e = reject({ flags: { nodeName } });
    assert.equal(e.code, ErrorCode.ConfigInvalid, nodeName);
    assert.equal(e.path, 'nodeName', nodeName);
  }
});

test('resolveAgentConfig rejects a config file that is not a mapping', () => {
  for (const file of [['hub', 'mqtt://x:1'], 'hub: mqtt://x:1', 42, null]) {
    const e = reject({ file });
    assert.equal(e.code, ErrorCode.ConfigInvalid, JSON.stringify(file));
    assert.equal(e.path, '(root)', JSON.stringify(file));
  }
});

test('resolveAgentConfig reads insecure from env "1" and from a boolean flag', () => {
  assert.equal(resolve({ env: { CORRAL_INSECURE: '1' } }).insecure, true);
  assert.equal(resolve({ env: { CORRAL_INSECURE: '0' } }).insecure, false);
  assert.equal(resolve({ env: { CORRAL_INSECURE: 'false' }, flags: { insecure: true } }).insecure, true);
  const e = reject({ env: { CORRAL_INSECURE: 'yes' } });
  assert.equal(e.code, ErrorCode.ConfigInvalid);
  assert.equal(e.path, 'insecure');
});

test('resolveAgentConfig rejects an unknown runtime and log level with the field as path', () => {
  for (const [env, path] of [
    [{ CORRAL_RUNTIME: 'docker' }, 'runtime'],
    [{ CORRAL_LOG_LEVEL: 'verbose' }, 'logLevel'],
    [{ CORRAL_DATA_DIR: '' }, 'dataDir'],
  ] as const) {
    const e = reject({ env });
    assert.equal(e.code, ErrorCode.ConfigInvalid);
    assert.equal(e.path, path);
  }
});

test('sanitizeNodeName keeps the first DNS label, lower-cased, with invalid characters replaced', () => {
  assert.equal(sanitizeNodeName('Pi-Kitchen.local'), 'pi-kitchen');
  assert.equal(sanitizeNodeName('raspberrypi'), 'raspberrypi');
  assert.equal(sanitizeNodeName('My_Box 2'), 'my-box-2');
  assert.equal(sanitizeNodeName('_edge_'), 'edge');
  assert.equal(sanitizeNodeName('___'), '');
  assert.equal(sanitizeNodeName(''), '');
});

test('sanitizeNodeName returns a valid DNS label when truncating a long hostname', () => {
  const cases = ['a'.repeat(100), `${'a'.repeat(62)}-b`, `${'a'.repeat(62)}__b`, `--${'a'.repeat(70)}`];
  for (const host of cases) {
    const name = sanitizeNodeName(host);
    assert.ok(name.length > 0 && name.length <= 63, host);
    assert.ok(isNodeName(name), `${JSON.stringify(host)} → ${JSON.stringify(name)}`);
  }
  assert.equal(sanitizeNodeName(`${'a'.repeat(62)}-b`), 'a'.repeat(62));
});

test('resolveAgentConfig refuses an outbox bound below 16Ki, naming the field', () => {
  const r = resolveAgentConfig({ env: {}, flags: { outboxMaxBytes: '4Ki' } }, 'test-host');
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error.message, /^config: outboxMaxBytes: must be at least 16Ki$/);
});
