import { type ImageRef, skopeoSource } from './image-ref.js';

/** The platform an image index is resolved to: the node's, in GOARCH terms (`arm` + `v7`). */
export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
}

export interface RegistryAuth {
  username: string;
  password: string;
}

/** What a pull reports while it runs, in the order skopeo does the work. */
export type PullProgress =
  | { kind: 'started'; reference: string; source: string }
  | { kind: 'blob'; digest: string; skipped: boolean }
  | { kind: 'config'; digest: string }
  | { kind: 'manifest' }
  | { kind: 'done'; reference: string; digest: string };

/** skopeo's global flags that make an image index resolve to `platform`. */
export function platformArgs(platform: Platform): string[] {
  const args = ['--override-os', platform.os, '--override-arch', platform.architecture];
  if (platform.variant) args.push('--override-variant', platform.variant);
  return args;
}

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/;

/**
 * Whether to talk plain HTTP / unverified TLS to `registry`: when the pull asks for it, when the registry
 * is listed (`host:port` exactly, or `host` for any port), or when it is on the loopback interface (as
 * Docker does for 127.0.0.0/8).
 */
export function isInsecureRegistry(registry: string, options: { insecureRegistries: readonly string[]; requested?: boolean }): boolean {
  if (options.requested || LOOPBACK.test(registry)) return true;
  const host = registry.replace(/:\d+$/, '');
  return options.insecureRegistries.some((entry) => entry === registry || entry === host);
}

export interface CopyArgsOptions {
  platform: Platform;
  /** OCI layout destination, `oci:DIR:NAME`. */
  destination: string;
  /** Blob directory the destination layout shares (`<layout>/blobs` of the store's layout). */
  sharedBlobDir: string;
  insecure: boolean;
  /** A containers-auth.json file holding the credentials (never put on the command line). */
  authFile?: string;
  /** Where skopeo stages blobs; on the data dir's filesystem rather than /var/tmp. */
  tmpDir?: string;
  /** Signature policy file; skopeo's default (/etc/containers/policy.json) when absent. */
  policyPath?: string;
}

/** The argument vector of `skopeo copy` that downloads an image into a staging layout. Pure. */
export function skopeoCopyArgs(ref: ImageRef, options: CopyArgsOptions): string[] {
  const args = [...platformArgs(options.platform)];
  if (options.tmpDir) args.push('--tmpdir', options.tmpDir);
  if (options.policyPath) args.push('--policy', options.policyPath);
  // No --retry-times: a failed pull returns at once and the reconciler's back-off decides when to retry;
  // layers that did arrive are already in the shared blob dir and are not fetched again.
  args.push('copy', '--dest-shared-blob-dir', options.sharedBlobDir);
  if (ref.transport === 'docker') {
    args.push(`--src-tls-verify=${options.insecure ? 'false' : 'true'}`);
    if (options.authFile) args.push('--src-authfile', options.authFile);
  }
  args.push(skopeoSource(ref), options.destination);
  return args;
}

/**
 * The argument vector of `skopeo copy` that names a staged image in the store's layout. Every blob is
 * already there, so skopeo only writes the layout's index.json. Pure.
 */
export function skopeoCommitArgs(options: { staged: string; sharedBlobDir: string; destination: string }): string[] {
  return ['copy', '--quiet', '--src-shared-blob-dir', options.sharedBlobDir, options.staged, options.destination];
}

/**
 * A containers-auth.json holding one registry's credentials. Written to a private file for skopeo's
 * `--src-authfile` rather than passed as `--src-creds`, which any local user could read in /proc.
 */
export function authFileContent(registry: string, auth: RegistryAuth): string {
  const token = Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64');
  return `${JSON.stringify({ auths: { [registry]: { auth: token } } })}\n`;
}

const COPYING = /^Copying (blob|config) (sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})(.*)$/;

/**
 * One line of `skopeo copy` output as a progress event, or undefined for lines that are not progress.
 * Without a terminal skopeo prints "Copying blob sha256:…" per layer, "Copying config sha256:…", and
 * "Writing manifest to image destination"; with one, a reused layer ends in "skipped: already exists".
 */
export function parseSkopeoProgress(line: string): PullProgress | undefined {
  const text = line.trim();
  const m = COPYING.exec(text);
  if (m) {
    const digest = m[2] as string;
    if (m[1] === 'config') return { kind: 'config', digest };
    return { kind: 'blob', digest, skipped: /skipped|already exists/.test(m[3] ?? '') };
  }
  if (text.startsWith('Writing manifest to image destination')) return { kind: 'manifest' };
  return undefined;
}
