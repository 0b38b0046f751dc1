import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isBootstrapTokenFormat, ok, err } from '../../../../protocol/src/index.js';
import { BootstrapTokens, type BootstrapTokenRecord, hashBootstrapToken, tokenState } from '../../../../hub/src/security/bootstrap-tokens.js';
import { LevelStore } from '../../../../hub/src/store/level-store.js';
import { silentLog } from '../fixtures.js';

const HOUR = 3_600_000;

describe('BootstrapTokens on a real LevelDB', () => {
  let dir: string;
  let store: LevelStore;
  let clock: { now: number };
  const open = async (keepEndedMs?: number) => {
    const tokens = new BootstrapTokens(store.collection<BootstrapTokenRecord>('bootstrap-tokens'), { now: () => clock.now, log: silentLog, ...(keepEndedMs === undefined ? {} : { keepEndedMs }) });
    await tokens.load();
    return tokens;
  };
  /** Redeems for `node` with an enrollment that always succeeds and echoes the grant. */
  const redeem = (tokens: BootstrapTokens, token: string, node = 'pi-a') => tokens.redeem({ token, node }, async (grant) => ok(grant));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'corral-bootstrap-tokens-'));
    store = await LevelStore.open(dir);
    clock = { now: 1_700_000_000_000 };
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('create returns a cbt_ token once and stores only its SHA-256 with expiry, uses and labels', async () => {
    const tokens = await open();
    const { token, info } = await tokens.create({ ttlMs: 24 * HOUR, uses: 1, labels: { site: 'lab' } });
    assert.ok(isBootstrapTokenFormat(token), token);
    const stored = await store.collection<BootstrapTokenRecord>('bootstrap-tokens').entries();
    assert.equal(stored.length, 1);
    const [id, record] = stored[0]!;
    assert.equal(id, info.id);
    assert.equal(record.hash, hashBootstrapToken(token));
    assert.ok(!JSON.stringify(record).includes(token.slice(4)), 'the token itself is not stored');
    assert.deepEqual({ ...record, hash: undefined }, { id, hash: undefined, createdAt: clock.now, expiresAt: clock.now + 24 * HOUR, uses: 1, usesLeft: 1, labels: { site: 'lab' }, nodes: [] });
    assert.equal(info.state, 'Active');
    assert.ok(!('hash' in info));
  });

  it('a single-use token enrolls once; the second redemption is refused as TokenUsedUp and the node is recorded', async () => {
    const tokens = await open();
    const { token, info } = await tokens.create({ ttlMs: HOUR, uses: 1, labels: { site: 'lab' } });
    const first = await redeem(tokens, token, 'pi-a');
    assert.deepEqual(first, ok({ id: info.id, labels: { site: 'lab' } }));
    const second = await redeem(tokens, token, 'pi-b');
    assert.equal(second.ok, false);
    assert.equal(!second.ok && second.error.reason, 'TokenUsedUp');
    const after = tokens.get(info.id)!;
    assert.deepEqual([after.state, after.usesLeft, after.nodes], ['UsedUp', 0, ['pi-a']]);
  });

  it('two concurrent redemptions of a single-use token: exactly one enrolls', async () => {
    const tokens = await open();
    const { token } = await tokens.create({ ttlMs: HOUR, uses: 1, labels: {} });
    let enrolling = 0;
    const slowEnroll = async () => {
      enrolling += 1;
      await new Promise((resolve) => setImmediate(resolve));
      return ok('enrolled');
    };
    const outcomes = await Promise.all([tokens.redeem({ token, node: 'pi-a' }, slowEnroll), tokens.redeem({ token, node: 'pi-b' }, slowEnroll)]);
    assert.equal(outcomes.filter((o) => o.ok).length, 1);
    assert.equal(enrolling, 1, 'the loser never reached the enrollment');
    const refused = outcomes.find((o) => !o.ok);
    assert.equal(refused && !refused.ok && refused.error.reason, 'TokenUsedUp');
  });

  it('a token with N uses enrolls N nodes', async () => {
    const tokens = await open();
    const { token, info } = await tokens.create({ ttlMs: HOUR, uses: 3, labels: {} });
    for (const node of ['a', 'b', 'c']) assert.equal((await redeem(tokens, token, node)).ok, true);
    const fourth = await redeem(tokens, token, 'd');
    assert.equal(!fourth.ok && fourth.error.reason, 'TokenUsedUp');
    assert.deepEqual(tokens.get(info.id)?.nodes, ['a', 'b', 'c']);
  });

  it('an expired token is refused as TokenExpired, judged by the injected clock', async () => {
    const tokens = await open();
    const { token, info } = await tokens.create({ ttlMs: HOUR, uses: 1, labels: {} });
    clock.now += HOUR - 1;
    assert.equal(tokens.get(info.id)?.state, 'Active');
    clock.now += 1;
    const outcome = await redeem(tokens, token);
    assert.equal(!outcome.ok && outcome.error.reason, 'TokenExpired');
    assert.equal(!outcome.ok && outcome.error.id, info.id);
    assert.equal(tokens.get(info.id)?.usesLeft, 1, 'a refusal spends nothing');
  });

  it('a revoked token is refused as TokenRevoked and stays listed as Revoked; revoking again changes nothing; an unknown id is undefined', async () => {
    const tokens = await open();
    const { token, info } = await tokens.create({ ttlMs: HOUR, uses: 2, labels: {} });
    const revoked = await tokens.revoke(info.id);
    assert.deepEqual([revoked?.state, revoked?.revokedAt], ['Revoked', clock.now]);
    clock.now += 1000;
    assert.equal((await tokens.revoke(info.id))?.revokedAt, clock.now - 1000);
    const outcome = await redeem(tokens, token);
    assert.equal(!outcome.ok && outcome.error.reason, 'TokenRevoked');
    assert.equal(await tokens.revoke('00000000'), undefined);
  });

  it('an unknown or malformed token is TokenUnknown', async () => {
    const tokens = await open();
    await tokens.create({ ttlMs: HOUR, uses: 1, labels: {} });
    for (const token of [`cbt_${'A'.repeat(43)}`, 'cbt_short', '', 'crl_' + 'A'.repeat(43)]) {
      const outcome = await redeem(tokens, token);
      assert.equal(!outcome.ok && outcome.error.reason, 'TokenUnknown', token);
    }
  });

  it('when the enrollment refuses or throws, the use is given back', async () => {
    const tokens = await open();
    const { token, info } = await tokens.create({ ttlMs: HOUR, uses: 1, labels: {} });
    const refused = await tokens.redeem({ token, node: 'pi-a' }, async () => err({ reason: 'NodeExists' as const, message: 'exists' }));
    assert.deepEqual(refused, err({ reason: 'NodeExists', message: 'exists' }));
    await assert.rejects(tokens.redeem({ token, node: 'pi-a' }, async () => Promise.reject(new Error('disk full'))), /disk full/);
    assert.deepEqual([tokens.get(info.id)?.usesLeft, tokens.get(info.id)?.nodes], [1, []]);
    assert.equal((await redeem(tokens, token)).ok, true);
  });

  it('state, uses and revocation survive a reload from LevelDB; an unreadable record is skipped', async () => {
    const first = await open();
    const a = await first.create({ ttlMs: HOUR, uses: 2, labels: { tier: 'edge' } });
    clock.now += 1;
    const b = await first.create({ ttlMs: HOUR, uses: 1, labels: {} });
    await redeem(first, a.token, 'pi-a');
    await first.revoke(b.info.id);
    await store.collection<unknown>('bootstrap-tokens').put('garbage', { id: 'nope' });
    const second = await open();
    assert.deepEqual(second.list().map((t) => [t.id, t.state, t.usesLeft, t.nodes]), [
      [a.info.id, 'Active', 1, ['pi-a']],
      [b.info.id, 'Revoked', 1, []],
    ]);
    assert.equal((await redeem(second, a.token, 'pi-b')).ok, true);
    assert.equal((await redeem(second, a.token, 'pi-c')).ok, false);
  });

  it('tokens that ended longer than keepEndedMs ago are dropped at the next load or create; active ones stay', async () => {
    const tokens = await open(HOUR);
    const expired = await tokens.create({ ttlMs: 1000, uses: 1, labels: {} });
    clock.now += 1;
    const used = await tokens.create({ ttlMs: 100 * HOUR, uses: 1, labels: {} });
    clock.now += 1;
    const active = await tokens.create({ ttlMs: 100 * HOUR, uses: 1, labels: {} });
    await redeem(tokens, used.token);
    clock.now += HOUR - 2;
    assert.deepEqual(tokens.list().map((t) => t.state), ['Expired', 'UsedUp', 'Active']);
    clock.now += 1000;
    const reloaded = await open(HOUR);
    assert.deepEqual(reloaded.list().map((t) => t.id), [active.info.id]);
    assert.deepEqual((await store.collection('bootstrap-tokens').entries()).map(([id]) => id), [active.info.id]);
    assert.equal(tokens.get(expired.info.id)?.state, 'Expired', 'the first instance still has it in memory');
  });

  it('tokenState: revoked before used up before expired', () => {
    assert.equal(tokenState({ revokedAt: 1, usesLeft: 0, expiresAt: 0 }, 10), 'Revoked');
    assert.equal(tokenState({ usesLeft: 0, expiresAt: 0 }, 10), 'UsedUp');
    assert.equal(tokenState({ usesLeft: 1, expiresAt: 10 }, 10), 'Expired');
    assert.equal(tokenState({ usesLeft: 1, expiresAt: 11 }, 10), 'Active');
  });
});
