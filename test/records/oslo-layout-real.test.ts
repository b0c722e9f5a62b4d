/**
 * Real oslo.log output in a site's own layout: test/records/oslo_layout_writer.py writes a
 * nova.conf with custom logging_context_format_string, logging_default_format_string and
 * logging_exception_prefix, has oslo.config read it and oslo.log write with it. The parse, with
 * the layout read from that nova.conf, must agree with what each logging call was; in a plain
 * file and wrapped as a container runtime stores it (CRI, Docker json-file, long lines in pieces).
 */
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecordAssembler, assembleLines, type LogRecord, type OsloLayoutSpec } from '../../src/records/index.js';
import { writeLayout, type Call, type Layout } from './oslo-layout-writer.js';
import { wrapCri, wrapDocker } from './container-writer.js';

const INSTANCE = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';
const REQ = 'req-11111111-2222-4333-8444-555555555555';
const GREQ = 'req-aaaaaaaa-2222-4333-8444-555555555555';
const HOST = 'cp-7.example.org';

function parse(lines: string[], spec: OsloLayoutSpec | undefined): { records: LogRecord[]; assembler: RecordAssembler } {
  const assembler = new RecordAssembler({ file: 'nova.log', host: 'cp-1', service: 'nova-compute' }, spec ? { oslo: spec } : {});
  return { records: assembleLines(assembler, lines), assembler };
}

function check(t: Test, layout: Layout, records: LogRecord[], calls: Call[], physicalLines: number): void {
  t.equal(records.length, calls.length, 'one record per logging call');
  t.equal(records.reduce((n, r) => n + r.source.lines, 0), physicalLines, 'every physical line accounted for');
  records.forEach((r, i) => {
    const c = calls[i]!;
    t.equal(r.format, 'oslo', `#${i} format`);
    t.equal(r.levelText, c.level, `#${i} level`);
    t.equal(r.logger, c.name, `#${i} logger`);
    t.equal(r.pid, layout === 'operator' ? null : c.pid, `#${i} pid`);
    t.equal(r.time, layout === 'nomsecs' ? Math.floor(c.ms / 1000) * 1000 : c.ms, `#${i} time`);
    t.equal(r.host, layout === 'hostname' ? HOST : 'cp-1', `#${i} host`);
    if (c.exc) t.ok(r.message.startsWith(c.message), `#${i} message`);
    else t.equal(r.message, c.message, `#${i} message`);
  });
  const [start, claim, mismatch, xml, failed, failedBare] = records as [LogRecord, LogRecord, LogRecord, LogRecord, LogRecord, LogRecord];
  t.equal(start.requestId, null);
  t.same([claim.requestId, claim.user, claim.project, claim.instanceId], [REQ, 'u-admin', 'p-demo', INSTANCE]);
  t.equal(claim.globalRequestId, layout === 'nomsecs' ? null : GREQ, 'global request id (when the format writes it)');
  t.equal(mismatch.globalRequestId, null, 'None → null');
  t.ok(xml.message.includes('\n<domain type="kvm">\n'), 'multi-line message kept whole');
  t.equal(xml.codeLocation?.func, 'log_calls', 'DEBUG suffix read');
  for (const f of [failed, failedBare]) {
    t.equal(f.level, 'error');
    t.equal(f.traceback[0], 'Traceback (most recent call last):', 'the traceback joins its record');
    t.match(f.traceback.at(-1), /^OSError: \[Errno 28\] No space left on device/);
    t.equal(f.traceback.filter((l) => l.startsWith('  File ')).length, 3, 'three frames');
  }
  t.equal(failed.instanceId, INSTANCE);
  const long = records.at(-1)!;
  t.equal(long.message, `Long line ${'x'.repeat(40000)} end`, 'a line over 16 KiB whole');
  t.equal(long.instanceId, INSTANCE);
}

for (const layout of ['operator', 'hostname', 'nomsecs'] as const) {
  t.test(`${layout}: plain file, CRI and Docker json-file`, async (t) => {
    const { lines, calls, spec } = writeLayout(layout, t.testdir());
    t.ok(spec.context !== undefined && spec.default !== undefined && spec.exceptionPrefix !== undefined, 'the three options read from nova.conf');
    const plain = parse(lines, spec);
    check(t, layout, plain.records, calls, lines.length);
    t.equal(plain.assembler.stats.plainLines, 0);

    const start = calls[0]!.ms;
    for (const [name, wrapped] of [['cri', wrapCri(lines, start)], ['docker', wrapDocker(lines, start)]] as const) {
      t.ok(wrapped.length >= lines.length + 2, `${name}: the long line is in pieces`);
      const { records } = parse(wrapped, spec);
      t.test(name, async (t) => check(t, layout, records, calls, wrapped.length));
    }

    // Without the layout, the same text does not read right: the reason for --oslo-format.
    const wrong = parse(lines, undefined).records;
    t.notSame(wrong.map((r) => [r.globalRequestId, r.user, r.host, r.traceback.length]), plain.records.map((r) => [r.globalRequestId, r.user, r.host, r.traceback.length]));
  });
}

t.test("oslo.log's JSONFormatter in Docker json-file and CRI, every line in pieces", async (t) => {
  const dir = t.testdir();
  execFileSync('/usr/bin/python3', [join(import.meta.dirname, 'oslo_writer.py'), 'json', dir], { env: { ...process.env, TZ: 'UTC' }, stdio: ['ignore', 'ignore', 'pipe'] });
  const lines = readFileSync(join(dir, 'nova.json'), 'utf8').trimEnd().split('\n');
  const plain = parse(lines, undefined).records;
  t.equal(plain.length, 9);
  for (const [name, wrapped] of [['docker', wrapDocker(lines, 0, 'stdout', 100)], ['cri', wrapCri(lines, 0, 'stdout', 100)]] as const) {
    const { records, assembler } = parse(wrapped, undefined);
    t.equal(records.length, plain.length, `${name}: one record per line`);
    t.same(records.map((r) => [r.format, r.time, r.message, r.traceback, r.requestId, r.instanceId]),
      plain.map((r) => [r.format, r.time, r.message, r.traceback, r.requestId, r.instanceId]), `${name}: as unwrapped`);
    t.equal(records.reduce((n, r) => n + r.source.lines, 0), wrapped.length);
    t.equal(assembler.stats.plainLines, 0);
  }
});
