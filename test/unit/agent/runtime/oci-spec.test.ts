import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { z } from 'zod';
import { type BuildOciSpecInput, buildOciSpec, cpuQuota, cpuShares, processArgs, processEnv } from '../../../../agent/src/runtime/oci-spec.js';
import type { OciConfig } from '../../../../agent/src/runtime/oci-config.js';
import { Container, ErrorCode } from '../../../../protocol/src/index.js';

const POD = { uid: 'uid-1', name: 'web', hostname: 'web', network: { path: '/var/run/netns/corral-web' }, volumes: {} } as const;

function input(container: Partial<z.input<typeof Container>> = {}, rest: Partial<BuildOciSpecInput> = {}): BuildOciSpecInput {
  return {
    container: Container.parse({ name: 'app', image: 'busybox', ...container }),
    image: { entrypoint: ['/entry'], cmd: ['serve'], env: ['PATH=/bin', 'MODE=image'], workingDir: '/srv', user: '' },
    pod: { ...POD },
    cgroupsPath: '/corral/pod-uid-1/app',
    cgroupVersion: 'v1',
    ...rest,
  };
}

function build(container: Partial<z.input<typeof Container>> = {}, rest: Partial<BuildOciSpecInput> = {}): OciConfig {
  const result = buildOciSpec(input(container, rest));
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.value;
}

function failure(container: Partial<z.input<typeof Container>> = {}, rest: Partial<BuildOciSpecInput> = {}): { code: string; path: string | undefined } {
  const result = buildOciSpec(input(container, rest));
  assert.ok(!result.ok, 'expected an error');
  return { code: result.error.code, path: result.error.path };
}

describe('process args follow Kubernetes command/args over Entrypoint/Cmd', () => {
  const image = { entrypoint: ['/entry'], cmd: ['serve', '--port=80'] };
  test('neither set: Entrypoint then Cmd', () => assert.deepEqual(processArgs({}, image), ['/entry', 'serve', '--port=80']));
  test('command only: the image Cmd is dropped too', () => assert.deepEqual(processArgs({ command: ['/bin/sh'] }, image), ['/bin/sh']));
  test('args only: Entrypoint with the new args', () => assert.deepEqual(processArgs({ args: ['check'] }, image), ['/entry', 'check']));
  test('both: command then args', () => assert.deepEqual(processArgs({ command: ['/bin/sh'], args: ['-c', 'true'] }, image), ['/bin/sh', '-c', 'true']));
  test('an image with only a Cmd runs the Cmd', () => assert.deepEqual(processArgs({}, { cmd: ['sh'] }), ['sh']));
  test('buildOciSpec rejects a container with nothing to run', () => {
    assert.deepEqual(failure({}, { image: {} }), { code: ErrorCode.RuntimeSpecInvalid, path: 'command' });
    assert.deepEqual(failure({ command: [] }, { image: { cmd: ['sh'] } }), { code: ErrorCode.RuntimeSpecInvalid, path: 'command' });
  });
});

describe('process env', () => {
  test('container env overlays the image env; new names follow in spec order', () => {
    const env = processEnv(
      [
        { name: 'MODE', value: 'pod' },
        { name: 'EXTRA', value: 'a=b' },
      ],
      ['PATH=/bin', 'MODE=image', 'KEEP=1'],
    );
    assert.deepEqual(env, ['PATH=/bin', 'MODE=pod', 'KEEP=1', 'EXTRA=a=b']);
  });
  test('a default PATH is added when neither sets one', () => {
    assert.deepEqual(processEnv([{ name: 'A', value: '1' }], []), ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'A=1']);
  });
  test('buildOciSpec uses it', () => assert.deepEqual(build({ env: [{ name: 'MODE', value: 'pod' }] }).process.env, ['PATH=/bin', 'MODE=pod']));
});

