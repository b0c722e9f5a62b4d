import t from 'tap';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RecordFramer, type RawRecord } from '../../src/sources/frame.js';
import { MatchingRecordFramer, type MatchingFramerOptions } from '../../src/sources/match-frame.js';
import type { SourceWarning } from '../../src/sources/source.js';

const isStart = (line: string): boolean => line.startsWith('R');

function chunks(input: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < input.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length]!);
    out.push(input.subarray(at, at + size));
    at += size;
  }
  return out;
}

function matching(input: Buffer, sizes: number[], options: Partial<MatchingFramerOptions> & { needles: string[] }, warnings: SourceWarning[] = []): RawRecord[] {
  const framer = new MatchingRecordFramer({ isRecordStart: isStart, onWarning: (w) => warnings.push(w), ...options });
  const out: RawRecord[] = [];
  for (const chunk of chunks(input, sizes)) out.push(...framer.push(Buffer.from(chunk)));
  out.push(...framer.flush());
  return out;
}

function reference(input: Buffer, needles: string[], maxLineBytes = 65536): RawRecord[] {
  const framer = new RecordFramer({ isRecordStart: isStart, needles, maxLineBytes });
  return [...framer.push(Buffer.from(input)), ...framer.flush()].filter((r) => r.matched);
}

const view = (records: RawRecord[]) => records.map((r) => ({ bytes: r.bytes.toString('latin1'), firstLine: r.firstLine, lineCount: r.lineCount, cut: r.cut, continued: r.continued }));

const inputArb = fc.array(fc.constantFrom('R', 'x', 'ab', 'a', 'b', '\n', '\n', '\n', '\xff', '\0', 'é'), { maxLength: 300 }).map((p) => Buffer.from(p.join(''), 'utf8'));
const sizesArb = fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 });

t.test('the matching records of RecordFramer, whatever the chunking (property)', async (t) => {
  fc.assert(fc.property(inputArb, sizesArb, fc.constantFrom<string[]>(['ab'], ['b', 'xR'], ['a']), fc.integer({ min: 1, max: 20 }), (input, sizes, needles, maxLineBytes) => {
    assert.deepStrictEqual(view(matching(input, sizes, { needles, maxLineBytes })), view(reference(input, needles, maxLineBytes)));
  }), { numRuns: 400 });
  t.pass('property holds');
});

t.test('a small window: same records unless a record outgrew it (then flagged and warned) (property)', async (t) => {
  const line = fc.tuple(fc.boolean(), fc.array(fc.constantFrom('x', 'ab', 'é', 'a'), { maxLength: 30 })).map(([start, parts]) => (start ? 'R' : '') + parts.join(''));
  const input = fc.array(line, { maxLength: 40 }).map((lines) => Buffer.from(lines.join('\n'), 'utf8'));
  let compared = 0;
  fc.assert(fc.property(input, sizesArb, fc.integer({ min: 0, max: 64 }), (bytes, sizes, retainBytes) => {
    const warnings: SourceWarning[] = [];
    const got = matching(bytes, sizes, { needles: ['ab'], retainBytes }, warnings);
    if (warnings.length === 0) {
      compared++;
      assert.deepStrictEqual(view(got), view(reference(bytes, ['ab'])));
    } else {
      assert.ok(got.some((r) => r.continued), 'a record with a lost head is flagged');
      assert.ok(got.every((r) => r.bytes.includes('ab')), 'every record passed on matches');
    }
  }), { numRuns: 300 });
  t.pass('property holds');
  t.ok(compared > 100, `compared ${compared}`);
});

