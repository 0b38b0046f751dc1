import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  type CgroupFileReader,
  type CgroupLocation,
  cgroupDirs,
  cgroupFile,
  containerCgroupPath,
  cpuLimitFiles,
  memoryLimitFiles,
  parseFlatKeyed,
  pidsLimitFiles,
  podCgroupPath,
  readCgroupUsage,
  sharesToWeight,
  usageFiles,
} from '../../../../agent/src/runtime/cgroups.js';
import type { OciResources } from '../../../../agent/src/runtime/oci-config.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const v1: CgroupLocation = { version: 'v1', path: '/corral/pod-u1/app', mountRoot: join(FIXTURES, 'cgroup-v1') };
const v2: CgroupLocation = { version: 'v2', path: '/corral/pod-u1/app', mountRoot: join(FIXTURES, 'cgroup-v2') };

/** Reads fixture files and remembers what was asked for. */
function fixtureReader(): { read: CgroupFileReader; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    read: async (path) => {
      asked.push(path);
      return readFile(path, 'utf8').catch(() => undefined);
    },
  };
}

/** What a 200m / 32Mi / 20-pids container's spec asks for. */
const RESOURCES: Omit<OciResources, 'devices'> = {
  cpu: { shares: 204, quota: 20_000, period: 100_000 },
  memory: { limit: 33_554_432, swap: 33_554_432 },
  pids: { limit: 20 },
};

describe('cgroup paths', () => {
  test('pods and containers live under /corral/pod-<uid>/<container>', () => {
    const pod = podCgroupPath('6f1c2a9e-0b7d-4a8e-9a53-1f0c3b2d4e5f');
    assert.equal(pod, '/corral/pod-6f1c2a9e-0b7d-4a8e-9a53-1f0c3b2d4e5f');
    assert.equal(containerCgroupPath(pod, 'web'), `${pod}/web`);
    assert.equal(podCgroupPath('u1', 'corral-test'), '/corral-test/pod-u1');
  });
  test('nothing in a uid or name can leave the parent', () => {
    assert.equal(podCgroupPath('../../etc'), '/corral/pod-.._.._etc');
    assert.equal(containerCgroupPath('/corral/pod-x', '..'), '/corral/pod-x/_');
    assert.equal(podCgroupPath('a/b c', '..'), '/_/pod-a_b_c');
  });
  test('a file is under its controller’s hierarchy on v1 and in the one hierarchy on v2', () => {
    assert.equal(cgroupFile({ version: 'v1', path: '/corral/pod-u1/app' }, 'memory', 'memory.oom_control'), '/sys/fs/cgroup/memory/corral/pod-u1/app/memory.oom_control');
    assert.equal(cgroupFile({ version: 'v2', path: '/corral/pod-u1/app' }, 'memory', 'memory.events'), '/sys/fs/cgroup/corral/pod-u1/app/memory.events');
  });
  test('a cgroup is one directory per v1 hierarchy and one on v2', () => {
    assert.deepEqual(cgroupDirs({ version: 'v1', path: '/corral/pod-u1' }, ['cpu', 'memory', 'unified']), [
      '/sys/fs/cgroup/cpu/corral/pod-u1',
      '/sys/fs/cgroup/memory/corral/pod-u1',
      '/sys/fs/cgroup/unified/corral/pod-u1',
    ]);
    assert.deepEqual(cgroupDirs({ version: 'v2', path: '/corral/pod-u1' }, ['ignored']), ['/sys/fs/cgroup/corral/pod-u1']);
  });
});

describe('usage files', () => {
  test('v1 reads cpuacct, memory and pids hierarchies', () => {
    const files = usageFiles({ version: 'v1', path: '/c' });
    assert.deepEqual(files, {
      cpu: '/sys/fs/cgroup/cpuacct/c/cpuacct.usage',
      memory: '/sys/fs/cgroup/memory/c/memory.usage_in_bytes',
      memoryStat: '/sys/fs/cgroup/memory/c/memory.stat',
      oom: '/sys/fs/cgroup/memory/c/memory.oom_control',
      limitHits: '/sys/fs/cgroup/memory/c/memory.failcnt',
      pids: '/sys/fs/cgroup/pids/c/pids.current',
    });
  });
  test('v2 reads cpu.stat, memory.current, memory.events', () => {
    const files = usageFiles({ version: 'v2', path: '/c' });
    assert.deepEqual(files, {
      cpu: '/sys/fs/cgroup/c/cpu.stat',
      memory: '/sys/fs/cgroup/c/memory.current',
      memoryStat: '/sys/fs/cgroup/c/memory.stat',
      oom: '/sys/fs/cgroup/c/memory.events',
      limitHits: undefined,
      pids: '/sys/fs/cgroup/c/pids.current',
    });
  });
});

