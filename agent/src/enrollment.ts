import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { hostname as osHostname } from 'node:os';
import type { Logger } from 'pino';
import { CorralError, EnrollRequest, EnrollResponse, ErrorCode, type Result, err, formatPath, ok } from '../../protocol/src/index.js';
import { type BackoffPolicy, backoffDelay } from './backoff.js';
import type { AgentConfig, EnrolledSetting } from './config.js';
import { goArch } from './node-info.js';
import type { AgentStore, StoredEnrollment } from './state/store.js';

/** An HTTP answer: status, body text and, for 429/503, the `Retry-After` seconds. */
export interface HttpAnswer {
  status: number;
  body: string;
  retryAfterSeconds?: number;
}

/** POSTs JSON; rejects on network and TLS errors only. */
export type PostJson = (url: string, request: { body: unknown; ca?: string; timeoutMs: number }) => Promise<HttpAnswer>;

export interface EnrollOptions {
  /** The hub's API (`https://hub.lan:8443`). */
  url: string;
  /** The hub's CA, the only trust anchor for https (secure mode). */
  ca?: string;
  log: Logger;
  post?: PostJson;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  backoff?: BackoffPolicy;
  /** Attempts before giving up on an unreachable hub (default: never give up; devices boot before their network). */
  maxAttempts?: number;
  timeoutMs?: number;
}

export const enrollBackoff: BackoffPolicy = { baseMs: 1000, maxMs: 60_000 };

/**
 * Presents the bootstrap token to `POST /api/v1/enroll`. Network and TLS errors, 5xx and 429 are
 * retried with capped, jittered back-off; any other refusal (401 token, 409 node exists, 400) is
 * final: CORRAL_ENROLLMENT_REFUSED with the hub's reason. An answer that does not validate is
 * CORRAL_ENROLLMENT_FAILED. The token is never logged.
 */
export async function enroll(request: EnrollRequest, options: EnrollOptions): Promise<Result<EnrollResponse>> {
  const post = options.post ?? postJson;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const url = `${options.url.replace(/\/+$/, '')}/api/v1/enroll`;
  const maxAttempts = options.maxAttempts ?? Infinity;
  for (let attempt = 1; ; attempt++) {
    let answer: HttpAnswer | undefined;
    let failure: string;
    try {
      answer = await post(url, { body: request, ...(options.ca === undefined ? {} : { ca: options.ca }), timeoutMs: options.timeoutMs ?? 15_000 });
      if (answer.status === 200 || answer.status === 201) return parseAnswer(answer.body, request.nodeName);
      if (answer.status < 500 && answer.status !== 429) return err(refusal(answer));
      failure = `HTTP ${answer.status}`;
    } catch (error) {
      failure = (error as Error).message || String(error);
    }
    if (attempt >= maxAttempts) return err(new CorralError(ErrorCode.EnrollmentFailed, `cannot enroll at ${options.url} after ${attempt} attempts (${failure})`));
    const wait = Math.max(backoffDelay(attempt - 1, options.backoff ?? enrollBackoff, options.random), (answer?.retryAfterSeconds ?? 0) * 1000);
    options.log.warn({ url, attempt, wait, error: failure }, 'enrollment failed; retrying');
    await sleep(wait);
  }
}

function parseAnswer(body: string, nodeName: string): Result<EnrollResponse> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return err(new CorralError(ErrorCode.EnrollmentFailed, 'the hub accepted the enrollment but its answer is not JSON'));
  }
  const parsed = EnrollResponse.safeParse(json);
  if (!parsed.success) {
    const path = formatPath(parsed.error.issues[0]?.path ?? []);
    return err(new CorralError(ErrorCode.EnrollmentFailed, `the hub's enrollment answer is invalid: ${path}: ${parsed.error.issues[0]?.message ?? 'invalid'}`, { path }));
  }
  if (parsed.data.nodeName !== nodeName) return err(new CorralError(ErrorCode.EnrollmentFailed, `the hub enrolled ${JSON.stringify(parsed.data.nodeName)}, not ${JSON.stringify(nodeName)}`, { path: 'nodeName' }));
  return ok(parsed.data);
}

/** A refusal in one line from the hub's Status body: `401 TokenUsedUp: bootstrap token 1a2b3c4d was already used …`. */
function refusal(answer: HttpAnswer): CorralError {
  let status: { reason?: unknown; message?: unknown; details?: { causes?: Array<{ field?: unknown }> } } = {};
  try {
    status = JSON.parse(answer.body) as typeof status;
  } catch {
    // not a Status: the HTTP code says it all
  }
  const reason = typeof status.reason === 'string' ? ` ${status.reason}` : '';
  const message = typeof status.message === 'string' ? `: ${status.message.slice(0, 500)}` : '';
  const field = status.details?.causes?.[0]?.field;
  return new CorralError(ErrorCode.EnrollmentRefused, `the hub refused the enrollment (HTTP ${answer.status}${reason})${message}`, typeof field === 'string' ? { path: field } : {});
}

