import type { DesiredPod } from '../reconcile/model.js';

/**
 * How long fenced pods wait, after the link comes back, for the hub's (retained)
 * desired state before they run again anyway: a hub that never published one.
 */
export const DESIRED_WAIT_MS = 10_000;

/**
 * The agent's contact with the hub, in ms on the agent's monotonic clock.
 * `lastContact` is when the last packet came from the broker, so the time it
 * took to notice the loss does not add to a pod's `stopAfterSeconds`.
 */
export type HubContact =
  /** Connected, and (if an outage came before) the hub's desired state has arrived since. */
  | { link: 'up' }
  /** No connection since `lastContact`. */
  | { link: 'down'; lastContact: number }
  /** Connected again at `since` after an outage that began at `lastContact`; no desired state yet. */
  | { link: 'back'; lastContact: number; since: number };

export interface OfflineFence {
  /** Uids of the hub's pods that must not run now. */
  fenced: ReadonlySet<string>;
  /** How long the hub has been out of reach (ms); once the link is back, how long the outage was. */
  offlineMs: number;
  /** When the answer can next change without new input (a timer's deadline); undefined: only new input changes it. */
  nextChangeAt: number | undefined;
}

/** Before any contact (the agent just started) the start counts as the last contact. */
export function startContact(now: number): HubContact {
  return { link: 'down', lastContact: now };
}

/** The link went down. A drop before the hub answered continues the outage that came before. */
export function linkLost(contact: HubContact, lastContact: number, now: number): HubContact {
  if (contact.link === 'down') return contact;
  if (contact.link === 'back' && now < contact.since + DESIRED_WAIT_MS) return { link: 'down', lastContact: contact.lastContact };
  return { link: 'down', lastContact };
}

/** The link is up again (a broker connection, before any subscription). */
export function linkRestored(contact: HubContact, now: number): HubContact {
  return contact.link === 'down' ? { link: 'back', lastContact: contact.lastContact, since: now } : contact;
}

/** A desired state from the hub arrived: the hub is back and has said what this node runs. */
export function desiredReceived(contact: HubContact): HubContact {
  return contact.link === 'back' ? { link: 'up' } : contact;
}

/** How long the hub has been out of reach at `now` (ms); once the link is back, how long the outage was. */
export function offlineMs(contact: HubContact, now: number): number {
  if (contact.link === 'up') return 0;
  return Math.max(0, (contact.link === 'down' ? now : contact.since) - contact.lastContact);
}

/**
 * Which of the hub's pods are fenced at `now`. A pod with
 * `offline.stopAfterSeconds = S` is fenced once the link has been down for S
 * seconds since the last contact; after the link comes back it stays fenced
 * until the hub's desired state arrives (then the caller passes the new pods,
 * without the ones the hub moved away) or `DESIRED_WAIT_MS` have passed. Static
 * pods are never passed in: they are not the hub's to move. Pure.
 */
export function offlineFence(pods: readonly DesiredPod[], contact: HubContact, now: number): OfflineFence {
  if (contact.link === 'up') return { fenced: new Set(), offlineMs: 0, nextChangeAt: undefined };
  const outageEnd = contact.link === 'down' ? now : contact.since;
  const offline = offlineMs(contact, now);
  if (contact.link === 'back' && now >= contact.since + DESIRED_WAIT_MS) return { fenced: new Set(), offlineMs: offline, nextChangeAt: undefined };
  const fenced = new Set<string>();
  let nextChangeAt: number | undefined;
  for (const pod of pods) {
    const stopAfterSeconds = pod.spec.offline?.stopAfterSeconds;
    if (stopAfterSeconds === undefined) continue;
    const deadline = contact.lastContact + stopAfterSeconds * 1000;
    if (outageEnd >= deadline) fenced.add(pod.uid);
    else if (contact.link === 'down') nextChangeAt = Math.min(nextChangeAt ?? deadline, deadline);
  }
  if (contact.link === 'back' && fenced.size > 0) nextChangeAt = contact.since + DESIRED_WAIT_MS;
  return { fenced, offlineMs: offline, nextChangeAt };
}
