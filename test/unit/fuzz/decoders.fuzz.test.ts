import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { validateApply } from '../../../hub/src/api/apply.js';
import { decodeMessage } from '../../../protocol/src/codec.js';
import { toWireCronJobSpec, toWirePodSpec } from '../../../protocol/src/desired.js';
import { isBootstrapTokenFormat, parseEnrollRequest } from '../../../protocol/src/enrollment.js';
import { ErrorCode } from '../../../protocol/src/errors.js';
import { type ManifestObject, manifestKinds, parseManifests } from '../../../protocol/src/manifest.js';
import { templateSpec } from '../../../protocol/src/objects/pod.js';
import { decodeDesiredBody, openDesired, sealDesired } from '../../../protocol/src/signing.js';
import { type MessageKind, messageSchemas } from '../../../protocol/src/schemas.js';
import { isNodeName } from '../../../protocol/src/topics.js';
import { manifestSeeds, messageKindsToFuzz, seedPayloads } from '../../support/fuzz-seeds.js';
import { decodeCbor } from '../../support/cbor-write.js';
import { Rng, mutateBytes } from '../../support/mutate.js';
import { mutateJson, mutateText } from '../../support/mutate-text.js';
import { FUZZ_RUNS, FUZZ_SEED, fuzz, hexExcerpt, summaryLine } from './fuzz-run.js';

const protocolCodes = new Set<string>([ErrorCode.ProtocolTooLarge, ErrorCode.ProtocolMalformed, ErrorCode.ProtocolVersion, ErrorCode.ProtocolInvalid]);
const seeds = seedPayloads({ node: 'edge-fuzz', uid: 'f0f0f0f0-0000-4000-8000-00000000000a', generation: 3 });
/** Grown payloads stay under this: room for the slow paths to show, not for the suite to crawl. */
const MAX_BYTES = 64 * 1024;

