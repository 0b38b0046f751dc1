import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeRefName, encodeRefName } from '../../../../agent/src/images/ref-name.js';

/** The grammar of `org.opencontainers.image.ref.name` (image-spec annotations). */
const OCI_REF_NAME = /^[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*(?:\/[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*)*$/;

test('encodeRefName escapes everything but alphanumerics, readably', () => {
  assert.equal(encodeRefName('docker.io/library/busybox:1'), 'rdocker-2eio-2flibrary-2fbusybox-3a1');
  assert.equal(encodeRefName('127.0.0.1:5000/a__b:_x'), 'r127-2e0-2e0-2e1-3a5000-2fa-5f-5fb-3a-5fx');
});

test('encodeRefName output always obeys the OCI ref-name grammar and decodes back', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ minLength: 1, maxLength: 300, unit: 'binary-ascii' }), fc.string({ minLength: 1, maxLength: 100, unit: 'grapheme' })), (reference) => {
      const name = encodeRefName(reference);
      assert.match(name, OCI_REF_NAME);
      assert.equal(decodeRefName(name), reference);
    }),
    { numRuns: 500 },
  );
});

test('decodeRefName rejects names encodeRefName never makes', () => {
  for (const name of ['latest', '1', 'r', 'rabc-zz', 'rabc-4', 'r-41', 'rabc.def', 'tmp0123abcd', 'r-2E']) {
    assert.equal(decodeRefName(name), undefined, name);
  }
});
