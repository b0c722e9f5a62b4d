import t from 'tap';
import fc from 'fast-check';
import { escapeJsonText, sanitize } from '../../src/render/sanitize.js';

/** Anything a terminal could act on: C0 but tab/newline handled by the caller, DEL, C1, bidi, separators. */
const DANGEROUS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069\ufeff]/;

t.test('escape sequences, C1, DEL and bidi overrides become visible text', async (t) => {
  t.equal(sanitize('a\u001b[31mred\u001b[0m'), 'a\\x1b[31mred\\x1b[0m');
  t.equal(sanitize('title\u001b]0;pwned\u0007'), 'title\\x1b]0;pwned\\x07');
  t.equal(sanitize('csi\u009b2J'), 'csi\\x9b2J');
  t.equal(sanitize('del\u007f'), 'del\\x7f');
  t.equal(sanitize('user\u202eexe.txt'), 'user\\u202eexe.txt');
  t.equal(sanitize('cr\rlf\n'), 'cr\\x0dlf\\x0a');
  t.equal(sanitize('tab\there'), 'tab here');
  t.equal(sanitize('plain ünïcode ✓ text'), 'plain ünïcode ✓ text');
});

t.test('property: nothing dangerous survives sanitize', async (t) => {
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => !DANGEROUS.test(sanitize(s))), { numRuns: 2000 });
  t.pass();
});

t.test('JSON text stays the same value with C1, DEL and bidi escaped', async (t) => {
  const value = { m: 'x\u007f\u009b\u202e\u2028y' };
  const json = escapeJsonText(JSON.stringify(value));
  t.notOk(DANGEROUS.test(json));
  t.same(JSON.parse(json), value);
});
