import t from 'tap';
import { RecordAssembler, assembleBlock, assembleLines, newStats, type ParseOptions } from '../../src/records/assemble.js';
import { TimeSpecError, parseTimeZone } from '../../src/records/time.js';
import type { LineBlock } from '../../src/sources/source.js';
import type { LogRecord } from '../../src/records/record.js';

function parseAll(lines: string[], opts: ParseOptions = {}, origin = { file: 't.log', host: 'origin-host', service: 'origin-svc' }): { records: LogRecord[]; assembler: RecordAssembler } {
  const assembler = new RecordAssembler(origin, opts);
  return { records: assembleLines(assembler, lines), assembler };
}

const R = 'req-3ea4052c-895d-4b64-9e2d-04d64c4d94ab';
const head = (s: string, level = 'ERROR'): string => `2026-03-02 09:00:0${s}.000 7 ${level} nova.compute.manager [${R} u p - - -] msg ${s}`;

t.test('push returns the previous record when a new one starts; flush returns the last', async (t) => {
  const a = new RecordAssembler({ file: 'f.log', host: 'h', service: 's' });
  t.equal(a.push(head('1'), 1), null);
  t.equal(a.push('continued', 2), null);
  const first = a.push(head('2'), 3) as LogRecord;
  t.same([first.message, first.source], ['msg 1\ncontinued', { file: 'f.log', line: 1, lines: 2 }]);
  const last = a.flush() as LogRecord;
  t.equal(last.message, 'msg 2');
  t.equal(a.flush(), null, 'nothing left');
  t.same(a.stats, { ...newStats(), lines: 3, records: { oslo: 2, 'oslo-json': 0, pino: 0, plain: 0 }, continuationLines: 1 });
});

t.test('a pathological endless continuation is cut at the limit and counted', async (t) => {
  const lines = [head('1'), ...Array.from({ length: 25 }, (_, i) => `garbage ${i}`)];
  const { records, assembler } = parseAll(lines, { maxContinuationLines: 10 });
  t.equal(records[0]?.source.lines, 11);
  t.equal(records[0]?.message.split('\n').length, 11);
  t.equal(assembler.stats.cutRecords, 1);
  t.equal(records.length, 1 + 15, 'the rest are plain records, one a line');
  t.ok(records.slice(1).every((r) => r.format === 'plain' && r.time === null));
  t.equal(records.reduce((n, r) => n + r.source.lines, 0), lines.length);
  const tb = [head('1'), ...Array.from({ length: 5 }, () => '2026-03-02 09:00:01.000 7 ERROR nova.compute.manager   File "x"')];
  const cut = parseAll(tb, { maxContinuationLines: 2 });
  t.equal(cut.assembler.stats.cutRecords, 1);
  t.same(cut.records.map((r) => r.source.lines), [3, 3], 'an exception line past the limit starts a record of its own');
  const embedded = parseAll([`Mar  2 09:00:09 h t: ${head('1')}${'#012more'.repeat(20)}`], { maxContinuationLines: 5 });
  t.equal(embedded.records[0]?.message.split('\n').length, 6, 'lines inside a syslog message obey the limit too');
  t.equal(embedded.assembler.stats.cutRecords, 1);
  const zero = parseAll([head('1'), 'x'], { maxContinuationLines: 0 });
  t.same(zero.records.map((r) => r.format), ['oslo', 'plain']);
});

t.test('exception lines with no record to attach to become records', async (t) => {
  const lines = [
    '2026-03-02 09:00:01.000 7 ERROR nova.compute.manager   File "x.py", line 3, in f',
    '2026-03-02 09:00:01.000 7 ERROR nova.compute.manager ValueError: x',
    'bare after',
    '{"level":50,"msg":"json"}',
    '2026-03-02 09:00:02.000 7 TRACE nova.compute.manager Traceback (most recent call last):',
  ];
  const { records } = parseAll(lines);
  t.equal(records.length, 3);
  const [orphan, json, trace] = records as [LogRecord, LogRecord, LogRecord];
  t.same([orphan.format, orphan.level, orphan.message, orphan.time], ['oslo', 'error', '', Date.UTC(2026, 2, 2, 9, 0, 1)]);
  t.same(orphan.traceback, ['  File "x.py", line 3, in f', 'ValueError: x', 'bare after']);
  t.equal(orphan.source.lines, 3);
  t.equal(json.format, 'pino');
  t.same([trace.source.line, trace.traceback], [5, ['Traceback (most recent call last):']]);
});

t.test('host, service, --tz and per-host clock offsets', async (t) => {
  const lines = [
    head('1', 'INFO'),
    'Mar  2 09:00:09 cp-3 nova-compute[1]: 2026-03-02 09:00:09.000 1 INFO nova.compute.manager [-] from cp-3',
    '{"level":30,"time":1772442009000,"hostname":"cp-9","msg":"json host"}',
    'plain',
  ];
  const offsets = new Map([['origin-host', 1000], ['cp-3', -2500]]);
  const { records } = parseAll(lines, { tz: '+01:00', offsets });
  const [local, wrapped, json, plain] = records as [LogRecord, LogRecord, LogRecord, LogRecord];
  t.same([local.host, local.service], ['origin-host', 'origin-svc']);
  t.equal(local.time, Date.UTC(2026, 2, 2, 8, 0, 1) + 1000, '--tz then the origin host offset');
  t.same([wrapped.host, wrapped.service], ['cp-3', 'nova-compute']);
  t.equal(wrapped.time, Date.UTC(2026, 2, 2, 8, 0, 9) - 2500);
  t.same([json.host, json.time], ['cp-9', 1772442009000], 'absolute JSON time: no zone, no offset for cp-9');
  t.same([plain.time, plain.host], [null, 'origin-host']);
  const zoned = parseAll([head('1', 'INFO')], { tz: parseTimeZone('UTC') });
  t.equal(zoned.records[0]?.time, Date.UTC(2026, 2, 2, 9, 0, 1));
  t.throws(() => new RecordAssembler({ file: 'x', host: null, service: null }, { tz: 'Nowhere/Land' }), TimeSpecError);
});

t.test('CRLF line ends and empty input', async (t) => {
  const { records } = parseAll([head('1', 'INFO') + '\r', 'next\r']);
  t.equal(records[0]?.message, 'msg 1\nnext');
  t.same(parseAll([]).records, []);
  const blank = parseAll(['']);
  t.same(blank.records.map((r) => [r.format, r.message, r.source.line]), [['plain', '', 1]]);
});

t.test('assembleBlock reads a LineBlock from the sources layer', async (t) => {
  const block: LineBlock = {
    source: { path: '/logs/cp-1/nova-compute.log', display: 'logs/cp-1/nova-compute.log', host: 'cp-1', service: 'nova-compute', gzip: false, size: null },
    firstLine: 41,
    lines: ['  File "x"', head('1'), 'more'],
  };
  const records = assembleBlock(block);
  t.same(records.map((r) => [r.source.file, r.source.line, r.source.lines, r.host, r.service]), [
    ['logs/cp-1/nova-compute.log', 41, 1, 'cp-1', 'nova-compute'],
    ['logs/cp-1/nova-compute.log', 42, 2, 'cp-1', 'nova-compute'],
  ]);
});
