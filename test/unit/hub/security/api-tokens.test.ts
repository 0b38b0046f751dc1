import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { pino } from 'pino';
import {
  ADMIN_TOKEN_FILE,
  ApiTokens,
  type ApiTokenRecord,
  BOOTSTRAP_ADMIN_NAME,
  ensureBootstrapAdmin,
  hashApiToken,
  isApiTokenFormat,
  newApiToken,
} from '../../../../hub/src/security/api-tokens.js';
import type { Collection } from '../../../../hub/src/store/collection.js';
import { LevelStore } from '../../../../hub/src/store/level-store.js';

const log = pino({ level: 'silent' });

/** Counts puts, so tests can see what reaches the disk. */
function counting<V>(inner: Collection<V>): Collection<V> & { puts: number } {
  const wrapped = {
    puts: 0,
    get: (key: string) => inner.get(key),
    put: async (key: string, value: V) => {
      wrapped.puts++;
      await inner.put(key, value);
    },
    del: (key: string) => inner.del(key),
    entries: () => inner.entries(),
  };
  return wrapped;
}

describe('ApiTokens on a real LevelDB', () => {
  let dir: string;
  let store: LevelStore;
  let clock: { now: number };
  const open = async (collection = store.collection<ApiTokenRecord>('api-tokens'), lastUsedWriteMs?: number) => {
    const tokens = new ApiTokens(collection, { now: () => clock.now, log, ...(lastUsedWriteMs === undefined ? {} : { lastUsedWriteMs }) });
    await tokens.load();
    return tokens;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'corral-api-tokens-'));
    store = await LevelStore.open(dir);
    clock = { now: 1_700_000_000_000 };
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('newApiToken makes crl_ and 43 base64url characters, different each time', () => {
    const a = newApiToken();
    assert.match(a, /^crl_[A-Za-z0-9_-]{43}$/);
    assert.ok(isApiTokenFormat(a));
    assert.notEqual(a, newApiToken());
    assert.equal(isApiTokenFormat(`${a}x`), false);
    assert.equal(isApiTokenFormat('Bearer whatever'), false);
  });

  it('ApiTokens stores only the SHA-256 of a token, never the token, and authenticates it after a restart', async () => {
    const tokens = await open();
    const created = await tokens.create({ name: 'ci', role: 'read-only' });
    assert.ok(created.created);
    const raw = await store.collection<ApiTokenRecord>('api-tokens').entries();
    assert.equal(raw.length, 1);
    const [key, record] = raw[0] as [string, ApiTokenRecord];
    assert.equal(key, created.info.id);
    assert.equal(record.hash, hashApiToken(created.token));
    assert.ok(!JSON.stringify(record).includes(created.token), 'the secret is not stored');
    assert.ok(!JSON.stringify(created.info).includes(record.hash), 'the hash is not shown');

    const reopened = await open();
    assert.deepEqual(reopened.authenticate(created.token)?.name, 'ci');
    assert.equal(reopened.authenticate(newApiToken()), undefined);
    assert.equal(reopened.authenticate('crl_short'), undefined);
  });

  it('ApiTokens refuses a second token with the same name', async () => {
    const tokens = await open();
    await tokens.create({ name: 'ci', role: 'read-only' });
    const again = await tokens.create({ name: 'ci', role: 'admin' });
    assert.equal(again.created, false);
    assert.equal(!again.created && again.reason, 'AlreadyExists');
    assert.equal(tokens.list().length, 1);
  });

  it('ApiTokens revokes a token at once and for good, and says NotFound for an unknown id', async () => {
    const tokens = await open();
    const admin = await tokens.create({ name: 'admin', role: 'admin' });
    const ci = await tokens.create({ name: 'ci', role: 'read-only' });
    assert.ok(admin.created && ci.created);
    assert.equal((await tokens.revoke(ci.info.id)).revoked, true);
    assert.equal(tokens.authenticate(ci.token), undefined);
    assert.equal((await open()).authenticate(ci.token), undefined, 'gone from the store too');
    const unknown = await tokens.revoke('00000000');
    assert.equal(!unknown.revoked && unknown.reason, 'NotFound');
  });

  it('ApiTokens never revokes the last admin token, but does once another admin exists', async () => {
    const tokens = await open();
    const first = await tokens.create({ name: 'first', role: 'admin' });
    await tokens.create({ name: 'viewer', role: 'read-only' });
    assert.ok(first.created);
    const refused = await tokens.revoke(first.info.id);
    assert.equal(!refused.revoked && refused.reason, 'LastAdmin');
    assert.ok(tokens.authenticate(first.token));
    const second = await tokens.create({ name: 'second', role: 'admin' });
    assert.ok(second.created);
    assert.equal((await tokens.revoke(first.info.id)).revoked, true);
    const last = await tokens.revoke(second.info.id);
    assert.equal(!last.revoked && last.reason, 'LastAdmin');
  });

  it('ApiTokens keeps lastUsedAt exact in memory but writes it at most once per interval, and on flush', async () => {
    const collection = counting(store.collection<ApiTokenRecord>('api-tokens'));
    const tokens = await open(collection, 60_000);
    const ci = await tokens.create({ name: 'ci', role: 'read-only' });
    assert.ok(ci.created);
    const afterCreate = collection.puts;
    for (let i = 0; i < 100; i++) {
      clock.now += 100;
      tokens.authenticate(ci.token);
    }
    await tokens.flush();
    assert.equal(tokens.get(ci.info.id)?.lastUsedAt, clock.now);
    // One write for the first use, one by flush for the latest: not one hundred.
    assert.equal(collection.puts - afterCreate, 2);
    assert.equal((await open()).get(ci.info.id)?.lastUsedAt, clock.now);
    clock.now += 60_000;
    tokens.authenticate(ci.token);
    await tokens.flush();
    assert.equal(collection.puts - afterCreate, 3);
  });

  it('ensureBootstrapAdmin writes an admin token to <dataDir>/admin.token (0600) once, when no admin exists', async () => {
    const tokens = await open();
    const path = await ensureBootstrapAdmin(tokens, { dataDir: dir, log });
    assert.equal(path, join(dir, ADMIN_TOKEN_FILE));
    const secret = (await readFile(join(dir, ADMIN_TOKEN_FILE), 'utf8')).trim();
    assert.equal((await stat(join(dir, ADMIN_TOKEN_FILE))).mode & 0o777, 0o600);
    const admin = tokens.authenticate(secret);
    assert.deepEqual([admin?.name, admin?.role], [BOOTSTRAP_ADMIN_NAME, 'admin']);
    assert.equal(await ensureBootstrapAdmin(await open(), { dataDir: dir, log }), undefined, 'an admin exists: nothing written');
    assert.equal((await readFile(join(dir, ADMIN_TOKEN_FILE), 'utf8')).trim(), secret);
  });
});
