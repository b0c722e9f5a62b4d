import t from 'tap';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Scanner, type ScannerOptions } from '../../src/sources/scanner.js';
import type { RawRecord } from '../../src/sources/raw-record.js';
import type { SourceWarning } from '../../src/sources/source.js';
import { countBadBytes } from '../../src/sources/damage.js';
import { describeSize } from '../../src/sources/sizes.js';

const isStart = (line: string): boolean => line.startsWith('Rec ');

function scan(input: Buffer, sizes: number[], options: Partial<ScannerOptions> & { needles: string[] | null }) {
  const records: RawRecord[] = [];
  const warnings: SourceWarning[] = [];
  const scanner = new Scanner({ isRecordStart: isStart, file: 'x.log', onRecord: (r) => records.push(r), onWarning: (w) => warnings.push(w), ...options });
  for (let at = 0, i = 0; at < input.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length]!);
    scanner.push(input.subarray(at, at + size));
    at += size;
  }
  scanner.end();
  return { records, warnings, stats: scanner.stats };
}

/** A seeded stream of bytes for damage (xorshift): deterministic per seed. */
function randomBytes(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

interface Piece {
  /** A clean line (without its end). */
  line: string;
  /** Damage inserted before the line: none, a NUL hole, random bytes. */
  damage: { kind: 'nul' | 'random'; length: number; seed: number; glued: boolean } | null;
}

const word = fc.constantFrom('a', 'ab', 'xy', 'é', 'zz', '€', 'id-7', ' ');
// A record's first line has a head of 16 bytes or more (a timestamp's worth): text shorter than
// that between two bits of damage is taken for damage (see damage.ts).
const lineArb = fc.tuple(fc.boolean(), fc.array(word, { maxLength: 12 })).map(([start, words]) => (start ? 'Rec 2026-03-02 10:00 ' : '  ') + words.join(''));
// Damage as disks and crashes leave it: NUL holes of any length; random bytes of a sector or more
// (a few dozen random bytes can pass for text, and are then kept as text).
const damageArb = fc.option(fc.oneof(fc.record({
  kind: fc.constant<'nul' | 'random'>('nul'),
  length: fc.integer({ min: 40, max: 3000 }),
  seed: fc.integer({ min: 1, max: 1 << 30 }),
  glued: fc.boolean(),
}), fc.record({
  kind: fc.constant<'nul' | 'random'>('random'),
  length: fc.integer({ min: 512, max: 3000 }),
  seed: fc.integer({ min: 1, max: 1 << 30 }),
  glued: fc.boolean(),
})), { freq: 4 });
const piecesArb = fc.array(fc.record({ line: lineArb, damage: damageArb }), { maxLength: 40 });

/**
 * The damaged input, and the records the clean text has (its lines with the record-start test),
 * each with the physical line number where it starts in the damaged input. Damage goes only
 * before a record start (a crash or a torn write between records); `glued`: the line before it
 * has no newline (the writer died mid-line), and the damage has no newline of its own before the
 * next record.
 */
function build(pieces: Piece[], crlf: boolean, finalNewline: boolean) {
  const parts: Buffer[] = [];
  const records: Array<{ lines: string[]; firstLine: number }> = [];
  let physicalLine = 1;
  const eol = crlf ? '\r\n' : '\n';
  pieces.forEach((piece, i) => {
    const starts = i === 0 || isStart(piece.line);
    const damage = starts && i > 0 ? piece.damage : null;
    if (damage !== null) {
      if (damage.glued && parts.length > 0) {
        // The line before loses its end: the writer died there.
        const last = parts.pop()!;
        parts.push(last.subarray(0, last.length - eol.length));
        physicalLine--;
      }
      let bytes = damage.kind === 'nul' ? Buffer.alloc(damage.length) : randomBytes(damage.seed, damage.length);
      bytes[0] = 0; // damage as the engine finds it: led by a NUL (random bytes have one every 256 bytes or so)
      if (!damage.glued) bytes = Buffer.concat([bytes, Buffer.from('\n')]);
      else bytes = Buffer.from(bytes.map((b) => (b === 0x0a ? 0 : b)));
      physicalLine += bytes.toString('latin1').split('\n').length - 1;
      parts.push(bytes);
    }
    if (starts) records.push({ lines: [], firstLine: physicalLine });
    const record = records[records.length - 1]!;
    record.lines.push(crlf ? `${piece.line}\r` : piece.line);
    parts.push(Buffer.from(piece.line + (i === pieces.length - 1 && !finalNewline ? '' : eol), 'utf8'));
    physicalLine++;
  });
  return { input: Buffer.concat(parts), records };
}

const needlesArb = fc.constantFrom<string[]>(['ab'], ['xy', 'id-7'], ['Rec '], ['é']);
const sizesArb = fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 6 });

