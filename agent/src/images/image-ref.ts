import { CorralError, ErrorCode, type Result, err, ok } from '../../../protocol/src/index.js';

/** An image in a registry: `registry/repository[:tag][@digest]`, spelled in full (`docker.io/library/busybox:latest`). */
export interface RegistryImageRef {
  transport: 'docker';
  /** `host[:port]`; `docker.io` when the reference names none. */
  registry: string;
  /** Path inside the registry; `library/` is added to single-component Docker Hub names. */
  repository: string;
  /** `latest` when the reference has neither a tag nor a digest. */
  tag: string | undefined;
  /** `sha256:<64 hex>` or `sha512:<128 hex>`; wins over the tag when pulling. */
  digest: string | undefined;
  /** The normalized reference; images are stored and listed under this name. */
  canonical: string;
}

/**
 * A side-loaded image: an `oci-archive` or `docker-archive` tarball, or an `oci` layout directory, on this
 * node's filesystem. `name` is what follows the path (an OCI ref name, or for docker-archive a
 * `repo:tag` or `@index`); skopeo picks the only image when it is absent.
 */
export interface LocalImageRef {
  transport: 'oci-archive' | 'docker-archive' | 'oci';
  path: string;
  name: string | undefined;
  canonical: string;
}

export type ImageRef = RegistryImageRef | LocalImageRef;

const DEFAULT_REGISTRY = 'docker.io';
const DEFAULT_TAG = 'latest';
const MAX_NAME_LENGTH = 255;
const MAX_REFERENCE_LENGTH = 1024;

// The grammar of github.com/distribution/reference, which Docker, containerd and skopeo share.
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]{1,5})?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
const LOCAL_TRANSPORTS = ['oci-archive', 'docker-archive', 'oci'] as const;

function invalid(input: string, reason: string): Result<never> {
  return err(new CorralError(ErrorCode.ImageRefInvalid, `image reference ${JSON.stringify(input.slice(0, 200))}: ${reason}`));
}

/** True when the first path component names a registry rather than a Docker Hub namespace (Docker's rule). */
function looksLikeRegistry(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost' || component !== component.toLowerCase();
}

/**
 * Parses an image reference the way the agent accepts them in pod specs: a plain or `docker://` registry
 * reference (`busybox`, `127.0.0.1:5000/busybox:1`, `ghcr.io/o/r@sha256:…`), or a side-load source
 * `oci-archive:/abs/file.tar[:name]`, `docker-archive:/abs/file.tar[:name]`, `oci:/abs/layout[:name]`.
 * Pure; errors are `CORRAL_IMAGE_REF_INVALID` naming the reason.
 */
export function parseImageRef(input: string): Result<ImageRef> {
  if (input.length === 0) return invalid(input, 'is empty');
  if (input.length > MAX_REFERENCE_LENGTH) return invalid(input, `is longer than ${MAX_REFERENCE_LENGTH} characters`);
  if (/\s/.test(input)) return invalid(input, 'contains whitespace');
  for (const transport of LOCAL_TRANSPORTS) {
    const prefix = `${transport}:`;
    // `oci:5000/repo` is a registry named "oci" on port 5000; side-load paths are always absolute.
    if (input.startsWith(`${prefix}/`)) return parseLocal(input, transport, input.slice(prefix.length));
  }
  let rest = input;
  if (rest.startsWith('docker://')) rest = rest.slice('docker://'.length);
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rest)) return invalid(input, 'unsupported transport (use docker://, oci-archive:, docker-archive: or oci:)');
  return parseRegistryRef(input, rest);
}

