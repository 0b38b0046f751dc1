import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalIp, certificateSanKeys, parseSan, sanKey, serverSans } from '../../../../hub/src/security/san.js';

test('parseSan accepts DNS names and IP addresses in canonical form', () => {
  assert.deepEqual(parseSan('Hub.LAN'), { type: 'DNS', value: 'hub.lan' });
  assert.deepEqual(parseSan('*.corral.example'), { type: 'DNS', value: '*.corral.example' });
  assert.deepEqual(parseSan(' 10.0.0.2 '), { type: 'IP', value: '10.0.0.2' });
  assert.deepEqual(parseSan('[::1]'), { type: 'IP', value: '0:0:0:0:0:0:0:1' });
  assert.deepEqual(parseSan('FD00::0007'), { type: 'IP', value: 'fd00:0:0:0:0:0:0:7' });
});

test('parseSan rejects what a certificate cannot name or an openssl config could misread', () => {
  for (const bad of ['', 'has space', 'under_score', '-lead.example', 'a..b', 'fe80::1%eth0', 'x'.repeat(64), 'a=b', 'hub.lan\nDNS.9 = evil', '$ENV::HOME']) {
    assert.equal(parseSan(bad), undefined, JSON.stringify(bad));
  }
});

test('canonicalIp expands IPv6 so every spelling compares equal', () => {
  assert.equal(canonicalIp('::'), '0:0:0:0:0:0:0:0');
  assert.equal(canonicalIp('2001:db8::1:0'), '2001:db8:0:0:0:0:1:0');
  assert.equal(canonicalIp('::ffff:192.168.1.10'), '0:0:0:0:0:ffff:c0a8:10a');
  assert.equal(canonicalIp('192.168.1.10'), '192.168.1.10');
});

test('certificateSanKeys reads Node\'s subjectAltName text into the same keys', () => {
  assert.deepEqual(certificateSanKeys('DNS:Hub.lan, IP Address:127.0.0.1, IP Address:FE80:0:0:0:0:0:0:1, DNS:"quoted.example"'), [
    'DNS:hub.lan',
    'IP:127.0.0.1',
    'IP:fe80:0:0:0:0:0:0:1',
    'DNS:quoted.example',
  ]);
  assert.deepEqual(certificateSanKeys(undefined), []);
});

test('serverSans adds the hostname, loopback and concrete listen hosts, without duplicates or wildcards', () => {
  const sans = serverSans({ tlsSan: ['hub.lan', 'localhost', '10.0.0.2'], hostname: 'Edge-Hub', listenHosts: ['0.0.0.0', '::', '10.0.0.2', '192.168.5.1'] });
  assert.deepEqual(sans.map(sanKey), ['DNS:hub.lan', 'DNS:localhost', 'IP:10.0.0.2', 'DNS:edge-hub', 'IP:127.0.0.1', 'IP:0:0:0:0:0:0:0:1', 'IP:192.168.5.1']);
  assert.ok(!serverSans({ tlsSan: [], hostname: 'bad_host', listenHosts: [] }).some((s) => s.value.includes('bad')));
});
