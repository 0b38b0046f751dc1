import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type SandboxRecord, SandboxStore } from '../../../../agent/src/network/sandbox-store.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'corral-sandbox-store-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const record = (podUid: string): SandboxRecord => ({
  version: 1,
  podUid,
  podName: 'web',
  containerId: podUid,
  netnsName: 'corral-000000000000',
  netnsPath: '/var/run/netns/corral-000000000000',
  ifName: 'eth0',
  network: { cniVersion: '1.0.0', name: 'corral', plugins: [{ type: 'bridge', bridge: 'corral0' }] },
  portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
  phase: 'ready',
  result: { cniVersion: '1.0.0', ips: [] },
  podIP: '10.88.0.2',
});

test('SandboxStore writes, reads back, lists and removes records; a missing directory lists nothing', async () => {
  const store = new SandboxStore(join(root, 'a', 'network'));
  assert.deepEqual(await store.list(), { ok: true, value: [] });
  assert.deepEqual(await store.read('p1'), { ok: true, value: undefined });
  assert.deepEqual(await store.write(record('p2')), { ok: true, value: undefined });
  assert.deepEqual(await store.write(record('p1')), { ok: true, value: undefined });
  assert.deepEqual(await store.read('p1'), { ok: true, value: record('p1') });
  assert.deepEqual(await store.list(), { ok: true, value: ['p1', 'p2'] });
  assert.deepEqual(await readdir(join(root, 'a', 'network')).then((n) => n.sort()), ['p1.json', 'p2.json'], 'no temporary files left');
  await store.remove('p1');
  await store.remove('p1');
  assert.deepEqual(await store.list(), { ok: true, value: ['p2'] });
});

test('SandboxStore reports unreadable records with CORRAL_NETWORK_STATE_FAILED and ignores temporary files in list', async () => {
  const dir = join(root, 'b');
  const store = new SandboxStore(dir);
  await store.write(record('ok'));
  await writeFile(join(dir, 'truncated.json'), '{"version":1,');
  await writeFile(join(dir, 'wrong.json'), JSON.stringify({ ...record('wrong'), phase: 'dancing' }));
  await writeFile(join(dir, 'other.json'), JSON.stringify(record('someone-else')));
  await writeFile(join(dir, 'ok.json.tmp'), 'half');
  for (const uid of ['truncated', 'wrong', 'other']) {
    const read = await store.read(uid);
    assert.ok(!read.ok, uid);
    assert.equal(read.error.code, 'CORRAL_NETWORK_STATE_FAILED');
  }
  assert.deepEqual(await store.list(), { ok: true, value: ['ok', 'other', 'truncated', 'wrong'] });
});
