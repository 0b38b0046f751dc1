import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadSigningKey } from '../../../../hub/src/security/signing-key.js';
import { ErrorCode } from '../../../../protocol/src/index.js';

async function dataDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'corral-signing-key-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'hub');
}

test('loadSigningKey creates an ed25519 pair on first start (key 0600, public PEM beside it) and loads the same one after', async (t) => {
  const dir = await dataDir(t);
  const first = await loadSigningKey(dir);
  assert.equal(first.created, true);
  assert.equal(first.privateKey.asymmetricKeyType, 'ed25519');
  assert.equal((await stat(join(dir, 'signing.key'))).mode & 0o777, 0o600);
  assert.equal(await readFile(join(dir, 'signing.pub.pem'), 'utf8'), first.publicKeyPem);
  const again = await loadSigningKey(dir);
  assert.equal(again.created, false);
  assert.equal(again.publicKeyPem, first.publicKeyPem);
  const sig = sign(null, Buffer.from('x'), again.privateKey);
  assert.ok(verify(null, Buffer.from('x'), createPublicKey(first.publicKeyPem), sig));
});

test('loadSigningKey: racing first starts agree on one key', async (t) => {
  const dir = await dataDir(t);
  const keys = await Promise.all(Array.from({ length: 8 }, () => loadSigningKey(dir)));
  assert.equal(new Set(keys.map((k) => k.publicKeyPem)).size, 1);
  assert.equal(keys.filter((k) => k.created).length, 1);
});

test('loadSigningKey rewrites a missing or altered public PEM from the private key', async (t) => {
  const dir = await dataDir(t);
  const { publicKeyPem } = await loadSigningKey(dir);
  await writeFile(join(dir, 'signing.pub.pem'), 'stale');
  await loadSigningKey(dir);
  assert.equal(await readFile(join(dir, 'signing.pub.pem'), 'utf8'), publicKeyPem);
});

test('loadSigningKey refuses a key file that is not an ed25519 private key instead of replacing it', async (t) => {
  const dir = await dataDir(t);
  await loadSigningKey(dir);
  await writeFile(join(dir, 'signing.key'), 'garbage');
  await assert.rejects(loadSigningKey(dir), { code: ErrorCode.SigningKeyInvalid });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  await writeFile(join(dir, 'signing.key'), rsa);
  await assert.rejects(loadSigningKey(dir), { code: ErrorCode.SigningKeyInvalid });
  assert.equal(await readFile(join(dir, 'signing.key'), 'utf8'), rsa, 'left as it was');
});
