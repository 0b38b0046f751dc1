import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hostPathAllowed } from '../../../../agent/src/pods/pod-files.js';
import type { OciConfig, OciSeccomp } from '../../../../agent/src/runtime/oci-config.js';
import { DEFAULT_CAPABILITIES } from '../../../../agent/src/runtime/oci-defaults.js';
import { buildOciSpec } from '../../../../agent/src/runtime/oci-spec.js';
import { ALLOWED_SYSCALLS, CLONE_NAMESPACE_FLAGS, seccompProfile } from '../../../../agent/src/runtime/seccomp.js';
import { Container } from '../../../../protocol/src/objects/pod.js';

const DOCKER_CAPABILITIES = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];
/** Syscalls that have been a way out of containers or into the kernel's attack surface: none may be allowed by default. */
const REFUSED = ['mount', 'umount2', 'unshare', 'setns', 'pivot_root', 'keyctl', 'add_key', 'request_key', 'bpf', 'userfaultfd', 'perf_event_open', 'open_by_handle_at', 'init_module', 'finit_module', 'delete_module', 'kexec_load', 'kexec_file_load', 'reboot', 'swapon', 'swapoff', 'acct', 'syslog', 'settimeofday', 'clock_settime', 'sethostname', 'setdomainname', 'iopl', 'ioperm', 'quotactl', 'lookup_dcookie', 'fsopen', 'fsmount', 'move_mount', 'open_tree', 'vhangup', 'nfsservctl', 'uselib', 'ustat', 'sysfs', '_sysctl', 'create_module', 'get_kernel_syms', 'query_module', 'kcmp', 'pidfd_getfd', 'process_madvise', 'mbind', 'set_mempolicy'];

function spec(container: Partial<Parameters<typeof Container.parse>[0]> = {}, extra: { arch?: string } = {}): OciConfig {
  const result = buildOciSpec({
    container: Container.parse({ name: 'app', image: 'busybox', command: ['sh'], ...container }),
    image: {},
    pod: { uid: 'uid-1', name: 'web', hostname: 'web', network: 'host', volumes: {} },
    cgroupsPath: '/corral/pod-uid-1/app',
    cgroupVersion: 'v2',
    ...extra,
  });
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.value;
}

const allowedNames = (profile: OciSeccomp) => new Set(profile.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args).flatMap((r) => r.names));
const rulesFor = (profile: OciSeccomp, name: string) => profile.syscalls.filter((r) => r.names.includes(name));

