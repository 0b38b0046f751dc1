import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type OciConfig,
  RuncRuntime,
  buildOciSpec,
  containerCgroupPath,
  needsUnifiedCgroupHidden,
  podCgroupPath,
  removeCgroup,
} from '../../../agent/src/runtime/index.js';
import { Container } from '../../../protocol/src/objects/pod.js';
import { tempDir, waitFor } from '../../support/daemons.js';
import { buildBusyboxRootfs } from '../../support/rootfs.js';

const cgroupVersion = existsSync('/sys/fs/cgroup/cgroup.controllers') ? 'v2' : 'v1';
const unified = (() => {
  try {
    return readFileSync('/sys/fs/cgroup/unified/cgroup.controllers', 'utf8');
  } catch {
    return undefined;
  }
})();

/**
 * The seccomp filter buildOciSpec writes, enforced by a real runtime (runc and
 * crun, as root): ordinary commands run, a syscall outside the profile fails
 * with EPERM. The blocked call is `unshare -U` (a user namespace: no capability
 * needed, so without the filter it succeeds, and it is harmless either way); a
 * container built without `linux.seccomp` is the control.
 */
for (const binary of ['runc', 'crun'] as const) {
  describe(`the default seccomp profile under ${binary}`, () => {
    const tag = randomBytes(4).toString('hex');
    const parent = `corral-seccomp-${tag}`;
    const podPath = podCgroupPath(`pod${tag}`, parent);
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let rootfs = '';
    let runtime: RuncRuntime;

    before(async () => {
      dir = await tempDir(`seccomp-${binary}`);
      rootfs = await buildBusyboxRootfs(join(dir.path, 'rootfs'));
      runtime = new RuncRuntime({ binary, stateDir: join(dir.path, 'runtime'), ...(binary === 'crun' ? { hideUnifiedCgroup: needsUnifiedCgroupHidden('crun', unified) } : {}) });
    });

    after(async () => {
      const listed = await runtime.list();
      for (const c of listed.ok ? listed.value : []) await runtime.delete(c.id, { force: true });
      await removeCgroup({ version: cgroupVersion, path: `/${parent}` });
      await dir.remove();
    });

    /** Runs `script` to its end in a busybox container; `edit` may change the spec first. */
    async function run(name: string, script: string, edit: (spec: OciConfig) => void = () => {}): Promise<{ exitCode: number | undefined; out: string; spec: OciConfig }> {
      const built = buildOciSpec({
        container: Container.parse({ name, image: 'busybox', command: ['sh', '-c', script] }),
        image: {},
        pod: { uid: `pod${tag}`, name: 'seccomp', hostname: 'seccomp', network: 'host', volumes: {} },
        rootfsPath: rootfs,
        cgroupsPath: containerCgroupPath(podPath, name),
        cgroupVersion,
      });
      assert.ok(built.ok, built.ok ? '' : built.error.message);
      edit(built.value);
      const id = `${tag}-${name}`;
      const bundle = join(dir.path, 'bundles', id);
      await mkdir(bundle, { recursive: true });
      await writeFile(join(bundle, 'config.json'), JSON.stringify(built.value));
      const log = join(bundle, 'out.log');
      const created = await runtime.create(id, { bundle, stdoutPath: log, stderrPath: log });
      assert.ok(created.ok, created.ok ? '' : created.error.message);
      assert.ok((await runtime.start(id)).ok);
      const done = await waitFor(`${id} to stop`, async () => {
        const s = await runtime.state(id);
        return s.ok && s.value?.status === 'stopped' && s.value.exitCode !== undefined ? s.value : undefined;
      }, 20_000);
      const out = await readFile(log, 'utf8');
      assert.ok((await runtime.delete(id)).ok);
      return { exitCode: done.exitCode, out, spec: built.value };
    }

    test('an ordinary command runs under the filter, which the kernel reports as active', async () => {
      const { exitCode, out, spec } = await run('normal', 'echo ok; ls /; grep Seccomp: /proc/self/status; cat /proc/self/status >/dev/null; sleep 0');
      assert.ok(spec.linux.seccomp);
      assert.equal(exitCode, 0, out);
      assert.match(out, /^ok$/m);
      assert.match(out, /^bin$/m);
      assert.match(out, /^Seccomp:\s+2$/m, 'mode 2: a filter');
    });

    test('unshare of a user namespace fails with EPERM under the filter, and succeeds without it', async (t) => {
      const script = 'unshare -U true; echo "rc=$?"';
      const control = await run('control', script, (spec) => delete spec.linux.seccomp);
      const filtered = await run('filtered', script);
      t.diagnostic(`${binary}: without seccomp: ${control.out.trim().replaceAll('\n', ' | ')}; with: ${filtered.out.trim().replaceAll('\n', ' | ')}`);
      assert.match(filtered.out, /Operation not permitted/);
      assert.match(filtered.out, /^rc=[1-9]/m);
      if (!/^rc=0$/m.test(control.out)) {
        t.diagnostic(`${binary}: this host refuses user namespaces in containers anyway; the control proves nothing here`);
        return;
      }
      assert.match(control.out, /^rc=0$/m);
    });
  });
}
