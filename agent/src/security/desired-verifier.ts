import type { KeyObject } from 'node:crypto';
import { CorralError, ErrorCode, type OpenedDesired, type Result, err, openDesired } from '../../../protocol/src/index.js';

export interface VerifyDesiredOptions {
  /** This node: a desired state for any other is refused. */
  node: string;
  /**
   * The hub's pinned Ed25519 public key (`hubPublicKey`). Given, unsigned and wrongly signed
   * messages are refused; absent (insecure mode only), signatures go unchecked.
   */
  hubPublicKey?: KeyObject;
  /** The generation of the desired state the agent runs; an older one is a replay or reordering. */
  appliedGeneration: number;
}

/**
 * Decides whether a `…/desired` payload may replace the desired state the agent runs: a well-formed
 * envelope for this node, signed with the pinned hub key (when one is pinned), whose body names the
 * same node and generation, and whose generation is not older than the applied one. Pure apart from
 * the signature check; a rejection is data with a stable code (`CORRAL_DESIRED_UNSIGNED`,
 * `…_BAD_SIGNATURE`, `…_WRONG_NODE`, `…_ENVELOPE_MISMATCH`, `…_STALE`, `CORRAL_PROTOCOL_*`).
 * The same generation again is accepted: the hub republishes it after a restart.
 */
export function verifyDesired(payload: Uint8Array, options: VerifyDesiredOptions): Result<OpenedDesired> {
  const opened = openDesired(payload, { node: options.node, ...(options.hubPublicKey === undefined ? {} : { publicKey: options.hubPublicKey }) });
  if (!opened.ok) return opened;
  const { generation } = opened.value.message;
  if (generation < options.appliedGeneration) {
    return err(new CorralError(ErrorCode.DesiredStale, `desired: generation ${generation} is older than the applied ${options.appliedGeneration}`, { path: 'body.generation' }));
  }
  return opened;
}
