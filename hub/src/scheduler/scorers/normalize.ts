/** Normalizations of raw scores to 0–100, in place (Kubernetes' `DefaultNormalizeScore` and InterPodAffinity's). */

/** `100 × s / max`; with `reverse`, `100 − that` (fewer is better). All 0 (reverse: all 100) when the maximum is 0. */
export function scaleToMax(raw: Float64Array, reverse = false): void {
  let max = 0;
  for (const s of raw) if (s > max) max = s;
  for (let k = 0; k < raw.length; k++) {
    const scaled = max === 0 ? 0 : (100 * (raw[k] as number)) / max;
    raw[k] = reverse ? 100 - scaled : scaled;
  }
}

/** `100 × (s − min) / (max − min)`; all 0 when every score is equal. */
export function minMax(raw: Float64Array): void {
  let min = Infinity;
  let max = -Infinity;
  for (const s of raw) {
    if (s < min) min = s;
    if (s > max) max = s;
  }
  const span = max - min;
  for (let k = 0; k < raw.length; k++) raw[k] = span > 0 ? (100 * ((raw[k] as number) - min)) / span : 0;
}