describe('readCgroupUsage', () => {
  test('v2: usage_usec in ns, working set without inactive file, oom_kill from memory.events', async () => {
    const { read, asked } = fixtureReader();
    const usage = await readCgroupUsage(read, v2);
    assert.deepEqual(usage, {
      cpuUsageNs: 4_123_456_000,
      memoryBytes: 33_468_416,
      memoryWorkingSetBytes: 33_468_416 - 1_040_384,
      oomKills: 1,
      memoryLimitHits: 41,
      pids: 4,
    });
    assert.ok(asked.every((p) => p.startsWith(join(FIXTURES, 'cgroup-v2/corral/pod-u1/app/'))));
  });

  test('v1: cpuacct.usage, total_inactive_file, oom_kill from memory.oom_control, memory.failcnt', async () => {
    const usage = await readCgroupUsage(fixtureReader().read, v1);
    assert.deepEqual(usage, {
      cpuUsageNs: 4_123_456_789,
      memoryBytes: 33_480_704,
      memoryWorkingSetBytes: 33_480_704 - 1_040_384,
      oomKills: 2,
      memoryLimitHits: 17,
      pids: 3,
    });
  });

  test('v1 on a kernel without an oom_kill counter leaves oomKills unknown and keeps failcnt', async () => {
    const usage = await readCgroupUsage(fixtureReader().read, { ...v1, path: '/corral/pod-u1/old' });
    assert.equal(usage?.oomKills, undefined);
    assert.equal(usage?.memoryLimitHits, 5);
    assert.equal(usage?.pids, undefined);
    assert.equal(usage?.memoryWorkingSetBytes, 0, 'never below zero');
  });

  test('a cgroup that does not exist reads as undefined', async () => {
    assert.equal(await readCgroupUsage(fixtureReader().read, { ...v2, path: '/corral/pod-gone/app' }), undefined);
    assert.equal(await readCgroupUsage(fixtureReader().read, { ...v1, path: '/corral/pod-gone/app' }), undefined);
  });

  test('parseFlatKeyed ignores lines that are not "key number"', () => {
    assert.deepEqual([...parseFlatKeyed('a 1\nb two\nc 3 4\n\n d  5 \nneg -1\n')], [
      ['a', 1],
      ['d', 5],
      ['neg', -1],
    ]);
  });
});

describe('limit files', () => {
  async function check(location: CgroupLocation, files: { file: string; expected: string }[]): Promise<void> {
    assert.ok(files.length > 0);
    for (const { file, expected } of files) assert.equal((await readFile(file, 'utf8')).trim(), expected, file);
  }

  test('v1: cfs quota and period, shares, limit and memsw limit, pids.max', async () => {
    const files = [...cpuLimitFiles(v1, RESOURCES.cpu), ...memoryLimitFiles(v1, RESOURCES.memory), ...pidsLimitFiles(v1, RESOURCES.pids)];
    assert.deepEqual(files.map((f) => f.file.slice(v1.mountRoot!.length)), [
      '/cpu/corral/pod-u1/app/cpu.cfs_quota_us',
      '/cpu/corral/pod-u1/app/cpu.cfs_period_us',
      '/cpu/corral/pod-u1/app/cpu.shares',
      '/memory/corral/pod-u1/app/memory.limit_in_bytes',
      '/memory/corral/pod-u1/app/memory.memsw.limit_in_bytes',
      '/pids/corral/pod-u1/app/pids.max',
    ]);
    await check(v1, files);
  });

  test('v2: cpu.max, cpu.weight converted from shares, memory.max, swap.max as swap beyond memory, pids.max', async () => {
    const files = [...cpuLimitFiles(v2, RESOURCES.cpu), ...memoryLimitFiles(v2, RESOURCES.memory), ...pidsLimitFiles(v2, RESOURCES.pids)];
    assert.deepEqual(files.map((f) => [f.file.slice(v2.mountRoot!.length), f.expected]), [
      ['/corral/pod-u1/app/cpu.max', '20000 100000'],
      ['/corral/pod-u1/app/cpu.weight', '8'],
      ['/corral/pod-u1/app/memory.max', '33554432'],
      ['/corral/pod-u1/app/memory.swap.max', '0'],
      ['/corral/pod-u1/app/pids.max', '20'],
    ]);
    await check(v2, files);
  });

  test('v1 memory limits are expected in whole pages', () => {
    assert.equal(memoryLimitFiles(v1, { limit: 10_000 })[0]?.expected, '8192');
  });

  test('no resources, no files', () => {
    assert.deepEqual([...cpuLimitFiles(v1, undefined), ...memoryLimitFiles(v2, undefined), ...pidsLimitFiles(v2, undefined)], []);
  });

  test('sharesToWeight is runc’s conversion', () => {
    assert.equal(sharesToWeight(2), 1);
    assert.equal(sharesToWeight(1024), 39);
    assert.equal(sharesToWeight(262_144), 10_000);
  });
});
