import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import mqtt, { type IClientOptions } from 'mqtt';
import { ensurePki } from '../../hub/src/security/pki.js';
import { serverSans } from '../../hub/src/security/san.js';
import { type NodeObject, NodeObject as NodeSchema } from '../../protocol/src/index.js';
import { type Daemon, type HubHandle, freePort, httpsStatus, runCli, spawnDaemon, startAgent, startHub, tempDir, waitFor } from '../support/daemons.js';

/** What a client of a secure hub needs: its CA, an admin API token and the hub's own broker login. */
interface SecureAccess {
  ca: string;
  token: string | undefined;
  hubLogin: { username: string; password: string };
}

async function secureAccess(hubDir: string, caFile: string): Promise<SecureAccess> {
  const token = existsSync(join(hubDir, 'admin.token')) ? (await readFile(join(hubDir, 'admin.token'), 'utf8')).trim() : undefined;
  const password = (await readFile(join(hubDir, 'pki', 'hub-mqtt.secret'), 'utf8')).trim();
  return { ca: await readFile(caFile, 'utf8'), token, hubLogin: { username: 'corral-hub', password } };
}

/** One API request over https trusting only the hub's CA, with the admin token when the hub has one. */
function api(access: SecureAccess, url: string, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = access.token === undefined ? {} : { authorization: `Bearer ${access.token}` };
    const req = httpsRequest(url, { method, headers, ca: access.ca, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('error', reject);
    req.end();
  });
}

async function secureNode(hub: HubHandle, access: SecureAccess, name: string): Promise<NodeObject | undefined> {
  const { status, body } = await api(access, `${hub.api}/api/v1/nodes/${name}`);
  return status === 200 ? NodeSchema.parse(JSON.parse(body)) : undefined;
}

/** The node's broker login when the hub issues them (broker authentication); none while it does not. */
async function nodeLogin(hub: HubHandle, access: SecureAccess, name: string): Promise<{ mqttUsername?: string; mqttPassword?: string }> {
  const { status, body } = await api(access, `${hub.api}/api/v1/nodes/${name}/credentials`, 'POST');
  if (status !== 200 && status !== 201) return {};
  const answer = JSON.parse(body) as { username: string; password: string };
  return { mqttUsername: answer.username, mqttPassword: answer.password };
}

/** Flags a secure agent needs besides the CA: the hub's desired-state signing key, when the hub has one. */
function agentExtras(hubDir: string): string[] {
  const key = join(hubDir, 'signing.pub.pem');
  return existsSync(key) ? ['--hub-public-key', key] : [];
}

/** Connects once (no retries): 'connected', or the error (or close) that ended the attempt. */
async function tryMqtt(url: string, options: IClientOptions): Promise<'connected' | Error> {
  const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...options });
  const outcome = await new Promise<'connected' | Error>((resolve) => {
    client.once('connect', () => resolve('connected'));
    client.once('error', (error) => resolve(error));
    client.once('close', () => resolve(new Error('connection closed before CONNACK')));
  });
  client.end(true);
  return outcome;
}

const CERT_ERROR = /self[- ]signed|unable to (get|verify)|certificate/i;

