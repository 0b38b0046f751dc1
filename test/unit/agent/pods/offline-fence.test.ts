import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { PodSpec } from '../../../../protocol/src/index.js';
import {
  DESIRED_WAIT_MS,
  type HubContact,
  desiredReceived,
  linkLost,
  linkRestored,
  offlineFence,
  startContact,
} from '../../../../agent/src/pods/offline-fence.js';
import type { DesiredPod } from '../../../../agent/src/reconcile/model.js';

function pod(name: string, stopAfterSeconds?: number): DesiredPod {
  const spec = PodSpec.parse({ containers: [{ name: 'main', image: 'busybox' }], ...(stopAfterSeconds !== undefined ? { offline: { stopAfterSeconds } } : {}) });
  return { uid: `uid-${name}`, name, spec };
}

const leader = pod('leader', 3);
const slow = pod('slow', 60);
const plain = pod('plain');
const pods = [leader, slow, plain];
const T0 = 1_000_000;

const fencedAt = (contact: HubContact, now: number, list: readonly DesiredPod[] = pods) => [...offlineFence(list, contact, now).fenced].sort();

test('offlineFence fences nothing while the hub is connected', () => {
  assert.deepEqual(offlineFence(pods, { link: 'up' }, T0), { fenced: new Set(), offlineMs: 0, nextChangeAt: undefined });
});

test('offlineFence fences a pod once the link has been down for stopAfterSeconds since the last contact', () => {
  const down: HubContact = { link: 'down', lastContact: T0 };
  assert.deepEqual(fencedAt(down, T0 + 2_999), []);
  assert.equal(offlineFence(pods, down, T0 + 2_999).nextChangeAt, T0 + 3_000);
  assert.deepEqual(fencedAt(down, T0 + 3_000), ['uid-leader']);
  assert.equal(offlineFence(pods, down, T0 + 3_000).nextChangeAt, T0 + 60_000, 'the next deadline is the slower pod');
  assert.deepEqual(fencedAt(down, T0 + 60_000), ['uid-leader', 'uid-slow']);
  assert.equal(offlineFence(pods, down, T0 + 60_000).nextChangeAt, undefined);
  assert.equal(offlineFence(pods, down, T0 + 60_000).offlineMs, 60_000);
});

test('offlineFence never fences a pod without offline.stopAfterSeconds', () => {
  assert.deepEqual(fencedAt({ link: 'down', lastContact: 0 }, 10 ** 12, [plain]), []);
});

test('offlineFence counts from the last packet, so a loss noticed late fences at once', () => {
  const lastPacket = T0;
  const noticed = T0 + 5_000; // e.g. keepalive timeout
  const contact = linkLost({ link: 'up' }, lastPacket, noticed);
  assert.deepEqual(fencedAt(contact, noticed), ['uid-leader']);
});

test('offlineFence keeps fenced pods fenced after the reconnect until the desired state arrives', () => {
  const back = linkRestored({ link: 'down', lastContact: T0 }, T0 + 20_000);
  assert.deepEqual(back, { link: 'back', lastContact: T0, since: T0 + 20_000 });
  const during = offlineFence(pods, back, T0 + 20_500);
  assert.deepEqual([...during.fenced], ['uid-leader']);
  assert.equal(during.offlineMs, 20_000, 'the length of the outage');
  assert.equal(during.nextChangeAt, T0 + 20_000 + DESIRED_WAIT_MS);
  assert.deepEqual(fencedAt(back, T0 + 29_999), ['uid-leader'], 'slow was not fenced at the reconnect and keeps running');
  const up = desiredReceived(back);
  assert.deepEqual(up, { link: 'up' });
  assert.deepEqual(fencedAt(up, T0 + 20_600), []);
});

test('offlineFence after the desired state runs only the pods it still has (the hub moved the rest away)', () => {
  const up = desiredReceived(linkRestored({ link: 'down', lastContact: T0 }, T0 + 40_000));
  const stillDesired = [plain]; // the hub moved leader and slow to another node
  assert.deepEqual(offlineFence(stillDesired, up, T0 + 40_010).fenced, new Set());
});

