/**
 * Enrollment (docs/security.md, "Enrollment"): a new device presents a bootstrap token once to
 * `POST /api/v1/enroll` and receives its node's broker login, the CA its broker link pins and the
 * hub's desired-state signing key. The hub validates requests with `EnrollRequest`, the agent
 * answers with `EnrollResponse`; both sides share these schemas and nothing else.
 */
import { z } from 'zod';
import { CorralError, ErrorCode, type Result, err, formatPath, ok } from './errors.js';
import { Labels } from './labels.js';
import { API_VERSION } from './objects/node.js';
import { isNodeName } from './topics.js';

/** `cbt_` and 43 base64url characters (32 random bytes). */
export const BOOTSTRAP_TOKEN_PATTERN = /^cbt_[A-Za-z0-9_-]{43}$/;

export function isBootstrapTokenFormat(token: string): boolean {
  return BOOTSTRAP_TOKEN_PATTERN.test(token);
}

/** The largest enrollment request body the hub reads. */
export const ENROLL_MAX_BYTES = 16 * 1024;

/** Labels a bootstrap token gives the nodes it enrolls: at most this many. */
export const MAX_TOKEN_LABELS = 64;

export const BootstrapToken = z.string().regex(BOOTSTRAP_TOKEN_PATTERN, 'must be a bootstrap token: cbt_ and 43 base64url characters');

export const EnrollNodeName = z.string().refine(isNodeName, 'must be a DNS label: lower-case alphanumerics and "-", at most 63');

/** `POST /api/v1/enroll` body. `hostname` and `architecture` are informational (logged by the hub). */
export const EnrollRequest = z.strictObject({
  token: BootstrapToken,
  nodeName: EnrollNodeName,
  hostname: z.string().min(1).max(253).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces').optional(),
  architecture: z.string().min(1).max(32).regex(/^[a-z0-9_]+$/, 'must be a GOARCH name such as arm64').optional(),
});
export type EnrollRequest = z.infer<typeof EnrollRequest>;

/** The node's broker login and where to dial. */
export const EnrollMqtt = z.strictObject({
  url: z.string().regex(/^mqtts?:\/\/[^/]+\/?$/, 'must be mqtt(s)://HOST:PORT'),
  username: z.string().min(1),
  password: z.string().min(1),
});

/** `POST /api/v1/enroll` answer (201): everything a device needs to join; the password exists nowhere else. */
export const EnrollResponse = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Enrollment'),
  nodeName: EnrollNodeName,
  mqtt: EnrollMqtt,
  /** The CA the broker's certificate chains to (secure mode; absent with `--insecure`). */
  caPem: z.string().includes('-----BEGIN CERTIFICATE-----', { message: 'must be a PEM certificate' }).optional(),
  /** The hub's Ed25519 desired-state signing key, SPKI PEM. */
  hubPublicKeyPem: z.string().includes('-----BEGIN PUBLIC KEY-----', { message: 'must be a PEM public key' }),
  /** The bootstrap token's labels, which become the node's. */
  labels: Labels,
});
export type EnrollResponse = z.infer<typeof EnrollResponse>;

/**
 * Why the hub refused an enrollment: the `reason` of its 401/409/429 answer. Token reasons come as
 * 401, `NodeExists` as 409 (the node already has credentials: `corral delete node` it first),
 * `TooManyFailures` as 429 (this address failed too often lately).
 */
export const EnrollRefusalReason = z.enum(['TokenUnknown', 'TokenExpired', 'TokenUsedUp', 'TokenRevoked', 'NodeExists', 'NameReserved', 'TooManyFailures']);
export type EnrollRefusalReason = z.infer<typeof EnrollRefusalReason>;

/** What a bootstrap token currently is; only `Active` tokens enroll. */
export const BootstrapTokenState = z.enum(['Active', 'Expired', 'UsedUp', 'Revoked']);
export type BootstrapTokenState = z.infer<typeof BootstrapTokenState>;

/** `POST /api/v1/bootstrap-tokens` body. */
export const CreateBootstrapTokenRequest = z.strictObject({
  ttlSeconds: z.number().int().min(1).max(365 * 86_400).default(86_400),
  uses: z.number().int().min(1).max(1000).default(1),
  labels: Labels.refine((labels) => Object.keys(labels).length <= MAX_TOKEN_LABELS, `at most ${MAX_TOKEN_LABELS} labels`).default({}),
});
export type CreateBootstrapTokenRequest = z.input<typeof CreateBootstrapTokenRequest>;

/** A bootstrap token as the API shows it: never its hash; `token` (the secret) only in the answer to create. */
export const BootstrapTokenObject = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('BootstrapToken'),
  id: z.string(),
  state: BootstrapTokenState,
  labels: Labels,
  uses: z.number().int(),
  usesLeft: z.number().int(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  revokedAt: z.iso.datetime().optional(),
  /** Nodes enrolled with it, oldest first. */
  nodes: z.array(z.string()),
  token: z.string().optional(),
});
export type BootstrapTokenObject = z.infer<typeof BootstrapTokenObject>;

export const BootstrapTokenList = z.object({ apiVersion: z.literal(API_VERSION), kind: z.literal('List'), items: z.array(BootstrapTokenObject) });
export type BootstrapTokenList = z.infer<typeof BootstrapTokenList>;

/**
 * Validates an enrollment request body (JSON already parsed): the request, or
 * CORRAL_PROTOCOL_INVALID naming the first field at fault. Never throws.
 */
export function parseEnrollRequest(body: unknown): Result<EnrollRequest> {
  const parsed = EnrollRequest.safeParse(body);
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0];
  const path = formatPath(issue?.path ?? []);
  return err(new CorralError(ErrorCode.ProtocolInvalid, `${path}: ${issue?.message ?? 'invalid'}`, { path }));
}
