#!/usr/bin/env node
import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { Agent } from './agent.js';
import { explicitSettings, resolveAgentConfig } from './config.js';
import { applyEnrollment, ensureEnrollment } from './enrollment.js';
import { resolveLinkSecurity } from './link-security.js';
import { createLogger } from './log.js';
import { createPodManager } from './pods/compose.js';
import { readHubPublicKey } from './security/hub-public-key.js';
import { loadStaticPods } from './pods/static-pods.js';
import { Outbox } from './outbox/outbox.js';
import { detectNode } from './node-info.js';
import { AgentStore } from './state/store.js';
import { sampleAgentUsage, stopAgentUsage } from './usage/agent-usage.js';
import { NodeUsageSampler } from './usage/node-usage.js';
import { agentVersion } from './version.js';

/** Composition root of `corral-agent`: the only place that reads the environment and builds the effectful parts. */
async function main(argv: string[]): Promise<number> {
  const program = new Command('corral-agent')
    .description('Corral agent: runs workloads on this device and reports to the hub over MQTT')
    .version(agentVersion())
    .option('--config <file>', 'YAML config file (env CORRAL_CONFIG)')
    .option('--data-dir <dir>', 'where the agent keeps its state (default ./.data/agent)')
    .option('--hub <url>', 'MQTT broker of the hub, mqtts://HOST:PORT (mqtt:// with --insecure; default mqtt://127.0.0.1:1883)')
    .option('--ca <file>', "the hub's CA (its <dataDir>/pki/ca.pem), the only trust anchor for mqtts:// (env CORRAL_CA; YAML ca or caPem)")
    .option('--mqtt-username <name>', 'broker username (env CORRAL_MQTT_USERNAME; YAML credentials.username)')
    .option('--mqtt-password <secret>', 'broker password (env CORRAL_MQTT_PASSWORD; YAML credentials.password)')
    .option('--node-name <name>', 'node name (default: the hostname)')
    .option('--labels <k=v,...>', 'node labels')
    .option('--heartbeat-seconds <n>', 'heartbeat period (default 5)')
    .option('--keepalive-seconds <n>', 'MQTT keepalive (default 20)')
    .option('--reserved <cpu=…,memory=…>', 'resources kept back from workloads (default cpu=100m,memory=128Mi)')
    .option('--runtime <auto|runc|crun>', 'OCI runtime (default auto)')
    .option('--pods-dir <dir>', 'static pod manifests, run without a hub (default /etc/corral/pods.d)')
    .option('--host-path-allow <dirs>', 'comma-separated host directories hostPath volumes may use (default none)')
    .option('--runtime-state-dir <dir>', 'OCI runtime state, on a tmpfs (default /run/corral)')
    .option('--pod-bridge <name>', 'pod network bridge (default corral0)')
    .option('--pod-subnet <cidr>', 'pod addresses (default 10.88.0.0/16)')
    .option('--insecure-registries <hosts>', 'comma-separated registries reached over plain HTTP (loopback ones always are)')
    .option('--outbox-max-bytes <size>', 'size bound of the durable event outbox (default 1Mi)')
    .option('--hub-public-key <file>', "the hub's desired-state signing key, its signing.pub.pem (env CORRAL_HUB_PUBLIC_KEY; required unless --insecure or enrolled)")
    .option('--enroll-token <token>', 'bootstrap token (corral token create), presented once while this device has no stored credentials (env CORRAL_ENROLL_TOKEN)')
    .option('--enroll-url <url>', "the hub's API to enroll at, https://HOST:PORT, with --ca (env CORRAL_ENROLL_URL)")
    .option('--insecure', 'allow plain MQTT (mqtt://) without TLS or authentication (local development and tests only)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (default info)')
    .parse(argv);
  const flags = program.opts<Record<string, string | boolean | undefined>>();

  const configPath = (flags.config as string | undefined) ?? process.env.CORRAL_CONFIG;
  let file: unknown;
  if (configPath) {
    try {
      file = parseYaml(await readFile(configPath, 'utf8'));
    } catch (error) {
      process.stderr.write(`error: config file ${configPath}: ${(error as Error).message}\n`);
      return 2;
    }
  }
  const { config: _c, ...rest } = flags;
  const sources = { file, env: process.env, flags: rest };
  const resolved = resolveAgentConfig(sources);
  if (!resolved.ok) {
    process.stderr.write(`error: ${resolved.error.message}\n`);
    return 2;
  }
  const log = createLogger(resolved.value.logLevel, 'corral-agent');
  // Enrollment (docs/security.md): with no stored credentials, the bootstrap token buys them once; stored ones fill in what the config leaves out.
  const enrolledStore = await AgentStore.open(resolved.value.dataDir);
  const enrollment = await ensureEnrollment(resolved.value, { store: enrolledStore, readText: (path) => readFile(path, 'utf8'), log, now: Date.now }).finally(() => enrolledStore.close());
  const configured = enrollment.ok ? applyEnrollment(resolved.value, { enrollment: enrollment.value, explicit: explicitSettings(sources) }) : enrollment;
  if (!configured.ok) {
    process.stderr.write(`error: ${configured.error.message}\n`);
    return 2;
  }
  const config = configured.value;
  // Signed desired state (docs/security.md): outside insecure mode only states signed by the pinned hub key are applied.
  if (!config.insecure && config.hubPublicKey === undefined) {
    process.stderr.write("error: hubPublicKey is required (--hub-public-key FILE, CORRAL_HUB_PUBLIC_KEY, or enroll with --enroll-token): the hub's signing.pub.pem, so that only desired states it signed are applied\n");
    return 2;
  }
  let hubPublicKey: KeyObject | undefined;
  try {
    hubPublicKey = config.hubPublicKey === undefined ? undefined : await readHubPublicKey(config.hubPublicKey);
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return 2;
  }
  const linkSecurity = await resolveLinkSecurity(config, (path) => readFile(path, 'utf8'));
  if (!linkSecurity.ok) {
    process.stderr.write(`error: ${linkSecurity.error.message}\n`);
    return 2;
  }
  if (config.insecure) log.warn('INSECURE mode (--insecure): plain MQTT allowed, no TLS or authentication; for local development and tests only');
  else log.info({ hub: config.hub, ca: config.ca ?? 'caPem (inline)', username: config.credentials?.username }, "secure mode: MQTT over TLS, the hub's CA pinned");
  if (!hubPublicKey) log.warn('no hub public key pinned (--hub-public-key): desired states are applied without checking their signature');

  const store = await AgentStore.open(config.dataDir);
  const identity = await store.startIdentity();
  const outbox = await Outbox.open(store, { maxBytes: config.outboxMaxBytes, now: Date.now });
  const facts = await detectNode({ runtime: config.runtime, agentVersion: agentVersion() });
  const nodeSampler = new NodeUsageSampler(availableParallelism());
  const staticPods = await loadStaticPods(config.podsDir);
  for (const error of staticPods.errors) log.error({ code: error.code, path: error.path }, `static pod skipped: ${error.message}`);
  const pods = await createPodManager({ config, facts, store, log, staticPods: staticPods.pods, onStatus: () => void agent.publishState(), outbox });
  const agent: Agent = new Agent({
    config,
    log,
    identity,
    facts,
    now: Date.now,
    sampleNode: () => nodeSampler.sample(),
    sampleAgent: () => sampleAgentUsage(),
    pods,
    outbox,
    hubPublicKey,
    linkSecurity: linkSecurity.value,
  });
  log.info({ node: config.nodeName, hub: config.hub, uid: identity.uid, boot: identity.bootCount, eventsPending: outbox.pending, arch: facts.info.architecture, runtime: facts.info.runtime.name }, 'agent starting');
  // Pods first, from LevelDB and the static pods dir: they run before and without the hub.
  await pods.start();
  agent.start();

  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, 'agent stopping');
      resolve();
    };
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
  });
  await agent.stop();
  await pods.stop();
  stopAgentUsage();
  await store.close();
  log.info('agent stopped');
  return 0;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
    // Everything is closed by now; if a library still holds a handle, do not hang the init system.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`fatal: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
