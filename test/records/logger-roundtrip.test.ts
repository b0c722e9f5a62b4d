/**
 * Round trip with our own logger (src/logger): what it writes, as pino JSON and as oslo text
 * with tracebacks, parses back to the same fields.
 */
import t from 'tap';
import { createLogger, withRequest, type LogFormat } from '../../src/logger/index.js';
import { RecordAssembler, assembleLines } from '../../src/records/assemble.js';
import type { LogRecord } from '../../src/records/record.js';

const UUID = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';
const OTHER = '3f0e8a52-6c1d-4b7e-9d2a-5e4f3c2b1a09';
const IMAGE = '0673dd71-34c5-4fbb-86c4-40623fbe45b4';
const BASE = '/var/lib/nova/instances/_base/a489c868f0c37da93b76227c91bb03908ac0e742';
const REQ = 'req-38101a0b-2096-447d-96ea-a692162415ae';
const TIME = 1772442009123;
// Made once, so both formats print the same stacks.
const FAILURE = new Error('Instance failed to spawn', { cause: new Error('No space left on device') });
const AGGREGATE = new AggregateError([new Error('a'), new Error('b')], 'two failed');

/** The same calls, written in one format, parsed back. */
function writeAndParse(format: LogFormat): { records: LogRecord[]; lines: string[] } {
  const writes: string[] = [];
  const log = createLogger({
    name: 'nova.compute.manager', service: 'nova-compute', host: 'cp-1', format, level: 'debug',
    timestamp: () => `,"time":${TIME}`, destination: { write: (s: string) => { writes.push(s); } },
  });
  withRequest(REQ, () => log.error({ err: FAILURE, instance: { uuid: UUID, image_ref: IMAGE } }, 'Instance failed to spawn'));
  log.warn({ err: AGGREGATE, instance: OTHER }, 'cleanup failed');
  log.cache('check', { image: IMAGE, baseFile: BASE });
  log.cache('remove', { baseFile: BASE, instance: UUID });
  log.forInstance({ uuid: OTHER }).info('VM Started (Lifecycle Event)');
  log.debug('no instance here');
  const lines = writes.join('').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const assembler = new RecordAssembler({ file: `nova-compute.${format}`, host: 'cp-1', service: 'nova-compute' });
  return { records: assembleLines(assembler, lines), lines };
}

const json = writeAndParse('json');
const oslo = writeAndParse('oslo');

t.test('both formats give one record per call, every line accounted for', async (t) => {
  t.equal(json.records.length, 6);
  t.equal(oslo.records.length, 6);
  t.equal(json.lines.length, 6, 'JSON: one line per call');
  t.ok(oslo.lines.length > 6, 'oslo text: traceback lines too');
  t.equal(oslo.records.reduce((n, r) => n + r.source.lines, 0), oslo.lines.length);
  t.ok(json.records.every((r) => r.format === 'pino'));
  t.ok(oslo.records.every((r) => r.format === 'oslo'));
});

t.test('JSON and oslo text parse back to the same fields', async (t) => {
  json.records.forEach((j, i) => {
    const o = oslo.records[i] as LogRecord;
    const facts = (r: LogRecord) => ({
      time: r.time, level: r.level, logger: r.logger, pid: r.pid, host: r.host, service: r.service,
      instanceId: r.instanceId, requestId: r.requestId, message: r.message, traceback: r.traceback,
      cache: r.cache && { action: r.cache.action, baseFile: r.cache.baseFile },
    });
    t.same(facts(o), facts(j), `record ${i}: ${j.message}`);
  });
});

t.test('the fields are what the logger was given', async (t) => {
  for (const { records } of [json, oslo]) {
    const [failed, cleanup, check, remove, started, debug] = records as [LogRecord, LogRecord, LogRecord, LogRecord, LogRecord, LogRecord];
    t.same([failed.time, failed.level, failed.pid, failed.host, failed.instanceId, failed.requestId],
      [TIME, 'error', process.pid, 'cp-1', UUID, REQ]);
    t.equal(failed.traceback[0], 'Error: Instance failed to spawn');
    t.ok(failed.traceback.some((l) => l.startsWith('    at ')), 'stack frames kept');
    t.ok(failed.traceback.includes('Caused by: Error: No space left on device'), 'the cause follows');
    t.equal(cleanup.level, 'warn');
    t.equal(cleanup.instanceId, OTHER);
    t.ok(cleanup.traceback.includes('Aggregated error 1 of 2: Error: a'));
    t.ok(cleanup.traceback.includes('Aggregated error 2 of 2: Error: b'));
    t.same([check.cache?.action, check.cache?.imageId, check.cache?.baseFile, check.imageId], ['check', IMAGE, BASE, IMAGE]);
    t.same([remove.cache?.action, remove.cache?.baseFile, remove.instanceId], ['remove', BASE, UUID]);
    t.equal(started.instanceId, OTHER, 'forInstance binds the instance');
    t.same([debug.level, debug.instanceId, debug.message], ['debug', null, 'no instance here']);
  }
  t.equal(json.records[0]?.imageId, IMAGE, 'JSON also carries the instance image');
});
