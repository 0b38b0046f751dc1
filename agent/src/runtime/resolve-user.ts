import { CorralError, ErrorCode, type Result, err, ok } from '../../../protocol/src/index.js';
import type { OciUser } from './oci-config.js';

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** uid_t and gid_t are 32-bit; 2^32-1 is "no id". */
const MAX_ID = 4_294_967_294;

function parseId(text: string): number | undefined {
  if (!/^[0-9]{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= MAX_ID ? n : undefined;
}

/** `name:x:uid:gid:gecos:home:shell` lines; comments and malformed lines are skipped. */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const [name, , uid, gid] = line.split(':');
    const u = parseId(uid ?? '');
    const g = parseId(gid ?? '');
    if (name && u !== undefined && g !== undefined) out.push({ name, uid: u, gid: g });
  }
  return out;
}

/** `name:x:gid:member,member` lines; comments and malformed lines are skipped. */
export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const [name, , gid, members] = line.split(':');
    const g = parseId(gid ?? '');
    if (name && g !== undefined) out.push({ name, gid: g, members: (members ?? '').split(',').map((m) => m.trim()).filter(Boolean) });
  }
  return out;
}

function unknown(message: string): Result<never> {
  return err(new CorralError(ErrorCode.RuntimeUserUnknown, message, { path: 'user' }));
}

/**
 * An image's `User` (`""`, `uid`, `name`, `uid:gid`, `name:group`, …) as the ids
 * the container runs with, looked up in the image's own /etc/passwd and
 * /etc/group (pass `""` when the image has none). A numeric uid without a
 * passwd entry runs with gid 0, as Docker does; a name that is not there is
 * CORRAL_RUNTIME_USER_UNKNOWN. Supplementary groups (the user's memberships in
 * /etc/group) are added unless the group was given explicitly.
 */
export function resolveUser(user: string, passwdText: string, groupText: string): Result<OciUser> {
  const trimmed = user.trim();
  const sep = trimmed.indexOf(':');
  const userPart = (sep === -1 ? trimmed : trimmed.slice(0, sep)) || '0';
  const groupPart = sep === -1 ? undefined : trimmed.slice(sep + 1);
  const passwd = parsePasswd(passwdText);

  let uid: number;
  let gid = 0;
  let name: string | undefined;
  const numericUid = parseId(userPart);
  if (numericUid !== undefined) {
    uid = numericUid;
    const entry = passwd.find((e) => e.uid === uid);
    if (entry) ({ gid, name } = entry);
  } else {
    const entry = passwd.find((e) => e.name === userPart);
    if (!entry) return unknown(`user ${JSON.stringify(userPart)} is not in the image's /etc/passwd`);
    ({ uid, gid, name } = entry);
  }

  const groups = parseGroup(groupText);
  if (groupPart !== undefined && groupPart !== '') {
    const numericGid = parseId(groupPart);
    if (numericGid !== undefined) gid = numericGid;
    else {
      const entry = groups.find((g) => g.name === groupPart);
      if (!entry) return unknown(`group ${JSON.stringify(groupPart)} is not in the image's /etc/group`);
      gid = entry.gid;
    }
    return ok({ uid, gid });
  }

  const additional = name === undefined ? [] : [...new Set(groups.filter((g) => g.members.includes(name) && g.gid !== gid).map((g) => g.gid))].sort((a, b) => a - b);
  return ok(additional.length > 0 ? { uid, gid, additionalGids: additional } : { uid, gid });
}

/**
 * `""`, `"1000"` or `"1000:1000"` without looking anything up; undefined for
 * anything naming a user or group, which only `resolveUser` with the image's
 * files can answer.
 */
export function parseNumericUser(user: string): OciUser | undefined {
  const trimmed = user.trim();
  if (trimmed === '') return { uid: 0, gid: 0 };
  const [u, g, extra] = trimmed.split(':');
  if (extra !== undefined) return undefined;
  const uid = parseId(u ?? '');
  if (uid === undefined) return undefined;
  if (g === undefined || g === '') return { uid, gid: 0 };
  const gid = parseId(g);
  return gid === undefined ? undefined : { uid, gid };
}
