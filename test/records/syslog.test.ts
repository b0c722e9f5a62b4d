import t from 'tap';
import { RecordAssembler, assembleLines, type ParseOptions } from '../../src/records/assemble.js';
import { parseSyslogHeader, splitSyslogMessage } from '../../src/records/syslog.js';
import { parseTimeZone } from '../../src/records/time.js';
import type { LogRecord } from '../../src/records/record.js';

function parseAll(lines: string[], opts: ParseOptions = {}, origin = { file: 't.log', host: 'origin-host', service: 'origin-svc' }): { records: LogRecord[]; assembler: RecordAssembler } {
  const assembler = new RecordAssembler(origin, opts);
  return { records: assembleLines(assembler, lines), assembler };
}

const X = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';
const R = 'req-3ea4052c-895d-4b64-9e2d-04d64c4d94ab';
const REF = Date.UTC(2026, 5, 1);

t.test('RFC 3164 header: host, tag, pid, year inferred', async (t) => {
  const h = parseSyslogHeader('Mar  2 09:00:09 cp-1 nova-compute[2931]: hello', undefined, REF);
  t.same(h, { kind: 'rfc3164', time: Date.UTC(2026, 2, 2, 9, 0, 9), timeText: 'Mar  2 09:00:09', host: 'cp-1', tag: 'nova-compute', pid: 2931, msgStart: 41 });
  t.equal(parseSyslogHeader('Dec 31 23:59:59 cp-1 x: y', undefined, Date.UTC(2027, 0, 1, 0, 5))?.time, Date.UTC(2026, 11, 31, 23, 59, 59), 'December read in January is last year');
  t.equal(parseSyslogHeader('<13>Mar 12 09:00:09 cp-1 kernel: eth0 up', undefined, REF)?.tag, 'kernel');
  t.equal(parseSyslogHeader('Mar 12 09:00:09 cp-1 kernel: eth0 up', parseTimeZone('+01:00'), REF)?.time, Date.UTC(2026, 2, 12, 8, 0, 9));
  const precise = parseSyslogHeader('Mar 02 09:00:09.123456 cp-1 nova-compute[2931]: x', undefined, REF);
  t.same([precise?.time, precise?.timeText, precise?.pid], [Date.UTC(2026, 2, 2, 9, 0, 9, 123), 'Mar 02 09:00:09.123456', 2931], 'journalctl short-precise');
  t.equal(parseSyslogHeader('Mar 02 09:00:09.5 h t: x', undefined, REF)?.time, Date.UTC(2026, 2, 2, 9, 0, 9, 500), 'a decimal fraction of a second');
  t.equal(parseSyslogHeader('Mar 02 09:00:09.12 h t: x', undefined, REF)?.time, Date.UTC(2026, 2, 2, 9, 0, 9, 120));
  t.equal(parseSyslogHeader('Mar 02 09:00:09.12x h t: x', undefined, REF), null);
  const noTag = parseSyslogHeader('Mar 12 09:00:09 cp-1 just words here', undefined, REF);
  t.same([noTag?.host, noTag?.tag, noTag?.msgStart], ['cp-1', null, 21]);
  for (const bad of ['Mar 12 9:00:09 cp-1 x: y', 'Mux 12 09:00:09 cp-1 x: y', 'Mar 12 09:00:09', '<999999>Mar 12 09:00:09 h t: m', 'Mar 32 09:00:09 h t: m', 'Mar 12 25:00:09 h t: m']) {
    t.equal(parseSyslogHeader(bad, undefined, REF), null, bad);
  }
});

t.test('RFC 5424 and rsyslog high-precision headers', async (t) => {
  const a = parseSyslogHeader('<14>1 2026-03-02T09:00:09.123Z cp-2 nova-compute 2931 - - message here');
  t.same([a?.kind, a?.time, a?.host, a?.tag, a?.pid], ['rfc5424', Date.UTC(2026, 2, 2, 9, 0, 9, 123), 'cp-2', 'nova-compute', 2931]);
  const line = '<14>1 2026-03-02T10:00:09+01:00 cp-2 app - ID47 [ex@1 k="a\\"]b" z="1"][x@2 q="r"] \uFEFFbody';
  const b = parseSyslogHeader(line);
  t.equal(b?.time, Date.UTC(2026, 2, 2, 9, 0, 9));
  t.equal(b?.pid, null);
  t.equal(line.slice(b?.msgStart), 'body', 'structured data and BOM skipped');
  const nil = parseSyslogHeader('<14>1 - - - - - -');
  t.same([nil?.time, nil?.host, nil?.tag], [null, null, null]);
  t.equal(parseSyslogHeader('<14>1 2026-03-02T09:00:09Z host app 1 - [unterminated'), null);
  t.equal(parseSyslogHeader('<14>1 notatime host app 1 - - x'), null);
  t.equal(parseSyslogHeader('<14>1 short'), null);
  const iso = parseSyslogHeader('2026-03-02T10:00:09.123456+01:00 cp-3 nova-compute[77]: inner');
  t.same([iso?.kind, iso?.time, iso?.host, iso?.tag, iso?.pid], ['iso', Date.UTC(2026, 2, 2, 9, 0, 9, 123), 'cp-3', 'nova-compute', 77]);
  t.equal(parseSyslogHeader('2026-03-02T10:00:09.123 cp-3 x: y'), null, 'ISO without a zone is not rsyslog');
});

