import { join } from 'node:path';
import { TEST_IMAGE_TAGS, ensureTestImage } from '../../support/registry.js';
import { runChecked } from './exec.js';

/**
 * The busybox test image (test/fixtures/build-test-image.sh, no network needed) as an OCI archive in
 * `dir`, and the reference pods use to side-load it: `oci-archive:/…/busybox.tar`. Every agent host
 * sees the same file (the hosts share the machine's filesystem), as if copied to each device.
 */
export async function testImageArchive(dir: string): Promise<string> {
  const layout = await ensureTestImage();
  const archive = join(dir, 'busybox.tar');
  await runChecked('skopeo', ['copy', '--quiet', `oci:${layout}:${TEST_IMAGE_TAGS[0]}`, `oci-archive:${archive}`]);
  return `oci-archive:${archive}`;
}
