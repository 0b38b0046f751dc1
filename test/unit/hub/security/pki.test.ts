import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { CA_DAYS, type HubPki, PKI_FILES, SERVER_DAYS, ensurePki } from '../../../../hub/src/security/pki.js';
import { type San, serverSans } from '../../../../hub/src/security/san.js';
import { type CorralError, ErrorCode } from '../../../../protocol/src/index.js';

const run = promisify(execFile);
const DAY = 86_400_000;
const SANS: San[] = serverSans({ tlsSan: ['hub.lan', '10.0.0.2'], hostname: 'pki-test', listenHosts: ['0.0.0.0'] });

async function withDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'corral-pki-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'pki');
}

async function openssl(...args: string[]): Promise<string> {
  const { stdout } = await run('openssl', args);
  return stdout;
}

async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

async function fingerprints(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of [PKI_FILES.caCert, PKI_FILES.serverCert]) out[name] = new X509Certificate(await readFile(join(dir, name))).fingerprint256;
  return out;
}

test('ensurePki creates a private CA and a server certificate that openssl verifies, with every SAN', async (t) => {
  const dir = await withDir(t);
  const pki: HubPki = await ensurePki(dir, { sans: SANS });
  assert.deepEqual(pki.created, { ca: true, server: 'missing' });
  assert.equal(pki.caFile, join(dir, 'ca.pem'));

  assert.match(await openssl('verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'server.pem')), /server\.pem: OK/);
  const ext = await openssl('x509', '-noout', '-ext', 'subjectAltName', '-in', join(dir, 'server.pem'));
  for (const expected of ['DNS:hub.lan', 'IP Address:10.0.0.2', 'DNS:pki-test', 'DNS:localhost', 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1']) {
    assert.ok(ext.includes(expected), `${expected} in ${ext}`);
  }
  assert.ok(!ext.includes('0.0.0.0'), 'a wildcard listen address is no SAN');

  const ca = new X509Certificate(pki.caCert);
  assert.equal(ca.ca, true);
  assert.match(ca.subject, /^CN=Corral hub CA [0-9a-f]{8}$/);
  assert.equal(ca.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  const caDays = (Date.parse(ca.validTo) - Date.parse(ca.validFrom)) / DAY;
  assert.ok(Math.abs(caDays - CA_DAYS) <= 1, `CA valid ${caDays} days`);
  const server = new X509Certificate(pki.serverCert);
  assert.equal(server.ca, false);
  assert.ok(server.checkIssued(ca) && server.verify(ca.publicKey));
  assert.equal(server.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  const serverDays = (Date.parse(server.validTo) - Date.parse(server.validFrom)) / DAY;
  assert.ok(Math.abs(serverDays - SERVER_DAYS) <= 1, `server valid ${serverDays} days`);
  assert.match(server.keyUsage?.join(',') ?? '', /1\.3\.6\.1\.5\.5\.7\.3\.1/, 'extendedKeyUsage serverAuth');

  assert.equal(await mode(dir), 0o700);
  for (const name of Object.values(PKI_FILES)) assert.equal(await mode(join(dir, name)), 0o600, name);
  assert.deepEqual((await readdir(dir)).sort(), ['ca.key', 'ca.pem', 'server.key', 'server.pem'], 'no temp files left');
});

test('ensurePki is idempotent: a second start keeps the CA and the server certificate', async (t) => {
  const dir = await withDir(t);
  await ensurePki(dir, { sans: SANS });
  const before = await fingerprints(dir);
  const again = await ensurePki(dir, { sans: [...SANS].reverse() });
  assert.deepEqual(again.created, { ca: false });
  assert.deepEqual(await fingerprints(dir), before);
});

test('ensurePki reissues the server certificate when the SANs change, and keeps the CA', async (t) => {
  const dir = await withDir(t);
  await ensurePki(dir, { sans: SANS });
  const before = await fingerprints(dir);
  const more = serverSans({ tlsSan: ['hub.lan', '10.0.0.2', 'corral.example.org', 'fd00::7'], hostname: 'pki-test', listenHosts: [] });
  const after = await ensurePki(dir, { sans: more });
  assert.deepEqual(after.created, { ca: false, server: 'sans-changed' });
  const now = await fingerprints(dir);
  assert.equal(now[PKI_FILES.caCert], before[PKI_FILES.caCert]);
  assert.notEqual(now[PKI_FILES.serverCert], before[PKI_FILES.serverCert]);
  assert.match(await openssl('verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'server.pem')), /OK/);
  const ext = await openssl('x509', '-noout', '-ext', 'subjectAltName', '-in', join(dir, 'server.pem'));
  assert.ok(ext.includes('DNS:corral.example.org') && ext.includes('IP Address:FD00:0:0:0:0:0:0:7'), ext);
});

test('ensurePki renews a server certificate that expires within 30 days', async (t) => {
  const dir = await withDir(t);
  await ensurePki(dir, { sans: SANS });
  const later = Date.now() + (SERVER_DAYS - 29) * DAY;
  assert.deepEqual((await ensurePki(dir, { sans: SANS, now: () => Date.now() + (SERVER_DAYS - 31) * DAY })).created, { ca: false });
  assert.deepEqual((await ensurePki(dir, { sans: SANS, now: () => later })).created, { ca: false, server: 'expiring' });
});

test('ensurePki reissues a server certificate that another CA signed or whose key was replaced', async (t) => {
  const dir = await withDir(t);
  const other = await withDir(t);
  await ensurePki(dir, { sans: SANS });
  await ensurePki(other, { sans: SANS });
  await writeFile(join(dir, PKI_FILES.serverCert), await readFile(join(other, PKI_FILES.serverCert)));
  assert.equal((await ensurePki(dir, { sans: SANS })).created.server, 'not-issued-by-ca');
  await writeFile(join(dir, PKI_FILES.serverKey), await readFile(join(other, PKI_FILES.serverKey)));
  assert.equal((await ensurePki(dir, { sans: SANS })).created.server, 'key-mismatch');
  assert.match(await openssl('verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'server.pem')), /OK/);
});

test('ensurePki creates a new CA when only its key survived a crash, and leftover temp directories go', async (t) => {
  const dir = await withDir(t);
  await ensurePki(dir, { sans: SANS });
  const before = await fingerprints(dir);
  await unlink(join(dir, PKI_FILES.caCert));
  await mkdir(join(dir, '.tmp-crashed'));
  const again = await ensurePki(dir, { sans: SANS });
  assert.deepEqual(again.created, { ca: true, server: 'not-issued-by-ca' });
  assert.notEqual((await fingerprints(dir))[PKI_FILES.caCert], before[PKI_FILES.caCert]);
  assert.ok(!(await readdir(dir)).some((name) => name.startsWith('.tmp-')));
});

test('ensurePki refuses to replace a CA certificate whose key is missing or does not match', async (t) => {
  const dir = await withDir(t);
  const other = await withDir(t);
  await ensurePki(dir, { sans: SANS });
  await ensurePki(other, { sans: SANS });
  const caCert = await readFile(join(dir, PKI_FILES.caCert), 'utf8');

  await writeFile(join(dir, PKI_FILES.caKey), await readFile(join(other, PKI_FILES.caKey)));
  await assert.rejects(ensurePki(dir, { sans: SANS }), (e: CorralError) => e.code === ErrorCode.PkiFailed);
  await unlink(join(dir, PKI_FILES.caKey));
  await assert.rejects(ensurePki(dir, { sans: SANS }), (e: CorralError) => e.code === ErrorCode.PkiFailed);
  assert.equal(await readFile(join(dir, PKI_FILES.caCert), 'utf8'), caCert, 'the pinned CA is left alone');
});

test('ensurePki reports an openssl failure with CORRAL_PKI_FAILED', async (t) => {
  const dir = await withDir(t);
  const { opensslRunner } = await import('../../../../hub/src/security/openssl.js');
  await assert.rejects(ensurePki(dir, { sans: SANS, openssl: opensslRunner('/nonexistent/openssl') }), (e: CorralError) => e.code === ErrorCode.PkiFailed);
  assert.deepEqual(await readdir(dir), [], 'nothing half-written');
});
