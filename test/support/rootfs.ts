import { execFile } from 'node:child_process';
import { copyFile, mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The static busybox Debian's busybox-static installs. */
export const BUSYBOX = '/bin/busybox';

/**
 * A minimal root filesystem made from the host's static busybox: bin/busybox,
 * a symlink per applet (`busybox --list`), /etc/passwd and /etc/group with root
 * and nobody, and the empty mount points runtimes expect. No image store needed.
 */
export async function buildBusyboxRootfs(dir: string): Promise<string> {
  for (const sub of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root']) await mkdir(join(dir, sub), { recursive: true });
  await copyFile(await realpath(BUSYBOX), join(dir, 'bin/busybox'));
  const { stdout } = await run(BUSYBOX, ['--list']);
  // `busybox` itself is in the list; linking it would replace the binary with a loop.
  const applets = stdout.split('\n').map((a) => a.trim()).filter((a) => a !== '' && a !== 'busybox' && !a.includes('/'));
  await Promise.all(applets.map((a) => symlink('busybox', join(dir, 'bin', a))));
  await writeFile(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  await writeFile(join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  return dir;
}
