import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { type NodeCredentialRecord, NodeCredentials } from '../../../../hub/src/security/node-credentials.js';
import { PASSWORD_HASH_ITERATIONS, hashPassword, parsePasswordHash, verifyPassword } from '../../../../hub/src/security/password-hash.js';
import { MemoryCollection } from '../../../../hub/src/store/memory-collection.js';
import { silentLog } from '../fixtures.js';

const HUB = { username: 'corral-hub', password: 'h'.repeat(43) };

function credentials(store = new MemoryCollection<NodeCredentialRecord>(), options: { hub?: typeof HUB } = { hub: HUB }) {
  return { store, creds: new NodeCredentials(store, { now: () => 1_000, log: silentLog, hub: options.hub }) };
}

test('verifyPassword accepts a hash written by mosquitto_passwd (Mosquitto 2.0.11, -b alice secretpw)', async () => {
  const stored = '$7$101$1zFe98bnzdztyUcu$YPqd8UPqjBDLA8Vw146JYYe/HiStnlYAdTULepaneHKD2Uc6tu3PsV3v+/Yoh4iJg/i7lzyCrDh7asc+7qc4GA==';
  assert.equal(await verifyPassword(stored, 'secretpw'), true);
  assert.equal(await verifyPassword(stored, 'secretpW'), false);
});

test('verifyPassword accepts what the installed mosquitto_passwd writes now', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'corral-passwd-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'passwd');
  await writeFile(file, '');
  // Debian's mosquitto package (installed by `make setup`) provides mosquitto_passwd; its absence fails the test.
  await promisify(execFile)('mosquitto_passwd', ['-b', file, 'pi-a', 'Zm9vYmFy-_x']);
  const [user, hash] = (await readFile(file, 'utf8')).trim().split(/:(.*)/s) as [string, string];
  assert.equal(user, 'pi-a');
  assert.ok(parsePasswordHash(hash), hash);
  assert.equal(await verifyPassword(hash, 'Zm9vYmFy-_x'), true);
  assert.equal(await verifyPassword(hash, 'Zm9vYmFy-_y'), false);
});

test('hashPassword writes the $7$ format Mosquitto reads: 101 iterations, 12-byte salt, 64-byte hash', async () => {
  const text = await hashPassword('pw', { salt: Buffer.alloc(12, 7) });
  assert.match(text, /^\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/);
  const parsed = parsePasswordHash(text);
  assert.equal(parsed?.iterations, PASSWORD_HASH_ITERATIONS);
  assert.equal(parsed?.salt.length, 12);
  assert.equal(await verifyPassword(text, 'pw'), true);
  assert.notEqual(await hashPassword('pw'), await hashPassword('pw'), 'a fresh salt each time');
});

test('parsePasswordHash rejects other schemes and damaged hashes; verifyPassword then matches nothing', async () => {
  for (const bad of ['', 'plain', '$6$101$abc$def', '$7$0$AAAA$AAAA', '$7$101$AAAA$AAAA', '$7$99999999$AAAA$AAAA', '$7$101$!!$AAAA']) {
    assert.equal(parsePasswordHash(bad), undefined, bad);
    assert.equal(await verifyPassword(bad, ''), false, bad);
  }
});

test('issue returns a 32-byte base64url password once and stores only its hash', async () => {
  const { store, creds } = credentials();
  const issued = await creds.issue('pi-a');
  assert.ok(issued.ok);
  assert.equal(issued.value.username, 'pi-a');
  assert.match(issued.value.password, /^[A-Za-z0-9_-]{43}$/);
  const stored = await store.get('pi-a');
  assert.ok(stored && parsePasswordHash(stored.hash));
  assert.equal(stored.issuedAt, 1_000);
  assert.ok(!JSON.stringify(await store.entries()).includes(issued.value.password), 'the password is not stored');
  assert.deepEqual(await creds.verify('pi-a', Buffer.from(issued.value.password)), { kind: 'node', name: 'pi-a' });
  assert.deepEqual(creds.entries(), [{ username: 'pi-a', hash: stored.hash }]);
});

test('verify refuses a wrong password, an unknown node, and a missing username or password', async () => {
  const { creds } = credentials();
  const issued = await creds.issue('pi-a');
  assert.ok(issued.ok);
  assert.equal(await creds.verify('pi-a', 'wrong'), undefined);
  assert.equal(await creds.verify('pi-b', issued.value.password), undefined);
  assert.equal(await creds.verify(undefined, issued.value.password), undefined);
  assert.equal(await creds.verify('pi-a', undefined), undefined);
  assert.equal(await creds.verify('pi-a', ''), undefined);
});

test('issuing again rotates: the old password stops working', async () => {
  const { creds } = credentials();
  const first = await creds.issue('pi-a');
  const second = await creds.issue('pi-a');
  assert.ok(first.ok && second.ok);
  assert.notEqual(first.value.password, second.value.password);
  assert.equal(await creds.verify('pi-a', first.value.password), undefined);
  assert.deepEqual(await creds.verify('pi-a', second.value.password), { kind: 'node', name: 'pi-a' });
});

test('revoke removes the credentials from memory and store; revoking again is false', async () => {
  const { store, creds } = credentials();
  const issued = await creds.issue('pi-a');
  assert.ok(issued.ok);
  let changes = 0;
  creds.onChange(() => changes++);
  assert.equal(await creds.revoke('pi-a'), true);
  assert.equal(await creds.revoke('pi-a'), false);
  assert.equal(changes, 1);
  assert.equal(await store.get('pi-a'), undefined);
  assert.equal(creds.has('pi-a'), false);
  assert.equal(await creds.verify('pi-a', issued.value.password), undefined);
});

test('a password revoked while its hash is being checked no longer counts', async () => {
  const { creds } = credentials();
  const issued = await creds.issue('pi-a');
  assert.ok(issued.ok);
  const checking = creds.verify('pi-a', issued.value.password);
  await creds.revoke('pi-a');
  assert.equal(await checking, undefined);
});

test("issue refuses the hub's username and names that are not node names", async () => {
  const { creds } = credentials();
  const reserved = await creds.issue('corral-hub');
  assert.ok(!reserved.ok && reserved.error.reason === 'Reserved');
  for (const name of ['Pi_A', '', '-a', 'a'.repeat(64), 'a/b']) {
    const result = await creds.issue(name);
    assert.ok(!result.ok && result.error.reason === 'InvalidName', name);
  }
  assert.deepEqual(creds.entries(), []);
});

test("the hub's own login verifies as the hub; without it nobody is the hub", async () => {
  assert.deepEqual(await credentials().creds.verify('corral-hub', Buffer.from(HUB.password)), { kind: 'hub' });
  assert.equal(await credentials().creds.verify('corral-hub', 'x'.repeat(43)), undefined);
  assert.equal(await credentials(undefined, {}).creds.verify('corral-hub', HUB.password), undefined);
});

test('load restores stored credentials and skips unreadable ones', async () => {
  const store = new MemoryCollection<NodeCredentialRecord>();
  const first = credentials(store).creds;
  const issued = await first.issue('pi-a');
  assert.ok(issued.ok);
  await store.put('pi-b', { hash: 'not a hash', issuedAt: 1 });
  await store.put('corral-hub', { hash: (await store.get('pi-a'))!.hash, issuedAt: 1 });
  const second = credentials(store).creds;
  await second.load();
  assert.deepEqual(second.entries().map((e) => e.username), ['pi-a']);
  assert.deepEqual(await second.verify('pi-a', issued.value.password), { kind: 'node', name: 'pi-a' });
});