t.test('damage never costs a record: the records of the clean text, whole, whatever the chunking (property)', async (t) => {
  let damaged = 0;
  fc.assert(fc.property(piecesArb, fc.boolean(), fc.boolean(), needlesArb, sizesArb, (pieces, crlf, finalNewline, needles, sizes) => {
    const { input, records } = build(pieces, crlf, finalNewline);
    const expected = records
      .filter((r) => needles.some((n) => r.lines.join('\n').includes(n)))
      .map((r) => ({ firstLine: r.firstLine, lines: r.lines }));
    const { records: found, stats, warnings } = scan(input, sizes, { needles });
    // A glued line's end went with the crash: compare the text, without the CR the crash left or took.
    const view = (rs: Array<{ firstLine: number; lines: string[] }>) => rs.map((r) => ({ firstLine: r.firstLine, lines: r.lines.map((l) => l.replace(/\r$/, '')) }));
    assert.deepStrictEqual(view(found.map((r) => ({ firstLine: r.firstLine, lines: r.lines }))), view(expected));
    assert.ok(found.every((r) => !r.cut && !r.continued));
    if (stats.damagedStretches > 0) {
      damaged++;
      assert.ok(warnings.some((w) => w.kind === 'damaged' && /^damaged stretch skipped: .+ at byte \d+$/.test(w.message)));
    }
  }), { numRuns: 250 });
  t.ok(damaged > 50, `${damaged} damaged inputs compared`);
});

t.test('without damage, every record of the naive framing, whatever the chunking (property)', async (t) => {
  fc.assert(fc.property(fc.array(lineArb, { maxLength: 60 }), fc.boolean(), sizesArb, (lines, finalNewline, sizes) => {
    const text = lines.join('\n') + (finalNewline && lines.length > 0 ? '\n' : '');
    const { records } = scan(Buffer.from(text), sizes, { needles: null });
    assert.equal(Buffer.concat(records.map((r) => r.bytes)).toString(), text, 'every byte, once, in order');
    records.forEach((r, i) => assert.ok(i === 0 || isStart(r.lines[0]!), 'each record but the first begins with a record start'));
  }), { numRuns: 200 });
  t.pass('property holds');
});

t.test('a NUL hole with no newline: the record after it is its own, whole; the skip is counted where it was', async (t) => {
  const before = 'Rec 1 ab started\n  detail\nRec 2 partial ab';
  const hole = Buffer.alloc(70_000);
  const after = 'Rec 3 restarted ab\n  more\nRec 4 tail\n';
  const input = Buffer.concat([Buffer.from(before), hole, Buffer.from(after)]);
  for (const sizes of [[input.length], [4096], [7, 13, 1000]]) {
    const { records, warnings, stats } = scan(input, sizes, { needles: ['ab'] });
    t.same(records.map((r) => [r.firstLine, r.lines]), [
      [1, ['Rec 1 ab started', '  detail']],
      [3, ['Rec 2 partial ab']],
      [3, ['Rec 3 restarted ab', '  more']],
    ], `chunks ${sizes.join(',')}`);
    t.same(warnings.map((w) => w.message), [`damaged stretch skipped: 68.4 KiB at byte ${before.length}`]);
    t.equal(stats.damagedBytes, 70_000);
    t.equal(records[2]!.offset, before.length + 70_000, 'input offsets count the removed bytes');
  }
});

