import t from 'tap';
import { SourceReport, formatBytes } from '../../src/sources/report.js';

t.test('warnings once per file and kind, counts, summary and skips', async (t) => {
  const report = new SourceReport();
  t.same(report.summaryLines(), [], 'nothing odd, nothing said');
  t.notOk(report.hadSkips);
  report.addCounts({ bytes: 3 * 1024 * 1024, cutLines: 0, longRecords: 0, damagedStretches: 0, damagedBytes: 0 });
  t.same(report.summaryLines(), []);
  report.warn({ file: 'a.log', kind: 'long-line', message: 'line 3 has 9 bytes' });
  report.warn({ file: 'a.log', kind: 'long-line', message: 'again' });
  report.addCounts({ bytes: 10, cutLines: 2, longRecords: 1, damagedStretches: 2, damagedBytes: 204_800 + 70_000 });
  t.notOk(report.hadSkips, 'cut lines are not skips');
  report.warn({ file: 'gone.log', kind: 'missing', message: 'no such file or folder' });
  report.warn({ file: 'b.gz', kind: 'truncated-gzip', message: 'gzip data is truncated' });
  t.ok(report.hadSkips);
  t.equal(report.repeatedWarnings, 1);
  t.same(report.summaryLines(), [
    'warning: a.log: line 3 has 9 bytes',
    'warning: gone.log: no such file or folder',
    'warning: b.gz: gzip data is truncated',
    'sources: 2 read (3.0 MiB), 1 skipped, 1 damaged gzip read up to the damage, 2 long lines cut, 1 long record cut, 2 damaged stretches skipped (268.4 KiB)',
  ]);
  t.notOk(new SourceReport().hadSkips, 'damaged stretches skipped inside a log are counted, not skips: the records around them are all there');
  const one = new SourceReport();
  one.addCounts({ bytes: 5, cutLines: 1, longRecords: 2, damagedStretches: 0, damagedBytes: 0 });
  t.same(one.summaryLines(), ['sources: 1 read (5 B), 1 long line cut, 2 long records cut']);
  t.equal(formatBytes(1024), '1.0 KiB');
  t.equal(formatBytes(5 * 1024 ** 5), '5120.0 TiB');
});

t.test('a device refused is a skipped input', async (t) => {
  const report = new SourceReport();
  report.warn({ file: '/dev/zero', kind: 'not-a-file', message: 'skipped: not a regular file or pipe (character device)' });
  t.equal(report.skippedFiles, 1);
  t.ok(report.hadSkips);
  t.same(report.summaryLines(), [
    'warning: /dev/zero: skipped: not a regular file or pipe (character device)',
    'sources: 0 read (0 B), 1 skipped',
  ]);
});