describe('user', () => {
  test('a numeric image user is used as is', () => {
    assert.deepEqual(build({}, { image: { cmd: ['x'], user: '1000:1001' } }).process.user, { uid: 1000, gid: 1001 });
    assert.deepEqual(build({}, { image: { cmd: ['x'], user: '' } }).process.user, { uid: 0, gid: 0 });
  });
  test('a named image user must be resolved by the caller', () => {
    assert.deepEqual(failure({}, { image: { cmd: ['x'], user: 'nginx' } }), { code: ErrorCode.RuntimeUserUnknown, path: 'user' });
    const resolved = { uid: 101, gid: 101, additionalGids: [5] };
    assert.deepEqual(build({}, { image: { cmd: ['x'], user: 'nginx' }, imageUser: resolved }).process.user, resolved);
  });
  test('runAsUser and runAsGroup override the image user', () => {
    const spec = build({ securityContext: { runAsUser: 2000, runAsGroup: 3000 } }, { image: { cmd: ['x'], user: 'nginx' } });
    assert.deepEqual(spec.process.user, { uid: 2000, gid: 3000 });
  });
  test('runAsUser alone keeps the image gid only for the same uid', () => {
    const imageUser = { uid: 101, gid: 101, additionalGids: [5] };
    assert.deepEqual(build({ securityContext: { runAsUser: 101 } }, { imageUser }).process.user, imageUser);
    assert.deepEqual(build({ securityContext: { runAsUser: 2000 } }, { imageUser }).process.user, { uid: 2000, gid: 0 });
  });
  test('runAsGroup alone changes only the gid', () => {
    assert.deepEqual(build({ securityContext: { runAsGroup: 7 } }, { image: { cmd: ['x'], user: '1000:1000' } }).process.user, { uid: 1000, gid: 7 });
  });
});

test('cwd is the container workingDir, else the image one, else /', () => {
  assert.equal(build({ workingDir: '/data' }).process.cwd, '/data');
  assert.equal(build().process.cwd, '/srv');
  assert.equal(build({}, { image: { cmd: ['x'] } }).process.cwd, '/');
});

describe('resources', () => {
  test('a 200m cpu limit is a 20 ms quota per 100 ms period, and the request defaults to the limit', () => {
    assert.deepEqual(build({ resources: { limits: { cpu: '200m' } } }).linux.resources.cpu, { shares: 204, quota: 20_000, period: 100_000 });
  });
  test('cpu requests become cpu.shares (millicores × 1024 / 1000, at least 2)', () => {
    assert.deepEqual(build({ resources: { requests: { cpu: '250m' } } }).linux.resources.cpu, { shares: 256 });
    assert.deepEqual(build().linux.resources.cpu, { shares: 2 });
    assert.equal(cpuShares(1), 2);
    assert.equal(cpuShares(1000), 1024);
    assert.equal(cpuShares(10_000_000), 262_144);
  });
  test('a tiny cpu limit is raised to the kernel minimum quota of 1 ms', () => {
    assert.equal(cpuQuota(5), 1000);
    assert.equal(cpuQuota(1500), 150_000);
  });
  test('a memory limit allows no swap beyond it', () => {
    assert.deepEqual(build({ resources: { limits: { memory: '32Mi' } } }).linux.resources.memory, { limit: 33_554_432, swap: 33_554_432 });
    assert.equal(build().linux.resources.memory, undefined);
  });
  test('a pids limit', () => {
    assert.deepEqual(build({ resources: { limits: { pids: 20 } } }).linux.resources.pids, { limit: 20 });
    assert.equal(build().linux.resources.pids, undefined);
  });
});

