import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CronJobSpec, DesiredMessage, decodeDesiredBody, encodeDesiredBody, parseManifests, toWireCronJobSpec } from '../../../protocol/src/index.js';

const manifest = (spec: string) => `apiVersion: corral/v1
kind: CronJob
metadata: {name: backup}
spec:
${spec}
  template:
    containers:
      - {name: main, image: busybox, command: [sh, -c, 'date'], resources: {limits: {cpu: 100m, memory: 16Mi}}}
`;

const errorOf = (text: string) => parseManifests(text, 'job.yaml').errors[0]?.message;

test('a CronJob manifest parses with its defaults: Allow, history 3/1, EveryNode, restartPolicy Never', () => {
  const { objects, errors } = parseManifests(manifest('  schedule: "*/2 * * * * *"\n  timeZone: Europe/Berlin'), 'job.yaml');
  assert.deepEqual(errors, []);
  const job = objects[0];
  assert.equal(job?.kind, 'CronJob');
  if (job?.kind !== 'CronJob') return;
  assert.equal(job.spec.concurrencyPolicy, 'Allow');
  assert.equal(job.spec.successfulRunsHistoryLimit, 3);
  assert.equal(job.spec.failedRunsHistoryLimit, 1);
  assert.deepEqual(job.spec.placement, { mode: 'EveryNode' });
  assert.equal(job.spec.template.restartPolicy, 'Never');
  assert.equal(job.spec.suspend, false);
});

test('a bad schedule names the field and why', () => {
  assert.equal(errorOf(manifest('  schedule: "0 * * *"')), 'job.yaml doc 1: spec.schedule: "0 * * *" is not a cron schedule (expected 5 or 6 fields but got 4); use 5 fields (minute hour day month weekday) or 6 (seconds first)');
  assert.match(errorOf(manifest('  schedule: "61 * * * *"')) ?? '', /^job\.yaml doc 1: spec\.schedule: "61 \* \* \* \*" is not a cron schedule \(minute: 61 is a invalid expression for minute\)/);
});

test('an unknown time zone, an Always restart policy and a bad policy are refused by field', () => {
  assert.equal(errorOf(manifest('  schedule: "0 * * * *"\n  timeZone: Mars/Olympus')), 'job.yaml doc 1: spec.timeZone: must be an IANA time zone such as Europe/Berlin or UTC');
  const always = manifest('  schedule: "0 * * * *"').replace('    containers:', '    restartPolicy: Always\n    containers:');
  assert.equal(errorOf(always), 'job.yaml doc 1: spec.template.restartPolicy: must be Never or OnFailure: a run ends');
  assert.match(errorOf(manifest('  schedule: "0 * * * *"\n  concurrencyPolicy: Sometimes')) ?? '', /^job\.yaml doc 1: spec\.concurrencyPolicy: /);
});

test('a CronJob survives the desired state on the wire', () => {
  const spec = CronJobSpec.parse({ schedule: '30 2 * * *', timeZone: 'UTC', concurrencyPolicy: 'Forbid', activeDeadlineSeconds: 60, template: { restartPolicy: 'OnFailure', containers: [{ name: 'm', image: 'busybox', resources: { limits: { cpu: '250m' } } }] } });
  const payload = encodeDesiredBody({ v: 1, node: 'pi-1', ts: 1, generation: 2, pods: [], cronJobs: [{ uid: 'u1', name: 'backup', spec: toWireCronJobSpec(spec) }] });
  const decoded = decodeDesiredBody(payload);
  assert.ok(decoded.ok);
  if (decoded.ok) assert.deepEqual(decoded.value.cronJobs[0]?.spec, spec);
  assert.deepEqual(DesiredMessage.parse({ v: 1, node: 'pi-1', ts: 1, generation: 1, pods: [] }).cronJobs, [], 'older hubs send no cronJobs');
});
