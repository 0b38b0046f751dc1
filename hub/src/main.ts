#!/usr/bin/env node
import { hostname } from 'node:os';
import { Command } from 'commander';
import { brokerConfigMain } from './broker/broker-config.js';
import { resolveHubConfig } from './config.js';
import { Hub } from './hub.js';
import { createLogger } from './log.js';
import { defaultSchedulerConfig, schedule } from './scheduler/index.js';
import { type HubTransport, prepareHubTransport } from './security/transport.js';

/** Composition root of `corral-hub`. */
async function main(argv: string[]): Promise<number> {
  if (argv[2] === 'broker-config') return brokerConfigMain(argv.slice(3), process);
  const program = new Command('corral-hub')
    .description('Corral hub: node registry, HTTP API and (by default) an embedded MQTT broker')
    .addHelpText('after', '\nAlso: corral-hub broker-config mosquitto --data-dir DIR --out DIR  (password file, ACL and conf for an external Mosquitto)')
    .option('--data-dir <dir>', 'where the hub keeps its state (default ./.data/hub)')
    .option('--mqtt-listen <host:port>', 'embedded broker address (default 127.0.0.1:1883)')
    .option('--http-listen <host:port>', 'HTTP API address (default 127.0.0.1:8080)')
    .option('--broker <url>', 'use this external MQTT broker (mqtts://HOST:PORT; mqtt:// with --insecure) instead of the embedded one')
    .option('--broker-ca <file>', "PEM CA of an external mqtts:// broker, pinned as its only trust anchor (default: the system's CAs)")
    .option('--tls-san <names>', 'comma-separated extra DNS names / IP addresses for the server certificate (devices dial these)')
    .option('--insecure', 'plain MQTT and HTTP without TLS or authentication (local development and tests only)')
    .option('--node-grace-seconds <n>', 'heartbeat silence after which a node is NotReady (default 15)')
    .option('--node-lost-seconds <n>', 'time NotReady after which a node is shown as Lost (default 30)')
    .option('--scheduler-resources <strategy>', 'LeastAllocated (spread load, default) or MostAllocated (bin-pack)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (default info)')
    .parse(argv);
  const resolved = resolveHubConfig(program.opts());
  if (!resolved.ok) {
    process.stderr.write(`error: ${resolved.error.message}\n`);
    return 2;
  }
  const config = resolved.value;
  const log = createLogger(config.logLevel, 'corral-hub');

  let transport: HubTransport;
  try {
    transport = await prepareHubTransport(config, { hostname: hostname() });
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return 2;
  }
  if (!transport.secure) {
    log.warn('INSECURE mode (--insecure): plain MQTT and HTTP without TLS or authentication; for local development and tests only');
  } else {
    const { pki } = transport;
    if (pki.created.ca) log.info({ ca: pki.caFile }, 'hub CA created');
    if (pki.created.server) log.info({ reason: pki.created.server, validTo: pki.serverValidTo.toISOString() }, 'server certificate issued');
    log.info(
      { ca: pki.caFile, caFingerprint: pki.caFingerprint, brokerCa: config.broker ? (config.brokerCa ?? 'system CAs') : pki.caFile },
      `secure mode: TLS and authentication; copy ${pki.caFile} to devices (--ca) and CLI users (CORRAL_CA)`,
    );
  }

  let hub: Hub;
  try {
    hub = await Hub.start(config, log, { schedule, schedulerConfig: { ...defaultSchedulerConfig, resourceStrategy: config.schedulerResources }, transport });
  } catch (error) {
    process.stderr.write(`error: hub failed to start: ${(error as Error).message}\n`);
    return 1;
  }
  log.info({ mode: transport.secure ? 'secure' : 'insecure', api: hub.endpoints.apiUrl, broker: hub.endpoints.brokerUrl }, 'hub ready');

  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  log.info('hub stopping');
  await hub.stop();
  log.info('hub stopped');
  return 0;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`fatal: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
