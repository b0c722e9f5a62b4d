/** The layout compiler, the nova.conf reader, the container wrappers and the record-start test, row by row. */
import t from 'tap';
import {
  OsloFormatError, OsloLayout, OSLO_FIELDS, compileOsloLayout, parseContainerLine, readOsloConfig, recordStartTest, isRecordStart,
} from '../../src/records/index.js';
import { podLogName } from '../../src/sources/names.js';

t.test('every field of the table compiles and a sample line reads back', async (t) => {
  for (const key of Object.keys(OSLO_FIELDS)) {
    if (key === 'message') continue;
    t.doesNotThrow(() => new OsloLayout({ context: `%(asctime)s <%(${key})s> %(message)s` }), key);
  }
  const layout = new OsloLayout({ context: '%(isotime)s %(hostname)s %(process)5d %(levelname)-8s %(name)s [%(request_id)s %(user)s %(project_id)s] %(instance)s%(message)s' });
  const line = layout.parse('2026-04-14T10:42:57.072+02:00 cp-2   412 WARNING  nova.x [req-1 u1 p1] [instance: 9A5C0BD0-8D0E-4F46-9A4E-3F8B7A1C2D11] hi there');
  t.equal(line?.kind, 'record');
  const r = line!.record;
  t.same([r.time, r.host, r.pid, r.level, r.logger, r.requestId, r.user, r.project, r.instanceId, r.message],
    [Date.parse('2026-04-14T08:42:57.072Z'), 'cp-2', 412, 'warn', 'nova.x', 'req-1', 'u1', 'p1', '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11', 'hi there']);
  t.equal(r.timeText, '2026-04-14T10:42:57.072+02:00');
  t.equal(layout.parse('2026-04-14T10:42:57.072+02:00 cp-2 412 BOGUS nova.x [req-1 u p] hi'), null, 'a levelname must be a level');
  t.equal(layout.parse('  File "x.py", line 3'), null);
  const created = new OsloLayout({ context: '%(created)f %(levelname)s %(message)s' }).parse('1712345678.250000 INFO hi');
  t.equal(created?.record.time, 1712345678250);
});

t.test('unknown fields are skipped with a bounded pattern; numbers as numbers', async (t) => {
  const layout = new OsloLayout({ context: '%(asctime)s %(flavor)s %(count)d %(levelname)s %(message)s' });
  t.same(layout.unknownFields.map((u) => u.field), ['flavor', 'count']);
  t.equal(layout.parse('2026-04-14 10:42:57 m1.small 42 INFO booted')?.record.message, 'booted');
  t.equal(layout.parse('2026-04-14 10:42:57 m1.small x INFO booted'), null);
  t.equal(layout.parse(`2026-04-14 10:42:57 ${'y'.repeat(300)} 42 INFO booted`), null, 'at most 256 characters');
});

t.test('format errors name the option and the field', async (t) => {
  t.throws(() => new OsloLayout({ context: '%(asctime)s %(levelname) %(message)s' }), new OsloFormatError('logging_context_format_string: %(levelname) at character 13 has no conversion type (write it %(levelname)s)'));
  t.throws(() => new OsloLayout({ default: '%(asctime)s %(message)s %' }), /logging_default_format_string: "%" at character 25 names no field/);
  t.throws(() => new OsloLayout({ exceptionPrefix: '%(asctime' }, { exceptionPrefix: '--x' }), /^--x: /);
  t.equal(compileOsloLayout(undefined), null);
  t.equal(compileOsloLayout({ exceptionPrefix: '' }), null);
  const spec = { context: '%(asctime)s 100%% %(levelname)s %(message)s' };
  t.equal(compileOsloLayout(spec), compileOsloLayout({ ...spec }), 'compiled once');
  t.equal(compileOsloLayout(spec)?.parse('2026-04-14 10:42:57 100% INFO ok')?.record.message, 'ok', '%% is a literal %');
});

