import { loadavg } from 'node:os';
import { formatTable, ratio } from '../support/table.js';
import type { IdleWrites, ProcWrites } from './idle-writes.js';
import { GRACE_S, LOST_AFTER_S, type LossMode, type LossResult, type LossSample } from './node-loss.js';
import type { RebootResult } from './offline-reboot.js';

/** Everything the bench measured, for the report; parts may be missing after an interrupt. */
export interface Findings {
  reboots: RebootResult[];
  loss?: LossResult;
  idle?: IdleWrites;
  heartbeatMs: number;
  loadBefore: string;
  runcVersion?: string;
  cores?: number;
  minutes?: number;
  interrupted?: string;
}

/** The middle value, or the mean of the two middle ones (stats.ts's nearest-rank median gives the lower of two rounds). */
function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
const s2 = (ms: number | undefined) => (ms !== undefined && Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '—');
const kib = (bytes: number) => (bytes / 1024).toFixed(1);
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(2);
const defined = (xs: ReadonlyArray<number | undefined>) => xs.filter((x): x is number => x !== undefined);
const minMedMax = (xs: readonly number[]) => (xs.length === 0 ? ['—', '—', '—'] : [s2(Math.min(...xs)), s2(median(xs)), s2(Math.max(...xs))]);
/** Detection the configuration allows for: 0 when the connection drop is seen (last will), the grace when only silence is. */
const detectionS = (mode: LossMode) => (mode === 'kill' ? 0 : GRACE_S);

function reportReboots(reboots: readonly RebootResult[]): void {
  console.log('\n1. Offline reboot (hub down) → all containers running, s from spawning the agent until `runc list` shows all N running;');
  console.log('   bare runc: create+start of N containers one after another (host network) until `runc list` shows all N running\n');
  const rows = reboots.flatMap((r) => [
    [`agent reboot`, String(r.pods), String(r.agent.length), ...minMedMax(r.agent.map((x) => x.allRunningMs)), s2(median(r.agent.map((x) => x.firstRunningMs))), s2(median(defined(r.agent.map((x) => x.agentStartingMs)))), r.agent.map((x) => s2(x.allRunningMs)).join(' ')],
    [`bare runc`, String(r.pods), String(r.bare.length), ...minMedMax(r.bare), '', '', r.bare.map((x) => s2(x)).join(' ')],
  ]);
  console.log(formatTable(['variant', 'pods', 'rounds', 'min', 'median', 'max', 'first running (median)', '"agent starting" (median)', 'each round'], rows));
  console.log('\n   agent / bare runc\n');
  console.log(
    formatTable(
      ['pods', 'median / median', 'min / min', 'max / max', 'agent per pod after "agent starting", ms'],
      reboots.map((r) => {
        const a = r.agent.map((x) => x.allRunningMs);
        const afterStart = median(defined(r.agent.map((x) => (x.agentStartingMs === undefined ? undefined : x.allRunningMs - x.agentStartingMs))));
        return [String(r.pods), ratio(median(a) / median(r.bare)), ratio(Math.min(...a) / Math.min(...r.bare)), ratio(Math.max(...a) / Math.max(...r.bare)), Number.isFinite(afterStart) ? (afterStart / r.pods).toFixed(0) : '—'];
      }),
    ),
  );
  for (const r of reboots) {
    if (!r.failure) continue;
    console.log(`\n   REBOOT FAILED (${r.pods} pods, round ${r.failure.round}): ${r.failure.message}\n   the agent's last log lines:`);
    for (const line of r.failure.log) console.log(`     ${line}`);
  }
}

function reportLoss(loss: LossResult): void {
  console.log(`\n2. Node loss → replacement Running (hub --node-grace-seconds ${GRACE_S}, heartbeat 1 s; Deployment, 1 replica,`);
  console.log(`   onNodeLost reschedule, lostAfterSeconds ${LOST_AFTER_S}); s after the signal; NotReady and pod deleted from the hub's log\n`);
  const rows = loss.samples.map((x: LossSample) => [
    x.mode === 'kill' ? 'kill (SIGKILL)' : 'freeze (SIGSTOP)',
    `${x.victim} → ${x.survivor}`,
    `${s2(x.notReadyMs)} ${x.notReadyReason ?? ''}`.trim(),
    s2(x.deletedMs),
    s2(x.replacementMs),
    s2(x.deletedMs === undefined ? undefined : x.replacementMs - x.deletedMs),
    ratio(x.replacementMs / 1000 / LOST_AFTER_S),
    ratio(x.replacementMs / 1000 / (detectionS(x.mode) + LOST_AFTER_S)),
  ]);
  console.log(formatTable(['mode', 'lost → replacement on', 'NotReady after', 'pod deleted after', 'replacement Running', 'deleted → Running', '/ lostAfter', '/ (detection + lostAfter)'], rows, { textColumns: 2 }));
  console.log(`   (detection: 0 for kill — the broker publishes the last will when the connection drops — and the ${GRACE_S} s grace for freeze,`);
  console.log(`   counted from the last heartbeat, up to 1 s before the freeze; the hub deletes the pod on the first 1 s controller tick past lostAfterSeconds)`);
  if (loss.failure) {
    console.log(`\n   NODE LOSS FAILED (${loss.failure.mode}, round ${loss.failure.round}): ${loss.failure.message}\n   the hub's last log lines:`);
    for (const line of loss.failure.log) console.log(`     ${line}`);
  }
}

