import t from 'tap';
import { findRequestIds, findUuids, isUuid, normaliseId } from '../../src/records/ids.js';

const A = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';
const B = '3f0e8a52-6c1d-4b7e-9d2a-5e4f3c2b1a09';

t.test('findUuids: lower case, de-duplicated, in order, request ids left out', async (t) => {
  t.same(findUuids(`GET /v2/p/servers/${A} req-${B} then ${A.toUpperCase()} and (${B})`), [A, B]);
  t.same(findUuids(`[req-${A} - - - - -] nothing else`), []);
  t.same(findUuids(`REQ-${A}`), [], 'request prefix in any case');
  t.same(findUuids(`x${A}`), [], 'glued to a word: not an id');
  t.same(findUuids(`${A}0`), []);
  t.same(findUuids(`/instances/${A}/disk ${B}_resize`), [A, B]);
  t.same(findUuids('short text'), []);
  t.same(findUuids('-'.repeat(100)), []);
});

t.test('findRequestIds and helpers', async (t) => {
  t.same(findRequestIds(`[req-${A} req-${B} u p] again req-${A}`), [`req-${A}`, `req-${B}`]);
  t.same(findRequestIds(A), []);
  t.equal(isUuid(A), true);
  t.equal(isUuid(A.toUpperCase()), true);
  t.equal(isUuid(`${A}x`), false);
  t.equal(isUuid('instance-0000001a'), false);
  t.equal(normaliseId(A.toUpperCase()), A);
  t.equal(normaliseId('Instance-01'), 'Instance-01');
});