t.test('nova.conf is read as oslo.config reads it', async (t) => {
  const spec = readOsloConfig([
    '# comment', '[DEFAULT]', 'fmt_head = %(asctime)s.%(msecs)03d', 'logging_context_format_string = "$fmt_head ${fmt_head} $$5 \\$6 $unknown',
    '  %(levelname)s %(message)s"', '', 'logging_default_format_string: first', 'logging_default_format_string = last',
    '[libvirt]', 'logging_exception_prefix = not in DEFAULT', 'novalue',
  ].join('\n'));
  // Quotes go only when the first line's value both begins and ends with one (iniparser).
  t.equal(spec.context, '"%(asctime)s.%(msecs)03d %(asctime)s.%(msecs)03d $5 $6 $unknown\n%(levelname)s %(message)s"');
  t.equal(spec.default, 'last');
  t.equal(readOsloConfig('[DEFAULT]\nlogging_exception_prefix = \'%(asctime)s TRACE \'\n').exceptionPrefix, '%(asctime)s TRACE ');
  t.equal(spec.exceptionPrefix, undefined);
});

t.test('container wrappers', async (t) => {
  t.same(parseContainerLine('2026-04-14T10:42:57.072876123Z stderr P 2026-04-14 10:42'), {
    kind: 'cri', time: Date.parse('2026-04-14T10:42:57.072Z'), timeText: '2026-04-14T10:42:57.072876123Z', stream: 'stderr', text: '2026-04-14 10:42', partial: true,
  });
  t.equal(parseContainerLine('2026-04-14T10:42:57.072876123Z stdout F')?.text, '', 'an empty line');
  t.equal(parseContainerLine('2026-04-14T10:42:57.072876123Z stdout F:x y')?.text, 'y', 'further tags');
  t.equal(parseContainerLine('2026-04-14T10:42:57.072876123Z stdout X y'), null);
  t.equal(parseContainerLine('2026-04-14T10:42:57.072876123Z other F y'), null);
  t.equal(parseContainerLine('2026-04-14T10:42:57.072 stdout F y'), null, 'no zone: not CRI');
  t.equal(parseContainerLine('2026-04-14 10:42:57.072 1 INFO nova.x [-] y'), null);
  const d = parseContainerLine('{"log":"a \\u003cb\\u003e\\r\\n","stream":"stdout","time":"2026-04-14T10:42:57.5Z"}');
  t.same([d?.text, d?.partial, d?.time, d?.stream], ['a <b>', false, Date.parse('2026-04-14T10:42:57.5Z'), 'stdout']);
  t.equal(parseContainerLine('2026-04-14T10:42:57.07Z stdout F y')?.time, Date.parse('2026-04-14T10:42:57.070Z'), 'RFC3339Nano drops trailing zeros');
  t.equal(parseContainerLine('2026-04-14T10:42:57Z stdout F y')?.time, Date.parse('2026-04-14T10:42:57Z'));
  t.equal(parseContainerLine('{"log":"piece","time":1}')?.partial, true);
  t.equal(parseContainerLine('{"log":"piece","time":1}')?.time, null);
  t.equal(parseContainerLine('{"log":1}'), null);
  t.equal(parseContainerLine('{"log":"broken'), null);
  t.equal(parseContainerLine('{"msg":"x"}'), null);
});

t.test('record starts: container-wrapped lines and a layout', async (t) => {
  t.ok(isRecordStart('2026-04-14T10:42:57.072876123Z stderr F 2026-04-14 10:42:57.072 1 INFO nova.x [-] hi'));
  t.notOk(isRecordStart('2026-04-14T10:42:57.072876123Z stderr F 2026-04-14 10:42:57.072 1 ERROR nova.x Traceback (most recent call last):'));
  t.notOk(isRecordStart('{"log":"  File \\"x.py\\"\\n","stream":"stderr","time":"2026-04-14T10:42:57Z"}'));
  t.ok(isRecordStart('{"log":"{\\"a\\":1}\\n","stream":"stderr","time":"2026-04-14T10:42:57Z"}'));
  const test = recordStartTest({ context: '%(hostname)s %(asctime)s %(levelname)s [%(request_id)s] %(message)s', exceptionPrefix: '%(hostname)s %(asctime)s TRACE ' });
  t.equal(recordStartTest(undefined), isRecordStart);
  t.ok(test('cp-1 2026-04-14 10:42:57 INFO [req-2] hi'));
  t.notOk(test('cp-1 2026-04-14 10:42:57 TRACE   File "x"'));
  t.notOk(isRecordStart('cp-1 2026-04-14 10:42:57 INFO [req-2] hi'), 'not without the layout');
  t.ok(test('2026-04-14 10:42:57.072 1 INFO nova.x [-] default layouts still read'));
  t.ok(test('Mar  2 09:00:09 host nova-compute[1]: cp-1 2026-04-14 10:42:57 INFO [req-1] hi'), 'inside syslog');
  t.notOk(test('Mar  2 09:00:09 host nova-compute[1]: cp-1 2026-04-14 10:42:57 TRACE x'));
  t.ok(test('\x1b[01;35mcp-1 2026-04-14 10:42:57 INFO [req-2] hi\x1b[00m'));
});

