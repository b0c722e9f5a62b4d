/**
 * Real oslo.log output: test/records/oslo_writer.py logs through Debian's oslo.log and
 * oslo.context (default ContextFormatter text, and JSONFormatter) and writes a manifest of what
 * each logging call was; the parse must agree with it.
 */
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecordAssembler, assembleLines, type LogRecord } from '../../src/records/index.js';

const PYTHON = '/usr/bin/python3';
const WRITER = join(import.meta.dirname, 'oslo_writer.py');
const INSTANCE = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';
const OTHER_INSTANCE = '3f0e8a52-6c1d-4b7e-9d2a-5e4f3c2b1a09';
const IMAGE = '0673dd71-34c5-4fbb-86c4-40623fbe45b4';
const BASE = '/var/lib/nova/instances/_base/a489c868f0c37da93b76227c91bb03908ac0e742';
const REQ = 'req-11111111-2222-4333-8444-555555555555';
const GREQ = 'req-aaaaaaaa-2222-4333-8444-555555555555';

interface Call { level: string; name: string; ms: number; pid: number; message: string; exc: boolean }

function write(mode: 'text' | 'json', dir: string, tz: string): { lines: string[]; calls: Call[] } {
  execFileSync(PYTHON, [WRITER, mode, dir], { env: { ...process.env, TZ: tz }, stdio: ['ignore', 'ignore', 'pipe'] });
  const text = readFileSync(join(dir, mode === 'text' ? 'nova.log' : 'nova.json'), 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const calls = readFileSync(join(dir, `${mode}.manifest.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Call);
  return { lines, calls };
}

function parse(lines: string[], tz?: string): { records: LogRecord[]; assembler: RecordAssembler } {
  const assembler = new RecordAssembler({ file: 'nova.log', host: 'cp-1', service: 'nova-compute' }, tz ? { tz } : {});
  return { records: assembleLines(assembler, lines), assembler };
}

function checkCommon(t: Test, records: LogRecord[], calls: Call[], lines: string[], exactTime: boolean): void {
  t.equal(records.length, calls.length, 'one record per logging call');
  t.equal(records.reduce((n, r) => n + r.source.lines, 0), lines.length, 'every physical line accounted for');
  records.forEach((r, i) => {
    const c = calls[i] as Call;
    t.equal(r.levelText, c.level, `#${i} level`);
    t.equal(r.logger, c.name, `#${i} logger`);
    t.equal(r.pid, c.pid, `#${i} pid`);
    if (exactTime) t.equal(r.time, c.ms, `#${i} time`);
    else t.ok(Math.abs((r.time ?? 0) - c.ms) <= 1, `#${i} time within rounding`);
    if (c.exc) t.ok(r.message.startsWith(c.message), `#${i} message`);
    else t.equal(r.message, c.message, `#${i} message`);
  });
}

function checkFacts(t: Test, r: LogRecord[]): void {
  const [start, claim, mismatch, xml, failed, failedBare, checking, removable, took] = r as [
    LogRecord, LogRecord, LogRecord, LogRecord, LogRecord, LogRecord, LogRecord, LogRecord, LogRecord];
  t.equal(start.requestId, null, 'no context: no request id');
  t.equal(start.instanceId, null);
  t.same([claim.globalRequestId, claim.requestId, claim.user, claim.project], [GREQ, REQ, 'u-admin', 'p-demo']);
  t.equal(claim.instanceId, INSTANCE, 'instance dict → instanceId');
  t.same([mismatch.globalRequestId, mismatch.requestId], [null, REQ]);
  t.equal(mismatch.instanceId, OTHER_INSTANCE, 'bare instance_uuid → instanceId');
  t.equal(mismatch.level, 'warn');
  t.equal(xml.level, 'debug');
  t.ok(xml.message.includes('\n<domain type="kvm">\n'), 'multi-line message kept whole');
  t.ok(xml.message.endsWith('</domain>'));
  t.equal(xml.codeLocation?.func, 'log_calls');
  t.ok(xml.codeLocation?.path.endsWith('oslo_writer.py'));
  t.ok((xml.codeLocation?.line ?? 0) > 0);
  for (const f of [failed, failedBare]) {
    t.equal(f.level, 'error');
    t.equal(f.traceback[0], 'Traceback (most recent call last):');
    t.match(f.traceback[f.traceback.length - 1], /^OSError: \[Errno 28\] No space left on device/);
    t.equal(f.traceback.filter((l) => l.startsWith('  File ')).length, 3, 'three frames');
  }
  t.equal(failed.instanceId, INSTANCE);
  t.equal(failedBare.instanceId, null);
  t.equal(failedBare.requestId, null);
  t.same(checking.cache, { action: 'check', imageId: IMAGE, baseFile: BASE });
  t.equal(checking.imageId, IMAGE);
  t.same(removable.cache, { action: 'unused', imageId: null, baseFile: BASE, baseFiles: [BASE] });
  t.equal(took.instanceId, INSTANCE);
}

t.test('oslo.log default text format', async (t) => {
  const dir = t.testdir();
  const { lines, calls } = write('text', dir, 'UTC');
  const { records, assembler } = parse(lines);
  checkCommon(t, records, calls, lines, true);
  checkFacts(t, records);
  t.ok(records.every((r) => r.format === 'oslo' && r.host === 'cp-1' && r.service === 'nova-compute'));
  t.equal(records[0]?.requestBlock, '-');
  t.equal(records[2]?.requestBlock, `None ${REQ} u-admin p-demo - - - -`);
  t.equal(assembler.stats.records.oslo, 9);
  t.equal(assembler.stats.continuationLines, 5, 'the XML dump lines');
  t.ok(assembler.stats.tracebackLines >= 16);
  t.equal(assembler.stats.plainLines, 0);
});

t.test('oslo.log text written in a local zone reads back with --tz', async (t) => {
  const dir = t.testdir();
  const { lines, calls } = write('text', dir, 'America/New_York');
  const { records } = parse(lines, 'America/New_York');
  checkCommon(t, records, calls, lines, true);
  const utc = parse(lines).records;
  t.not(utc[0]?.time, calls[0]?.ms, 'without --tz the same text reads as UTC');
});

t.test('oslo.log JSONFormatter', async (t) => {
  const dir = t.testdir();
  const { lines, calls } = write('json', dir, 'UTC');
  t.equal(lines.length, calls.length, 'JSON is one line per call');
  const { records, assembler } = parse(lines);
  checkCommon(t, records, calls, lines, false);
  checkFacts(t, records);
  t.ok(records.every((r) => r.format === 'oslo-json'));
  t.ok(records.every((r) => r.host === hostname()), 'host from the JSON hostname');
  t.equal(records[4]?.message, 'Instance failed to spawn');
  t.equal(assembler.stats.records['oslo-json'], 9);
});
