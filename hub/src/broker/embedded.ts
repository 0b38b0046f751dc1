import { type Server, type Socket, createServer } from 'node:net';
import { Duplex, Transform } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes } from 'aedes';
import type { Logger } from 'pino';
import { MAX_MESSAGE_BYTES } from '../../../protocol/src/index.js';
import type { BrokerAuth } from './auth-hooks.js';
import { PacketSizeGuard } from './packet-size-guard.js';

/** Largest MQTT packet accepted: the largest Corral payload plus room for a full-length topic. */
export const MAX_PACKET_BYTES = MAX_MESSAGE_BYTES + 70 * 1024;

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  log: Logger;
  /** Secure mode: credentials and ACLs (broker/auth-hooks.ts); absent: anonymous clients may do anything. */
  auth?: BrokerAuth | undefined;
  /** Secure mode: MQTT over TLS (mqtts) with the hub's server certificate; absent: plain TCP. */
  tls?: { key: string; cert: string } | undefined;
}

/** MQTT 3.1.1 broker inside the hub process (Aedes on a TCP listener), the default for small fleets. */
export class EmbeddedBroker {
  private constructor(
    private readonly aedes: Aedes,
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
    const aedes = await Aedes.createBroker({
      // A frozen subscriber must not stall delivery to the whole fleet.
      drainTimeout: 30_000,
      maxClientsIdLength: 128,
      connectTimeout: 10_000,
      ...options.auth?.hooks,
    });
    options.auth?.attach(aedes);
    aedes.on('clientError', (client, error) => options.log.debug({ client: client.id, err: error }, 'broker client error'));
    aedes.on('connectionError', (_client, error) => options.log.debug({ err: error }, 'broker connection error'));
    const onSocket = (socket: Socket) => {
      socket.setNoDelay(true);
      aedes.handle(guarded(socket, options.log));
    };
    const server = options.tls ? createTlsServer({ ...options.tls, minVersion: 'TLSv1.2' }, onSocket) : createServer(onSocket);
    // A plain-TCP client or an untrusting one fails the handshake: debug, as for other client errors.
    server.on('tlsClientError', (error: Error, socket: Socket) => options.log.debug({ err: error, remote: socket.remoteAddress }, 'broker TLS handshake failed'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    const scheme = options.tls ? 'mqtts' : 'mqtt';
    options.log.info({ host: options.host, port, tls: options.tls !== undefined, maxPayload: MAX_MESSAGE_BYTES }, 'embedded MQTT broker listening');
    return new EmbeddedBroker(aedes, server, `${scheme}://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The socket as Aedes sees it: inbound bytes pass a packet size check; an oversized packet closes the connection. */
function guarded(socket: Socket, log: Logger): Duplex {
  const guard = new PacketSizeGuard(MAX_PACKET_BYTES);
  const inbound = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const bad = guard.push(chunk);
      if (bad === undefined) {
        done(null, chunk);
        return;
      }
      log.warn({ remote: socket.remoteAddress, bytes: bad, limit: MAX_PACKET_BYTES }, 'oversized MQTT packet: connection closed');
      socket.destroy();
      done();
    },
  });
  socket.pipe(inbound);
  socket.on('close', () => inbound.destroy());
  return Duplex.from({ readable: inbound, writable: socket });
}
