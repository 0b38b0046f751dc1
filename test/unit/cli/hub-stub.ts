import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CannedResponse {
  status: number;
  /** Sent as JSON unless it is already a string. */
  body: unknown;
}

/**
 * A stand-in for the hub's HTTP API: canned answers by exact path (GET) or by
 * `METHOD path` (`'POST /api/v1/pods'`), 404 ApiStatus for anything else.
 */
export interface HubStub {
  url: string;
  /** Paths requested so far, in order. */
  requests: string[];
  /** Every request with its method and its body parsed as JSON (undefined when empty). */
  calls: Array<{ method: string; path: string; body: unknown; authorization?: string }>;
  close(): Promise<void>;
}

export function notFoundStatus(message: string): CannedResponse {
  return { status: 404, body: { kind: 'Status', status: 'Failure', code: 404, reason: 'NotFound', message } };
}

export async function startHubStub(routes: Record<string, CannedResponse>): Promise<HubStub> {
  const requests: string[] = [];
  const calls: HubStub['calls'] = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    const method = req.method ?? 'GET';
    requests.push(path);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      const { authorization } = req.headers;
      calls.push({ method, path, body: text === '' ? undefined : (JSON.parse(text) as unknown), ...(authorization === undefined ? {} : { authorization }) });
      const canned = routes[`${method} ${path}`] ?? (method === 'GET' ? routes[path] : undefined);
      const { status, body } = canned ?? notFoundStatus(`${path} not found`);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    calls,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A URL nobody listens on: a port that was bound on 127.0.0.1 and then released. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return `http://127.0.0.1:${port}`;
}
