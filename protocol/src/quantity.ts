import { CorralError, ErrorCode, type Result, err, ok } from './errors.js';

/**
 * Kubernetes-style resource quantities. CPU is carried as integer millicores,
 * memory as integer bytes, on the wire and in every object.
 */

const binarySuffix: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const decimalSuffix: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

const MEMORY = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
const CPU = /^([0-9]+(?:\.[0-9]+)?)(m)?$/;

function invalid(input: string, what: string, hint: string): Result<never> {
  return err(new CorralError(ErrorCode.QuantityInvalid, `${JSON.stringify(input)} is not a ${what} (${hint})`));
}

/** "64Mi" → 67108864, "1G" → 1e9, "1024" → 1024. Rejects "64MB" with a hint. */
export function parseMemory(input: string | number): Result<number> {
  if (typeof input === 'number') {
    return Number.isSafeInteger(input) && input >= 0 ? ok(input) : invalid(String(input), 'memory quantity', 'use a whole number of bytes');
  }
  const m = MEMORY.exec(input.trim());
  if (!m) return invalid(input, 'quantity', 'use 64Mi or 67108864');
  const value = Number(m[1]) * (m[2] ? (binarySuffix[m[2]] ?? decimalSuffix[m[2]] ?? 1) : 1);
  const bytes = Math.round(value);
  if (!Number.isSafeInteger(bytes)) return invalid(input, 'memory quantity', 'value too large');
  return ok(bytes);
}

/** "250m" → 250, "0.5" → 500, "2" → 2000, 1 → 1000 (a bare number counts cores). */
export function parseCpu(input: string | number): Result<number> {
  const text = typeof input === 'number' ? String(input) : input.trim();
  const m = CPU.exec(text);
  if (!m) return invalid(text, 'cpu quantity', 'use 250m or 0.25');
  // Scale the decimal text, not a float: 1.001 * 1000 is 1000.9999999999999.
  const [whole = '', fraction = ''] = (m[1] ?? '').split('.');
  const scale = m[2] ? 0 : 3;
  const digits = fraction.padEnd(scale, '0');
  if (/[^0]/.test(digits.slice(scale))) return invalid(text, 'cpu quantity', 'finest unit is 1m');
  const millis = Number(whole + digits.slice(0, scale));
  if (!Number.isSafeInteger(millis)) return invalid(text, 'cpu quantity', 'value too large');
  return ok(millis);
}

/** 67108864 → "64Mi"; picks the largest binary unit that keeps one decimal at most. */
export function formatMemory(bytes: number): string {
  const units = ['Ki', 'Mi', 'Gi', 'Ti', 'Pi'] as const;
  let value = bytes;
  let unit = '';
  for (const u of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = u;
  }
  const shown = value >= 100 || Number.isInteger(value) ? Math.round(value).toString() : value.toFixed(1).replace(/\.0$/, '');
  return `${shown}${unit}`;
}

/** 1500 → "1500m", 2000 → "2". */
export function formatCpu(millicores: number): string {
  return millicores % 1000 === 0 ? String(millicores / 1000) : `${millicores}m`;
}