test('offlineFence lifts the fence DESIRED_WAIT_MS after the reconnect when no desired state comes', () => {
  const back: HubContact = { link: 'back', lastContact: T0, since: T0 + 10_000 };
  assert.deepEqual(fencedAt(back, T0 + 10_000 + DESIRED_WAIT_MS - 1), ['uid-leader']);
  assert.deepEqual(offlineFence(pods, back, T0 + 10_000 + DESIRED_WAIT_MS), { fenced: new Set(), offlineMs: 10_000, nextChangeAt: undefined });
});

test('offlineFence treats a drop before the hub answered as the same outage', () => {
  const back: HubContact = { link: 'back', lastContact: T0, since: T0 + 10_000 };
  const again = linkLost(back, T0 + 10_050, T0 + 11_000); // CONNACK was the last packet
  assert.deepEqual(again, { link: 'down', lastContact: T0 });
  assert.deepEqual(fencedAt(again, T0 + 11_000), ['uid-leader']);
  const later = linkLost(back, T0 + 25_000, T0 + 25_000);
  assert.deepEqual(later, { link: 'down', lastContact: T0 + 25_000 }, 'once the wait ended the pods ran again: a new outage');
});

test('offlineFence counts the agent start as the last contact', () => {
  const start = startContact(T0);
  assert.deepEqual(fencedAt(start, T0 + 2_000), []);
  assert.deepEqual(fencedAt(start, T0 + 3_000), ['uid-leader']);
  assert.deepEqual(linkRestored(start, T0 + 50), { link: 'back', lastContact: T0, since: T0 + 50 });
  assert.deepEqual(fencedAt(linkRestored(start, T0 + 50), T0 + 60), [], 'a quick first connect fences nothing');
});

test('linkRestored and desiredReceived change nothing where they do not apply', () => {
  assert.deepEqual(linkRestored({ link: 'up' }, T0), { link: 'up' });
  assert.deepEqual(desiredReceived({ link: 'down', lastContact: T0 }), { link: 'down', lastContact: T0 });
  assert.deepEqual(linkLost({ link: 'down', lastContact: T0 }, T0 + 5, T0 + 9), { link: 'down', lastContact: T0 });
});

const contactArb: fc.Arbitrary<HubContact> = fc.oneof(
  fc.constant<HubContact>({ link: 'up' }),
  fc.record({ link: fc.constant('down' as const), lastContact: fc.integer({ min: 0, max: 10 ** 9 }) }),
  fc
    .record({ lastContact: fc.integer({ min: 0, max: 10 ** 9 }), outage: fc.integer({ min: 0, max: 10 ** 6 }) })
    .map(({ lastContact, outage }): HubContact => ({ link: 'back', lastContact, since: lastContact + outage })),
);
const podsArb = fc.array(fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }), { maxLength: 6 }).map((limits) => limits.map((s, i) => pod(`p${i}`, s)));

/** The earliest `now` a contact can be asked about: its last contact, or its reconnect. */
const startOf = (contact: HubContact) => (contact.link === 'up' ? 0 : contact.link === 'down' ? contact.lastContact : contact.since);

test('offlineFence answers the same until nextChangeAt and differently at it', () => {
  fc.assert(
    fc.property(podsArb, contactArb, fc.integer({ min: 0, max: 2 * 10 ** 6 }), (list, contact, offset) => {
      const now = startOf(contact) + offset;
      const answer = offlineFence(list, contact, now);
      if (answer.nextChangeAt === undefined) {
        assert.deepEqual(offlineFence(list, contact, now + 10 ** 7).fenced, answer.fenced);
        return;
      }
      assert.ok(answer.nextChangeAt > now);
      assert.deepEqual(offlineFence(list, contact, answer.nextChangeAt - 1).fenced, answer.fenced);
      assert.notDeepEqual(offlineFence(list, contact, answer.nextChangeAt).fenced, answer.fenced);
    }),
  );
});

test('offlineFence never fences a pod before stopAfterSeconds have passed since the last contact', () => {
  fc.assert(
    fc.property(podsArb, contactArb, fc.integer({ min: 0, max: 2 * 10 ** 6 }), (list, contact, offset) => {
      if (contact.link === 'up') return;
      const now = startOf(contact) + offset;
      const { fenced } = offlineFence(list, contact, now);
      for (const p of list) {
        const s = p.spec.offline?.stopAfterSeconds;
        if (fenced.has(p.uid)) assert.ok(s !== undefined && now - contact.lastContact >= s * 1000);
        else if (contact.link === 'down' && s !== undefined) assert.ok(now - contact.lastContact < s * 1000);
      }
    }),
  );
});
