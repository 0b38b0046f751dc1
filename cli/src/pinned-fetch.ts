import { request } from 'node:https';

/** Statuses whose response has no body (`new Response` refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * A `fetch` for https URLs that trusts only `ca` (the hub's CA, PEM): Node 20's global fetch
 * cannot take a CA, so this one goes through `node:https`. It supports what HubClient uses:
 * method, string headers, a string body and an abort signal.
 */
export function pinnedFetch(ca: string): typeof fetch {
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.protocol !== 'https:') {
        reject(new TypeError(`pinned fetch: ${url.protocol} is not https:`));
        return;
      }
      const headers = Object.fromEntries(new Headers(init.headers).entries());
      const body = typeof init.body === 'string' ? Buffer.from(init.body) : undefined;
      if (body) headers['content-length'] = String(body.byteLength);
      const req = request(url, { method: init.method ?? 'GET', headers, ca, rejectUnauthorized: true, ...(init.signal ? { signal: init.signal } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('error', reject);
        res.once('end', () => {
          const status = res.statusCode ?? 0;
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
          }
          resolve(new Response(NULL_BODY.has(status) ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? '', headers: responseHeaders }));
        });
      });
      req.once('error', reject);
      req.end(body);
    });
}
