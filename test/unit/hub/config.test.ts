import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseListen, resolveHubConfig } from '../../../hub/src/config.js';
import { ErrorCode } from '../../../protocol/src/index.js';

test('resolveHubConfig applies the documented defaults', () => {
  const r = resolveHubConfig({});
  assert.ok(r.ok);
  assert.equal(r.value.dataDir, './.data/hub');
  assert.deepEqual(r.value.mqttListen, { host: '127.0.0.1', port: 1883 });
  assert.deepEqual(r.value.httpListen, { host: '127.0.0.1', port: 8080 });
  assert.equal(r.value.nodeGraceSeconds, 15);
  assert.equal(r.value.broker, undefined);
  assert.equal(r.value.insecure, false);
});

test('resolveHubConfig takes flags as given on the command line', () => {
  const r = resolveHubConfig({ mqttListen: '[::1]:1884', httpListen: '0.0.0.0:0', nodeGraceSeconds: '2.5', broker: 'mqtt://127.0.0.1:1999', insecure: true });
  assert.ok(r.ok);
  assert.deepEqual(r.value.mqttListen, { host: '::1', port: 1884 });
  assert.equal(r.value.nodeGraceSeconds, 2.5);
  assert.equal(r.value.broker, 'mqtt://127.0.0.1:1999');
});

test('resolveHubConfig names the field of a bad flag', () => {
  for (const [flags, path] of [
    [{ httpListen: 'localhost' }, 'httpListen'],
    [{ mqttListen: '127.0.0.1:70000' }, 'mqttListen'],
    [{ broker: 'http://x:1' }, 'broker'],
    [{ nodeGraceSeconds: '-1' }, 'nodeGraceSeconds'],
  ] as const) {
    const r = resolveHubConfig(flags);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.code, ErrorCode.ConfigInvalid);
      assert.equal(r.error.path, path);
    }
  }
});

test('parseListen rejects addresses without a port', () => {
  assert.equal(parseListen('127.0.0.1'), undefined);
  assert.equal(parseListen('::1:80'), undefined);
  assert.deepEqual(parseListen('[::1]:80'), { host: '::1', port: 80 });
});

test('resolveHubConfig takes the node lost time and the scheduler resource strategy', () => {
  const r = resolveHubConfig({ nodeLostSeconds: '45', schedulerResources: 'MostAllocated' });
  assert.ok(r.ok);
  assert.equal(r.value.nodeLostSeconds, 45);
  assert.equal(r.value.schedulerResources, 'MostAllocated');
  const d = resolveHubConfig({});
  assert.ok(d.ok);
  assert.equal(d.value.nodeLostSeconds, 30);
  assert.equal(d.value.schedulerResources, 'LeastAllocated');
  const bad = resolveHubConfig({ schedulerResources: 'Random' });
  assert.equal(bad.ok ? undefined : bad.error.path, 'schedulerResources');
});
