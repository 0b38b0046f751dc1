import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCniError, hostVethFromResult, parseCniError, parseCniResult, podIPFromResult } from '../../../../agent/src/network/cni-result.js';

/** What bridge 1.1.1 printed for an ADD on this project's test host. */
const BRIDGE_ADD = `{
    "cniVersion": "1.0.0",
    "interfaces": [
        { "name": "cxp0", "mac": "3a:1d:a6:82:c9:c3" },
        { "name": "veth48e72ebc", "mac": "ce:d4:91:e8:57:83" },
        { "name": "eth0", "mac": "7a:6c:c8:33:59:60", "sandbox": "/var/run/netns/cxp1" }
    ],
    "ips": [ { "interface": 2, "address": "10.251.7.2/24", "gateway": "10.251.7.1" } ],
    "routes": [ { "dst": "0.0.0.0/0" } ],
    "dns": {}
}`;

test('parseCniResult accepts a bridge ADD result and podIPFromResult finds the address on eth0', () => {
  const result = parseCniResult(BRIDGE_ADD);
  assert.ok(result.ok);
  assert.deepEqual(podIPFromResult(result.value, 'eth0'), { ok: true, value: '10.251.7.2' });
  assert.equal(hostVethFromResult(result.value, 'cxp0'), 'veth48e72ebc');
});

test('podIPFromResult skips IPv6 and addresses on host-side interfaces', () => {
  const result = parseCniResult(
    JSON.stringify({
      cniVersion: '1.0.0',
      interfaces: [{ name: 'br0' }, { name: 'eth0', sandbox: '/var/run/netns/x' }],
      ips: [
        { interface: 0, address: '10.0.0.1/24' },
        { interface: 1, address: 'fd00::2/64' },
        { interface: 1, address: '10.0.0.7/24' },
      ],
    }),
  );
  assert.ok(result.ok);
  assert.deepEqual(podIPFromResult(result.value, 'eth0'), { ok: true, value: '10.0.0.7' });
});

test('podIPFromResult takes the first IPv4 when the plugin names no interface, and fails without one', () => {
  const bare = parseCniResult('{"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.1.2.3/16"}]}');
  assert.ok(bare.ok);
  assert.deepEqual(podIPFromResult(bare.value, 'eth0'), { ok: true, value: '10.1.2.3' });
  const none = parseCniResult('{"cniVersion":"1.0.0","ips":[]}');
  assert.ok(none.ok);
  assert.equal(podIPFromResult(none.value, 'eth0').ok, false);
  const wrongIf = parseCniResult('{"cniVersion":"1.0.0","interfaces":[{"name":"net1","sandbox":"/x"}],"ips":[{"interface":0,"address":"10.1.2.3/16"}]}');
  assert.ok(wrongIf.ok);
  assert.equal(podIPFromResult(wrongIf.value, 'eth0').ok, false);
});

test('parseCniResult rejects output that is not JSON or not a result', () => {
  for (const bad of ['', 'panic: oops', '[]', '{"ips":[]}', '{"cniVersion":"1.0.0","ips":[{"address":7}]}']) {
    const result = parseCniResult(bad);
    assert.ok(!result.ok, bad);
  }
});

test('parseCniError reads a plugin error document and formatCniError keeps code, msg and details', () => {
  const error = parseCniError('{"cniVersion":"1.0.0","code":7,"msg":"invalid network config","details":"bridge name too long"}');
  assert.deepEqual(error, { cniVersion: '1.0.0', code: 7, msg: 'invalid network config', details: 'bridge name too long' });
  assert.equal(formatCniError(error!), 'code 7 (invalid network config): invalid network config; details: bridge name too long');
  assert.equal(formatCniError({ code: 999, msg: 'failed to set up chain' }), 'code 999: failed to set up chain');
  assert.equal(parseCniError('plain text'), undefined);
  assert.equal(parseCniError('{"msg":"no code"}'), undefined);
});
