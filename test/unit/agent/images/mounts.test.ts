import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMountPoint, overlayLowerDirs, overlayMountArgs, parseMountinfo } from '../../../../agent/src/images/mounts.js';

const MOUNTINFO = [
  '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '44 22 0:39 / /data/pods/p1/rootfs rw,relatime shared:5 - overlay overlay rw,lowerdir=/data/images/rootfs/sha256-aa,upperdir=/data/pods/p1/overlay/upper,workdir=/data/pods/p1/overlay/work',
  '45 22 0:40 / /data/pods/with\\040space/rootfs rw - overlay overlay rw,lowerdir=/l1:/l2\\,x,upperdir=/u,workdir=/w',
  '46 44 0:41 / /data/pods/p1/rootfs/mnt rw - tmpfs tmpfs rw',
  'garbage line',
  '',
].join('\n');

test('parseMountinfo reads mount points, types and super options, unescaping octal', () => {
  const mounts = parseMountinfo(MOUNTINFO);
  assert.equal(mounts.length, 4);
  assert.deepEqual(mounts[0], { mountPoint: '/', fsType: 'ext4', superOptions: 'rw' });
  assert.equal(mounts[2]?.mountPoint, '/data/pods/with space/rootfs');
  assert.ok(isMountPoint(mounts, '/data/pods/p1/rootfs'));
  assert.ok(!isMountPoint(mounts, '/data/pods/p1'));
});

test('overlayLowerDirs collects every lower layer, escaped separators included', () => {
  assert.deepEqual([...overlayLowerDirs(parseMountinfo(MOUNTINFO))].sort(), ['/data/images/rootfs/sha256-aa', '/l1', '/l2,x']);
});

test('overlayMountArgs builds the mount command and refuses paths overlay cannot spell', () => {
  assert.deepEqual(overlayMountArgs({ lower: '/i/t', upper: '/b/overlay/upper', work: '/b/overlay/work', target: '/b/rootfs' }), [
    '-t', 'overlay', 'overlay', '-o', 'lowerdir=/i/t,upperdir=/b/overlay/upper,workdir=/b/overlay/work', '/b/rootfs',
  ]);
  assert.equal(overlayMountArgs({ lower: '/i/t', upper: '/b:1/upper', work: '/b/work', target: '/b/rootfs' }), undefined);
  assert.equal(overlayMountArgs({ lower: '/i,t', upper: '/u', work: '/w', target: '/r' }), undefined);
});
