import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { run } from '../../../cli/src/program.js';
import { NodeList, NodeObject } from '../../../protocol/src/index.js';
import { Capture, makeList, makeNode, NOW } from './fixtures.js';
import { closedPortUrl, type HubStub, notFoundStatus, startHubStub } from './hub-stub.js';

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  errLines: string[];
}

async function corral(argv: string[], env: Record<string, string | undefined> = {}): Promise<Outcome> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await run(argv, { stdout, stderr, env, now: () => NOW });
  return { code, stdout: stdout.text, stderr: stderr.text, errLines: stderr.lines };
}

/** Exit 1 with exactly one `error: …` line on stderr, nothing on stdout. */
function assertFailed(outcome: Outcome, message: RegExp): void {
  assert.equal(outcome.code, 1);
  assert.equal(outcome.stdout, '');
  assert.equal(outcome.errLines.length, 1, `stderr: ${outcome.stderr}`);
  assert.match(outcome.errLines[0] ?? '', /^error: /);
  assert.match(outcome.errLines[0] ?? '', message);
}

const nodes = [
  makeNode({ name: 'pi-kitchen', variant: 'v7', withUsage: true }),
  makeNode({ name: 'nuc-garage', architecture: 'amd64', unschedulable: true, labels: {} }),
];

describe('corral run() against a stub hub', () => {
  let hub: HubStub;
  before(async () => {
    hub = await startHubStub({
      '/api/v1/nodes': { status: 200, body: makeList(nodes) },
      '/api/v1/nodes/pi-kitchen': { status: 200, body: nodes[0] },
      '/api/v1/nodes/missing': notFoundStatus('node "missing" not found'),
    });
  });
  after(() => hub.close());

  it('get nodes prints a table with one row per node and exits 0', async () => {
    const out = await corral(['--hub', hub.url, 'get', 'nodes']);
    assert.equal(out.code, 0);
    assert.equal(out.stderr, '');
    const lines = out.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^NAME\s+STATUS\s+ARCH\s+CPU\s+MEMORY\s+AGE\s+LABELS$/);
    assert.match(lines[1] ?? '', /^pi-kitchen\s+Ready\s+arm\/v7\s+3500m\s+3\.5Gi\s+3d\s+corral\.dev\/arch=arm,zone=kitchen$/);
    assert.match(lines[2] ?? '', /^nuc-garage\s+Ready,SchedulingDisabled\s+amd64\s+.*<none>$/);
  });

  it('get nodes -o wide adds the node info columns', async () => {
    const out = await corral(['--hub', hub.url, 'get', 'nodes', '-o', 'wide']);
    assert.equal(out.code, 0);
    assert.match(out.stdout, /LABELS\s+OS-IMAGE\s+KERNEL\s+CGROUP\s+RUNTIME\s+AGENT-VERSION\n/);
    assert.match(out.stdout, /crun\/1\.14\.4\s+0\.1\.0\n/);
  });

  it('get nodes -o json prints the NodeList', async () => {
    const out = await corral(['--hub', hub.url, 'get', 'nodes', '-o', 'json']);
    assert.equal(out.code, 0);
    assert.deepEqual(NodeList.parse(JSON.parse(out.stdout)), makeList(nodes));
  });

  it('get nodes -o yaml prints the NodeList as YAML', async () => {
    const out = await corral(['--hub', hub.url, 'get', 'nodes', '-o', 'yaml']);
    assert.equal(out.code, 0);
    assert.deepEqual(parseYaml(out.stdout), makeList(nodes));
  });

  it('get node NAME -o json prints the single NodeObject', async () => {
    const out = await corral(['--hub', hub.url, 'get', 'node', 'pi-kitchen', '-o', 'json']);
    assert.equal(out.code, 0);
    assert.deepEqual(NodeObject.parse(JSON.parse(out.stdout)), nodes[0]);
  });

  it('get nodes NAME prints one row', async () => {
    const out = await corral(['--hub', hub.url, 'get', 'nodes', 'pi-kitchen']);
    assert.equal(out.code, 0);
    assert.equal(out.stdout.trimEnd().split('\n').length, 2);
    assert.deepEqual(hub.requests.at(-1), '/api/v1/nodes/pi-kitchen');
  });

  it('get nodes -o name prints node/NAME lines', async () => {
    const out = await corral(['--hub', hub.url, 'get', 'no', '-o', 'name']);
    assert.equal(out.stdout, 'node/pi-kitchen\nnode/nuc-garage\n');
  });

  it('describe node NAME prints the describe sections', async () => {
    const out = await corral(['--hub', hub.url, 'describe', 'node', 'pi-kitchen']);
    assert.equal(out.code, 0);
    for (const heading of ['Name:', 'Labels:', 'Conditions:', 'Capacity:', 'Allocatable:', 'System Info:', 'Usage:']) {
      assert.match(out.stdout, new RegExp(`^${heading}`, 'm'));
    }
  });

  it('get node for an unknown name exits 1 with a not-found error line', async () => {
    assertFailed(await corral(['--hub', hub.url, 'get', 'node', 'missing']), /^error: node "missing" not found$/);
  });

  it('describe node for an unknown name exits 1 with a not-found error line', async () => {
    assertFailed(await corral(['--hub', hub.url, 'describe', 'node', 'missing']), /^error: node "missing" not found$/);
  });

  it('get nodes reads the hub from CORRAL_HUB when --hub is absent', async () => {
    const out = await corral(['get', 'nodes', '-o', 'name'], { CORRAL_HUB: hub.url });
    assert.equal(out.code, 0);
    assert.equal(out.stdout, 'node/pi-kitchen\nnode/nuc-garage\n');
  });

  it('get nodes accepts --hub after the subcommand and prefers it over CORRAL_HUB', async () => {
    const out = await corral(['get', 'nodes', '-o', 'name', '--hub', hub.url], { CORRAL_HUB: 'http://127.0.0.1:9' });
    assert.equal(out.code, 0);
  });

  it('get nodes with a bad -o exits 1 with one error line and does not contact the hub', async () => {
    const before = hub.requests.length;
    assertFailed(await corral(['--hub', hub.url, 'get', 'nodes', '-o', 'xml']), /unknown output format "xml" \(use one of: json, yaml, wide, name\)$/);
    assert.equal(hub.requests.length, before);
  });
});

