import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveAgentConfig } from '../../../../agent/src/config.js';
import { readHubPublicKey } from '../../../../agent/src/security/hub-public-key.js';
import { ErrorCode } from '../../../../protocol/src/index.js';

const pair = generateKeyPairSync('ed25519');
const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }) as string;

test('readHubPublicKey takes the PEM inline or from a file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'corral-hub-key-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'signing.pub.pem');
  await writeFile(file, publicPem);
  for (const value of [publicPem, file]) {
    const key = await readHubPublicKey(value);
    assert.ok(key.equals(pair.publicKey));
  }
});

test('readHubPublicKey refuses a missing file, a private key, a non-ed25519 key and garbage', async () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const garbage = '-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n';
  for (const value of ['/nonexistent/corral/signing.pub.pem', privatePem, rsa, garbage]) {
    await assert.rejects(readHubPublicKey(value), { code: ErrorCode.SigningKeyInvalid, path: 'hubPublicKey' });
  }
});

test('resolveAgentConfig takes hubPublicKey from the flag, CORRAL_HUB_PUBLIC_KEY or YAML hubPublicKey/hubPublicKeyFile', () => {
  const resolve = (sources: Partial<Parameters<typeof resolveAgentConfig>[0]>) => resolveAgentConfig({ env: {}, flags: {}, ...sources }, 'test-host');
  const keyOf = (sources: Partial<Parameters<typeof resolveAgentConfig>[0]>) => {
    const r = resolve(sources);
    return r.ok ? r.value.hubPublicKey : r.error.code;
  };
  assert.equal(keyOf({}), undefined);
  assert.equal(keyOf({ flags: { hubPublicKey: '/etc/corral/hub.pub.pem' } }), '/etc/corral/hub.pub.pem');
  assert.equal(keyOf({ env: { CORRAL_HUB_PUBLIC_KEY: '/env.pem' } }), '/env.pem');
  assert.equal(keyOf({ file: { hubPublicKeyFile: '/file.pem' } }), '/file.pem');
  assert.equal(keyOf({ file: { hubPublicKey: publicPem } }), publicPem);
  const both = resolve({ file: { hubPublicKey: publicPem, hubPublicKeyFile: '/file.pem' } });
  assert.equal(both.ok ? undefined : both.error.path, 'hubPublicKeyFile');
});
