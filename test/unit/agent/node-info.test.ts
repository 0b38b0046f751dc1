import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, hostname, release, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { allocatable, armVariant, detectNode, goArch, parseMeminfo, parseOsRelease, parseRuntimeVersion } from '../../../agent/src/node-info.js';
import { NodeInfo } from '../../../protocol/src/index.js';

const MEMINFO = ['MemTotal:        3884376 kB', 'MemFree:          201744 kB', 'MemAvailable:    2913324 kB', 'Buffers:           95504 kB', ''].join('\n');

test('goArch maps Node architectures to GOARCH names', () => {
  assert.equal(goArch('x64'), 'amd64');
  assert.equal(goArch('ia32'), '386');
  assert.equal(goArch('arm64'), 'arm64');
  assert.equal(goArch('arm'), 'arm');
  assert.equal(goArch('ppc64'), 'ppc64le');
  assert.equal(goArch('mipsel'), 'mipsle');
  assert.equal(goArch('riscv64'), 'riscv64');
});

test('goArch passes an unknown architecture through unchanged', () => {
  assert.equal(goArch('sparc'), 'sparc');
});

test('armVariant names the ARM version only for 32-bit arm', () => {
  assert.equal(armVariant('arm', 7), 'v7');
  assert.equal(armVariant('arm', '6'), 'v6');
  assert.equal(armVariant('arm', 8), 'v8');
  assert.equal(armVariant('arm64', 8), undefined);
  assert.equal(armVariant('x64', 7), undefined);
});

test('armVariant ignores a missing or implausible ARM version', () => {
  for (const v of [undefined, null, '', 'default', 4, 9, 7.5, Number.NaN]) assert.equal(armVariant('arm', v), undefined, String(v));
});

test('parseOsRelease returns PRETTY_NAME without its quotes', () => {
  const text = 'NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\n';
  assert.equal(parseOsRelease(text), 'Debian GNU/Linux 12 (bookworm)');
  assert.equal(parseOsRelease('PRETTY_NAME=Alpine'), 'Alpine');
});

test('parseOsRelease strips single quotes, which os-release also allows', () => {
  assert.equal(parseOsRelease("PRETTY_NAME='Raspbian GNU/Linux 11 (bullseye)'\n"), 'Raspbian GNU/Linux 11 (bullseye)');
});

test('parseOsRelease returns undefined without a PRETTY_NAME line', () => {
  assert.equal(parseOsRelease(''), undefined);
  assert.equal(parseOsRelease('NAME="Debian"\n# PRETTY_NAME="x"\n'), undefined);
});

test('parseRuntimeVersion extracts the version from runc and crun output', () => {
  assert.equal(parseRuntimeVersion('runc version 1.1.5\ncommit: v1.1.5-0-gf19387a\nspec: 1.0.2-dev\n'), '1.1.5');
  assert.equal(parseRuntimeVersion('runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\n'), '1.1.5+ds1');
  assert.equal(parseRuntimeVersion('crun version 1.8.1\ncommit: f8a096be060b22ccd3d5f3ebe44108517fbf6c30\n'), '1.8.1');
});

test('parseRuntimeVersion returns "unknown" for output without a version', () => {
  assert.equal(parseRuntimeVersion(''), 'unknown');
  assert.equal(parseRuntimeVersion('runc version dev'), 'unknown');
});

test('parseMeminfo reads MemTotal and MemAvailable in bytes', () => {
  assert.deepEqual(parseMeminfo(MEMINFO), { total: 3884376 * 1024, available: 2913324 * 1024 });
});

test('parseMeminfo reports 0 for missing fields', () => {
  assert.deepEqual(parseMeminfo(''), { total: 0, available: 0 });
  assert.deepEqual(parseMeminfo('MemTotal:        1000 kB\n'), { total: 1024000, available: 0 });
});

test('allocatable subtracts the reservation from cpu and memory and keeps pids', () => {
  assert.deepEqual(allocatable({ cpu: 4000, memory: 4 * 2 ** 30, pids: 32768 }, { cpu: 100, memory: 128 * 2 ** 20 }), {
    cpu: 3900,
    memory: 4 * 2 ** 30 - 128 * 2 ** 20,
    pids: 32768,
  });
});

test('allocatable never goes below zero', () => {
  assert.deepEqual(allocatable({ cpu: 50, memory: 1000, pids: 10 }, { cpu: 100, memory: 2000 }), { cpu: 0, memory: 0, pids: 10 });
});

describe('detectNode with a fixture root', () => {
  const temps: string[] = [];
  after(async () => {
    await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  async function fixture(files: Record<string, string>): Promise<string> {
    const root = await mkdtemp(join(tmpdir(), 'corral-node-info-'));
    temps.push(root);
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), text);
    }
    return root;
  }

  const base = {
    'proc/meminfo': MEMINFO,
    'proc/sys/kernel/pid_max': '4194304\n',
    'etc/os-release': 'PRETTY_NAME="Corral Test OS 1"\nID=corral\n',
  };

  test('detectNode reads memory, pid_max and the OS image from the root and reports cgroup v1 without cgroup.controllers', async () => {
    const root = await fixture(base);
    const { info, capacity } = await detectNode({ runtime: 'auto', agentVersion: '9.9.9-test', root });
    assert.deepEqual(capacity, { cpu: availableParallelism() * 1000, memory: 3884376 * 1024, pids: 4194304 });
    assert.equal(info.cgroupVersion, 'v1');
    assert.equal(info.osImage, 'Corral Test OS 1');
    assert.equal(info.architecture, goArch(process.arch));
    assert.equal(info.os, process.platform);
    assert.equal(info.kernel, release());
    assert.equal(info.hostname, hostname());
    assert.equal(info.agentVersion, '9.9.9-test');
    assert.ok(['runc', 'crun', 'none'].includes(info.runtime.name), info.runtime.name);
    if (info.runtime.name === 'none') assert.equal(info.runtime.version, '');
    assert.ok(NodeInfo.safeParse(info).success, 'info satisfies the protocol schema');
  });

  test('detectNode reports cgroup v2 when sys/fs/cgroup/cgroup.controllers exists', async () => {
    const root = await fixture({ ...base, 'sys/fs/cgroup/cgroup.controllers': 'cpuset cpu io memory hugetlb pids rdma misc\n' });
    const { info } = await detectNode({ runtime: 'auto', agentVersion: '9.9.9-test', root });
    assert.equal(info.cgroupVersion, 'v2');
  });

  test('detectNode falls back to defaults when the root has no files', async () => {
    const root = await fixture({});
    const { info, capacity } = await detectNode({ runtime: 'auto', agentVersion: '9.9.9-test', root });
    assert.equal(info.osImage, 'unknown');
    assert.equal(info.cgroupVersion, 'v1');
    assert.equal(capacity.pids, 32768);
    assert.ok(Number.isSafeInteger(capacity.memory) && capacity.memory > 0, 'memory falls back to os.totalmem()');
  });

  test('detectNode falls back to 32768 pids for an unreadable pid_max', async () => {
    for (const pidMax of ['', 'garbage\n', '-5\n']) {
      const root = await fixture({ ...base, 'proc/sys/kernel/pid_max': pidMax });
      const { capacity } = await detectNode({ runtime: 'auto', agentVersion: '9.9.9-test', root });
      assert.equal(capacity.pids, 32768, JSON.stringify(pidMax));
    }
  });
});