/** POSTs JSON over https pinning `ca` (or over plain http for an http:// URL: insecure mode). */
export const postJson: PostJson = (url, options) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const payload = Buffer.from(JSON.stringify(options.body));
    const headers = { 'content-type': 'application/json', 'content-length': String(payload.byteLength), accept: 'application/json' };
    const common = { method: 'POST', headers, timeout: options.timeoutMs };
    const onResponse = (res: import('node:http').IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('error', reject);
      res.once('end', () => {
        const retryAfter = Number(res.headers['retry-after']);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: Math.min(retryAfter, 3600) } : {}) });
      });
    };
    const req =
      target.protocol === 'https:'
        ? httpsRequest(target, { ...common, ...(options.ca === undefined ? {} : { ca: options.ca }), rejectUnauthorized: true }, onResponse)
        : httpRequest(target, common, onResponse);
    req.once('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs / 1000} s`)));
    req.once('error', reject);
    req.end(payload);
  });

export interface EnsureEnrollmentDeps {
  store: Pick<AgentStore, 'loadEnrollment' | 'saveEnrollment'>;
  readText: (path: string) => Promise<string>;
  log: Logger;
  now: () => number;
  hostname?: string;
  post?: PostJson;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The device's enrollment: the stored one, or, with none stored and `enrollToken` set, a new one
 * from the hub, stored (fsync'd) before it is used. With one stored, the token is ignored.
 * Undefined when the device is not enrolled and has no token (its config gives the login).
 */
export async function ensureEnrollment(config: AgentConfig, deps: EnsureEnrollmentDeps): Promise<Result<StoredEnrollment | undefined>> {
  const stored = await deps.store.loadEnrollment();
  if (!stored.ok || stored.value !== undefined) {
    if (stored.ok && config.enrollToken !== undefined) deps.log.info({ node: stored.value?.nodeName }, 'enrolled already: the bootstrap token is no longer needed (remove it from the config)');
    return stored;
  }
  if (config.enrollToken === undefined || config.enrollUrl === undefined) return ok(undefined);
  let ca = config.caPem;
  if (config.ca !== undefined) {
    try {
      ca = await deps.readText(config.ca);
    } catch (error) {
      return err(new CorralError(ErrorCode.ConfigInvalid, `config: ca: cannot read ${config.ca} (${(error as Error).message})`, { path: 'ca', cause: error }));
    }
  }
  if (config.enrollUrl.startsWith('https://') && ca === undefined) {
    return err(new CorralError(ErrorCode.ConfigInvalid, "config: ca: enrollment over https pins the hub's CA: set --ca FILE (the hub's <dataDir>/pki/ca.pem)", { path: 'ca' }));
  }
  deps.log.info({ url: config.enrollUrl, node: config.nodeName }, 'enrolling with the hub (bootstrap token)');
  // Hostname and architecture are only informational: left out rather than have the hub refuse an odd one.
  const hostname = EnrollRequest.shape.hostname.safeParse(deps.hostname ?? osHostname());
  const architecture = EnrollRequest.shape.architecture.safeParse(goArch(process.arch));
  const request: EnrollRequest = {
    token: config.enrollToken,
    nodeName: config.nodeName,
    ...(hostname.success && hostname.data !== undefined ? { hostname: hostname.data } : {}),
    ...(architecture.success && architecture.data !== undefined ? { architecture: architecture.data } : {}),
  };
  const answer = await enroll(request, { url: config.enrollUrl, log: deps.log, ...(ca === undefined ? {} : { ca }), ...(deps.post ? { post: deps.post } : {}), ...(deps.sleep ? { sleep: deps.sleep } : {}) });
  if (!answer.ok) return answer;
  const { nodeName, mqtt, caPem, hubPublicKeyPem, labels } = answer.value;
  const enrollment: StoredEnrollment = { nodeName, mqtt, ...(caPem === undefined ? {} : { caPem }), hubPublicKeyPem, labels, enrolledAt: deps.now() };
  await deps.store.saveEnrollment(enrollment);
  deps.log.info({ node: nodeName, hub: mqtt.url, labels }, 'enrolled: broker login and hub key stored');
  return ok(enrollment);
}

/**
 * The config with what enrollment supplied: node name, broker URL and login, hub key and CA unless
 * the config sets them itself, and the token's labels under the config's own. A node name other
 * than the enrolled one needs its own credentials (the stored ones are the enrolled node's). Pure.
 */
export function applyEnrollment(config: AgentConfig, { enrollment, explicit }: { enrollment: StoredEnrollment | undefined; explicit: ReadonlySet<EnrolledSetting> }): Result<AgentConfig> {
  if (!enrollment) return ok(config);
  if (explicit.has('nodeName') && config.nodeName !== enrollment.nodeName && !explicit.has('credentials')) {
    return err(new CorralError(ErrorCode.ConfigInvalid, `config: nodeName: this device is enrolled as ${JSON.stringify(enrollment.nodeName)}, and its stored broker login is that node's; drop --node-name ${config.nodeName} or give that node's credentials`, { path: 'nodeName' }));
  }
  return ok({
    ...config,
    nodeName: explicit.has('nodeName') ? config.nodeName : enrollment.nodeName,
    hub: explicit.has('hub') ? config.hub : enrollment.mqtt.url,
    labels: { ...enrollment.labels, ...config.labels },
    ...(explicit.has('credentials') ? {} : { credentials: { username: enrollment.mqtt.username, password: enrollment.mqtt.password } }),
    ...(explicit.has('hubPublicKey') ? {} : { hubPublicKey: enrollment.hubPublicKeyPem }),
    ...(explicit.has('ca') || enrollment.caPem === undefined ? {} : { caPem: enrollment.caPem }),
  });
}
