import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { topicKinds } from '../../../../protocol/src/index.js';
import { type BrokerIdentity, allowPublish, allowSubscribe } from '../../../../hub/src/broker/acl.js';
import { nodePasswordsWriter, writeMosquittoConfig } from '../../../../hub/src/broker/broker-config.js';
import { mosquittoAcl, mosquittoConf, mosquittoFiles, mosquittoPasswordFile } from '../../../../hub/src/broker/mosquitto-config.js';
import { pkiDir, readHubMqttIdentity } from '../../../../hub/src/security/hub-mqtt-identity.js';
import { type NodeCredentialRecord, NodeCredentials } from '../../../../hub/src/security/node-credentials.js';
import { verifyPassword } from '../../../../hub/src/security/password-hash.js';
import { LevelStore } from '../../../../hub/src/store/level-store.js';
import { silentLog } from '../fixtures.js';

/** Mosquitto's topic matching of one ACL topic against a concrete topic (`+` one level, `#` the rest). */
function matches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

/** Just enough of Mosquitto's ACL file semantics: `user` sections, `topic` and `pattern` lines with `%u`. */
function mosquittoAllows(acl: string, username: string, access: 'read' | 'write', topic: string): boolean {
  let user: string | undefined;
  for (const raw of acl.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [word, ...rest] = line.split(' ');
    if (word === 'user') {
      user = rest.join(' ');
      continue;
    }
    const [mode, pattern] = rest.length === 2 ? (rest as [string, string]) : (['readwrite', rest[0] as string] as const);
    if (mode !== access && mode !== 'readwrite') continue;
    if (word === 'topic' && user === username && matches(pattern, topic)) return true;
    if (word === 'pattern' && matches(pattern.replaceAll('%u', username), topic)) return true;
  }
  return false;
}

const usernameOf = (who: BrokerIdentity) => (who.kind === 'hub' ? 'corral-hub' : who.name);

test('the Mosquitto ACL names the hub and confines nodes by %u patterns', () => {
  const acl = mosquittoAcl();
  assert.match(acl, /^user corral-hub$/m);
  assert.match(acl, /^topic read corral\/#$/m);
  for (const kind of ['desired', 'cmd', 'ack']) {
    assert.match(acl, new RegExp(`^topic write corral/v1/node/\\+/${kind}$`, 'm'));
    assert.match(acl, new RegExp(`^pattern read corral/v1/node/%u/${kind}$`, 'm'));
  }
  for (const kind of ['status', 'heartbeat', 'state', 'events', 'reply']) assert.match(acl, new RegExp(`^pattern write corral/v1/node/%u/${kind}$`, 'm'));
  assert.doesNotMatch(acl, /readwrite|#.*%u|%c/);
});

test('property: the Mosquitto ACL grants writes exactly where the embedded broker allows publishes', () => {
  const acl = mosquittoAcl();
  const name = fc.constantFrom('pi-a', 'pi-b', 'x1');
  const who = fc.oneof(fc.constant<BrokerIdentity>({ kind: 'hub' }), name.map((n): BrokerIdentity => ({ kind: 'node', name: n })));
  const topic = fc.oneof(
    fc.tuple(name, fc.constantFrom(...topicKinds)).map(([n, k]) => `corral/v1/node/${n}/${k}`),
    fc.array(fc.constantFrom('corral', 'v1', 'node', 'pi-a', 'status', 'x'), { minLength: 1, maxLength: 6 }).map((l) => l.join('/')),
  );
  fc.assert(
    fc.property(who, topic, (identity, t) => {
      assert.equal(mosquittoAllows(acl, usernameOf(identity), 'write', t), allowPublish(identity, t), `${usernameOf(identity)} write ${t}`);
      // Reading a concrete topic: Mosquitto checks it per message; the embedded broker per (exact) subscription.
      if (identity.kind === 'node') assert.equal(mosquittoAllows(acl, identity.name, 'read', t), allowSubscribe(identity, t), `${identity.name} read ${t}`);
    }),
    { numRuns: 2000 },
  );
});

test('the password file has the hub first, then one line per node, hashes only', () => {
  const files = mosquittoFiles({
    hubHash: '$7$101$aaaa$hub',
    nodes: [
      { username: 'pi-a', hash: '$7$101$bbbb$a' },
      { username: 'pi-b', hash: '$7$101$cccc$b' },
    ],
    passwordFile: '/etc/corral/passwd',
    aclFile: '/etc/corral/acl',
    pkiDir: '/var/lib/corral/pki',
  });
  assert.equal(files.passwd, 'corral-hub:$7$101$aaaa$hub\npi-a:$7$101$bbbb$a\npi-b:$7$101$cccc$b\n');
  assert.equal(mosquittoPasswordFile([]), '');
  assert.equal(files.acl, mosquittoAcl());
});

test('the conf snippet refuses anonymous clients and names both files', () => {
  const conf = mosquittoConf({ passwordFile: '/o/passwd', aclFile: '/o/acl', pkiDir: '/d/pki' });
  const settings = conf.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  assert.deepEqual(settings, ['allow_anonymous false', 'password_file /o/passwd', 'acl_file /o/acl', 'use_username_as_clientid true']);
  assert.match(conf, /^# listener 8883$/m);
  assert.match(conf, /^# cafile \/d\/pki\/ca\.pem$/m);
});

test('writeMosquittoConfig writes the hub and every stored node, hashes only, passwd private', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'corral-broker-config-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'hub');
  const fresh = await writeMosquittoConfig({ dataDir, out: join(dir, 'out0') });
  assert.equal(fresh.source, 'none');
  assert.match(await readFile(fresh.passwordFile, 'utf8'), /^corral-hub:\$7\$101\$[^\n]+\n$/);
  const hub = await readHubMqttIdentity(pkiDir(dataDir));
  assert.ok(hub, 'the hub secret was created for the hub to use later');

  const store = await LevelStore.open(dataDir);
  const credentials = new NodeCredentials(store.collection<NodeCredentialRecord>('node-credentials'), { now: () => 1, log: silentLog });
  const issued = await credentials.issue('pi-a');
  assert.ok(issued.ok);
  // The hub is running (its store is locked): the node hashes come from the file it keeps.
  await nodePasswordsWriter(dataDir, () => credentials.entries())();
  const running = await writeMosquittoConfig({ dataDir, out: join(dir, 'out1') });
  assert.equal(running.source, 'running-hub');
  await store.close();
  const stopped = await writeMosquittoConfig({ dataDir, out: join(dir, 'out2') });
  assert.equal(stopped.source, 'store');
  for (const result of [running, stopped]) {
    const lines = (await readFile(result.passwordFile, 'utf8')).trim().split('\n');
    assert.deepEqual(lines.map((l) => l.split(':')[0]), ['corral-hub', 'pi-a']);
    assert.equal(await verifyPassword(lines[0]!.slice('corral-hub:'.length), hub.password), true);
    assert.equal(await verifyPassword(lines[1]!.slice('pi-a:'.length), issued.value.password), true);
    assert.ok(!lines.join('\n').includes(issued.value.password));
    assert.equal((await stat(result.passwordFile)).mode & 0o777, 0o600);
    assert.match(await readFile(result.confFile, 'utf8'), new RegExp(`^password_file ${result.passwordFile}$`, 'm'));
    assert.equal(await readFile(result.aclFile, 'utf8'), mosquittoAcl());
  }
});
