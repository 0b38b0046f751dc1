import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Daemon, spawnDaemon } from '../../support/daemons.js';
import { inNetns, tcpReachable } from './exec.js';
import { waitReady } from './readiness.js';

export const BROKER_PORT = 1883;

/** Mosquitto (Debian's package) in its own host namespace: anonymous, no persistence, listening on the host's LAN address. */
export class BrokerHost {
  daemon: Daemon | undefined;

  constructor(readonly options: { ns: string; ip: string; dir: string }) {}

  get url(): string {
    return `mqtt://${this.options.ip}:${BROKER_PORT}`;
  }

  /** Writes the config and starts mosquitto; waits until the port accepts connections from the host's namespace. */
  async start(): Promise<Daemon> {
    if (this.daemon?.alive) throw new Error('broker already running');
    const conf = join(this.options.dir, 'mosquitto.conf');
    const lines = [`listener ${BROKER_PORT} ${this.options.ip}`, 'allow_anonymous true', 'persistence false', 'log_dest stderr', 'log_type error', 'log_type warning', ''];
    await writeFile(conf, lines.join('\n'));
    const [program, argv] = inNetns(this.options.ns, 'mosquitto', ['-c', conf]);
    const daemon = spawnDaemon('mosquitto', program, argv);
    this.daemon = daemon;
    await waitReady(daemon, `mosquitto on ${this.url}`, () => tcpReachable(this.options.ns, this.options.ip, BROKER_PORT));
    return daemon;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
    await this.daemon?.stop(signal, graceMs);
  }

  /** Same address and port, empty broker: sessions and retained messages are gone (no persistence). */
  async restart(): Promise<Daemon> {
    await this.stop();
    return this.start();
  }
}
