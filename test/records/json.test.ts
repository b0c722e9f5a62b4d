import t from 'tap';
import { RecordAssembler, assembleLines, type ParseOptions } from '../../src/records/assemble.js';
import { parseJsonLine, looksLikeJsonObject } from '../../src/records/json-line.js';
import { levelFromPinoNumber, levelFromWord } from '../../src/records/levels.js';
import { parseTimeZone } from '../../src/records/time.js';
import type { LogRecord } from '../../src/records/record.js';

function parseAll(lines: string[], opts: ParseOptions = {}, origin = { file: 't.log', host: 'origin-host', service: 'origin-svc' }): { records: LogRecord[]; assembler: RecordAssembler } {
  const assembler = new RecordAssembler(origin, opts);
  return { records: assembleLines(assembler, lines), assembler };
}

const X = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';
const IMG = '0673dd71-34c5-4fbb-86c4-40623fbe45b4';
const BASE = '/var/lib/nova/instances/_base/a489c868f0c37da93b76227c91bb03908ac0e742';
const p = (o: unknown): LogRecord => parseJsonLine(JSON.stringify(o)) as LogRecord;

t.test('pino: numeric and label levels, epoch and ISO times', async (t) => {
  const a = p({ level: 30, time: 1772442009123, pid: 42, hostname: 'cp-1', name: 'nova-compute', msg: 'hello' });
  t.same([a.format, a.level, a.levelText, a.time, a.timeText, a.pid, a.host, a.logger, a.message],
    ['pino', 'info', '30', 1772442009123, '1772442009123', 42, 'cp-1', 'nova-compute', 'hello']);
  t.equal(p({ level: 'warn', time: '2026-03-02T09:00:09.123Z', msg: 'x' }).level, 'warn');
  t.equal(p({ level: 'warn', time: '2026-03-02T09:00:09.123Z', msg: 'x' }).time, 1772442009123);
  t.equal(p({ level: 'WARNING', msg: 'x' }).level, 'warn');
  t.equal(p({ level: '50', msg: 'x' }).level, 'error');
  t.equal(p({ level: 60, msg: 'x' }).level, 'fatal');
  t.equal(p({ level: 10, msg: 'x' }).level, 'trace');
  t.equal(p({ level: 35, msg: 'x' }).level, 'info', 'custom levels round down');
  t.equal(p({ level: 'loud', msg: 'x' }).level, null);
  t.equal(p({ time: 1772442009, msg: 'x' }).time, 1772442009000, 'epoch seconds (pino unixTime)');
  t.equal(p({ time: '1772442009123', msg: 'x' }).time, 1772442009123);
  t.equal(p({ time: '2026-03-02 10:00:09', msg: 'x' }).time, Date.UTC(2026, 2, 2, 10, 0, 9));
  t.equal(parseJsonLine('{"time":"2026-03-02 10:00:09","msg":"x"}', parseTimeZone('+01:00'))?.time, Date.UTC(2026, 2, 2, 9, 0, 9), 'zone-less ISO reads in --tz');
  t.equal(p({ msg: 'no time' }).time, null);
  t.equal(p({ message: 'message key' }).message, 'message key');
  t.equal(p({ msg: { nested: 1 } }).message, '{"nested":1}');
  t.same([levelFromPinoNumber(NaN), levelFromPinoNumber(5), levelFromPinoNumber(99), levelFromWord('crit')], [null, 'trace', 'fatal', 'fatal']);
});

