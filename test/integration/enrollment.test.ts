import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { BootstrapTokenList, EnrollResponse, ErrorCode, type NodeObject, NodeObject as NodeSchema } from '../../protocol/src/index.js';
import { BIN, type Daemon, type HubHandle, runCli, spawnDaemon, startHub, tempDir, waitFor } from '../support/daemons.js';

/**
 * Enrollment end to end against a secure hub (TLS, API tokens, broker ACLs, signed desired state):
 * bootstrap tokens made with the CLI, agents started with nothing but the token, the enrollment URL
 * and the hub's CA. Single use, expiry and revocation are refused (the agent exits 2 naming the
 * reason); stored credentials carry an agent through a restart without any of the three; and
 * `corral delete node` shuts the device out of the broker.
 */
describe('enrollment with a secure hub', { concurrency: false }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let hub: HubHandle;
  let ca: string;
  let caFile: string;
  let adminToken: string;
  /** The single-use token the first node enrolled with. */
  let firstToken: string;
  const agents: Daemon[] = [];

  const corral = (...args: string[]) => runCli(hub.api, '--ca', caFile, '--token', adminToken, ...args);
  /** One request over https trusting only the hub's CA, with the admin token unless `token` is null. */
  const api = (path: string, options: { method?: string; body?: unknown; token?: string | null } = {}) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
      const headers: Record<string, string> = {
        ...(options.token === null ? {} : { authorization: `Bearer ${options.token ?? adminToken}` }),
        ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.byteLength) } : {}),
      };
      const req = httpsRequest(`${hub.api}${path}`, { method: options.method ?? 'GET', headers, ca, timeout: 5000 }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.once('error', reject);
      req.end(payload);
    });
  const node = async (name: string): Promise<NodeObject | undefined> => {
    const { status, body } = await api(`/api/v1/nodes/${name}`);
    return status === 200 ? NodeSchema.parse(JSON.parse(body)) : undefined;
  };
  const phaseOf = (name: string, phase: NodeObject['status']['phase'], agent?: Daemon) =>
    waitFor(`${name} ${phase}${agent ? `\n${agent.log()}` : ''}`, async () => {
      if (agent && !agent.alive) throw new Error(`agent exited: ${agent.log()}`);
      const found = await node(name);
      return found?.status.phase === phase ? found : undefined;
    }, 30_000);
  /** `corral token create …`: the token (stdout) and its id (from the stderr line). */
  const createToken = async (...flags: string[]) => {
    const out = await corral('token', 'create', ...flags);
    assert.equal(out.code, 0, out.stderr);
    const id = /^token\/([0-9a-f]{8}) created/.exec(out.stderr)?.[1];
    assert.ok(id, out.stderr);
    return { token: out.stdout.trim(), id };
  };
  /** An agent with only its data dir and node name, and (when given) the enrollment flags and the CA. */
  const agent = (name: string, enrollment?: { token: string }) => {
    const dataDir = `${dir.path}/${name}`;
    const args = [BIN.agent, '--data-dir', dataDir, '--node-name', name, '--heartbeat-seconds', '0.5', '--runtime-state-dir', `${dataDir}/run`, '--pods-dir', `${dataDir}/pods.d`, '--log-level', 'debug'];
    if (enrollment) args.push('--enroll-token', enrollment.token, '--enroll-url', hub.api, '--ca', caFile);
    const daemon = spawnDaemon(`agent ${name}`, process.execPath, args);
    agents.push(daemon);
    return daemon;
  };
  const refusedWith = async (daemon: Daemon, reason: string) => {
    const exit = await daemon.exited;
    assert.equal(exit.code, 2, daemon.log());
    assert.match(daemon.log(), new RegExp(`error: the hub refused the enrollment \\(HTTP 401 ${reason}\\)`));
  };

  before(async () => {
    dir = await tempDir('enrollment');
    hub = await startHub({ dataDir: `${dir.path}/hub`, secure: true });
    caFile = hub.caFile as string;
    ca = await readFile(caFile, 'utf8');
    adminToken = (await readFile(`${dir.path}/hub/admin.token`, 'utf8')).trim();
  });

  after(async () => {
    for (const daemon of agents) await daemon.stop('SIGKILL');
    await hub?.daemon.stop();
    await dir?.remove();
  });

  test('an agent started with only a bootstrap token, the enrollment URL and the CA becomes Ready with the token labels', async () => {
    const { token, id } = await createToken('--labels', 'site=lab,tier=edge');
    assert.match(token, /^cbt_[A-Za-z0-9_-]{43}$/);
    firstToken = token;
    const device = agent('enroll-a', { token });
    const ready = await phaseOf('enroll-a', 'Ready', device);
    assert.deepEqual(ready.metadata.labels, { site: 'lab', tier: 'edge' });
    assert.match(device.log(), /enrolled: broker login and hub key stored/);
    assert.ok(!device.log().includes(token), 'the agent never logs its token');
    assert.ok(!hub.daemon.log().includes(token), 'nor does the hub');
    const list = BootstrapTokenList.parse(JSON.parse((await api('/api/v1/bootstrap-tokens')).body));
    assert.deepEqual(list.items.map((t) => [t.id, t.state, t.usesLeft, t.nodes, t.token]), [[id, 'UsedUp', 0, ['enroll-a'], undefined]]);
    const listed = await corral('token', 'list');
    assert.match(listed.stdout, new RegExp(`${id}\\s+UsedUp\\s+0/1\\s+-\\s+site=lab,tier=edge\\s+enroll-a`));
  });

  test('after a restart without the token and without the CA the agent is Ready again on its stored credentials', async () => {
    const first = agents.find((a) => a.name === 'agent enroll-a') as Daemon;
    assert.equal((await first.stop()).code, 0, first.log());
    await phaseOf('enroll-a', 'NotReady');
    const again = agent('enroll-a');
    const ready = await phaseOf('enroll-a', 'Ready', again);
    assert.deepEqual(ready.metadata.labels, { site: 'lab', tier: 'edge' });
    assert.doesNotMatch(again.log(), /enrolling with the hub/);
    assert.match(again.log(), /secure mode: MQTT over TLS/);
  });

  test('the same single-use token for a second node is refused: the agent exits 2 naming TokenUsedUp', async () => {
    await refusedWith(agent('enroll-b', { token: firstToken }), 'TokenUsedUp');
    assert.equal(await node('enroll-b'), undefined);
  });

  test('an expired token is refused', async () => {
    const { token, id } = await createToken('--ttl', '1s');
    await waitFor(`token ${id} Expired`, async () => {
      const list = BootstrapTokenList.parse(JSON.parse((await api('/api/v1/bootstrap-tokens')).body));
      return list.items.find((t) => t.id === id)?.state === 'Expired' ? true : undefined;
    });
    await refusedWith(agent('enroll-d', { token }), 'TokenExpired');
  });

  test('a revoked token is refused', async () => {
    const { token, id } = await createToken('--uses', '5');
    const revoked = await corral('token', 'delete', id);
    assert.deepEqual([revoked.code, revoked.stdout], [0, `token/${id} revoked\n`]);
    await refusedWith(agent('enroll-e', { token }), 'TokenRevoked');
  });

  test('two enrollments racing for one single-use token: exactly one gets credentials', async () => {
    const { token } = await createToken();
    const answers = await Promise.all(['race-a', 'race-b'].map((nodeName) => api('/api/v1/enroll', { method: 'POST', body: { token, nodeName }, token: null })));
    assert.deepEqual(answers.map((a) => a.status).sort(), [201, 401]);
    const winner = EnrollResponse.parse(JSON.parse((answers.find((a) => a.status === 201) as { body: string }).body));
    assert.equal(winner.caPem, ca);
    assert.equal(winner.hubPublicKeyPem, await readFile(`${dir.path}/hub/signing.pub.pem`, 'utf8'));
    assert.match(winner.mqtt.url, /^mqtts:\/\/127\.0\.0\.1:\d+$/);
  });

  test('corral delete node shuts the device out: its broker login is refused and the node stays gone', async () => {
    const device = agents.filter((a) => a.name === 'agent enroll-a').at(-1) as Daemon;
    const stats = async () => (JSON.parse((await api('/api/v1/stats')).body) as { dropped: Record<string, number> }).dropped[ErrorCode.MqttAuthFailed] ?? 0;
    const refusedBefore = await stats();
    const deleted = await corral('delete', 'node', 'enroll-a');
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /node\/enroll-a credentials revoked\nnode\/enroll-a deleted\n$/);
    await waitFor(`the hub to refuse enroll-a's login\n${device.log()}`, async () => ((await stats()) > refusedBefore ? true : undefined), 60_000);
    assert.match(device.log(), /Bad username or Password|Not authorized/i);
    assert.ok(device.alive, 'the agent keeps trying (and its pods keep running)');
    const nodes = await corral('get', 'nodes', '-o', 'name');
    assert.equal(nodes.code, 0, nodes.stderr);
    assert.doesNotMatch(nodes.stdout, /enroll-a/);
  });
});
