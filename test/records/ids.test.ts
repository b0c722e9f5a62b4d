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

/** The reference the one-pass scanner must match: the regular expression it replaced. */
function byRegex(text: string, requests: boolean): string[] {
  const out: string[] = [];
  const re = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
  const alnum = /[0-9A-Za-z]/;
  for (const m of text.matchAll(re)) {
    const start = m.index;
    const end = start + 36;
    if ((start > 0 && alnum.test(text[start - 1]!)) || (end < text.length && alnum.test(text[end]!))) continue;
    if ((text.slice(Math.max(0, start - 4), start).toLowerCase() === 'req-') !== requests) continue;
    const id = requests ? `req-${m[0].toLowerCase()}` : m[0].toLowerCase();
    if (!out.includes(id)) out.push(id);
  }
  return out;
}

t.test('the one-pass scanner finds what the regular expression finds', async (t) => {
  const pieces = [A, B, A.toUpperCase(), `req-${A}`, 'REQ-', 'req', '-', '--', 'a', 'F', '0', ' ', '_', A.slice(0, 20), `${A.slice(0, 35)}g`, 'abcdef01-', '2026-03-01'];
  let seed = 7;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let i = 0; i < 3000; i++) {
    let text = '';
    for (let k = random(8); k >= 0; k--) text += pieces[random(pieces.length)];
    t.same(findUuids(text), byRegex(text, false), `uuids of ${JSON.stringify(text)}`);
    t.same(findRequestIds(text), byRegex(text, true), `requests of ${JSON.stringify(text)}`);
  }
  t.same(findUuids(`aaaaaaaaa${A.slice(8)} ${B}`), [B], 'a match glued to a word is set aside, the next one found');
});
