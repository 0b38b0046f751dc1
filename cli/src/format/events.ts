import type { ApiNodeEvent } from '../event-object.js';
import { humanDuration } from './age.js';
import { formatTable } from './table.js';

export const EVENT_COLUMNS = ['AGE', 'NODE', 'SEQ', 'TYPE', 'POD', 'CONTAINER', 'REASON', 'MESSAGE'] as const;

function detail(event: ApiNodeEvent): string {
  if (event.type === 'EventsDropped') return `${event.count ?? 0} events discarded (outbox full)`;
  const exit = event.exitCode !== undefined ? `exit code ${event.exitCode}` : '';
  return [exit, event.message ?? ''].filter(Boolean).join(': ');
}

/** `corral get events`: newest first, as the hub returns them; AGE from the device's own timestamp. */
export function formatEventTable(events: readonly ApiNodeEvent[], now: number): string {
  return formatTable(
    EVENT_COLUMNS,
    events.map((e) => [humanDuration(Math.max(0, now - e.ts)), e.node, String(e.seq), e.type, e.pod ?? '', e.container ?? '', e.reason ?? '', detail(e)]),
  );
}
