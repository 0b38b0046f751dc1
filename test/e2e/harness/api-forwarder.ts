import { request } from 'node:http';
import { type Daemon, spawnDaemon } from '../../support/daemons.js';
import { inNetns } from './exec.js';

/**
 * How the test (root network namespace) reaches the hub's HTTP API on 10.213.0.1, which only exists in the
 * hub's namespace: a tiny TCP forwarder runs inside that namespace, listens on a unix socket in the run's
 * temp dir (a filesystem path, so not tied to any network namespace), and pipes each connection to the
 * API. Nothing is added to the root namespace. The forwarder connects per request, so it outlives hub
 * restarts; while the hub is down a request fails like a refused connection would.
 */
const FORWARDER = `
const net = require('node:net');
const fs = require('node:fs');
const [socketPath, host, port] = process.argv.slice(1);
try { fs.unlinkSync(socketPath); } catch {}
net.createServer((client) => {
  const upstream = net.connect(Number(port), host);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.pipe(upstream);
  upstream.pipe(client);
}).listen(socketPath, () => console.log('forwarding ' + socketPath + ' to ' + host + ':' + port));
`;

/** Starts the forwarder inside `ns`: `socketPath` → `target` (`host:port`). */
export function startApiForwarder(options: { ns: string; socketPath: string; host: string; port: number }): Daemon {
  const [program, argv] = inNetns(options.ns, process.execPath, ['-e', FORWARDER, options.socketPath, options.host, String(options.port)]);
  return spawnDaemon('api-forwarder', program, argv);
}

export interface ApiRequest {
  method?: string;
  /** Sent as JSON unless a string. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ApiResponse<T = unknown> {
  status: number;
  /** Parsed JSON, or the text when the answer is not JSON. */
  body: T;
}

/** One HTTP request over the unix socket; rejects on connection errors (hub down), not on HTTP errors. */
export function unixRequest<T = unknown>(socketPath: string, path: string, init: ApiRequest = {}): Promise<ApiResponse<T>> {
  const payload = init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  const headers: Record<string, string> = { host: 'hub', ...(init.headers ?? {}) };
  if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: init.method ?? 'GET', headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Not JSON (e.g. /healthz answers "ok"): keep the text.
        }
        resolve({ status: res.statusCode ?? 0, body: body as T });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`request ${path} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}
