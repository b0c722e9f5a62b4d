import t from 'tap';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RecordFramer, type FramerOptions, type RawRecord } from '../../src/sources/frame.js';
import type { SourceWarning } from '../../src/sources/source.js';
import { cutMarker } from '../../src/sources/lines.js';
import { splitRawLines } from './fixtures/helpers.js';

const isStart = (line: string): boolean => line.startsWith('R');

/** Frames `input` cut into chunks at the given sizes (cycled), then flushes. */
function frame(input: Buffer, sizes: number[], options: Partial<FramerOptions> = {}): RawRecord[] {
  const framer = new RecordFramer({ isRecordStart: isStart, ...options });
  const out: RawRecord[] = [];
  let at = 0;
  for (let i = 0; at < input.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] ?? input.length);
    out.push(...framer.push(Buffer.from(input.subarray(at, at + size))));
    at += size;
  }
  out.push(...framer.flush());
  return out;
}

const plain = (records: RawRecord[]) => records.map((r) => ({ bytes: r.bytes.toString('latin1'), firstLine: r.firstLine, lineCount: r.lineCount, cut: r.cut, continued: r.continued, matched: r.matched }));

/** Records by hand: a record starts at line 1 and at each line the test accepts. */
function naiveRecords(input: Buffer): Array<{ bytes: string; firstLine: number; lineCount: number }> {
  const lines = splitRawLines(input);
  const records: Array<{ bytes: string; firstLine: number; lineCount: number }> = [];
  let offset = 0;
  lines.forEach((line, i) => {
    const withNewline = input.subarray(offset, Math.min(input.length, offset + line.length + 1)).toString('latin1');
    offset += line.length + 1;
    const last = records[records.length - 1];
    if (last === undefined || isStart(line.toString('utf8'))) records.push({ bytes: withNewline, firstLine: i + 1, lineCount: 1 });
    else {
      last.bytes += withNewline;
      last.lineCount++;
    }
  });
  return records;
}

const inputArb = fc.array(fc.constantFrom('R', 'x', 'ab', '\n', '\n', '\xff', '\0', 'é'), { maxLength: 200 }).map((p) => Buffer.from(p.join(''), 'utf8'));
const sizesArb = fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 6 });

t.test('records are the input, whole, whatever the chunking (property)', async (t) => {
  fc.assert(fc.property(inputArb, sizesArb, (input, sizes) => {
    const records = frame(input, sizes, { needles: ['ab'] });
    assert.strictEqual(Buffer.concat(records.map((r) => r.bytes)).toString('latin1'), input.toString('latin1'));
    assert.deepStrictEqual(records.map((r) => ({ bytes: r.bytes.toString('latin1'), firstLine: r.firstLine, lineCount: r.lineCount })), naiveRecords(input));
    assert.deepStrictEqual(records.map((r) => r.matched), records.map((r) => r.bytes.includes('ab')));
  }), { numRuns: 300 });
  t.pass('property holds');
});

t.test('cut limits give the same pieces whatever the chunking, and lose no byte (property)', async (t) => {
  const limits = fc.record({ maxRecordLines: fc.integer({ min: 1, max: 5 }), maxRecordBytes: fc.integer({ min: 1, max: 30 }), maxLineBytes: fc.integer({ min: 1, max: 10 }) });
  fc.assert(fc.property(inputArb, sizesArb, limits, (input, sizes, limit) => {
    const whole = frame(input, [input.length], limit);
    const chunked = frame(input, sizes, limit);
    assert.deepStrictEqual(plain(chunked), plain(whole));
    assert.strictEqual(Buffer.concat(chunked.map((r) => r.bytes)).toString('latin1'), input.toString('latin1'));
    for (const r of chunked) {
      assert.ok(r.bytes.length <= limit.maxRecordBytes || r.lineCount === 1, 'a piece over the byte limit is one line arriving whole');
      assert.ok(r.lineCount <= limit.maxRecordLines + 1);
    }
  }), { numRuns: 300 });
  t.pass('property holds');
});

t.test('a traceback stays with its record; lines decoded on demand', async (t) => {
  const text = 'R1 start\n  Traceback\n  File x\nR2 next\nR3 \xff bad \0 nul\n';
  const records = frame(Buffer.from(text, 'latin1'), [5]);
  t.same(records.map((r) => r.lines), [['R1 start', '  Traceback', '  File x'], ['R2 next'], ['R3 \ufffd bad \0 nul']]);
  t.same(records.map((r) => [r.firstLine, r.lineCount]), [[1, 3], [4, 1], [5, 1]]);
  t.same(records[0]!.lines, records[0]!.lines, 'decoded once, then kept');
});

