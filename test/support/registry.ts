import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Daemon, ROOT, freePort, waitFor } from './daemons.js';

const run = promisify(execFile);

export const TEST_IMAGE_SCRIPT = join(ROOT, 'test/fixtures/build-test-image.sh');
/** Tags the fixture script gives the test image: the same manifest under both. */
export const TEST_IMAGE_TAGS = ['1', 'latest'] as const;

export interface RegistryHandle {
  url: string;
  host: string;
  daemon: Daemon;
  stop(): Promise<void>;
}

/**
 * Starts Debian's `docker-registry` (distribution 2.x) on 127.0.0.1 with filesystem storage under
 * `dir`, no authentication and deletes enabled, and waits until `GET /v2/` answers.
 */
export async function startRegistry(dir: string): Promise<RegistryHandle> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const storage = join(dir, 'storage');
  await mkdir(storage, { recursive: true });
  const config = join(dir, 'registry.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${JSON.stringify(storage)}`,
      '  delete:',
      '    enabled: true',
      '  maintenance:',
      '    uploadpurging:',
      '      enabled: false',
      'http:',
      `  addr: ${host}`,
      '',
    ].join('\n'),
  );
  const daemon = new Daemon('docker-registry', spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const url = `http://${host}`;
  try {
    await waitFor(`docker-registry at ${url}`, async () => {
      if (!daemon.alive) throw new Error(`docker-registry exited: ${daemon.log()}`);
      const res = await fetch(`${url}/v2/`);
      return res.ok ? true : undefined;
    });
  } catch (error) {
    await daemon.stop('SIGKILL');
    throw error;
  }
  return { url, host, daemon, stop: async () => void (await daemon.stop()) };
}

/** Copies `oci:LAYOUT:TAG` to `docker://HOST/REPO:TAG` over plain HTTP; returns `HOST/REPO:TAG`. */
export async function pushTestImage(layoutDir: string, tag: string, registryHost: string, repo: string): Promise<string> {
  const reference = `${registryHost}/${repo}:${tag}`;
  await run('skopeo', ['copy', '--quiet', '--all', '--dest-tls-verify=false', `oci:${layoutDir}:${tag}`, `docker://${reference}`]);
  return reference;
}

/**
 * The test image's OCI layout, built by test/fixtures/build-test-image.sh on first use and kept under
 * os.tmpdir()/corral-test-image-<hash of the script>, so every test file (and later runs) reuses it.
 * The script is idempotent and publishes atomically, so concurrent test files may both call this.
 * Treat the layout as read-only: copy it (`copyLayout`) before changing anything.
 */
export async function ensureTestImage(): Promise<string> {
  const script = await readFile(TEST_IMAGE_SCRIPT);
  const hash = createHash('sha256').update(script).digest('hex').slice(0, 16);
  const layout = join(tmpdir(), `corral-test-image-${hash}`);
  await run('bash', [TEST_IMAGE_SCRIPT, layout, TEST_IMAGE_TAGS[0]]);
  return layout;
}

/** A private copy of a layout, for tests that add tags or indexes to it. */
export async function copyLayout(from: string, to: string): Promise<string> {
  await cp(from, to, { recursive: true });
  return to;
}

function sha256(data: string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/**
 * Makes `tag` in `layoutDir` an image index (multi-platform image) over `from` and a copy of it whose
 * config claims each of `otherArchitectures` (the files stay this machine's busybox: enough to see which
 * manifest a pull resolves to). Returns each platform's manifest digest. Changes the layout: use a copy.
 */
export async function addPlatformIndex(layoutDir: string, options: { from: string; tag: string; otherArchitectures: string[] }): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  const manifests: unknown[] = [];
  const describe = async (tag: string, architecture: string) => {
    const { stdout } = await run('skopeo', ['inspect', '--raw', `oci:${layoutDir}:${tag}`]);
    digests[architecture] = sha256(stdout);
    manifests.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(stdout), size: Buffer.byteLength(stdout), platform: { architecture, os: 'linux' } });
  };
  const { stdout: config } = await run('skopeo', ['inspect', '--config', '--raw', `oci:${layoutDir}:${options.from}`]);
  await describe(options.from, (JSON.parse(config) as { architecture: string }).architecture);
  for (const architecture of options.otherArchitectures) {
    const tag = `${options.from}-${architecture}`;
    await run('umoci', ['config', '--image', `${layoutDir}:${options.from}`, '--tag', tag, '--architecture', architecture, '--no-history']);
    await describe(tag, architecture);
  }
  const index = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests });
  const indexDigest = sha256(index);
  await writeFile(join(layoutDir, 'blobs', 'sha256', indexDigest.slice('sha256:'.length)), index);
  const top = JSON.parse(await readFile(join(layoutDir, 'index.json'), 'utf8')) as { manifests: Array<{ annotations?: Record<string, string> }> };
  top.manifests = top.manifests.filter((m) => m.annotations?.['org.opencontainers.image.ref.name'] !== options.tag);
  top.manifests.push({
    mediaType: 'application/vnd.oci.image.index.v1+json',
    digest: indexDigest,
    size: Buffer.byteLength(index),
    annotations: { 'org.opencontainers.image.ref.name': options.tag },
  } as { annotations: Record<string, string> });
  await writeFile(join(layoutDir, 'index.json'), JSON.stringify(top));
  return digests;
}
