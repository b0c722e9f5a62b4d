import t from 'tap';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NeedleSet } from '../../src/sources/needles.js';
import { fingerprintAnchor, MAX_NEEDLES, multiNeedleAvailable, MultiNeedleMatcher } from '../../src/sources/multi-needle.js';
import { BYTE_RANKS } from '../../src/sources/byte-ranks.js';
import { CACHE_SCAN_CUES } from '../../src/records/index.js';

/** Every position where some needle begins, ascending, once each: the plain definition. */
function naive(hay: Buffer, needles: string[], from = 0, to = hay.length): number[] {
  const bytes = [...new Set(needles)].filter((n) => n !== '' && !n.includes('\n')).map((n) => Buffer.from(n));
  const hits = new Set<number>();
  for (let i = from; i < to; i++) {
    for (const n of bytes) if (i + n.length <= to && hay.subarray(i, i + n.length).equals(n)) hits.add(i);
  }
  return [...hits].sort((a, b) => a - b);
}

t.test('this runtime runs the kernel (WebAssembly SIMD)', async (t) => {
  t.ok(multiNeedleAvailable());
});

t.test('the kernel finds what the plain definition finds: all, first, has (property)', async (t) => {
  // A small alphabet makes hits, near misses and overlapping needles common.
  const text = fc.stringMatching(/^[ab_c\- \n]{0,300}$/);
  const needle = fc.stringMatching(/^[ab_c\- ]{1,9}$/);
  fc.assert(fc.property(text, fc.array(needle, { minLength: 2, maxLength: 20 }), fc.nat(), fc.nat(), (hay, needles, x, y) => {
    const buf = Buffer.from(hay);
    const from = buf.length === 0 ? 0 : x % (buf.length + 1);
    const to = from + (buf.length === 0 ? 0 : y % (buf.length - from + 1));
    const want = naive(buf, needles, from, to);
    const set = new NeedleSet(needles);
    const reference = new NeedleSet(needles, { engine: 'indexOf' });
    t.same(set.all(buf, from, to), want);
    t.same(reference.all(buf, from, to), want);
    t.equal(set.first(buf, from, to), want[0] ?? -1);
    t.equal(set.has(buf, from, to), want.length > 0);
  }), { numRuns: 400 });
});

t.test('hits across the 1 MiB pieces the kernel copies in, and in multi-byte text', async (t) => {
  const needles = ['Unknown base file:', '_base/', 'pre-cach', 'é€x', 'zz'];
  const size = 3 * 1024 * 1024 + 77;
  const buf = Buffer.alloc(size, 'abcdefgh ');
  const place = (at: number, s: string): void => void buf.write(s, at);
  // Straddling each piece boundary, at the very start and end, and side by side.
  for (const boundary of [1024 * 1024, 2 * 1024 * 1024, 3 * 1024 * 1024]) {
    place(boundary - 5, 'Unknown base file:');
    place(boundary + 20, 'zz');
  }
  place(0, '_base/');
  place(size - 8, 'pre-cach');
  place(500_000, 'é€xé€x');
  const want = naive(buf, needles);
  t.ok(want.length >= 9);
  const set = new NeedleSet(needles);
  t.same(set.all(buf, 0, size), want);
  t.equal(set.first(buf, 1, size), want.find((at) => at >= 1));
  t.equal(set.first(buf, 2 * 1024 * 1024 - 4, size), 2 * 1024 * 1024 + 20);
  t.equal(set.has(buf, 600_000, 1024 * 1024 - 6), false);
});

t.test('first: a needle fingerprinted further in that begins earlier is still the first', async (t) => {
  // 'xxxxxxxxxZQJK' is fingerprinted at its rare end; 'ab' begins after it but is found sooner.
  const needles = ['xxxxxxxxxZQJK', 'yy'];
  const buf = Buffer.from('....xxxxxxxxxZQJK.yy');
  t.ok(fingerprintAnchor(Buffer.from(needles[0]!)) > 0, 'anchored past its start');
  t.equal(new NeedleSet(needles).first(buf, 0, buf.length), 4);
});

t.test('the image cache cues and a hundred request ids in one set', async (t) => {
  const ids = Array.from({ length: 100 }, (_, i) => `req-${String(i).padStart(8, '0')}-1111-2222-3333-444444444444`);
  const needles = [...CACHE_SCAN_CUES, ...ids];
  const lines = [
    '2026-12-04 10:00:00.000 1 INFO nova.virt.libvirt.imagecache [req-00000042-1111-2222-3333-444444444444 - - - - -] Active base files: /var/lib/nova/instances/_base/aa',
    '{"cache_action": "fetch", "msg": "x"}',
    'Preparing to request pre-caching of image(s) 1234',
    'Instance 5 is backed by 0a0b',
    'req-00000099-1111-2222-3333-44444444444 (one short)',
  ];
  const buf = Buffer.from(lines.join('\n'));
  t.same(new NeedleSet(needles).all(buf, 0, buf.length), naive(buf, needles));
});

t.test('too many needles for the kernel: the indexOf passes answer', async (t) => {
  const needles = Array.from({ length: MAX_NEEDLES + 1 }, (_, i) => `n${i}x`);
  t.equal(MultiNeedleMatcher.create(needles.map((n) => Buffer.from(n))), null);
  const buf = Buffer.from(`..n7x..n${MAX_NEEDLES}x..`);
  t.same(new NeedleSet(needles).all(buf, 0, buf.length), naive(buf, needles));
});

t.test('one needle, none, and needles dropped (empty, with a newline)', async (t) => {
  const buf = Buffer.from('a\nb a');
  t.same(new NeedleSet(['a']).all(buf, 0, buf.length), [0, 4]);
  t.same(new NeedleSet([]).all(buf, 0, buf.length), []);
  t.equal(new NeedleSet(['', 'a\nb']).size, 0);
  t.equal(new NeedleSet(['', 'a\nb']).first(buf, 0, buf.length), -1);
  t.equal(new NeedleSet(['a', 'b']).first(buf, 3, 3), -1);
});

t.test('byte ranks: log text is common, control bytes rare', async (t) => {
  t.equal(BYTE_RANKS.length, 256);
  t.same([...BYTE_RANKS].sort((a, b) => a - b), Array.from({ length: 256 }, (_, i) => i), 'a permutation');
  for (const common of ' e0a-') t.ok(BYTE_RANKS[common.charCodeAt(0)]! > 240, common);
  t.ok(BYTE_RANKS[0]! < 50 && BYTE_RANKS[0x1b]! < 100);
  t.ok(BYTE_RANKS['_'.charCodeAt(0)]! < BYTE_RANKS[' '.charCodeAt(0)]!);
});

t.test('the committed kernel is the assembly of multi-needle.wat', async (t) => {
  const script = fileURLToPath(new URL('../../scripts/build-wasm.js', import.meta.url));
  const run = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
  t.equal(run.status, 0, run.stderr);
});