t.test('pino: ids, err.stack, cache facts', async (t) => {
  t.equal(p({ msg: 'x', instance_uuid: X.toUpperCase() }).instanceId, X);
  t.equal(p({ msg: 'x', instance: { uuid: X } }).instanceId, X);
  t.equal(p({ msg: 'x', instance: X }).instanceId, X);
  t.equal(p({ msg: 'x', instance: 'instance-0000001a' }).instanceId, 'instance-0000001a');
  t.equal(p({ msg: 'x', instance: 7 }).instanceId, '7');
  t.equal(p({ msg: 'x', instance: [X] }).instanceId, null, 'a list is no single instance');
  const e = p({ level: 50, msg: 'boom', err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at f (a.js:1:1)\n    at g (b.js:2:2)' }, request_id: 'req-1', global_request_id: 'req-0', user_id: 'u', project_id: 'p' });
  t.same(e.traceback, ['Error: boom', '    at f (a.js:1:1)', '    at g (b.js:2:2)']);
  t.same([e.requestId, e.globalRequestId, e.user, e.project], ['req-1', 'req-0', 'u', 'p']);
  t.same(p({ msg: 'x', traceback: ['a\nb', 'c'] }).traceback, ['a', 'b', 'c']);
  t.same(p({ msg: 'x', err: { type: 'TypeError', message: 'no stack', cause: { message: 'deeper', stack: 'Error: deeper\n  at h\n' } } }).traceback,
    ['TypeError: no stack', 'Caused by: Error: deeper', '  at h'], 'cause chain as our logger prints it');
  t.same(p({ msg: 'x', error: { message: 'm', errors: [{ stack: 'E1' }, 'junk', { type: 'E2', message: 'two' }] } }).traceback,
    ['Error: m', 'Aggregated error 1 of 2: E1', 'Aggregated error 2 of 2: E2: two']);
  let deep: Record<string, unknown> = { stack: 'E9' };
  for (let i = 8; i >= 0; i--) deep = { stack: `E${i}`, cause: deep };
  t.equal(p({ msg: 'x', err: deep }).traceback.length, 9, 'cause chains are followed to a bounded depth');
  t.equal(p({ msg: 'x', service: 'nova-api' }).service, 'nova-api');
  const c = p({ msg: 'cache', cache_action: 'remove', image_id: IMG, base_file: BASE });
  t.same(c.cache, { action: 'remove', imageId: IMG, baseFile: BASE });
  t.equal(c.imageId, IMG);
  const s = p({ msg: 'summary', cache_action: 'active', base_files: [BASE, 5] });
  t.same(s.cache, { action: 'active', imageId: null, baseFile: BASE, baseFiles: [BASE] });
  t.equal(p({ msg: 'x', cache_action: 'explode' }).cache, null, 'unknown actions are no cache fact');
});

t.test('oslo JSONFormatter objects (hand-written older shapes)', async (t) => {
  const o = p({
    message: 'Terminating instance', asctime: '2026-03-02 09:00:09,123', created: 1772442009.1234, levelname: 'AUDIT', name: 'nova.compute.manager',
    process: 4242, hostname: 'cp-4', traceback: null, funcname: 'terminate', pathname: '/n/manager.py', lineno: 12,
    context: { request_id: 'req-1', user_id: 'u-old', tenant: 't-old', instance_uuid: X }, extra: {},
  });
  t.same([o.format, o.level, o.time, o.timeText, o.pid, o.host, o.requestId, o.user, o.project, o.instanceId],
    ['oslo-json', 'audit', 1772442009123, '2026-03-02 09:00:09,123', 4242, 'cp-4', 'req-1', 'u-old', 't-old', X]);
  t.same(o.codeLocation, { func: 'terminate', path: '/n/manager.py', line: 12 });
  const formatted = p({ message: 'm', levelname: 'INFO', created: 1, extra: { instance: `[instance: ${X}] `, image_id: IMG } });
  t.equal(formatted.instanceId, X, 'instance already formatted by a text handler');
  t.equal(formatted.imageId, IMG);
  const asctimeOnly = p({ message: 'm', levelname: 'ERROR', asctime: '2026-03-02 09:00:09,123', traceback: 'Traceback\nValueError' });
  t.equal(asctimeOnly.time, 1772442009123);
  t.same(asctimeOnly.traceback, ['Traceback', 'ValueError']);
  t.equal(p({ message: 'm', levelname: 'INFO', created: 1, extra: { instance: { uuid: X } }, context: 'odd' }).instanceId, X);
});

t.test('what is and is not a JSON log line', async (t) => {
  t.equal(looksLikeJsonObject('  {"a":1}  '), true);
  t.equal(looksLikeJsonObject("{'a': 1}"), false, 'a Python dict repr');
  t.equal(looksLikeJsonObject('{"a":1'), false);
  t.equal(looksLikeJsonObject('[1,2]'), false);
  t.equal(parseJsonLine('{"a":1,}'), null, 'invalid JSON');
  t.equal(parseJsonLine('{"a"}'), null);
  t.equal(parseJsonLine('{"no":"known keys"}')?.message, '', 'any object is a record');
});

t.test('JSON records are one line: what follows unrecognised is plain', async (t) => {
  const { records, assembler } = parseAll([
    '{"level":30,"time":1,"msg":"a"}',
    'stray text',
    '{"level":30,"time":2,"msg":"b"',
  ]);
  t.same(records.map((r) => [r.format, r.message]), [['pino', 'a'], ['plain', 'stray text'], ['plain', '{"level":30,"time":2,"msg":"b"']]);
  t.equal(assembler.stats.plainLines, 2);
  t.equal(records[1]?.host, 'origin-host');
});