describe('a secure hub with the embedded broker', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let hub: HubHandle;
  let access: SecureAccess;
  const agents: Daemon[] = [];

  before(async () => {
    dir = await tempDir('tls');
    hub = await startHub({ dataDir: `${dir.path}/hub`, secure: true });
    access = await secureAccess(`${dir.path}/hub`, hub.caFile as string);
  });

  after(async () => {
    for (const agent of agents) await agent.stop('SIGKILL');
    await hub?.daemon.stop();
    await dir?.remove();
  });

  test('serves https with a certificate from its CA, which clients without the CA refuse', async () => {
    assert.match(hub.api, /^https:/);
    assert.equal(await httpsStatus(`${hub.api}/healthz`, access.ca), 200);
    const nodes = await api({ ...access, token: undefined }, `${hub.api}/api/v1/nodes`);
    assert.ok([200, 401].includes(nodes.status), `TLS handshake done, HTTP ${nodes.status}`);
    await assert.rejects(httpsStatus(`${hub.api}/healthz`), (e: NodeJS.ErrnoException) => CERT_ERROR.test(`${e.code} ${e.message}`));
    await assert.rejects(fetch(`${hub.api.replace('https:', 'http:')}/healthz`), 'plain http to the TLS port fails');
    assert.match(hub.daemon.log(), /secure mode/);
    assert.ok(hub.daemon.log().includes(join(dir.path, 'hub', 'pki', 'ca.pem')), 'the log says where the CA is');
  });

  test('the CLI reaches the https API with --ca and names the certificate problem without it', async () => {
    const tokenArgs = access.token === undefined ? [] : ['--token', access.token];
    const pinned = await runCli(hub.api, '--ca', hub.caFile as string, ...tokenArgs, 'get', 'nodes', '-o', 'json');
    assert.equal(pinned.code, 0, pinned.stderr);
    assert.equal((JSON.parse(pinned.stdout) as { kind: string }).kind, 'List');
    const unpinned = await runCli(hub.api, ...tokenArgs, 'get', 'nodes');
    assert.equal(unpinned.code, 1);
    assert.match(unpinned.stderr, CERT_ERROR);
  });

  test('the broker speaks MQTT over TLS: trusted with the CA, refused without it and to plain MQTT', async () => {
    assert.match(hub.brokerUrl, /^mqtts:/);
    const login = { ...access.hubLogin, clientId: 'corral-hub-tls-test' };
    assert.equal(await tryMqtt(hub.brokerUrl, { ...login, ca: access.ca, rejectUnauthorized: true }), 'connected');
    const untrusted = await tryMqtt(hub.brokerUrl, { ...login, rejectUnauthorized: true });
    assert.ok(untrusted instanceof Error && CERT_ERROR.test(untrusted.message), String(untrusted));
    const plain = await tryMqtt(hub.brokerUrl.replace('mqtts:', 'mqtt:'), login);
    assert.ok(plain instanceof Error, 'plain MQTT to the TLS port does not get a CONNACK');
  });

  test('an agent that pins the hub CA registers its node; one that pins another CA never connects', async () => {
    const good = startAgent({ dataDir: `${dir.path}/agent-good`, hub: hub.brokerUrl, nodeName: 'tls-good', heartbeatSeconds: 0.5, ca: hub.caFile as string, ...(await nodeLogin(hub, access, 'tls-good')), extraArgs: agentExtras(`${dir.path}/hub`) });
    agents.push(good);
    await waitFor(`tls-good Ready\n${good.log()}`, async () => {
      if (!good.alive) throw new Error(`agent exited: ${good.log()}`);
      return (await secureNode(hub, access, 'tls-good'))?.status.phase === 'Ready' ? true : undefined;
    });

    const other = await ensurePki(`${dir.path}/other-pki`, { sans: serverSans({ tlsSan: [], hostname: 'other', listenHosts: [] }) });
    const bad = startAgent({ dataDir: `${dir.path}/agent-bad`, hub: hub.brokerUrl, nodeName: 'tls-bad', heartbeatSeconds: 0.5, ca: other.caFile, ...(await nodeLogin(hub, access, 'tls-bad')), extraArgs: agentExtras(`${dir.path}/hub`) });
    agents.push(bad);
    await waitFor('the agent with the wrong CA to fail its TLS handshake', () => (CERT_ERROR.test(bad.log()) ? true : undefined));
    assert.ok(bad.alive, 'it keeps retrying');
    assert.equal(await secureNode(hub, access, 'tls-bad'), undefined);
    assert.doesNotMatch(bad.log(), /connected to broker/);
  });

  test('an agent outside insecure mode refuses plain mqtt:// and a missing CA', async () => {
    const plain = startAgent({ dataDir: `${dir.path}/agent-plain`, hub: hub.brokerUrl.replace('mqtts:', 'mqtt:'), nodeName: 'tls-plain', ca: hub.caFile as string, extraArgs: agentExtras(`${dir.path}/hub`) });
    assert.equal((await plain.exited).code, 2);
    assert.match(plain.log(), /config: hub: /);
    const noCa = spawnDaemon('agent no-ca', process.execPath, [join(import.meta.dirname, '../../dist/agent/src/main.js'), '--hub', hub.brokerUrl, '--data-dir', `${dir.path}/agent-noca`, ...agentExtras(`${dir.path}/hub`)]);
    assert.equal((await noCa.exited).code, 2);
    assert.match(noCa.log(), /config: ca: /);
  });
});