t.test('a record is held only until the next starts; pending and idle flush', async (t) => {
  const framer = new RecordFramer({ isRecordStart: isStart, firstLine: 10 });
  t.notOk(framer.pending);
  t.same(framer.push(Buffer.from('R1 a\n  cont\n')), []);
  t.ok(framer.pending, 'the record may still get continuation lines');
  const out = framer.push(Buffer.from('R2 b\nR3 partial'));
  t.same(out.map((r) => [r.bytes.toString(), r.firstLine]), [['R1 a\n  cont\n', 10]], 'R2 waits: the unfinished line may be its continuation');
  const idle = framer.flush(false);
  t.same(idle.map((r) => [r.bytes.toString(), r.firstLine]), [['R2 b\n', 12]], 'on idle the complete lines go; the unfinished line waits');
  t.ok(framer.pending);
  t.same(framer.push(Buffer.from(' line\n')).map((r) => r.bytes.toString()), []);
  t.same(framer.flush(false).map((r) => [r.bytes.toString(), r.firstLine]), [['R3 partial line\n', 13]]);
  t.notOk(framer.pending);
  t.same(framer.push(Buffer.from('  orphan')), []);
  t.same(framer.flush().map((r) => [r.bytes.toString(), r.firstLine]), [['  orphan', 14]]);
  t.same(framer.flush(), []);
});

t.test('an endless continuation and a huge line are cut and reported; memory stays bounded', async (t) => {
  const warnings: SourceWarning[] = [];
  const framer = new RecordFramer({ isRecordStart: isStart, maxRecordLines: 100, maxRecordBytes: 1024 * 1024, maxLineBytes: 1000, onWarning: (w) => warnings.push(w), file: 'x.log' });
  const out: RawRecord[] = [];
  out.push(...framer.push(Buffer.from('R start\n' + '  more\n'.repeat(250))));
  t.same(out.map((r) => [r.lineCount, r.cut, r.continued]), [[100, true, false], [100, true, true]]);
  const piece = Buffer.alloc(256 * 1024, 'y');
  const before = process.memoryUsage().rss;
  let held = 0;
  for (let i = 0; i < 200; i++) {
    const records = framer.push(piece); // a 50 MB line without a newline
    held += records.reduce((n, r) => n + r.bytes.length, 0);
    out.push(...records);
  }
  out.push(...framer.push(Buffer.from('\nR after\n')), ...framer.flush());
  const grown = process.memoryUsage().rss - before;
  t.ok(grown < 60 * 1024 * 1024, `rss grew ${grown}`);
  t.ok(held > 45 * 1024 * 1024, 'pieces went out while the line was still arriving');
  const total = out.reduce((n, r) => n + r.bytes.length, 0);
  t.equal(total, 'R start\n'.length + 250 * 7 + 200 * piece.length + '\nR after\n'.length, 'no byte lost');
  t.ok(out.every((r) => r.bytes.length <= 1024 * 1024));
  const last = out.at(-1)!;
  t.same([last.bytes.toString(), last.firstLine, last.cut, last.continued], ['R after\n', 253, false, false]);
  t.equal(out.at(-2)!.firstLine, 252, 'the piece finishing the long line starts on its line');
  t.equal(warnings.length, 1);
  t.match(warnings[0]!, { file: 'x.log', kind: 'long-record' });
  t.ok(framer.cutRecords > 40);
  const longLine = out.filter((r) => r.bytes.length === 1024 * 1024).at(1)!;
  t.same(longLine.lines, ['y'.repeat(1000) + cutMarker(1024 * 1024, 1000)], 'decoded lines are cut with a marker');
});

t.test('needles are found across chunk boundaries and in long lines', async (t) => {
  const text = 'R1 nothing\nR2 has needle-x inside\n  cont\nR3 no\n';
  for (const size of [1, 2, 5, 13]) {
    const records = frame(Buffer.from(text), [size], { needles: ['needle-x', ''] });
    t.same(records.map((r) => r.matched), [false, true, false], `size ${size}`);
  }
  const long = frame(Buffer.from('R1 ' + 'z'.repeat(200) + ' needle-x ' + 'z'.repeat(200) + '\nR2\n'), [7], { needles: ['needle-x'], maxRecordBytes: 1000, maxLineBytes: 50 });
  t.same(long.map((r) => r.matched), [true, false]);
});
