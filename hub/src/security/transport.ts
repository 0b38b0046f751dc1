import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CorralError, ErrorCode } from '../../../protocol/src/index.js';
import type { HubConfig } from '../config.js';
import { type MqttIdentity, ensureHubMqttIdentity, pkiDir } from './hub-mqtt-identity.js';
import type { OpensslRunner } from './openssl.js';
import { type HubPki, ensurePki } from './pki.js';
import { isWildcardHost, serverSans } from './san.js';

/** How the hub's listeners and its own broker client are secured; built once by `main.ts`. */
export type HubTransport = { secure: false } | SecureHubTransport;

export interface SecureHubTransport {
  secure: true;
  pki: HubPki;
  /** The hub's own broker login (`corral-hub` and `<dataDir>/pki/hub-mqtt.secret`). */
  mqttIdentity: MqttIdentity;
  /** Trust anchors for the broker: the hub's CA for the embedded one, `--broker-ca` for an external one; absent: the system's CAs. */
  brokerCa: string | undefined;
}

export const INSECURE: HubTransport = { secure: false };

/** Secure mode (no `--insecure`): the PKI under `<dataDir>/pki/` (created or renewed), the hub's broker identity, the broker's CA. */
export async function prepareHubTransport(config: HubConfig, options: { hostname: string; openssl?: OpensslRunner; now?: () => number }): Promise<HubTransport> {
  if (config.insecure) return INSECURE;
  const dir = pkiDir(config.dataDir);
  const listenHosts = [config.httpListen.host, ...(config.broker ? [] : [config.mqttListen.host])];
  const pki = await ensurePki(dir, {
    sans: serverSans({ tlsSan: config.tlsSan, hostname: options.hostname, listenHosts }),
    ...(options.openssl ? { openssl: options.openssl } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const mqttIdentity = await ensureHubMqttIdentity(dir);
  const brokerCa = config.broker ? (config.brokerCa === undefined ? undefined : await readCaFile(config.brokerCa)) : pki.caCert;
  return { secure: true, pki, mqttIdentity, brokerCa };
}

/** A PEM file of one or more CA certificates; CORRAL_CONFIG_INVALID naming `brokerCa` when it is not one. */
async function readCaFile(path: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
    new X509Certificate(pem);
  } catch (error) {
    throw new CorralError(ErrorCode.ConfigInvalid, `config: brokerCa: ${path} is not a readable PEM certificate (${(error as Error).message})`, { path: 'brokerCa', cause: error });
  }
  return pem;
}

/** The listeners' TLS key and certificate in secure mode. */
export function serverTls(transport: HubTransport): { key: string; cert: string } | undefined {
  return transport.secure ? { key: transport.pki.serverKey, cert: transport.pki.serverCert } : undefined;
}

/** What the hub's own MQTT client adds to its connect options in secure mode: the pinned CA and its login. */
export function busSecurity(transport: HubTransport): { ca?: string; username: string; password: string } | undefined {
  if (!transport.secure) return undefined;
  return { ...(transport.brokerCa === undefined ? {} : { ca: transport.brokerCa }), ...transport.mqttIdentity };
}

/**
 * The URL the hub's own client dials: a wildcard listen host becomes loopback, which the server
 * certificate names (`0.0.0.0` is not a name a certificate can vouch for).
 */
export function dialUrl(url: string): string {
  const parsed = new URL(url);
  const host = parsed.hostname;
  if (!isWildcardHost(host)) return url;
  parsed.hostname = host.startsWith('[') || host.includes(':') ? '[::1]' : '127.0.0.1';
  return parsed.toString().replace(/\/$/, '');
}

/** `http(s)://host:port` or `mqtt(s)://host:port`, with IPv6 hosts in brackets. */
export function endpointUrl(scheme: string, host: string, port: number): string {
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
