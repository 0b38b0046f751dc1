import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ErrorCode, type Result } from '../../../../protocol/src/index.js';
import { canonicalImageRef } from '../../../../agent/src/images/image-ref.js';
import type { ImageStore, Platform, PullProgress } from '../../../../agent/src/images/image-store.js';

/** One store under test, empty, with a reference it can pull and one it cannot. */
export interface ImageStoreFixture {
  store: ImageStore;
  /** Pullable, in the form pods write (not necessarily canonical). */
  pullable: string;
  /** Well-formed, but no such image exists at its source. */
  missing: string;
  platform: Platform;
  /** A scratch directory for bundles. */
  scratch: string;
  cleanup(): Promise<void>;
}

function errorCode(result: Result<unknown>): string | undefined {
  return result.ok ? undefined : result.error.code;
}

function canonical(ref: string): string {
  const c = canonicalImageRef(ref);
  assert.ok(c.ok);
  return c.value;
}

/**
 * What every `ImageStore` promises, run against the real one (test/integration/images) and the fake
 * (fake-image-store.ts). Each test gets a fresh fixture.
 */
export function imageStoreContract(name: string, makeFixture: () => Promise<ImageStoreFixture>): void {
  const withFixture = (title: string, body: (f: ImageStoreFixture) => Promise<void>) =>
    test(title, async () => {
      const f = await makeFixture();
      try {
        await body(f);
      } finally {
        await f.cleanup();
      }
    });

  describe(`ImageStore contract: ${name}`, () => {
    withFixture('pull stores the image under its canonical reference and reports started first and done last', async (f) => {
      const events: PullProgress[] = [];
      const pulled = await f.store.pull(f.pullable, { platform: f.platform, onProgress: (e) => events.push(e) });
      assert.ok(pulled.ok, pulled.ok ? '' : pulled.error.message);
      assert.equal(pulled.value.reference, canonical(f.pullable));
      assert.match(pulled.value.digest, /^sha256:[a-f0-9]{64}$/);
      assert.equal(events[0]?.kind, 'started');
      assert.deepEqual(events.at(-1), { kind: 'done', reference: pulled.value.reference, digest: pulled.value.digest });
    });

    withFixture('a pulled image is listed, inspectable in any spelling, and has a config for its platform', async (f) => {
      const pulled = await f.store.pull(f.pullable, { platform: f.platform });
      assert.ok(pulled.ok);
      const listed = await f.store.list();
      assert.ok(listed.ok);
      assert.deepEqual(
        listed.value.map((i) => [i.reference, i.digest]),
        [[pulled.value.reference, pulled.value.digest]],
      );
      const inspected = await f.store.inspect(pulled.value.reference);
      assert.ok(inspected.ok);
      assert.equal(inspected.value.digest, pulled.value.digest);
      const config = await f.store.imageConfig(f.pullable);
      assert.ok(config.ok);
      assert.equal(config.value.platform.architecture, f.platform.architecture);
      assert.equal(config.value.platform.os, f.platform.os);
      assert.ok(config.value.entrypoint.length + config.value.cmd.length > 0, 'something to run');
      assert.ok(config.value.workingDir.startsWith('/'));
    });

    withFixture('pulling a missing image fails with CORRAL_IMAGE_PULL_FAILED and stores nothing', async (f) => {
      const pulled = await f.store.pull(f.missing, { platform: f.platform });
      assert.equal(errorCode(pulled), ErrorCode.ImagePullFailed);
      assert.deepEqual(await f.store.list(), { ok: true, value: [] });
    });

    withFixture('every method answers a malformed reference with CORRAL_IMAGE_REF_INVALID', async (f) => {
      const bad = 'Not/A Valid::Ref';
      assert.equal(errorCode(await f.store.pull(bad, { platform: f.platform })), ErrorCode.ImageRefInvalid);
      assert.equal(errorCode(await f.store.inspect(bad)), ErrorCode.ImageRefInvalid);
      assert.equal(errorCode(await f.store.imageConfig(bad)), ErrorCode.ImageRefInvalid);
      assert.equal(errorCode(await f.store.unpack(bad, join(f.scratch, 'b'))), ErrorCode.ImageRefInvalid);
      assert.equal(errorCode(await f.store.remove(bad)), ErrorCode.ImageRefInvalid);
    });

    withFixture('an image that is not here is CORRAL_IMAGE_NOT_FOUND', async (f) => {
      assert.equal(errorCode(await f.store.inspect(f.pullable)), ErrorCode.ImageNotFound);
      assert.equal(errorCode(await f.store.imageConfig(f.pullable)), ErrorCode.ImageNotFound);
      assert.equal(errorCode(await f.store.unpack(f.pullable, join(f.scratch, 'b'))), ErrorCode.ImageNotFound);
      assert.equal(errorCode(await f.store.remove(f.pullable)), ErrorCode.ImageNotFound);
    });

    withFixture('unpack gives a bundle a rootfs, again idempotently, and release takes it away', async (f) => {
      assert.ok((await f.store.pull(f.pullable, { platform: f.platform })).ok);
      const bundle = join(f.scratch, 'bundle');
      const first = await f.store.unpack(f.pullable, bundle);
      assert.ok(first.ok, first.ok ? '' : first.error.message);
      assert.equal(first.value.rootfs, join(bundle, 'rootfs'));
      assert.ok((await stat(first.value.rootfs)).isDirectory());
      const again = await f.store.unpack(f.pullable, bundle);
      assert.ok(again.ok);
      assert.equal(again.value.rootfs, first.value.rootfs);
      assert.deepEqual(await f.store.release(bundle), { ok: true, value: undefined });
      await assert.rejects(stat(first.value.rootfs));
      assert.deepEqual(await f.store.release(join(f.scratch, 'never-made')), { ok: true, value: undefined });
    });

    withFixture('remove forgets the image', async (f) => {
      assert.ok((await f.store.pull(f.pullable, { platform: f.platform })).ok);
      assert.deepEqual(await f.store.remove(f.pullable), { ok: true, value: undefined });
      assert.equal(errorCode(await f.store.inspect(f.pullable)), ErrorCode.ImageNotFound);
      assert.deepEqual(await f.store.list(), { ok: true, value: [] });
    });

    withFixture('gc removes nothing while disk is plentiful and spares images in use when it is short', async (f) => {
      assert.ok((await f.store.pull(f.pullable, { platform: f.platform })).ok);
      const plenty = await f.store.gc({ inUse: new Set(), minFreeBytes: 0 });
      assert.ok(plenty.ok);
      assert.deepEqual(plenty.value.removed, []);
      const short = Number.MAX_SAFE_INTEGER;
      const spared = await f.store.gc({ inUse: new Set([f.pullable]), minFreeBytes: short });
      assert.ok(spared.ok);
      assert.deepEqual(spared.value.removed, []);
      assert.ok((await f.store.inspect(f.pullable)).ok);
      const collected = await f.store.gc({ inUse: new Set(), minFreeBytes: short });
      assert.ok(collected.ok);
      assert.deepEqual(collected.value.removed, [canonical(f.pullable)]);
      assert.equal(errorCode(await f.store.inspect(f.pullable)), ErrorCode.ImageNotFound);
    });
  });
}