describe('corral run() without a reachable hub', () => {
  it('get nodes against a closed port exits 1 with one cannot-reach error line', async () => {
    const url = await closedPortUrl();
    assertFailed(await corral(['--hub', url, 'get', 'nodes']), new RegExp(`^error: cannot reach hub at ${url} \\(connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+\\)$`));
  });

  it('get nodes against an empty hub says so on stderr and exits 0', async () => {
    const hub = await startHubStub({ '/api/v1/nodes': { status: 200, body: makeList([]) } });
    try {
      const out = await corral(['--hub', hub.url, 'get', 'nodes']);
      assert.deepEqual([out.code, out.stdout, out.stderr], [0, '', 'No resources found.\n']);
    } finally {
      await hub.close();
    }
  });

  it('get nodes reports a hub error status with its ApiStatus message', async () => {
    const hub = await startHubStub({
      '/api/v1/nodes': { status: 503, body: { kind: 'Status', status: 'Failure', code: 503, reason: 'Unavailable', message: 'starting up' } },
    });
    try {
      assertFailed(await corral(['--hub', hub.url, 'get', 'nodes']), /^error: hub at http:\/\/127\.0\.0\.1:\d+ answered HTTP 503: starting up$/);
    } finally {
      await hub.close();
    }
  });
});

describe('corral run() argument handling', () => {
  it('get with an unknown resource type exits 1 with one error line', async () => {
    assertFailed(await corral(['get', 'services']), /^error: unknown resource type "services" \(supported: nodes, pods, deployments, daemonsets, cronjobs, runs, events\)$/);
  });

  it('an unknown command exits 1 with one error line including the suggestion', async () => {
    assertFailed(await corral(['gett', 'nodes']), /^error: unknown command 'gett' \(Did you mean get\?\)$/);
  });

  it('a missing argument exits 1 with one error line', async () => {
    assertFailed(await corral(['describe', 'node']), /^error: missing required argument 'name'$/);
  });

  it('an invalid --hub URL exits 1 with one error line', async () => {
    assertFailed(await corral(['--hub', 'ftp://hub', 'get', 'nodes']), /^error: invalid hub URL "ftp:\/\/hub"/);
  });

  it('version prints the client version from package.json and exits 0', async () => {
    const out = await corral(['version']);
    assert.equal(out.code, 0);
    assert.match(out.stdout, /^Client Version: +\d+\.\d+\.\d+\nProtocol Version: +1\nAPI Version: +corral\/v1\n$/);
  });

  it('no arguments prints usage on stdout and exits 0', async () => {
    const out = await corral([]);
    assert.equal(out.code, 0);
    assert.equal(out.stderr, '');
    assert.match(out.stdout, /^Usage: corral /);
  });

  it('help for an unknown command exits 1 with one error line', async () => {
    assertFailed(await corral(['help', 'frobnicate']), /^error: unknown command "frobnicate"$/);
  });

  it('help without a command prints usage on stdout and exits 0', async () => {
    const out = await corral(['help']);
    assert.deepEqual([out.code, out.stderr], [0, '']);
    assert.match(out.stdout, /^Usage: corral /);
  });

  it('--help prints usage on stdout and exits 0', async () => {
    const out = await corral(['get', '--help']);
    assert.equal(out.code, 0);
    assert.match(out.stdout, /-o, --output <format>/);
  });
});
