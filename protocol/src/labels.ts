import { z } from 'zod';

/** Label keys and values as Kubernetes accepts them: `[prefix/]name`, 63-character names. */
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

export function isLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash === -1) return LABEL_NAME.test(key);
  return LABEL_PREFIX.test(key.slice(0, slash)) && LABEL_NAME.test(key.slice(slash + 1));
}

export const LabelKey = z.string().refine(isLabelKey, {
  message: 'must be [prefix/]name: alphanumerics, "-", "_", "." and at most 63 characters in the name',
});
export const LabelValue = z.string().regex(LABEL_VALUE, 'must be at most 63 alphanumerics, "-", "_" or "." (starting and ending alphanumeric)');
export const Labels = z.record(LabelKey, LabelValue);
export type Labels = z.infer<typeof Labels>;

/** Parses `k=v,k2=v2` (the agent's `--labels` flag) into a plain record; validation is the schema's job. */
export function parseLabelList(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of text.split(',')) {
    const trimmed = item.trim();
    if (trimmed === '') continue;
    const eq = trimmed.indexOf('=');
    if (eq === -1) out[trimmed] = '';
    else out[trimmed.slice(0, eq)] = trimmed.slice(eq + 1);
  }
  return out;
}
