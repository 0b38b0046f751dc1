import type { OciDeviceRule, OciMount, OciRlimit } from './oci-config.js';

/** The spec version Corral writes; runc 1.1 and crun 1.8 both accept it. */
export const OCI_VERSION = '1.0.2';

/** PATH for images that set none (what Docker and containerd add). */
export const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Docker's default capability set (moby `oci/caps/defaults.go`), no more: a
 * container that needs NET_ADMIN or SYS_ADMIN is not something a pod spec can ask for yet.
 */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** `runc spec`'s maskedPaths: kernel information a container has no business reading. */
export const MASKED_PATHS: readonly string[] = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/sys/firmware',
  '/proc/scsi',
];

/** `runc spec`'s readonlyPaths. */
export const READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** containerd's default (runc's `spec` template has the same): 1024 open files. */
export const DEFAULT_RLIMITS: readonly OciRlimit[] = [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }];

/** `runc spec`'s mounts: /proc, a tmpfs /dev with pts, shm and mqueue, read-only /sys and cgroups. */
export const DEFAULT_MOUNTS: readonly OciMount[] = [
  { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
  { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
  { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
  { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
];

/**
 * Device cgroup rules after the leading deny-all: runc's `AllowedDevices`
 * (libcontainer/specconv) written out, so crun, which does not add them by
 * itself, enforces the same set. mknod of any node is allowed (using it is
 * not); tun/tap (10:200) is left out, as runc 1.2 dropped it too.
 */
export const DEFAULT_DEVICE_RULES: readonly OciDeviceRule[] = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', access: 'm' },
  { allow: true, type: 'b', access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, // /dev/null
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' }, // /dev/random
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' }, // /dev/full
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' }, // /dev/tty
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }, // /dev/zero
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' }, // /dev/urandom
  { allow: true, type: 'c', major: 136, access: 'rwm' }, // /dev/pts/*
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' }, // /dev/ptmx
];

/** CFS period Corral uses for cpu limits, in microseconds (the kernel's default, and Kubernetes'). */
export const CPU_PERIOD_US = 100_000;
/** The kernel refuses quotas under 1 ms. */
export const MIN_CPU_QUOTA_US = 1000;
/** cpu.shares bounds on cgroup v1 (Kubernetes `MilliCPUToShares`). */
export const MIN_CPU_SHARES = 2;
export const MAX_CPU_SHARES = 262_144;
