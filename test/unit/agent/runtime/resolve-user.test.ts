import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGroup, parseNumericUser, parsePasswd, resolveUser } from '../../../../agent/src/runtime/resolve-user.js';
import { ErrorCode } from '../../../../protocol/src/index.js';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  '# a comment',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'broken line',
  'nginx:x:101:101:nginx user:/nonexistent:/bin/false',
  'app:x:1000:1000::/home/app:/bin/sh',
  '',
].join('\n');

const GROUP = ['root:x:0:', 'video:x:44:app,nginx', 'nginx:x:101:', 'app:x:1000:', 'i2c:x:998:app', 'staff:x:50:nginx', ''].join('\n');

function resolved(user: string, passwd = PASSWD, group = GROUP) {
  const result = resolveUser(user, passwd, group);
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.value;
}

function unknown(user: string): string | undefined {
  const result = resolveUser(user, PASSWD, GROUP);
  assert.ok(!result.ok);
  return result.error.code;
}

test('parsePasswd and parseGroup skip comments and malformed lines', () => {
  assert.deepEqual(parsePasswd(PASSWD).map((e) => e.name), ['root', 'daemon', 'nginx', 'app']);
  assert.deepEqual(parseGroup(GROUP).find((g) => g.name === 'video'), { name: 'video', gid: 44, members: ['app', 'nginx'] });
});

test('resolveUser: an empty user is root', () => {
  assert.deepEqual(resolved(''), { uid: 0, gid: 0 });
});

test('resolveUser: a name is looked up with its primary group and its memberships', () => {
  assert.deepEqual(resolved('nginx'), { uid: 101, gid: 101, additionalGids: [44, 50] });
  assert.deepEqual(resolved('app'), { uid: 1000, gid: 1000, additionalGids: [44, 998] });
});

test('resolveUser: a numeric uid takes the passwd entry’s group when there is one, else gid 0', () => {
  assert.deepEqual(resolved('101'), { uid: 101, gid: 101, additionalGids: [44, 50] });
  assert.deepEqual(resolved('4242'), { uid: 4242, gid: 0 });
  assert.deepEqual(resolved('4242', '', ''), { uid: 4242, gid: 0 });
});

test('resolveUser: an explicit group wins and drops the supplementary groups', () => {
  assert.deepEqual(resolved('nginx:video'), { uid: 101, gid: 44 });
  assert.deepEqual(resolved('nginx:7'), { uid: 101, gid: 7 });
  assert.deepEqual(resolved('1000:1000'), { uid: 1000, gid: 1000 });
  assert.deepEqual(resolved('5000:44'), { uid: 5000, gid: 44 });
});

test('resolveUser: unknown names are CORRAL_RUNTIME_USER_UNKNOWN', () => {
  assert.equal(unknown('postgres'), ErrorCode.RuntimeUserUnknown);
  assert.equal(unknown('nginx:wheel'), ErrorCode.RuntimeUserUnknown);
  assert.equal(unknown('99999999999'), ErrorCode.RuntimeUserUnknown, 'beyond 32 bits it is not a uid, and not a name either');
});

test('parseNumericUser accepts only ids', () => {
  assert.deepEqual(parseNumericUser(''), { uid: 0, gid: 0 });
  assert.deepEqual(parseNumericUser('1000'), { uid: 1000, gid: 0 });
  assert.deepEqual(parseNumericUser('1000:1001'), { uid: 1000, gid: 1001 });
  assert.equal(parseNumericUser('nginx'), undefined);
  assert.equal(parseNumericUser('1000:staff'), undefined);
  assert.equal(parseNumericUser('1:2:3'), undefined);
});