describe('devices', () => {
  const i2c = { hostPath: '/dev/i2c-1', type: 'c', major: 89, minor: 1, fileMode: 0o660, uid: 0, gid: 998 } as const;

  test('everything is denied, then runc’s standard set is allowed', () => {
    const rules = build().linux.resources.devices;
    assert.deepEqual(rules[0], { allow: false, access: 'rwm' });
    const allowed = (major: number, minor?: number) => rules.some((r) => r.allow && r.type === 'c' && r.major === major && r.minor === minor && r.access === 'rwm');
    for (const [major, minor] of [
      [1, 3], // null
      [1, 5], // zero
      [1, 7], // full
      [5, 0], // tty
      [1, 9], // urandom
      [1, 8], // random
      [5, 2], // ptmx
    ] as const) {
      assert.ok(allowed(major, minor), `${major}:${minor}`);
    }
    assert.ok(allowed(136), '/dev/pts/*');
    assert.ok(!rules.some((r) => r.allow && r.major === 10 && r.minor === 200), 'no tun/tap');
    assert.deepEqual(build().linux.devices, []);
  });

  test('a listed device gets a node and a rule with its permissions', () => {
    const spec = build({ devices: [{ hostPath: '/dev/i2c-1', permissions: 'rw' }] }, { devices: [i2c] });
    assert.deepEqual(spec.linux.devices, [{ path: '/dev/i2c-1', type: 'c', major: 89, minor: 1, fileMode: 0o660, uid: 0, gid: 998 }]);
    assert.deepEqual(spec.linux.resources.devices.at(-1), { allow: true, type: 'c', major: 89, minor: 1, access: 'rw' });
  });

  test('containerPath renames the node inside the container', () => {
    const spec = build({ devices: [{ hostPath: '/dev/i2c-1', containerPath: '/dev/i2c-bus', permissions: 'r' }] }, { devices: [i2c] });
    assert.equal(spec.linux.devices[0]?.path, '/dev/i2c-bus');
    assert.equal(spec.linux.resources.devices.at(-1)?.access, 'r');
  });

  test('empty permissions make the node but allow nothing', () => {
    const spec = build({ devices: [{ hostPath: '/dev/i2c-1', permissions: '' }] }, { devices: [i2c] });
    assert.equal(spec.linux.devices.length, 1);
    assert.ok(!spec.linux.resources.devices.some((r) => r.major === 89));
  });

  test('a device the caller did not stat is an error naming the field', () => {
    assert.deepEqual(failure({ devices: [{ hostPath: '/dev/video0' }] }, { devices: [i2c] }), { code: ErrorCode.RuntimeSpecInvalid, path: 'devices[0].hostPath' });
  });
});

describe('namespaces', () => {
  const types = (spec: OciConfig) => spec.linux.namespaces.map((n) => (n.path ? `${n.type}=${n.path}` : n.type));

  test('pid, ipc, uts and mount are new; the network is the pod’s', () => {
    const spec = build();
    assert.deepEqual(types(spec), ['pid', 'network=/var/run/netns/corral-web', 'ipc', 'uts', 'mount']);
    assert.equal(spec.hostname, 'web');
  });
  test('hostNetwork shares the host network and UTS namespaces and sets no hostname', () => {
    const spec = build({}, { pod: { ...POD, network: 'host' } });
    assert.deepEqual(types(spec), ['pid', 'ipc', 'mount']);
    assert.equal(spec.hostname, undefined);
  });
  test('a shared IPC or UTS namespace is joined', () => {
    const spec = build({}, { pod: { ...POD, ipc: { path: '/proc/42/ns/ipc' }, uts: { path: '/proc/42/ns/uts' } } });
    assert.deepEqual(types(spec), ['pid', 'network=/var/run/netns/corral-web', 'ipc=/proc/42/ns/ipc', 'uts=/proc/42/ns/uts', 'mount']);
    assert.equal(spec.hostname, 'web');
  });
  test('cgroup v2 adds a private cgroup namespace; v1 does not', () => {
    assert.ok(types(build({}, { cgroupVersion: 'v2' })).includes('cgroup'));
    assert.ok(!types(build({}, { cgroupVersion: 'v1' })).includes('cgroup'));
  });
});

