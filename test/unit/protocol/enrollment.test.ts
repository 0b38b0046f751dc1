import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CreateBootstrapTokenRequest, EnrollResponse, ErrorCode, isBootstrapTokenFormat, parseEnrollRequest } from '../../../protocol/src/index.js';

const TOKEN = `cbt_${'Ab0-_'.repeat(8)}xyz`;

describe('enrollment request schema', () => {
  it('accepts a token and a node name, with hostname and architecture optional', () => {
    assert.ok(isBootstrapTokenFormat(TOKEN));
    assert.deepEqual(parseEnrollRequest({ token: TOKEN, nodeName: 'pi-a' }), { ok: true, value: { token: TOKEN, nodeName: 'pi-a' } });
    const full = { token: TOKEN, nodeName: 'pi-a', hostname: 'pi-a.local', architecture: 'arm64' };
    assert.deepEqual(parseEnrollRequest(full), { ok: true, value: full });
  });

  it('refuses with CORRAL_PROTOCOL_INVALID naming the field: bad token, bad node name, unknown fields, wrong types, no object', () => {
    const cases: Array<[unknown, string]> = [
      [{ token: 'crl_' + 'a'.repeat(43), nodeName: 'pi-a' }, 'token'],
      [{ token: `${TOKEN}=`, nodeName: 'pi-a' }, 'token'],
      [{ token: TOKEN, nodeName: 'Pi-A' }, 'nodeName'],
      [{ token: TOKEN, nodeName: 'a'.repeat(64) }, 'nodeName'],
      [{ token: TOKEN, nodeName: '-pi' }, 'nodeName'],
      [{ token: TOKEN, nodeName: 'pi-a', hostname: 'has space' }, 'hostname'],
      [{ token: TOKEN, nodeName: 'pi-a', hostname: 'h'.repeat(254) }, 'hostname'],
      [{ token: TOKEN, nodeName: 'pi-a', architecture: 'ARM64' }, 'architecture'],
      [{ token: TOKEN, nodeName: 'pi-a', labels: { a: 'b' } }, '(root)'],
      [{ token: 42, nodeName: 'pi-a' }, 'token'],
      [{ nodeName: 'pi-a' }, 'token'],
      [null, '(root)'],
      [[TOKEN, 'pi-a'], '(root)'],
    ];
    for (const [body, path] of cases) {
      const parsed = parseEnrollRequest(body);
      assert.equal(parsed.ok, false, JSON.stringify(body));
      if (parsed.ok) continue;
      assert.equal(parsed.error.code, ErrorCode.ProtocolInvalid);
      assert.equal(parsed.error.path, path, JSON.stringify(body));
      assert.ok(parsed.error.message.startsWith(`${path}: `), parsed.error.message);
    }
  });

  it('the response schema needs the hub key as a PEM public key and the broker URL as mqtt(s)://HOST:PORT; the CA is optional (insecure hubs)', () => {
    const answer = {
      apiVersion: 'corral/v1',
      kind: 'Enrollment',
      nodeName: 'pi-a',
      mqtt: { url: 'mqtt://hub:1883', username: 'pi-a', password: 'secret' },
      hubPublicKeyPem: '-----BEGIN PUBLIC KEY-----\nMCo\n-----END PUBLIC KEY-----\n',
      labels: {},
    };
    assert.equal(EnrollResponse.safeParse(answer).success, true);
    assert.equal(EnrollResponse.safeParse({ ...answer, mqtt: { ...answer.mqtt, url: 'https://hub' } }).success, false);
    assert.equal(EnrollResponse.safeParse({ ...answer, hubPublicKeyPem: '-----BEGIN PRIVATE KEY-----' }).success, false);
  });

  it('a bootstrap token request defaults to 24 hours, one use and no labels', () => {
    assert.deepEqual(CreateBootstrapTokenRequest.parse({}), { ttlSeconds: 86_400, uses: 1, labels: {} });
    const labels = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
    assert.equal(CreateBootstrapTokenRequest.safeParse({ labels }).success, false);
  });
});
