import type { z } from 'zod';
import { ApiStatus, CorralError, ErrorCode, formatPath, NodeList, NodeObject } from '../../protocol/src/index.js';

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface HubClientOptions {
  /** Base URL of the hub, e.g. `http://127.0.0.1:8080`; a path prefix is kept. */
  hub: string;
  /** Per request, covering connect, headers and body. */
  timeoutMs?: number;
  /** Injectable for tests; defaults to the global `fetch`. */
  fetch?: typeof fetch;
}

/** Why a fetch failed, in one line: the innermost useful message (`connect ECONNREFUSED 127.0.0.1:8080`). */
export function describeNetworkError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs / 1000}s`;
  }
  let current: unknown = error;
  // undici throws TypeError('fetch failed') with the socket error as `cause`; several
  // addresses tried (localhost → ::1 and 127.0.0.1) give an AggregateError with an empty message.
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const next: unknown = current instanceof AggregateError && current.errors.length > 0 ? current.errors[0] : current.cause;
    if (!(next instanceof Error)) break;
    current = next;
  }
  if (current instanceof Error) {
    const code = (current as NodeJS.ErrnoException).code;
    if (current.message) return current.message;
    if (code) return code;
  }
  return String(error);
}

/** Client of the hub's HTTP API (`/api/v1`). Every failure is a CorralError with a stable code. */
export class HubClient {
  readonly hub: string;
  private readonly base: URL;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(options: HubClientOptions) {
    this.hub = options.hub.replace(/\/+$/, '');
    let base: URL;
    try {
      base = new URL(this.hub + '/');
    } catch {
      throw new CorralError(ErrorCode.ConfigInvalid, `invalid hub URL ${JSON.stringify(options.hub)}`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new CorralError(ErrorCode.ConfigInvalid, `invalid hub URL ${JSON.stringify(options.hub)} (use http:// or https://)`);
    }
    this.base = base;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchFn = options.fetch ?? fetch;
  }

  /** GET /api/v1/nodes */
  async listNodes(): Promise<NodeList> {
    const { status, body } = await this.get('api/v1/nodes');
    if (!isSuccess(status)) throw this.httpError(status, body);
    return this.decode(NodeList, body, 'NodeList');
  }

  /** GET /api/v1/nodes/{name}; CORRAL_NODE_NOT_FOUND on 404. */
  async getNode(name: string): Promise<NodeObject> {
    const { status, body } = await this.get(`api/v1/nodes/${encodeURIComponent(name)}`);
    if (status === 404) throw new CorralError(ErrorCode.NodeNotFound, `node ${JSON.stringify(name)} not found`);
    if (!isSuccess(status)) throw this.httpError(status, body);
    return this.decode(NodeObject, body, 'Node');
  }

  /** One request; the body is read inside the timeout too. Network failures become CORRAL_HUB_UNREACHABLE. */
  private async get(path: string): Promise<{ status: number; body: string }> {
    const url = new URL(path, this.base);
    try {
      const res = await this.fetchFn(url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      return { status: res.status, body: await res.text() };
    } catch (error) {
      throw new CorralError(
        ErrorCode.HubUnreachable,
        `cannot reach hub at ${this.hub} (${describeNetworkError(error, this.timeoutMs)})`,
        { cause: error },
      );
    }
  }

  /** Non-2xx other than a handled 404: the ApiStatus message when the body is one, else the bare status. */
  private httpError(status: number, body: string): CorralError {
    const parsed = ApiStatus.safeParse(parseJson(body));
    const detail = parsed.success ? `: ${parsed.data.message}` : '';
    return new CorralError(ErrorCode.HubError, `hub at ${this.hub} answered HTTP ${status}${detail}`);
  }

  private decode<T>(schema: z.ZodType<T>, body: string, what: string): T {
    const json = parseJson(body);
    if (json === undefined) {
      throw new CorralError(ErrorCode.HubError, `hub at ${this.hub} sent a response that is not JSON (expected a ${what})`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? `${formatPath(issue.path)}: ${issue.message}` : 'schema mismatch';
      throw new CorralError(ErrorCode.HubError, `hub at ${this.hub} sent an invalid ${what} (${where})`, {
        path: issue ? formatPath(issue.path) : undefined,
      });
    }
    return parsed.data;
  }
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
