import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { API_VERSION, ENROLL_MAX_BYTES, type EnrollRefusalReason, type EnrollResponse, type Labels, type Result, err, ok, parseEnrollRequest } from '../../../protocol/src/index.js';
import type { BootstrapTokens } from '../security/bootstrap-tokens.js';
import { FailureLimiter } from '../security/failure-limiter.js';
import type { IssuedCredentials, NodeCredentials } from '../security/node-credentials.js';
import { failure } from './failure.js';

export interface EnrollRouteDeps {
  tokens: BootstrapTokens;
  credentials: Pick<NodeCredentials, 'has' | 'issue'>;
  /** The broker's URL as the hub knows it (`mqtts://127.0.0.1:8883`, or an external broker's). */
  brokerUrl: string;
  /** Embedded broker: answer with the host name the device reached the API at and the broker's port. */
  advertiseRequestHost: boolean;
  /** The CA the broker's certificate chains to (secure mode); absent with `--insecure`. */
  caPem: string | undefined;
  hubPublicKeyPem: string;
  now: () => number;
  log: Logger;
  /** Failed attempts allowed per address and minute (default 10). */
  maxFailuresPerMinute?: number;
}

/** Why an enrollment was refused, and the HTTP status that says so. */
interface Refusal {
  reason: EnrollRefusalReason;
  message: string;
  id?: string;
}

const STATUS: Record<EnrollRefusalReason, number> = { TokenUnknown: 401, TokenExpired: 401, TokenUsedUp: 401, TokenRevoked: 401, NodeExists: 409, NameReserved: 409, TooManyFailures: 429 };

/**
 * `POST /api/v1/enroll` (open: the bootstrap token in the body is the proof; TLS in secure mode):
 * `{token, nodeName, hostname?, architecture?}` → 201 `EnrollResponse`. The token is checked, one
 * use spent and the node's broker password issued as one step (BootstrapTokens.redeem), so two
 * requests racing for a single-use token enroll one node. Refusals are 401 (token), 409 (the node
 * already has credentials) or 400 (body), with the reason in the Status; 401s and 400s count
 * against the source address, which gets 429 after too many within a minute.
 */
export function registerEnrollRoutes(app: FastifyInstance, deps: EnrollRouteDeps): void {
  const limiter = new FailureLimiter({ maxFailures: deps.maxFailuresPerMinute ?? 10, windowMs: 60_000, now: deps.now });

  app.post('/api/v1/enroll', { bodyLimit: ENROLL_MAX_BYTES }, async (request, reply) => {
    const address = request.ip ?? 'unknown';
    const wait = limiter.retryAfterMs(address);
    if (wait > 0) {
      reply.header('retry-after', String(Math.ceil(wait / 1000)));
      return failure(reply, { code: 429, reason: 'TooManyFailures', message: `too many failed enrollments from ${address}; try again in ${Math.ceil(wait / 1000)} s` });
    }
    const parsed = parseEnrollRequest(request.body ?? {});
    if (!parsed.ok) {
      limiter.fail(address);
      return failure(reply, { code: 400, reason: 'Invalid', message: parsed.error.message, field: parsed.error.path ?? '(root)' });
    }
    const { token, nodeName, hostname, architecture } = parsed.value;
    const outcome = await deps.tokens.redeem({ token, node: nodeName }, (grant) => issue(deps.credentials, nodeName, grant.labels));
    if (!outcome.ok) {
      const refusal: Refusal = outcome.error;
      const code = STATUS[refusal.reason];
      if (code === 401) limiter.fail(address);
      deps.log.warn({ node: nodeName, reason: refusal.reason, tokenId: refusal.id, address }, 'enrollment refused');
      return failure(reply, { code, reason: refusal.reason, message: refusal.message, ...(code === 409 ? { field: 'nodeName' } : { field: 'token' }) });
    }
    const { credentials, labels } = outcome.value;
    deps.log.info({ node: nodeName, hostname, architecture, address, labels }, 'node enrolled');
    const url = deps.advertiseRequestHost ? advertisedBrokerUrl(deps.brokerUrl, request.hostname) : deps.brokerUrl;
    const answer: EnrollResponse = {
      apiVersion: API_VERSION,
      kind: 'Enrollment',
      nodeName,
      mqtt: { url, ...credentials },
      ...(deps.caPem === undefined ? {} : { caPem: deps.caPem }),
      hubPublicKeyPem: deps.hubPublicKeyPem,
      labels,
    };
    reply.header('cache-control', 'no-store');
    return reply.code(201).send(answer);
  });
}

/** Issues the node's broker password unless the node already has one (409: `corral delete node` first). */
async function issue(credentials: EnrollRouteDeps['credentials'], node: string, labels: Labels): Promise<Result<{ credentials: IssuedCredentials; labels: Labels }, Refusal>> {
  if (credentials.has(node)) return err({ reason: 'NodeExists', message: `node ${JSON.stringify(node)} is already enrolled (has credentials); corral delete node ${node} first, or pick another name` });
  const issued = await credentials.issue(node);
  if (!issued.ok) return err({ reason: 'NameReserved', message: issued.error.message });
  return ok({ credentials: issued.value, labels });
}

const HOST_NAME = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)$/;

/**
 * The embedded broker's URL with the host the device reached the API at (`https://hub.lan:8443` →
 * `mqtts://hub.lan:8883`): the broker listens where the API does, and a listen address such as
 * 0.0.0.0 is no place to dial. A Host header that is no host name leaves the URL as it is.
 */
export function advertisedBrokerUrl(brokerUrl: string, requestHostname: string): string {
  const match = /^(mqtts?):\/\/(.+):(\d+)\/?$/.exec(brokerUrl);
  if (!match || !HOST_NAME.test(requestHostname)) return brokerUrl;
  return `${match[1]}://${requestHostname}:${match[3]}`;
}