describe(`decoders under ${FUZZ_RUNS} mutated inputs each (seed ${FUZZ_SEED})`, () => {
  for (const kind of messageKindsToFuzz) {
    test(`decodeMessage('${kind}') never throws, rejects with a CORRAL_PROTOCOL_* code, and what it accepts satisfies the ${kind} schema`, (t) => {
      const rng = new Rng(FUZZ_SEED ^ hash(kind));
      const valid = seeds[kind][0]!;
      const summary = fuzz({
        runs: FUZZ_RUNS,
        next: () => mutateBytes(rng, { seeds: seeds[kind], maxBytes: MAX_BYTES }),
        call: (payload) => decodeMessage(kind, payload),
        describe: hexExcerpt,
        check: (result, _payload, mutant) => checkDecoded(kind, result, valid, mutant.mutator),
      });
      t.diagnostic(summaryLine(`decodeMessage('${kind}')`, summary));
    });
  }

  test('openDesired with the hub key pinned never throws, and opens only a body the hub signed, unchanged', (t) => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const bodies = seeds.desired.map((p) => (decodeCbor(p) as { body?: Uint8Array }).body).filter((b): b is Uint8Array => b instanceof Uint8Array);
    const messages = bodies.map((body) => {
      const decoded = decodeDesiredBody(body);
      assert.ok(decoded.ok, 'a desired seed body decodes');
      return decoded.value;
    });
    const sealed = bodies.map((body) => Buffer.from(sealDesired({ node: 'edge-fuzz', generation: 3, body }, { privateKey })));
    const rng = new Rng(FUZZ_SEED ^ hash('openDesired'));
    const summary = fuzz({
      runs: FUZZ_RUNS,
      next: () => mutateBytes(rng, { seeds: sealed, maxBytes: MAX_BYTES }),
      call: (payload) => openDesired(payload, { node: 'edge-fuzz', publicKey }),
      describe: hexExcerpt,
      check: (result) => {
        if (!result.ok) {
          assert.ok(protocolCodes.has(result.error.code) || result.error.code.startsWith('CORRAL_DESIRED_'), result.error.code);
          return result.error.code;
        }
        assert.equal(result.value.verified, true);
        assert.ok(messages.some((m) => isDeepStrictEqual(m, result.value.message)), 'opened a body the hub did not sign');
        return 'opened (signed body)';
      },
    });
    t.diagnostic(summaryLine('openDesired (pinned key)', summary));
  });

  test('parseManifests never throws, reports every bad document as CORRAL_MANIFEST_INVALID, and what it returns re-validates in manifest form', (t) => {
    const rng = new Rng(FUZZ_SEED ^ hash('manifest'));
    // The yaml library hands document warnings (`%YAML 9.9`, collection keys) to process.emitWarning: counted, not printed.
    const emitWarning = process.emitWarning;
    let warnings = 0;
    process.emitWarning = () => void (warnings += 1);
    t.after(() => void (process.emitWarning = emitWarning));
    const summary = fuzz({
      runs: FUZZ_RUNS,
      next: () => mutateText(rng, { seeds: manifestSeeds, maxChars: MAX_BYTES }),
      call: (text) => {
        return parseManifests(text, 'fuzz.yaml');
      },
      describe: (text) => JSON.stringify(text.slice(0, 400)),
      check: (result) => {
        for (const error of result.errors) {
          assert.equal(error.code, ErrorCode.ManifestInvalid);
          assert.match(error.message, /^fuzz\.yaml doc \d+: /);
        }
        for (const object of result.objects) assertRevalidates(object);
        return result.objects.length > 0 ? (result.errors.length > 0 ? 'objects and errors' : 'objects') : result.errors.length > 0 ? 'errors' : 'empty';
      },
    });
    process.emitWarning = emitWarning;
    t.diagnostic(summaryLine('parseManifests', summary));
    t.diagnostic(`parseManifests: the yaml library emitted ${warnings} process warnings`);
  });

  test('parseManifests never throws on YAML aliases: an unresolved alias, an alias bomb, a kind that contains itself', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdef'.split('').map((l, i) => `${l}: &${l} [${Array(9).fill(`*${'abcdef'[i]}`).join(', ')}]`), 'kind: Pod'].join('\n');
    for (const text of ['kind: Pod\nspec: *nope\n', bomb, 'apiVersion: corral/v1\nkind: &k [*k]\n']) {
      assert.doesNotThrow(() => parseManifests(text, 'alias.yaml'), text);
      assert.equal(parseManifests(text, 'alias.yaml').errors[0]?.code, ErrorCode.ManifestInvalid);
    }
  });

  test("the hub's validateApply never throws on mutated JSON bodies, and what it accepts re-validates in manifest form", (t) => {
    const rng = new Rng(FUZZ_SEED ^ hash('apply'));
    const objects = manifestSeeds.flatMap((text) => parseManifests(text, 'seed.yaml').objects).map(toManifestForm);
    const bodies = [...objects, { kind: 'List', items: objects }, objects];
    const summary = fuzz({
      runs: FUZZ_RUNS,
      next: () => mutateJson(rng, bodies, MAX_BYTES),
      call: (text) => {
        let body: unknown;
        try {
          body = JSON.parse(text); // fastify's parser: a body that is not JSON never reaches the route
        } catch {
          return undefined;
        }
        return validateApply(body);
      },
      describe: (text) => text.slice(0, 400),
      check: (result) => {
        if (result === undefined) return 'not JSON';
        if (!result.ok) {
          assert.ok(result.invalid.length > 0);
          for (const i of result.invalid) assert.ok(i.message.startsWith(i.field), i.message);
          return 'invalid';
        }
        for (const object of result.objects) assertRevalidates(object);
        return 'valid';
      },
    });
    t.diagnostic(summaryLine('validateApply', summary));
  });

  test("the hub's enrollment request decoder never throws on mutated JSON bodies, names the field of every refusal, and what it accepts is a well-formed request", (t) => {
    const rng = new Rng(FUZZ_SEED ^ hash('enroll'));
    const token = `cbt_${'Q9-_x'.repeat(8)}abc`;
    const bodies = [
      { token, nodeName: 'pi-a' },
      { token, nodeName: 'edge-fuzz-7', hostname: 'edge-fuzz-7.local', architecture: 'arm64' },
      { token, nodeName: 'a', hostname: 'x' },
      { token: 'cbt_short', nodeName: 'pi-a', architecture: 'amd64' },
    ];
    const summary = fuzz({
      runs: FUZZ_RUNS,
      next: () => mutateJson(rng, bodies, MAX_BYTES),
      call: (text) => {
        let body: unknown;
        try {
          body = JSON.parse(text); // fastify's parser: a body that is not JSON never reaches the route
        } catch {
          return undefined;
        }
        return { body, result: parseEnrollRequest(body) };
      },
      describe: (text) => text.slice(0, 400),
      check: (decoded) => {
        if (decoded === undefined) return 'not JSON';
        const { body, result } = decoded;
        if (!result.ok) {
          assert.equal(result.error.code, ErrorCode.ProtocolInvalid);
          assert.ok(result.error.message.startsWith(`${result.error.path}: `), result.error.message);
          return 'invalid';
        }
        assert.ok(isBootstrapTokenFormat(result.value.token), 'token');
        assert.ok(isNodeName(result.value.nodeName), 'nodeName');
        assert.deepEqual(result.value, body, 'accepted as sent: nothing added, dropped or coerced');
        assert.ok(Buffer.byteLength(JSON.stringify(result.value)) < 1024, 'an accepted request is small');
        return 'valid';
      },
    });
    t.diagnostic(summaryLine('parseEnrollRequest', summary));
    assert.ok((summary.outcomes.valid ?? 0) > 0 && (summary.outcomes.invalid ?? 0) > 0, JSON.stringify(summary.outcomes));
  });
});

