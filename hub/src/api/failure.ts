import type { FastifyReply } from 'fastify';
import type { ApiStatus } from '../../../protocol/src/index.js';

export interface Failure {
  /** HTTP status. */
  code: number;
  /** Kubernetes-style reason: `NotFound`, `Invalid`, `AlreadyExists`, `Timeout`… */
  reason: string;
  message: string;
  /** The request field at fault (`spec.nodeName`, `tail`), sent as `details.causes[0].field`. */
  field?: string;
}

/** Sends an error as a Kubernetes-like `Status` (ApiStatus), naming the offending field when there is one. */
export function failure(reply: FastifyReply, { code, reason, message, field }: Failure): FastifyReply {
  const body: ApiStatus & { details?: { causes: Array<{ field: string; message: string }> } } = { kind: 'Status', status: 'Failure', code, reason, message };
  if (field !== undefined) body.details = { causes: [{ field, message }] };
  return reply.code(code).send(body);
}