t.test('kubelet log paths name the pod and container', async (t) => {
  t.same(podLogName('/var/log/pods/openstack_nova-compute-x7k2p_0b1e2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/nova-compute/0.log'), { pod: 'nova-compute-x7k2p', container: 'nova-compute' });
  t.same(podLogName('/var/log/pods/openstack_nova-compute-x7k2p_0b1e2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/nova-compute/0.log.20260414-104257.gz')?.pod, 'nova-compute-x7k2p');
  t.same(podLogName(`/var/log/containers/nova-api-5d9f_openstack_nova-osapi-${'c'.repeat(64)}.log`), { pod: 'nova-api-5d9f', container: 'nova-osapi' });
  t.equal(podLogName('/var/log/nova/0.log'), null);
  t.equal(podLogName('0.log'), null);
  t.equal(podLogName('/var/log/nova/nova-compute.log'), null);
});

t.test('the scanner finds a layout record glued to damage, host name first', async (t) => {
  const { Scanner } = await import('../../src/sources/scanner.js');
  const test = recordStartTest({ context: '%(hostname)s %(asctime)s %(levelname)s [%(request_id)s] %(message)s' });
  const records: string[] = [];
  const warnings: string[] = [];
  const scanner = new Scanner({
    isRecordStart: test, needles: ['id-7'], file: 'x.log',
    onRecord: (r) => records.push(r.lines.join('\n')), onWarning: (w) => warnings.push(w.kind),
  });
  scanner.push(Buffer.concat([
    Buffer.from('cp-1 2026-04-14 10:42:57 INFO [req-2] before\ncp-1 2026-04-14 10:42:58 INFO [req-2] torn'),
    Buffer.alloc(600),
    Buffer.from('cp-1 2026-04-14 10:43:10 ERROR [req-1] id-7 failed\n  File "x.py"\ncp-1 2026-04-14 10:43:11 INFO [req-2] after\n'),
  ]));
  scanner.end();
  t.same(records, ['cp-1 2026-04-14 10:43:10 ERROR [req-1] id-7 failed\n  File "x.py"'], 'found whole, from its host name');
  t.same(warnings, ['damaged']);
});

t.test('assembler: a traceback line in pieces, a piece left open', async (t) => {
  const { RecordAssembler, assembleLines } = await import('../../src/records/index.js');
  const long = 'y'.repeat(30);
  const lines = [
    '2026-04-14T10:42:57.1Z stderr F 2026-04-14 10:42:57.100 1 ERROR nova.x [req-1 u p] failed',
    '2026-04-14T10:42:57.2Z stderr F 2026-04-14 10:42:57.100 1 ERROR nova.x Traceback (most recent call last):',
    `2026-04-14T10:42:57.3Z stderr P 2026-04-14 10:42:57.100 1 ERROR nova.x ValueError: ${long.slice(0, 10)}`,
    `2026-04-14T10:42:57.4Z stderr F ${long.slice(10)}`,
    '2026-04-14T10:42:57.5Z stdout P plain text from the container, cut',
    'a line of another shape',
    '2026-04-14T10:42:57.6Z stdout F plain again',
  ];
  const records = assembleLines(new RecordAssembler({ file: 'c.log', host: 'pod-1', service: 'nova' }), lines);
  t.equal(records.length, 1, 'bare lines after an oslo record continue it, wrapped or not');
  t.same(records[0]?.traceback, ['Traceback (most recent call last):', `ValueError: ${long}`, 'plain text from the container, cut', 'a line of another shape', 'plain again']);
  t.equal(records[0]?.source.lines, 7);
  const plain = assembleLines(new RecordAssembler({ file: 'c.log', host: 'pod-1', service: 'nova' }), ['2026-04-14T10:42:57.5Z stdout F hello']);
  t.equal(plain[0]?.time, Date.parse('2026-04-14T10:42:57.500Z'), 'the wrapper time for a line without one');
  t.equal(plain[0]?.message, 'hello');
});