function checkDecoded(kind: MessageKind, result: ReturnType<typeof decodeMessage>, valid: Uint8Array, mutator: string): string {
  if (result.ok) {
    const again = messageSchemas[kind].safeParse(result.value);
    assert.ok(again.success, `accepted a ${kind} its schema refuses: ${again.success ? '' : JSON.stringify(again.error.issues[0])}`);
    return 'accepted';
  }
  assert.ok(protocolCodes.has(result.error.code), `unexpected code ${result.error.code}`);
  // A failed decode must leave nothing behind in the shared decoder.
  if (mutator.includes('bomb') || mutator.includes('tag')) assert.equal(decodeMessage(kind, valid).ok, true, 'a valid payload no longer decodes');
  return result.error.code;
}

/** A parsed object back in manifest form (quantities as text), as the CLI would send it. */
function toManifestForm(object: ManifestObject): unknown {
  switch (object.kind) {
    case 'Pod':
      return { ...object, spec: toWirePodSpec(object.spec) };
    case 'CronJob':
      return { ...object, spec: toWireCronJobSpec(object.spec) };
    default:
      return { ...object, spec: { ...object.spec, template: { ...(toWirePodSpec(templateSpec(object.spec.template)) as object), metadata: object.spec.template.metadata } } };
  }
}

/** Parsed output, written back in manifest form, parses to itself: nothing unvalidated slipped through. */
function assertRevalidates(object: ManifestObject): void {
  assert.ok(Object.hasOwn(manifestKinds, object.kind), `kind ${String(object.kind)}`);
  const again = manifestKinds[object.kind].safeParse(toManifestForm(object));
  assert.ok(again.success, `${object.kind} ${object.metadata.name} does not re-validate: ${again.success ? '' : JSON.stringify(again.error.issues[0])}`);
  assert.deepEqual(again.data, object);
}


function hash(text: string): number {
  let h = 2_166_136_261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16_777_619);
  return h >>> 0;
}
