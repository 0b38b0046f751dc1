/** Stable error codes. Tests and callers branch on these, never on message text. */
export const ErrorCode = {
  ProtocolTooLarge: 'CORRAL_PROTOCOL_TOO_LARGE',
  ProtocolMalformed: 'CORRAL_PROTOCOL_MALFORMED',
  ProtocolVersion: 'CORRAL_PROTOCOL_VERSION',
  ProtocolInvalid: 'CORRAL_PROTOCOL_INVALID',
  ProtocolUnknownTopic: 'CORRAL_PROTOCOL_UNKNOWN_TOPIC',
  ConfigInvalid: 'CORRAL_CONFIG_INVALID',
  ManifestInvalid: 'CORRAL_MANIFEST_INVALID',
  QuantityInvalid: 'CORRAL_QUANTITY_INVALID',
  NodeNotFound: 'CORRAL_NODE_NOT_FOUND',
  PodNotFound: 'CORRAL_POD_NOT_FOUND',
  CronJobNotFound: 'CORRAL_CRONJOB_NOT_FOUND',
  DesiredStale: 'CORRAL_DESIRED_STALE',
  DesiredUnsigned: 'CORRAL_DESIRED_UNSIGNED',
  DesiredBadSignature: 'CORRAL_DESIRED_BAD_SIGNATURE',
  DesiredWrongNode: 'CORRAL_DESIRED_WRONG_NODE',
  DesiredEnvelopeMismatch: 'CORRAL_DESIRED_ENVELOPE_MISMATCH',
  SigningKeyInvalid: 'CORRAL_SIGNING_KEY_INVALID',
  AckForeign: 'CORRAL_ACK_FOREIGN',
  HubUnreachable: 'CORRAL_HUB_UNREACHABLE',
  HubError: 'CORRAL_HUB_ERROR',
  CommandTimeout: 'CORRAL_COMMAND_TIMEOUT',
  CommandFailed: 'CORRAL_COMMAND_FAILED',
  BrokerUnavailable: 'CORRAL_BROKER_UNAVAILABLE',
  MqttAuthFailed: 'CORRAL_MQTT_AUTH_FAILED',
  MqttPublishDenied: 'CORRAL_MQTT_PUBLISH_DENIED',
  MqttSubscribeDenied: 'CORRAL_MQTT_SUBSCRIBE_DENIED',
  PkiFailed: 'CORRAL_PKI_FAILED',
  EnrollmentRefused: 'CORRAL_ENROLLMENT_REFUSED',
  EnrollmentFailed: 'CORRAL_ENROLLMENT_FAILED',
  ImageRefInvalid: 'CORRAL_IMAGE_REF_INVALID',
  ImagePullFailed: 'CORRAL_IMAGE_PULL_FAILED',
  ImagePlatformMismatch: 'CORRAL_IMAGE_PLATFORM_MISMATCH',
  ImageNotFound: 'CORRAL_IMAGE_NOT_FOUND',
  ImageUnpackFailed: 'CORRAL_IMAGE_UNPACK_FAILED',
  ImageStoreFailed: 'CORRAL_IMAGE_STORE_FAILED',
  NetworkInvalid: 'CORRAL_NETWORK_INVALID',
  NetworkHostPortConflict: 'CORRAL_NETWORK_HOSTPORT_CONFLICT',
  NetworkPluginFailed: 'CORRAL_NETWORK_PLUGIN_FAILED',
  NetworkNamespaceFailed: 'CORRAL_NETWORK_NAMESPACE_FAILED',
  NetworkHostFailed: 'CORRAL_NETWORK_HOST_FAILED',
  NetworkStateFailed: 'CORRAL_NETWORK_STATE_FAILED',
  RuntimeUnavailable: 'CORRAL_RUNTIME_UNAVAILABLE',
  RuntimeSpecInvalid: 'CORRAL_RUNTIME_SPEC_INVALID',
  RuntimeUserUnknown: 'CORRAL_RUNTIME_USER_UNKNOWN',
  RuntimeContainerIdInvalid: 'CORRAL_RUNTIME_CONTAINER_ID_INVALID',
  RuntimeContainerExists: 'CORRAL_RUNTIME_CONTAINER_EXISTS',
  RuntimeContainerNotFound: 'CORRAL_RUNTIME_CONTAINER_NOT_FOUND',
  RuntimeCreateFailed: 'CORRAL_RUNTIME_CREATE_FAILED',
  RuntimeStartFailed: 'CORRAL_RUNTIME_START_FAILED',
  RuntimeKillFailed: 'CORRAL_RUNTIME_KILL_FAILED',
  RuntimeDeleteFailed: 'CORRAL_RUNTIME_DELETE_FAILED',
  RuntimeStateFailed: 'CORRAL_RUNTIME_STATE_FAILED',
  RuntimeExecFailed: 'CORRAL_RUNTIME_EXEC_FAILED',
  RuntimeExecTimeout: 'CORRAL_RUNTIME_EXEC_TIMEOUT',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface CorralErrorOptions {
  cause?: unknown;
  /** Field path inside the offending document, e.g. `info.capacity.cpu`. */
  path?: string;
}

export class CorralError extends Error {
  readonly code: ErrorCode;
  readonly path: string | undefined;

  constructor(code: ErrorCode, message: string, options: CorralErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CorralError';
    this.code = code;
    this.path = options.path;
  }
}

export type Result<T, E = CorralError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });

/** Renders a zod-style path (`['a', 0, 'b']`) the way manifests and messages name fields: `a[0].b`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}
