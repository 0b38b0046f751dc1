/**
 * Names of images inside the agent's shared OCI layout.
 *
 * A layout names its images with `org.opencontainers.image.ref.name`, whose grammar (alphanumerics with
 * single separators) cannot hold every reference: `__` in repository names, tags starting with `_`,
 * and `oci-archive:` paths with arbitrary characters. So a reference is stored reversibly escaped:
 * `r` followed by the reference with every byte outside `[A-Za-z0-9]` written as `-xx` (lower-case hex).
 * `docker.io/library/busybox:1` → `rdocker-2eio-2flibrary-2fbusybox-3a1`. The escaped form always obeys
 * the grammar, stays readable in `umoci ls`, and decodes back without a side table, so the layout's
 * index.json remains the single record of which images exist. Names that do not decode were not made
 * by the store and are not images; garbage collection removes them.
 */

const PREFIX = 'r';
const PLAIN = /^[A-Za-z0-9]$/;

/** The layout ref name of a canonical image reference. Pure. */
export function encodeRefName(reference: string): string {
  let out = PREFIX;
  for (const byte of Buffer.from(reference, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && PLAIN.test(ch) ? ch : `-${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** The reference a layout ref name stands for, or undefined when it is not one of `encodeRefName`'s. Pure. */
export function decodeRefName(name: string): string | undefined {
  if (!name.startsWith(PREFIX) || name.length <= PREFIX.length) return undefined;
  const bytes: number[] = [];
  for (let i = PREFIX.length; i < name.length; i += 1) {
    const ch = name[i] as string;
    if (ch === '-') {
      const hex = name.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/.test(hex)) return undefined;
      const byte = Number.parseInt(hex, 16);
      // Only bytes that encodeRefName escapes: keeps the mapping one-to-one.
      if (byte < 0x80 && PLAIN.test(String.fromCharCode(byte))) return undefined;
      bytes.push(byte);
      i += 2;
    } else if (PLAIN.test(ch)) {
      bytes.push(ch.charCodeAt(0));
    } else {
      return undefined;
    }
  }
  const text = Buffer.from(bytes).toString('utf8');
  return encodeRefName(text) === name ? text : undefined;
}