describe('a secure hub behind an external Mosquitto with TLS', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let mosquitto: Daemon;
  let brokerUrl: string;
  let brokerCa: string;
  const daemons: Daemon[] = [];

  before(async () => {
    dir = await tempDir('tls-mosquitto');
    const pki = await ensurePki(`${dir.path}/broker-pki`, { sans: serverSans({ tlsSan: [], hostname: 'broker', listenHosts: ['127.0.0.1'] }) });
    brokerCa = pki.caFile;
    const port = await freePort();
    const conf = join(dir.path, 'mosquitto.conf');
    await writeFile(conf, [
      `listener ${port} 127.0.0.1`,
      `cafile ${pki.caFile}`,
      `certfile ${join(pki.dir, 'server.pem')}`,
      `keyfile ${join(pki.dir, 'server.key')}`,
      'allow_anonymous true',
      'persistence false',
      // The key files are root's (0600): Mosquitto must not drop to its own user before reading them.
      'user root',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'));
    mosquitto = spawnDaemon('mosquitto', 'mosquitto', ['-c', conf]);
    brokerUrl = `mqtts://127.0.0.1:${port}`;
    const ca = await readFile(brokerCa, 'utf8');
    await waitFor(`mosquitto with TLS on ${port}\n${mosquitto.log()}`, async () => {
      if (!mosquitto.alive) throw new Error(`mosquitto exited: ${mosquitto.log()}`);
      return (await tryMqtt(brokerUrl, { ca, clientId: 'probe' })) === 'connected' ? true : undefined;
    });
  });

  after(async () => {
    for (const daemon of daemons) await daemon.stop('SIGKILL');
    await mosquitto?.stop();
    await dir?.remove();
  });

  test('the hub reaches it with --broker mqtts:// and --broker-ca, and an agent pinning that CA registers', async () => {
    const hub = await startHub({ dataDir: `${dir.path}/hub`, secure: true, broker: brokerUrl, brokerCa });
    daemons.push(hub.daemon);
    const access = await secureAccess(`${dir.path}/hub`, hub.caFile as string);
    assert.match(hub.daemon.log(), /hub connected to broker/);
    const agent = startAgent({ dataDir: `${dir.path}/agent`, hub: brokerUrl, nodeName: 'tls-mosq', heartbeatSeconds: 0.5, ca: brokerCa, extraArgs: agentExtras(`${dir.path}/hub`) });
    daemons.push(agent);
    await waitFor(`tls-mosq Ready\n${agent.log()}`, async () => {
      if (!agent.alive) throw new Error(`agent exited: ${agent.log()}`);
      return (await secureNode(hub, access, 'tls-mosq'))?.status.phase === 'Ready' ? true : undefined;
    });
  });

  test('the hub refuses an external broker whose certificate --broker-ca did not sign', async () => {
    const other = await ensurePki(`${dir.path}/other-pki`, { sans: serverSans({ tlsSan: [], hostname: 'other', listenHosts: [] }) });
    const hub = spawnDaemon('hub wrong-ca', process.execPath, [
      join(import.meta.dirname, '../../dist/hub/src/main.js'),
      '--data-dir', `${dir.path}/hub-wrong`, '--http-listen', `127.0.0.1:${await freePort()}`, '--broker', brokerUrl, '--broker-ca', other.caFile, '--log-level', 'debug',
    ]);
    daemons.push(hub);
    assert.equal((await hub.exited).code, 1);
    assert.match(hub.log(), /did not accept a connection/);
    assert.match(hub.log(), CERT_ERROR);
  });
});