t.test("a layout of today's default still reads an older release's lines right", async (t) => {
  const { RecordAssembler, assembleLines } = await import('../../src/records/index.js');
  const spec = {
    context: '%(asctime)s.%(msecs)03d %(process)d %(levelname)s %(name)s [%(global_request_id)s %(request_id)s %(user_identity)s] %(instance)s%(message)s',
    exceptionPrefix: '%(asctime)s.%(msecs)03d %(process)d ERROR %(name)s %(instance)s',
  };
  const lines = [
    '2017-05-16 01:44:30.406 2968 ERROR nova.compute.manager [req-23d22dbe-ac36-454b-8e74-2c5b03d31e43 u p - - -] [instance: 763bf50e-ad5d-4a7a-a0cd-78c31f94ce24] Instance failed to spawn',
    '2017-05-16 01:44:30.406 2968 ERROR nova.compute.manager [instance: 763bf50e-ad5d-4a7a-a0cd-78c31f94ce24] Traceback (most recent call last):',
    '2017-05-16 01:44:31.000 2968 INFO nova.compute.manager [None req-23d22dbe-ac36-454b-8e74-2c5b03d31e43 u p - - -] today',
  ];
  const records = assembleLines(new RecordAssembler({ file: 'x', host: null, service: null }, { oslo: spec }), lines);
  t.equal(records.length, 2, 'the old record is a record, not a traceback line');
  t.same([records[0]?.requestId, records[0]?.globalRequestId, records[0]?.user], ['req-23d22dbe-ac36-454b-8e74-2c5b03d31e43', null, 'u']);
  t.same(records[0]?.traceback, ['Traceback (most recent call last):']);
  t.same([records[1]?.requestId, records[1]?.globalRequestId], ['req-23d22dbe-ac36-454b-8e74-2c5b03d31e43', null]);
});

t.test('assembler: pieces continue only their own stream', async (t) => {
  const { RecordAssembler, assembleLines } = await import('../../src/records/index.js');
  const records = assembleLines(new RecordAssembler({ file: 'c.log', host: null, service: null }), [
    '2026-04-14T10:42:57.1Z stdout P {"msg":"from stdout, ',
    '2026-04-14T10:42:57.2Z stderr F 2026-04-14 10:42:57.200 1 INFO nova.x [-] from stderr',
    '2026-04-14T10:42:57.3Z stdout F cut"}',
  ]);
  t.equal(records.length, 2);
  t.equal(records[0]?.message, '{"msg":"from stdout, ', 'the piece waits for no other stream');
  t.equal(records[1]?.message, 'from stderr\ncut"}', 'its tail, alone, is a bare line: it continues the record before it');
});

t.test('asctime written with a zone (log_date_format with %z) is read in it', async (t) => {
  const layout = new OsloLayout({ context: '%(asctime)s %(levelname)s [%(request_id)s] %(message)s' });
  t.equal(layout.parse('2026-04-14T10:42:57+0200 INFO [req-1] hi')?.record.time, Date.parse('2026-04-14T08:42:57Z'));
  t.equal(layout.parse('2026-04-14 10:42:57 INFO [req-1] hi', { name: '+01:00', toEpoch: (ms) => ms - 3_600_000 })?.record.time, Date.parse('2026-04-14T09:42:57Z'), 'no zone: --tz');
});