describe('seccomp profile', () => {
  test('buildOciSpec gives every container a seccomp filter that refuses what it does not list with EPERM', () => {
    for (const s of [spec(), spec({ securityContext: { runAsUser: 1000 } }), spec({}, { arch: 'arm64' })]) {
      const seccomp = s.linux.seccomp;
      assert.ok(seccomp, 'linux.seccomp is set');
      assert.equal(seccomp.defaultAction, 'SCMP_ACT_ERRNO');
      assert.equal(seccomp.defaultErrnoRet, 1);
    }
  });

  test('the filter is built for the capabilities the container gets', () => {
    assert.deepEqual(spec({}, { arch: 'x64' }).linux.seccomp, seccompProfile({ arch: 'x64', capabilities: DEFAULT_CAPABILITIES }));
  });

  test("seccompProfile allows Docker's unconditional syscalls and chroot (CAP_SYS_CHROOT is granted), and nothing that needs a capability Corral does not grant", () => {
    const allowed = allowedNames(seccompProfile({ arch: 'x64', capabilities: DEFAULT_CAPABILITIES }));
    for (const name of [...ALLOWED_SYSCALLS, 'read', 'openat', 'execve', 'mmap', 'futex', 'epoll_pwait', 'statx', 'arch_prctl']) assert.ok(allowed.has(name), name);
    assert.ok(allowed.has('chroot'));
    for (const name of REFUSED) assert.ok(!allowed.has(name), `${name} must not be allowed`);
    assert.equal(new Set(ALLOWED_SYSCALLS).size, ALLOWED_SYSCALLS.length, 'no name listed twice');
  });

  test('clone may not create namespaces and clone3 answers ENOSYS, so that libcs fall back to clone', () => {
    const profile = seccompProfile({ arch: 'x64', capabilities: DEFAULT_CAPABILITIES });
    assert.deepEqual(rulesFor(profile, 'clone'), [{ names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] }]);
    assert.equal(CLONE_NAMESPACE_FLAGS, 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000);
    assert.deepEqual(rulesFor(profile, 'clone3'), [{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }]);
  });

  test('personality is allowed only for the values Docker allows, and socket for every family but AF_VSOCK', () => {
    const profile = seccompProfile({ arch: 'x64', capabilities: DEFAULT_CAPABILITIES });
    const personality = rulesFor(profile, 'personality');
    assert.deepEqual(personality.map((r) => r.args), [0, 8, 0x20000, 0x20008, 0xffffffff].map((value) => [{ index: 0, value, op: 'SCMP_CMP_EQ' }]));
    assert.deepEqual(rulesFor(profile, 'socket'), [{ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 40, op: 'SCMP_CMP_NE' }] }]);
  });

  test('architectures: native first, then the compat ones; arch-specific syscalls only where they exist', () => {
    const of = (arch: string) => seccompProfile({ arch, capabilities: DEFAULT_CAPABILITIES });
    assert.deepEqual(of('x64').architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    assert.deepEqual(of('arm64').architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    assert.deepEqual(of('arm').architectures, ['SCMP_ARCH_ARM']);
    assert.equal(of('riscv64').architectures, undefined, 'native only');
    assert.ok(allowedNames(of('x64')).has('arch_prctl') && !allowedNames(of('arm64')).has('arch_prctl'));
    assert.ok(allowedNames(of('arm64')).has('set_tls') && !allowedNames(of('x64')).has('set_tls'));
  });

  test('a capability unlocks its syscalls: CAP_SYS_ADMIN allows mount and unshare and lifts the clone rule', () => {
    const admin = seccompProfile({ arch: 'x64', capabilities: [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN'] });
    for (const name of ['mount', 'unshare', 'setns', 'clone', 'clone3']) assert.ok(allowedNames(admin).has(name), name);
    assert.ok(!admin.syscalls.some((r) => r.action === 'SCMP_ACT_ERRNO'));
    assert.ok(!allowedNames(admin).has('reboot'), 'CAP_SYS_BOOT is another capability');
  });

  test('a syscall with an argument rule is never also allowed unconditionally (the rule would be moot)', () => {
    const profile = seccompProfile({ arch: 'x64', capabilities: DEFAULT_CAPABILITIES });
    const unconditional = allowedNames(profile);
    for (const rule of profile.syscalls.filter((r) => r.args || r.action !== 'SCMP_ACT_ALLOW')) for (const name of rule.names) assert.ok(!unconditional.has(name), name);
  });
});

describe('container defaults audit', () => {
  test("capabilities are Docker's default set in bounding, effective and permitted, none ambient or inheritable", () => {
    const caps = spec().process.capabilities;
    for (const set of [caps.bounding, caps.effective, caps.permitted]) assert.deepEqual([...set].sort(), [...DOCKER_CAPABILITIES].sort());
    assert.equal(caps.ambient, undefined);
    assert.equal(caps.inheritable, undefined);
  });

  test('no container may gain privileges (noNewPrivileges), whatever its user', () => {
    for (const s of [spec(), spec({ securityContext: { runAsUser: 0 } }), spec({ securityContext: { runAsUser: 1000, runAsGroup: 1000 } })]) assert.equal(s.process.noNewPrivileges, true);
  });

  test('devices: none without a listed one; the cgroup denies all, then allows only the standard nodes', () => {
    const s = spec();
    assert.deepEqual(s.linux.devices, []);
    const rules = s.linux.resources.devices;
    assert.deepEqual(rules[0], { allow: false, access: 'rwm' });
    for (const r of rules.slice(1)) assert.ok(r.access === 'm' || r.major === 1 || r.major === 5 || r.major === 136, JSON.stringify(r));
  });

  test('hostPath volumes: only under an allowed directory, after resolving .. and without prefix confusion', () => {
    const allow = ['/srv/data', '/media/usb/'];
    for (const path of ['/srv/data', '/srv/data/', '/srv/data/a/b', '/media/usb/cam', '/srv/data/../data/x']) assert.ok(hostPathAllowed(path, allow), path);
    for (const path of ['/srv/data2', '/srv', '/', '/etc/shadow', '/srv/data/../../etc', 'srv/data', '', '/media/usbx', '/var/run/docker.sock']) assert.ok(!hostPathAllowed(path, allow), path);
    assert.ok(!hostPathAllowed('/srv/data', []), 'nothing is allowed by default');
  });
});
