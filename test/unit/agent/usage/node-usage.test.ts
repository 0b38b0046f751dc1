import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NodeUsageSampler, cpuMillicores, parseProcStat } from '../../../../agent/src/usage/node-usage.js';

/** A /proc/stat whose aggregate line has the given user … steal jiffies (guest fields appended as Linux does). */
function procStat(user: number, nice: number, system: number, idle: number, iowait = 0, irq = 0, softirq = 0, steal = 0): string {
  return [
    `cpu  ${user} ${nice} ${system} ${idle} ${iowait} ${irq} ${softirq} ${steal} 0 0`,
    'cpu0 1 2 3 4 5 6 7 8 0 0',
    'intr 12345 0 0',
    'ctxt 987654',
    'btime 1700000000',
    '',
  ].join('\n');
}

test('parseProcStat sums the aggregate cpu line and counts idle and iowait as not busy', () => {
  assert.deepEqual(parseProcStat(procStat(100, 10, 50, 800, 40, 5, 3, 2)), { busy: 170, total: 1010 });
});

test('parseProcStat ignores the per-cpu lines and guest fields', () => {
  const text = 'cpu0 999 999 999 999\ncpu  1 2 3 4 5 6 7 8 100 200\n';
  assert.deepEqual(parseProcStat(text), { busy: 27, total: 36 });
});

test('parseProcStat treats missing trailing fields as zero', () => {
  assert.deepEqual(parseProcStat('cpu  10 0 5 85\n'), { busy: 15, total: 100 });
});

test('parseProcStat returns undefined without an aggregate cpu line', () => {
  assert.equal(parseProcStat(''), undefined);
  assert.equal(parseProcStat('cpu0 1 2 3 4\nintr 1\n'), undefined);
});

test('cpuMillicores scales the busy share of the interval by the number of cpus', () => {
  assert.equal(cpuMillicores({ busy: 100, total: 1000 }, { busy: 350, total: 2000 }, 4), 1000);
  assert.equal(cpuMillicores({ busy: 0, total: 0 }, { busy: 400, total: 400 }, 2), 2000);
  assert.equal(cpuMillicores({ busy: 0, total: 0 }, { busy: 1, total: 3 }, 1), 333);
});

test('cpuMillicores returns 0 when the total did not advance or went backwards', () => {
  assert.equal(cpuMillicores({ busy: 100, total: 1000 }, { busy: 100, total: 1000 }, 4), 0);
  assert.equal(cpuMillicores({ busy: 100, total: 1000 }, { busy: 10, total: 100 }, 4), 0);
});

describe('NodeUsageSampler with a fixture root', () => {
  let root = '';
  const meminfo = 'MemTotal:        2000000 kB\nMemFree:          100000 kB\nMemAvailable:     500000 kB\n';
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'corral-node-usage-'));
    await mkdir(join(root, 'proc'));
    await writeFile(join(root, 'proc/meminfo'), meminfo);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('NodeUsageSampler reports 0 cpu at the first sample and the average since the previous one after', async () => {
    const sampler = new NodeUsageSampler(4, root);
    await writeFile(join(root, 'proc/stat'), procStat(1000, 0, 0, 9000));
    const first = await sampler.sample();
    assert.deepEqual(first, { cpu: 0, memory: 1_500_000 * 1024, memoryAvailable: 500_000 * 1024 });

    // 400 of 1000 jiffies busy over 4 cpus → 1.6 cores.
    await writeFile(join(root, 'proc/stat'), procStat(1300, 0, 100, 9500, 100));
    const second = await sampler.sample();
    assert.equal(second.cpu, 1600);

    // Idle interval: nothing but idle jiffies advance.
    await writeFile(join(root, 'proc/stat'), procStat(1300, 0, 100, 10_500, 100));
    assert.equal((await sampler.sample()).cpu, 0);
  });

  test('NodeUsageSampler keeps its last good sample when proc/stat is unreadable', async () => {
    const sampler = new NodeUsageSampler(2, root);
    await writeFile(join(root, 'proc/stat'), procStat(0, 0, 0, 1000));
    await sampler.sample();
    await writeFile(join(root, 'proc/stat'), 'garbage\n');
    assert.equal((await sampler.sample()).cpu, 0);
    await writeFile(join(root, 'proc/stat'), procStat(500, 0, 0, 1500));
    // Measured against the first sample: 500 busy of 1000 over 2 cpus.
    assert.equal((await sampler.sample()).cpu, 1000);
  });

  test('NodeUsageSampler reports zeros for a root without proc files', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'corral-node-usage-empty-'));
    try {
      const sampler = new NodeUsageSampler(4, empty);
      assert.deepEqual(await sampler.sample(), { cpu: 0, memory: 0, memoryAvailable: 0 });
      assert.deepEqual(await sampler.sample(), { cpu: 0, memory: 0, memoryAvailable: 0 });
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