function reportIdle(idle: IdleWrites, heartbeatMs: number): void {
  const perHour = (bytes: number) => (bytes / idle.seconds) * 3600;
  const row = (name: string, w: ProcWrites) => [name, kib(w.writeBytes), kib(perHour(w.writeBytes)), mib(perHour(w.writeBytes) * 24), kib(perHour(w.wchar)), (perHour(w.syscw)).toFixed(0)];
  console.log(`\n3. Idle writes, ${idle.pods} pods running, hub connected, heartbeat ${heartbeatMs / 1000} s; window ${idle.seconds.toFixed(0)} s, extrapolated\n`);
  console.log(
    formatTable(
      ['process (/proc/PID/io)', 'write_bytes KiB', 'per hour KiB', 'per day MiB', 'wchar per hour KiB', 'write calls per hour'],
      [
        row('agent (with the children it reaped)', idle.agent),
        row(`naive LevelDB writer (~1 KiB put per ${heartbeatMs / 1000} s)`, idle.naive),
        row(`${idle.shims.count} perl shims of the agent (sum)`, idle.shims),
      ],
    ),
  );
  console.log('   /proc/PID/io counts the process and the children it has waited for (the kernel adds a reaped child\'s counters to its');
  console.log("   parent's: the agent's runc, mount, … runs are in its figures), not children still alive: the perl shims (apart above) and");
  console.log('   the containers. wchar and write calls count every write(2): pipes to runc, the MQTT socket, libuv eventfds, not only files.');
  const steps = idle.agentSteps;
  const shown = steps.slice(0, 8).map((x) => `${kib(x.bytes)} KiB at ${x.atS.toFixed(0)} s`).join(', ');
  console.log(`   the agent's write_bytes (looked at every 5 s) rose ${steps.length} times in the window${steps.length > 0 ? `: ${shown}${steps.length > 8 ? ', …' : ''}` : ''}`);
  console.log(`   agent / naive writer: write_bytes ${ratio(idle.agent.writeBytes / idle.naive.writeBytes)}, wchar ${ratio(idle.agent.wchar / idle.naive.wchar)}`);
  console.log('\n   LevelDB directories over the window\n');
  const dirRow = (name: string, g: IdleWrites['agentStore']) => [name, kib(g.sizeBefore), kib(g.sizeAfter), kib(g.sizeAfter - g.sizeBefore), String(g.changed.length), g.changed.slice(0, 6).join(', ') + (g.changed.length > 6 ? ', …' : '')];
  console.log(formatTable(['store', 'size before KiB', 'after KiB', 'grown KiB', 'files changed', 'which'], [dirRow('agent <dataDir>/state', idle.agentStore), dirRow('naive writer', idle.naiveStore)]));
}

function summary(f: Findings): void {
  console.log('\nSummary');
  for (const r of f.reboots) {
    const a = median(r.agent.map((x) => x.allRunningMs));
    const b = median(r.bare);
    console.log(`  offline reboot, hub down, ${r.pods} pods: all running ${s2(a)} s after the agent's spawn (median of ${r.agent.length}); bare runc create+start ×${r.pods} ${s2(b)} s; ${ratio(a / b)}${r.failure ? ` — FAILED in round ${r.failure.round}` : ''}`);
  }
  for (const mode of ['kill', 'freeze'] as const) {
    const xs = (f.loss?.samples ?? []).filter((x) => x.mode === mode).map((x) => x.replacementMs);
    if (xs.length === 0) continue;
    const m = median(xs);
    const bound = detectionS(mode) + LOST_AFTER_S;
    console.log(`  node loss (${mode === 'kill' ? 'SIGKILL, last will' : 'SIGSTOP, heartbeat grace'}): replacement Running ${s2(m)} s (median of ${xs.length}); ${ratio(m / 1000 / LOST_AFTER_S)} lostAfterSeconds ${LOST_AFTER_S}, ${ratio(m / 1000 / bound)} the configured ${bound} s`);
  }
  if (f.loss?.failure) console.log(`  node loss FAILED (${f.loss.failure.mode}, round ${f.loss.failure.round}): ${f.loss.failure.message}`);
  if (f.idle) {
    const i = f.idle;
    const h = (b: number) => (b / i.seconds) * 3600;
    console.log(`  idle writes, ${i.pods} pods, hub connected: agent ${kib(h(i.agent.writeBytes))} KiB/h write_bytes (${mib(h(i.agent.writeBytes) * 24)} MiB/day); naive per-heartbeat LevelDB writer ${kib(h(i.naive.writeBytes))} KiB/h (${mib(h(i.naive.writeBytes) * 24)} MiB/day); ${ratio(i.agent.writeBytes / i.naive.writeBytes)}; agent LevelDB grew ${kib(i.agentStore.sizeAfter - i.agentStore.sizeBefore)} KiB in ${i.seconds.toFixed(0)} s; the agent's write_bytes rose ${i.agentSteps.length} times`);
  }
}

export function report(f: Findings): void {
  console.log(`\nnode ${process.version}, ${f.cores ?? '?'} cores, ${f.runcVersion ?? 'runc'}; ${f.minutes?.toFixed(1) ?? '?'} min`);
  console.log(`load average before ${f.loadBefore}, after ${loadavg().map((l) => l.toFixed(2)).join(' ')}${f.interrupted ? `; ${f.interrupted} (partial results)` : ''}`);
  if (f.reboots.length > 0) reportReboots(f.reboots);
  if (f.loss) reportLoss(f.loss);
  if (f.idle) reportIdle(f.idle, f.heartbeatMs);
  summary(f);
}
