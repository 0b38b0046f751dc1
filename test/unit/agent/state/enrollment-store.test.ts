import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Level } from 'level';
import { AgentStore, type StoredEnrollment } from '../../../../agent/src/state/store.js';
import { ErrorCode, ok } from '../../../../protocol/src/index.js';

const enrollment: StoredEnrollment = {
  nodeName: 'pi-a',
  mqtt: { url: 'mqtts://hub.lan:8883', username: 'pi-a', password: 'secret' },
  caPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  hubPublicKeyPem: '-----BEGIN PUBLIC KEY-----\nMCo\n-----END PUBLIC KEY-----\n',
  labels: { site: 'lab' },
  enrolledAt: 1_700_000_000_000,
};

describe('AgentStore enrollment on a real LevelDB', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'corral-agent-enrollment-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is absent before enrollment, then survives a reopen next to the identity, which it leaves alone', async () => {
    const first = await AgentStore.open(dir);
    assert.deepEqual(await first.loadEnrollment(), ok(undefined));
    const identity = await first.startIdentity();
    await first.saveEnrollment(enrollment);
    await first.close();
    const second = await AgentStore.open(dir);
    assert.deepEqual(await second.loadEnrollment(), ok(enrollment));
    assert.equal((await stat(join(dir, 'state'))).mode & 0o777, 0o700, 'the database directory is the agent\'s alone');
    const again = await second.startIdentity();
    assert.deepEqual([again.uid, again.bootCount], [identity.uid, 2]);
    await second.close();
  });

  it('a stored record that does not validate is CORRAL_ENROLLMENT_FAILED naming the field, not a silent new start', async () => {
    const db = new Level<string, unknown>(join(dir, 'state'), { valueEncoding: 'json' });
    await db.sublevel<string, unknown>('identity', { valueEncoding: 'json' }).put('enrollment', { ...enrollment, mqtt: { url: 'mqtts://hub:1', username: 'pi-a' } });
    await db.close();
    const store = await AgentStore.open(dir);
    const loaded = await store.loadEnrollment();
    assert.deepEqual(!loaded.ok && [loaded.error.code, loaded.error.path], [ErrorCode.EnrollmentFailed, 'mqtt.password']);
    await store.close();
  });

  it('saveEnrollment refuses a record that does not validate', async () => {
    const store = await AgentStore.open(dir);
    await assert.rejects(store.saveEnrollment({ ...enrollment, nodeName: 'Not A Name' }));
    assert.deepEqual(await store.loadEnrollment(), ok(undefined));
    await store.close();
  });
});
