import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import Fastify from 'fastify';
import { registerSigningKeyRoutes } from '../../../../hub/src/api/signing-key.js';

test('GET /api/v1/hub/signing-key serves the desired-state public key as PEM', async (t) => {
  const publicKeyPem = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const app = Fastify();
  t.after(() => app.close());
  registerSigningKeyRoutes(app, { publicKeyPem });
  const res = await app.inject({ method: 'GET', url: '/api/v1/hub/signing-key' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^application\/x-pem-file/);
  assert.equal(res.body, publicKeyPem);
  assert.equal(createPublicKey(res.body).asymmetricKeyType, 'ed25519');
});
