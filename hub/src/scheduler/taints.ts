import type { Toleration } from '../../../protocol/src/index.js';
import type { NodeTaint } from './types.js';

/**
 * Kubernetes' `ToleratesTaint`: an effect, when given, must equal the taint's (empty
 * matches every effect); a key, when given, must equal the taint's (an empty key
 * with `Exists` tolerates every taint); `Exists` ignores the value, `Equal` compares it.
 */
export function toleratesTaint(toleration: Toleration, taint: NodeTaint): boolean {
  if (toleration.effect !== undefined && toleration.effect !== taint.effect) return false;
  const operator = toleration.operator ?? 'Equal';
  if (toleration.key === undefined || toleration.key === '') return operator === 'Exists';
  if (toleration.key !== taint.key) return false;
  return operator === 'Exists' || (toleration.value ?? '') === (taint.value ?? '');
}

export function tolerated(tolerations: readonly Toleration[], taint: NodeTaint): boolean {
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}