t.test('random bytes between records: skipped and counted per stretch; a lone NUL in text stays', async (t) => {
  const first = 'Rec 1 ab '.padEnd(150, '.') + '\n';
  const damage = randomBytes(42, 200 * 1024);
  damage[0] = 0x51; // printable junk at its head goes with it
  const input = Buffer.concat([Buffer.from(first), damage, Buffer.from('Rec 2 ab after\nRec 3 a \u0000 NUL in text ab\n')]);
  const { records, warnings } = scan(input, [65536], { needles: ['ab'] });
  t.same(records.map((r) => r.lines[0]), [first.slice(0, -1), 'Rec 2 ab after', 'Rec 3 a \u0000 NUL in text ab']);
  t.same(warnings.map((w) => w.message), ['damaged stretch skipped: 200 KiB at byte 151']);
});

t.test('nothing but damage: the scan stops after a bounded stretch, with a message', async (t) => {
  const warnings: SourceWarning[] = [];
  const scanner = new Scanner({ isRecordStart: isStart, needles: ['ab'], file: '-', onRecord: () => undefined, onWarning: (w) => warnings.push(w) });
  const zeros = Buffer.alloc(1024 * 1024);
  let pushed = 0;
  while (!scanner.stats.stopped && pushed < 64 * 1024 * 1024) {
    scanner.push(zeros);
    pushed += zeros.length;
  }
  t.ok(scanner.stats.stopped, `stopped after ${pushed} bytes`);
  t.ok(pushed <= 32 * 1024 * 1024, 'within 16 MiB and a window');
  t.match(warnings.map((w) => w.message), [/^no text in the first \d+ MiB: not a log; stopped reading it$/], 'one line: the stop');
  const random = new Scanner({ isRecordStart: isStart, needles: ['ab'], file: '-', onRecord: () => undefined });
  const noise = randomBytes(3, 1024 * 1024);
  for (let i = 0; i < 40 && !random.stats.stopped; i++) random.push(noise);
  t.ok(random.stats.stopped, 'random bytes too');
});

t.test('records straddling any line count are framed by their own size: a 5-line record after 10,000 one-line records is whole', async (t) => {
  const lines = Array.from({ length: 9998 }, (_, i) => `Rec ${i} ab`);
  const text = `${lines.join('\n')}\nRec tb ab\n  File x\n  raise\n  more\nOSError: boom\nRec last ab\n`;
  const { records, warnings } = scan(Buffer.from(text), [1 << 20], { needles: ['ab'] });
  const traceback = records.find((r) => r.lines[0] === 'Rec tb ab')!;
  t.same(traceback.lines.at(-1), 'OSError: boom');
  t.equal(traceback.firstLine, 9999);
  t.same(warnings, []);
});

t.test('a matching line longer than the window streams through in pieces with bounded memory (pass-through)', async (t) => {
  const out: Array<Pick<RawRecord, 'continued' | 'cut'> & { length: number }> = [];
  const scanner = new Scanner({ isRecordStart: isStart, needles: ['ab'], passLongLines: true, file: '-', maxRecordBytes: 1024 * 1024,
    onRecord: (r) => out.push({ continued: r.continued, cut: r.cut, length: r.bytes.length }) });
  const piece = Buffer.alloc(1024 * 1024, 'y');
  scanner.push(Buffer.from('Rec ab '));
  const before = process.memoryUsage().rss;
  let total = 7;
  for (let i = 0; i < 100; i++) {
    scanner.push(piece);
    total += piece.length;
  }
  scanner.push(Buffer.from('\nRec next\n'));
  scanner.end();
  t.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024, 'memory bounded');
  const passed = out.reduce((n, r) => n + r.length, 0);
  t.equal(passed, total + 1, 'every byte of the matching line, and its newline');
  t.ok(out.length > 20, `${out.length} pieces, each at most the window`);
  t.ok(out.every((r) => r.length <= 8 * 1024 * 1024));
  t.ok(out.slice(1).every((r) => r.continued));
});

t.test('the damage classifier: text is clean, random bytes and NUL runs are not', async (t) => {
  t.equal(countBadBytes(Buffer.from('2026-03-02 09:00:00.100 INFO naïve “quotes” 日本語 \t\x1b[0m'), 0, 44), 0);
  t.ok(countBadBytes(randomBytes(7, 32), 0, 32) >= 4);
  t.equal(countBadBytes(Buffer.alloc(32), 0, 32), 32);
  t.equal(describeSize(70_000), '68.4 KiB');
  t.equal(describeSize(204_800), '200 KiB');
  t.equal(describeSize(1), '1 byte');
  t.equal(describeSize(1536 * 1024), '1.5 MiB');
});