t.test('records go out as soon as the next record starts; idle flush; pending', async (t) => {
  const framer = new MatchingRecordFramer({ isRecordStart: isStart, needles: ['id-1'] });
  t.notOk(framer.pending);
  t.same(framer.push(Buffer.from('R a\n  cont\nR b id-1\n  tb')), []);
  t.ok(framer.pending);
  t.same(framer.push(Buffer.from(' line\n')).map((r) => r.bytes.toString()), []);
  t.same(framer.flush(false).map((r) => [r.bytes.toString(), r.firstLine, r.lineCount]), [['R b id-1\n  tb line\n', 3, 2]]);
  const out = framer.push(Buffer.from('  late continuation id-1\nR c\nR d id-1\nR e\n'));
  t.same(out.map((r) => [r.bytes.toString(), r.firstLine]), [['  late continuation id-1\n', 5], ['R d id-1\n', 7]]);
  t.same(framer.push(Buffer.from('R f id-1')), []);
  t.same(framer.flush().map((r) => [r.bytes.toString(), r.firstLine, r.lineCount]), [['R f id-1', 9, 1]]);
  t.same(framer.flush(), []);
});

t.test('a 20 MB line: a hit deep inside is passed on in pieces, memory bounded; a long line without a hit is dropped', async (t) => {
  const warnings: SourceWarning[] = [];
  const framer = new MatchingRecordFramer({ isRecordStart: isStart, needles: ['id-1'], maxRecordBytes: 1024 * 1024, retainBytes: 64 * 1024, onWarning: (w) => warnings.push(w) });
  const out: RawRecord[] = [];
  const piece = Buffer.alloc(256 * 1024, 'y');
  out.push(...framer.push(Buffer.from('R before\nR huge ')));
  const before = process.memoryUsage().rss;
  for (let i = 0; i < 80; i++) {
    out.push(...framer.push(piece));
    if (i === 10) out.push(...framer.push(Buffer.from('id-1')));
  }
  out.push(...framer.push(Buffer.from('\n  cont\nR ' + 'z'.repeat(3_000_000) + '\nR after id-1\n')), ...framer.flush());
  t.ok(process.memoryUsage().rss - before < 100 * 1024 * 1024, 'rss bounded (20 MB of it is the output kept by the test)');
  const joined = Buffer.concat(out.map((r) => r.bytes)).toString('latin1');
  t.ok(joined.startsWith('R huge yyy'), 'the huge line from its start (the hit came within the window)');
  t.ok(joined.includes('\n  cont\n'));
  t.ok(joined.endsWith('R after id-1\n'));
  t.notOk(joined.includes('zzz'), 'the record without a hit is not passed on');
  t.equal(joined.length, 'R huge '.length + 80 * piece.length + 4 + '\n  cont\n'.length + 'R after id-1\n'.length, 'no byte of the matching record lost');
  t.ok(out.slice(1).every((r) => r.bytes.length <= 1024 * 1024), 'pieces within the limit once the record is found');
  t.ok(out[0]!.bytes.length <= 64 * 1024 + 4 * 1024 * 1024 + 256 * 1024, 'the first piece: at most the window');
  t.same(out.at(-1)!.firstLine, 5);
  t.ok(warnings.some((w) => /pieces/.test(w.message)));
});

t.test('a hit after the window has dropped the head of a long line', async (t) => {
  const warnings: SourceWarning[] = [];
  const out = matching(Buffer.from('R x\nR ' + 'q'.repeat(6_000_000) + 'id-1 tail\nR y\n'), [64 * 1024], { needles: ['id-1'], retainBytes: 100, maxLineBytes: 100 }, warnings);
  t.equal(out.length, 1);
  t.ok(out[0]!.continued);
  t.ok(out[0]!.bytes.toString().endsWith('qid-1 tail\n'));
  t.equal(out[0]!.firstLine, 2);
  t.equal(warnings.length, 1);
});

t.test('an endless continuation of a matching record is cut in pieces', async (t) => {
  const out = matching(Buffer.from('R id-1\n' + '  more\n'.repeat(30) + 'R next\n'), [64], { needles: ['id-1'], maxRecordLines: 10 });
  t.same(out.map((r) => [r.firstLine, r.lineCount, r.cut, r.continued]), [[1, 10, true, false], [11, 10, true, true], [21, 10, true, true], [31, 1, false, true]]);
  const deep = matching(Buffer.from('R x\n' + '  more\n'.repeat(30) + '  id-1\nR next\n'), [64], { needles: ['id-1'], maxRecordLines: 10 });
  t.same(deep.map((r) => [r.firstLine, r.lineCount, r.continued]), [[23, 10, true]], 'walked back no more than the limit');
});