function parseLocal(input: string, transport: LocalImageRef['transport'], rest: string): Result<LocalImageRef> {
  // skopeo splits path and name at the first colon, so a path cannot contain one.
  const colon = rest.indexOf(':');
  const path = colon === -1 ? rest : rest.slice(0, colon);
  const name = colon === -1 ? undefined : rest.slice(colon + 1);
  if (path.length < 2) return invalid(input, `${transport}: needs an absolute path to a file or directory`);
  if (path.split('/').some((part) => part === '..')) return invalid(input, `${transport}: path must not contain ".."`);
  if (name !== undefined && name.length === 0) return invalid(input, `${transport}: empty name after the path`);
  if (name !== undefined && transport !== 'docker-archive' && !/^[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*(?:\/[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*)*$/.test(name)) {
    return invalid(input, `${transport}: "${name}" is not a valid OCI ref name`);
  }
  if (name !== undefined && transport === 'docker-archive' && !/^@\d+$/.test(name)) {
    const inner = parseImageRef(name);
    if (!inner.ok || inner.value.transport !== 'docker' || inner.value.digest !== undefined) {
      return invalid(input, 'docker-archive: the name after the path must be "repo:tag" or "@index"');
    }
  }
  return ok({ transport, path, name, canonical: name === undefined ? `${transport}:${path}` : `${transport}:${path}:${name}` });
}

function parseRegistryRef(input: string, rest: string): Result<RegistryImageRef> {
  let remainder = rest;
  let digest: string | undefined;
  const at = remainder.indexOf('@');
  if (at !== -1) {
    digest = remainder.slice(at + 1);
    remainder = remainder.slice(0, at);
    if (!DIGEST.test(digest)) return invalid(input, 'digest must be sha256:<64 hex> or sha512:<128 hex>');
  }
  let tag: string | undefined;
  const colon = remainder.lastIndexOf(':');
  if (colon > remainder.lastIndexOf('/')) {
    tag = remainder.slice(colon + 1);
    remainder = remainder.slice(0, colon);
    if (!TAG.test(tag)) return invalid(input, `tag "${tag}" must be 1-128 of [A-Za-z0-9_.-], not starting with "." or "-"`);
  }
  if (remainder.length === 0) return invalid(input, 'has no repository name');
  const slash = remainder.indexOf('/');
  let registry = DEFAULT_REGISTRY;
  let repository = remainder;
  if (slash !== -1 && looksLikeRegistry(remainder.slice(0, slash))) {
    registry = remainder.slice(0, slash);
    repository = remainder.slice(slash + 1);
    if (!DOMAIN.test(registry)) return invalid(input, `registry "${registry}" is not a valid host[:port]`);
  }
  if (registry === 'index.docker.io') registry = DEFAULT_REGISTRY;
  if (repository.length === 0) return invalid(input, 'has no repository name');
  if (repository !== repository.toLowerCase()) return invalid(input, 'repository name must be lowercase');
  const components = repository.split('/');
  const bad = components.find((c) => !PATH_COMPONENT.test(c));
  if (bad !== undefined) return invalid(input, `repository component "${bad}" must be lowercase alphanumerics separated by ".", "_", "__" or "-"`);
  if (registry === DEFAULT_REGISTRY && components.length === 1) repository = `library/${repository}`;
  if (`${registry}/${repository}`.length > MAX_NAME_LENGTH) return invalid(input, `name is longer than ${MAX_NAME_LENGTH} characters`);
  if (tag === undefined && digest === undefined) tag = DEFAULT_TAG;
  const canonical = `${registry}/${repository}${tag === undefined ? '' : `:${tag}`}${digest === undefined ? '' : `@${digest}`}`;
  return ok({ transport: 'docker', registry, repository, tag, digest, canonical });
}

/** The normalized form of a reference (`busybox` → `docker.io/library/busybox:latest`). */
export function canonicalImageRef(input: string): Result<string> {
  const parsed = parseImageRef(input);
  return parsed.ok ? ok(parsed.value.canonical) : parsed;
}

/**
 * The source argument of `skopeo copy`. A reference with both a tag and a digest is fetched by digest
 * (skopeo's docker transport takes only one, and the digest is the stronger promise).
 */
export function skopeoSource(ref: ImageRef): string {
  if (ref.transport !== 'docker') return ref.canonical;
  const name = `${ref.registry}/${ref.repository}`;
  return ref.digest !== undefined ? `docker://${name}@${ref.digest}` : `docker://${name}:${ref.tag ?? DEFAULT_TAG}`;
}