t.test('syslog-wrapped oslo text, JSON and plain messages', async (t) => {
  const lines = [
    `Mar  2 09:00:09 cp-1 nova-compute[2931]: 2026-03-02 09:00:09.123 2931 INFO nova.compute.manager [${R} u p - - -] [instance: ${X}] VM Started`,
    '<14>1 2026-03-02T09:00:10.000Z cp-2 nova-api 40 - - {"level":30,"time":1772442010500,"msg":"json inside","instance_uuid":"' + X + '"}',
    'Mar  2 09:00:11 cp-1 kernel: [ 12.345] eth0: link up',
    'a line nobody wrote in any format',
  ];
  const { records, assembler } = parseAll(lines, { referenceTime: REF });
  t.equal(records.length, 4);
  const [oslo, json, kernel, plain] = records as [LogRecord, LogRecord, LogRecord, LogRecord];
  t.same([oslo.format, oslo.syslog, oslo.host, oslo.service, oslo.pid, oslo.instanceId], ['oslo', true, 'cp-1', 'nova-compute', 2931, X]);
  t.equal(oslo.time, Date.UTC(2026, 2, 2, 9, 0, 9, 123), 'the inner time (with ms and year) wins');
  t.same([json.format, json.host, json.service, json.time, json.instanceId], ['pino', 'cp-2', 'nova-api', 1772442010500, X]);
  t.same([kernel.format, kernel.syslog, kernel.host, kernel.service, kernel.message], ['plain', true, 'cp-1', 'kernel', '[ 12.345] eth0: link up']);
  t.equal(kernel.time, Date.UTC(2026, 2, 2, 9, 0, 11), 'header time, year from the dated record before');
  t.same([plain.format, plain.syslog, plain.time, plain.host], ['plain', false, null, 'origin-host'], 'after a one-line syslog record, unknown text is plain');
  t.equal(assembler.stats.syslogRecords, 3);
  t.equal(assembler.stats.plainLines, 1);
});

t.test("rsyslog's #012 escapes carry a whole traceback in one physical line", async (t) => {
  const inner = [
    `2026-03-02 09:00:09.123 2931 ERROR nova.compute.manager [${R} u p - - -] [instance: ${X}] Instance failed to spawn`,
    `2026-03-02 09:00:09.123 2931 ERROR nova.compute.manager [instance: ${X}] Traceback (most recent call last):`,
    `2026-03-02 09:00:09.123 2931 ERROR nova.compute.manager [instance: ${X}] #011File "x.py", line 1`,
    `2026-03-02 09:00:09.123 2931 ERROR nova.compute.manager [instance: ${X}] OSError: boom`,
    'and a bare continuation',
  ].join('#012');
  const { records } = parseAll([`Mar  2 09:00:09 cp-1 nova-compute[2931]: ${inner}`]);
  const r = records[0] as LogRecord;
  t.equal(records.length, 1);
  t.same(r.traceback, ['Traceback (most recent call last):', '\tFile "x.py", line 1', 'OSError: boom', 'and a bare continuation']);
  t.equal(r.source.lines, 1);
  t.same(splitSyslogMessage('no escapes'), ['no escapes']);
});

t.test('syslog-wrapped exception-prefix lines attach to the record before them', async (t) => {
  const lines = [
    `Mar  2 09:00:09 cp-1 nova-compute[2931]: 2026-03-02 09:00:09.123 2931 ERROR nova.compute.manager [${R} u p - - -] failed`,
    'Mar  2 09:00:09 cp-1 nova-compute[2931]: 2026-03-02 09:00:09.123 2931 ERROR nova.compute.manager Traceback (most recent call last):',
    'Mar  2 09:00:09 cp-1 nova-compute[2931]: 2026-03-02 09:00:09.123 2931 ERROR nova.compute.manager ValueError: x',
  ];
  const { records } = parseAll(lines);
  t.equal(records.length, 1);
  t.same(records[0]?.traceback, ['Traceback (most recent call last):', 'ValueError: x']);
  t.equal(records[0]?.source.lines, 3);
});

t.test('journald/rsyslog multi-line messages: each physical line has a header; indented lines continue the same program\'s record', async (t) => {
  const { isRecordStart } = await import('../../src/records/detect.js');
  const head = 'May 16 01:27:55 cp-4 nova-compute[2951]: ';
  const lines = [
    `${head}2017-05-16 01:27:55.100 2951 DEBUG nova.virt.libvirt.driver [${R} - - - - -] [instance: ${X}] End _get_guest_xml xml=<domain type="kvm">`,
    `${head}  <uuid>${X}</uuid>`,
    `${head}  <name>instance-000000a1</name>`,
    `${head}</domain>`,
    'May 16 01:27:55 cp-4 kernel: [ 12.3] eth0: link up',
    'May 16 01:27:56 cp-4 libvirtd[88]:   indented, but another program',
    `${head}Started Session 5 of user nova.`,
  ];
  t.same(lines.map((l) => isRecordStart(l)), [true, false, false, false, true, false, true], 'framing: continuation lines are no record starts');
  const { records, assembler } = parseAll(lines);
  t.equal(records.length, 4, 'the dump is one record; the kernel line, the other program and the bare message are their own');
  const [dump, kernel, other, bare] = records;
  t.equal(dump!.instanceId, X);
  t.equal(dump!.message, `End _get_guest_xml xml=<domain type="kvm">\n  <uuid>${X}</uuid>\n  <name>instance-000000a1</name>\n</domain>`);
  t.same(dump!.source, { file: 't.log', line: 1, lines: 4 });
  t.equal(kernel!.service, 'kernel');
  t.same([other!.service, other!.message, other!.format], ['libvirtd', '  indented, but another program', 'plain'], 'another program\'s indented line is not glued to the kernel line');
  t.same([bare!.service, bare!.message, bare!.source.line], ['nova-compute', 'Started Session 5 of user nova.', 7]);
  t.equal(assembler.stats.lines, 7, 'every physical line accounted for');
});
