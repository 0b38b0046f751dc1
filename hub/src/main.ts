#!/usr/bin/env node
import { Command } from 'commander';
import { resolveHubConfig } from './config.js';
import { Hub } from './hub.js';
import { createLogger } from './log.js';
import { defaultSchedulerConfig, schedule } from './scheduler/index.js';

/** Composition root of `corral-hub`. */
async function main(argv: string[]): Promise<number> {
  const program = new Command('corral-hub')
    .description('Corral hub: node registry, HTTP API and (by default) an embedded MQTT broker')
    .option('--data-dir <dir>', 'where the hub keeps its state (default ./.data/hub)')
    .option('--mqtt-listen <host:port>', 'embedded broker address (default 127.0.0.1:1883)')
    .option('--http-listen <host:port>', 'HTTP API address (default 127.0.0.1:8080)')
    .option('--broker <url>', 'use this external MQTT broker (mqtt://HOST:PORT) instead of the embedded one')
    .option('--insecure', 'plain TCP without authentication (the only mode until security lands)')
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
  if (!config.insecure) {
    process.stderr.write('error: TLS and authentication are not available yet; pass --insecure for plain TCP without authentication\n');
    return 2;
  }
  const log = createLogger(config.logLevel, 'corral-hub');
  log.warn('insecure mode: plain MQTT and HTTP without TLS or authentication');

  let hub: Hub;
  try {
    hub = await Hub.start(config, log, { schedule, schedulerConfig: { ...defaultSchedulerConfig, resourceStrategy: config.schedulerResources } });
  } catch (error) {
    process.stderr.write(`error: hub failed to start: ${(error as Error).message}\n`);
    return 1;
  }
  log.info({ api: hub.endpoints.apiUrl, broker: hub.endpoints.brokerUrl }, 'hub ready');

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