describe('hardening as runc’s default spec', () => {
  const docker = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];

  test('capabilities are exactly Docker’s default set, with nothing ambient or inheritable', () => {
    const caps = build().process.capabilities;
    assert.deepEqual([...caps.bounding].sort(), [...docker].sort());
    assert.deepEqual(caps.effective, caps.bounding);
    assert.deepEqual(caps.permitted, caps.bounding);
    assert.equal(caps.ambient, undefined);
    assert.equal(caps.inheritable, undefined);
  });
  test('no new privileges, no terminal, 1024 open files', () => {
    const { process } = build();
    assert.equal(process.noNewPrivileges, true);
    assert.equal(process.terminal, false);
    assert.deepEqual(process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }]);
  });
  test('masked and read-only paths are runc’s', () => {
    const { linux } = build();
    assert.deepEqual(linux.maskedPaths, ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi']);
    assert.deepEqual(linux.readonlyPaths, ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']);
  });
  test('the root filesystem is read-only when the securityContext asks', () => {
    assert.deepEqual(build().root, { path: 'rootfs', readonly: false });
    assert.deepEqual(build({ securityContext: { readOnlyRootFilesystem: true } }, { rootfsPath: '/b/rootfs' }).root, { path: '/b/rootfs', readonly: true });
  });
});

describe('mounts', () => {
  test('the standard mounts come first, /sys and cgroups read-only', () => {
    const mounts = build().mounts;
    assert.deepEqual(mounts.map((m) => m.destination), ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/sys/fs/cgroup']);
    assert.ok(mounts.find((m) => m.destination === '/sys')?.options?.includes('ro'));
    assert.ok(mounts.find((m) => m.destination === '/sys/fs/cgroup')?.options?.includes('ro'));
  });
  test('volumes are bind mounts of the resolved host paths, parents first, read-only when asked', () => {
    const spec = build(
      { volumeMounts: [{ name: 'cache', mountPath: '/data/cache' }, { name: 'data', mountPath: '/data/', readOnly: true }] },
      { pod: { ...POD, volumes: { data: '/var/lib/corral/pods/uid-1/volumes/data', cache: '/mnt/cache' } } },
    );
    assert.deepEqual(spec.mounts.slice(7), [
      { destination: '/data', type: 'bind', source: '/var/lib/corral/pods/uid-1/volumes/data', options: ['rbind', 'rprivate', 'ro'] },
      { destination: '/data/cache', type: 'bind', source: '/mnt/cache', options: ['rbind', 'rprivate'] },
    ]);
  });
  test('resolv.conf and hosts are bound when given', () => {
    const spec = build({}, { pod: { ...POD, resolvConfPath: '/run/corral/uid-1/resolv.conf', hostsPath: '/run/corral/uid-1/hosts' } });
    assert.deepEqual(spec.mounts.slice(7).map((m) => [m.source, m.destination]), [
      ['/run/corral/uid-1/resolv.conf', '/etc/resolv.conf'],
      ['/run/corral/uid-1/hosts', '/etc/hosts'],
    ]);
  });
  test('an unresolved volume or a doubled mount path is an error naming the field', () => {
    assert.deepEqual(failure({ volumeMounts: [{ name: 'data', mountPath: '/data' }] }), { code: ErrorCode.RuntimeSpecInvalid, path: 'volumeMounts[0].name' });
    const pod = { ...POD, volumes: { a: '/a', b: '/b' } };
    assert.deepEqual(failure({ volumeMounts: [{ name: 'a', mountPath: '/x' }, { name: 'b', mountPath: '/x/' }] }, { pod }), { code: ErrorCode.RuntimeSpecInvalid, path: 'volumeMounts[1].mountPath' });
  });
});

test('the spec names its pod and container and carries the cgroup path', () => {
  const spec = build();
  assert.equal(spec.ociVersion, '1.0.2');
  assert.equal(spec.linux.cgroupsPath, '/corral/pod-uid-1/app');
  assert.deepEqual(spec.annotations, { 'io.corral.pod.uid': 'uid-1', 'io.corral.pod.name': 'web', 'io.corral.container.name': 'app' });
  assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec, 'plain JSON');
});

test('buildOciSpec does not share default arrays between specs', () => {
  const a = build();
  a.mounts[0]?.options?.push('x');
  a.process.capabilities.bounding.push('CAP_SYS_ADMIN');
  a.linux.resources.devices.push({ allow: true, type: 'a', access: 'rwm' });
  const b = build();
  assert.ok(!b.mounts[0]?.options?.includes('x'));
  assert.ok(!b.process.capabilities.bounding.includes('CAP_SYS_ADMIN'));
  assert.ok(!b.linux.resources.devices.some((r) => r.type === 'a'));
});
