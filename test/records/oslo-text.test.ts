import t from 'tap';
import { RecordAssembler, assembleLines, type ParseOptions } from '../../src/records/assemble.js';
import { parseOsloLine, osloLineKind, finishOsloRecord, stripAnsi } from '../../src/records/oslo-text.js';
import { parseTimeZone } from '../../src/records/time.js';
import type { LogRecord } from '../../src/records/record.js';

function parseAll(lines: string[], opts: ParseOptions = {}, origin = { file: 't.log', host: 'origin-host', service: 'origin-svc' }): { records: LogRecord[]; assembler: RecordAssembler } {
  const assembler = new RecordAssembler(origin, opts);
  return { records: assembleLines(assembler, lines), assembler };
}

const X = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';
const R = 'req-3ea4052c-895d-4b64-9e2d-04d64c4d94ab';
const G = 'req-aaaaaaaa-895d-4b64-9e2d-04d64c4d94ab';

t.test('Essex (2012): no msecs, no pid, [req user project], DEBUG "from (pid=N)" suffix, TRACE prefix', async (t) => {
  const lines = [
    `2012-04-10 12:34:56 DEBUG nova.compute.manager [${R} admin demo] [instance: ${X}] Checking state from (pid=1234) _get_power_state /usr/lib/python2.7/dist-packages/nova/compute/manager.py:285`,
    `2012-04-10 12:34:57 ERROR nova.compute.manager [${R} admin demo] [instance: ${X}] Instance failed to spawn`,
    `2012-04-10 12:34:57 TRACE nova.compute.manager [instance: ${X}] Traceback (most recent call last):`,
    `2012-04-10 12:34:57 TRACE nova.compute.manager [instance: ${X}]   File "/usr/lib/python2.7/dist-packages/nova/compute/manager.py", line 592, in _spawn`,
    `2012-04-10 12:34:57 TRACE nova.compute.manager [instance: ${X}] libvirtError: internal error`,
    `2012-04-10 12:34:57 TRACE nova.compute.manager [instance: ${X}] `,
    '2012-04-10 12:35:00 INFO nova.compute.manager [-] Updating host status',
  ];
  const { records, assembler } = parseAll(lines);
  t.equal(records.length, 3);
  const [dbg, err, info] = records as [LogRecord, LogRecord, LogRecord];
  t.equal(dbg.time, Date.UTC(2012, 3, 10, 12, 34, 56));
  t.equal(dbg.timeText, '2012-04-10 12:34:56');
  t.equal(dbg.pid, 1234, 'pid from the old DEBUG suffix');
  t.equal(dbg.message, 'Checking state');
  t.same(dbg.codeLocation, { func: '_get_power_state', path: '/usr/lib/python2.7/dist-packages/nova/compute/manager.py', line: 285 });
  t.same([dbg.requestId, dbg.user, dbg.project, dbg.globalRequestId], [R, 'admin', 'demo', null]);
  t.equal(dbg.instanceId, X);
  t.equal(err.pid, null);
  t.same(err.traceback, [
    'Traceback (most recent call last):',
    '  File "/usr/lib/python2.7/dist-packages/nova/compute/manager.py", line 592, in _spawn',
    'libvirtError: internal error',
  ], 'TRACE prefix stripped; the empty last line dropped');
  t.equal(err.source.lines, 5);
  t.equal(info.requestBlock, '-');
  t.equal(info.requestId, null);
  t.equal(assembler.stats.tracebackLines, 4);
});

t.test('Folsom/Grizzly: msecs, no pid; Havana+: pid and TRACE; Icehouse+: user_identity', async (t) => {
  const lines = [
    `2013-01-02 03:04:05.678 AUDIT nova.compute.manager [${R} u p] [instance: ${X}] Starting instance...`,
    `2014-01-02 03:04:05.678 2931 ERROR nova.openstack.common.rpc.amqp [${R} u p] Exception during message handling`,
    '2014-01-02 03:04:05.678 2931 TRACE nova.openstack.common.rpc.amqp Traceback (most recent call last):',
    '2014-01-02 03:04:05.678 2931 TRACE nova.openstack.common.rpc.amqp RemoteError: boom',
    `2015-06-01 10:00:00.001 77 INFO nova.osapi_compute.wsgi.server [${R} u p - - -] 10.0.0.1 "GET /v2/p/servers/${X} HTTP/1.1" status: 200`,
  ];
  const { records } = parseAll(lines);
  t.equal(records.length, 3);
  const [audit, rpc, api] = records as [LogRecord, LogRecord, LogRecord];
  t.equal(audit.level, 'audit');
  t.equal(audit.pid, null);
  t.equal(audit.time, Date.UTC(2013, 0, 2, 3, 4, 5, 678));
  t.equal(rpc.pid, 2931);
  t.same(rpc.traceback, ['Traceback (most recent call last):', 'RemoteError: boom']);
  t.same([api.requestId, api.user, api.project], [R, 'u', 'p']);
  t.equal(api.instanceId, null, 'an id in the message is a mention, not a tag');
});

t.test('Pike+ global request id: [None req-… u p - - - -] and [req-global req-local …]', async (t) => {
  const a = parseOsloLine(`2020-05-05 05:05:05.555 12 INFO nova.compute.manager [None ${R} u p - - - -] hi`);
  t.same([a?.record.globalRequestId, a?.record.requestId, a?.record.user, a?.record.project], [null, R, 'u', 'p']);
  const b = parseOsloLine(`2020-05-05 05:05:05.555 12 INFO nova.compute.manager [${G} ${R} u p - - - -] hi`);
  t.same([b?.record.globalRequestId, b?.record.requestId], [G, R]);
  const c = parseOsloLine(`2020-05-05 05:05:05.555 12 INFO nova.compute.manager [- ${R} - - - - -] hi`);
  t.same([c?.record.globalRequestId, c?.record.requestId, c?.record.user], [null, R, null]);
  const d = parseOsloLine(`2017-05-16 00:00:05.185 2931 INFO nova.virt.libvirt.imagecache [${R} - - - - -] x`);
  t.same([d?.record.requestId, d?.record.user, d?.record.project], [R, null, null]);
  const e = parseOsloLine('2012-01-01 00:00:00 INFO nova.x [None None None] x');
  t.same([e?.record.requestId, e?.record.user], [null, null]);
});

t.test('line kinds: record, exception prefix, not oslo', async (t) => {
  t.equal(osloLineKind(`2020-05-05 05:05:05.555 12 ERROR nova.compute.manager [${R} u p - - -] failed`), 'record');
  t.equal(osloLineKind('2020-05-05 05:05:05.555 12 ERROR nova.compute.manager [-] failed'), 'record');
  t.equal(osloLineKind(`2020-05-05 05:05:05.555 12 ERROR nova.compute.manager [instance: ${X}] Traceback (most recent call last):`), 'exception');
  t.equal(osloLineKind('2020-05-05 05:05:05.555 12 ERROR nova.compute.manager   File "x.py", line 1'), 'exception');
  t.equal(osloLineKind('2020-05-05 05:05:05.555 12 ERROR nova.compute.manager [Errno 13] Permission denied'), 'exception', 'traceback text in brackets');
  t.equal(osloLineKind('2020-05-05 05:05:05.555 12 ERROR nova.compute.manager '), 'exception');
  t.equal(osloLineKind('2020-05-05 05:05:05.555 12 ERROR nova.compute.manager'), 'exception');
  t.equal(osloLineKind('2020-05-05 05:05:05.555 12 TRACE nova.compute.manager [req-x u p] trace-level record'), 'record');
  t.equal(osloLineKind('2020-05-05 05:05:05.555 12 INFO nova.compute.manager no request block'), 'record');
  t.equal(osloLineKind('2020-05-05 05:05:05.555 12 LOUD nova.compute.manager [-] x'), null, 'unknown level word');
  t.equal(osloLineKind('2020-05-05 05:05:05.555 12 info nova.compute.manager [-] x'), null, 'level words are upper case');
  t.equal(osloLineKind('2020-05-05 05:05:05.555 INFO  x'), null, 'empty logger name');
  t.equal(osloLineKind('2020-05-05 05:05:05.555'), null);
  t.equal(osloLineKind('2020-05-05 05:05:05.555 12345678901 INFO x [-] y'), null, 'absurd pid');
  t.equal(osloLineKind('2020-05-05X05:05:05 INFO x [-] y'), null);
  t.equal(osloLineKind('  File "x.py", line 1'), null);
  t.equal(osloLineKind(''), null);
});

t.test('time variants: comma msecs, %(msecs)d, T separator, --tz', async (t) => {
  t.equal(parseOsloLine('2020-05-05 05:05:05,555 1 INFO a [-] m')?.record.time, Date.UTC(2020, 4, 5, 5, 5, 5, 555));
  t.equal(parseOsloLine('2020-05-05 05:05:05.5 1 INFO a [-] m')?.record.time, Date.UTC(2020, 4, 5, 5, 5, 5, 5), '%(msecs)d wrote 5 ms as .5');
  t.equal(parseOsloLine('2020-05-05T05:05:05.555123 1 INFO a [-] m')?.record.time, Date.UTC(2020, 4, 5, 5, 5, 5, 555));
  t.equal(parseOsloLine('2020-05-05 05:05:05.555 1 INFO a [-] m', parseTimeZone('+02:00'))?.record.time, Date.UTC(2020, 4, 5, 3, 5, 5, 555));
  const bad = parseOsloLine('2020-13-45 05:05:05.555 1 INFO a [-] m');
  t.equal(bad?.kind, 'record', 'shape is oslo');
  t.equal(bad?.record.time, null, 'impossible date: no time');
});

t.test('devstack colour codes are ignored', async (t) => {
  const line = `2016-01-20 21:56:29.283 8428 \x1b[00;32mDEBUG nova.compute.manager [\x1b[01;36m${R} \x1b[00;36madmin demo\x1b[00;32m] \x1b[01;35m[instance: ${X}] \x1b[00;32mSpawning\x1b[00m \x1b[00;33mfrom (pid=8428) spawn /opt/stack/nova/nova/compute/manager.py:10\x1b[00m`;
  const { records } = parseAll([line, `\x1b[01;31m2016-01-20 21:56:29.300 TRACE nova.compute.manager \x1b[01;35m[instance: ${X}] \x1b[00mTraceback (most recent call last):`]);
  const r = records[0] as LogRecord;
  t.equal(records.length, 1);
  t.equal(r.message, 'Spawning');
  t.equal(r.instanceId, X);
  t.equal(r.requestId, R);
  t.equal(r.codeLocation?.line, 10);
  t.same(r.traceback, ['Traceback (most recent call last):']);
  t.equal(stripAnsi('plain'), 'plain');
});

t.test('DEBUG suffix handling leaves other messages alone', async (t) => {
  const rec = (level: string, message: string): LogRecord => {
    const r = parseOsloLine(`2020-01-01 00:00:00.000 1 ${level} a [-] ${message}`)?.record as LogRecord;
    finishOsloRecord(r);
    return r;
  };
  t.equal(rec('INFO', 'copied to /x/y.py:12').message, 'copied to /x/y.py:12', 'only DEBUG lines carry the suffix');
  t.equal(rec('DEBUG', 'ratio 1:2').message, 'ratio 1:2', 'no path:line token');
  t.equal(rec('DEBUG', 'ends with colon a:').message, 'ends with colon a:');
  t.equal(rec('DEBUG', 'x:1a').message, 'x:1a');
  t.equal(rec('DEBUG', 'single').message, 'single');
  t.equal(parseAll(['2020-01-01 00:00:00.000 1 DEBUG a [-] see /x', '/y.py:1']).records[0]?.message, 'see /x\n/y.py:1', 'the suffix is on one line');
  const bare = rec('DEBUG', 'func /p.py:3');
  t.equal(bare.message, '');
  t.same(bare.codeLocation, { func: 'func', path: '/p.py', line: 3 });
  const multi = parseAll(['2020-01-01 00:00:00.000 1 DEBUG a [-] first', 'second f /p.py:9']).records[0] as LogRecord;
  t.equal(multi.message, 'first\nsecond');
  t.same(multi.codeLocation, { func: 'f', path: '/p.py', line: 9 });
  const wrapped = parseAll(['2020-01-01 00:00:00.000 1 DEBUG a [-] first', ' f /p.py:9']).records[0] as LogRecord;
  t.equal(wrapped.message, 'first\n', 'message ended in a newline: the suffix alone on the last line');
  const glued = parseAll(['2020-01-01 00:00:00.000 1 DEBUG a [-] first', 'f /p.py:9']).records[0] as LogRecord;
  t.equal(glued.message, 'first\nf /p.py:9', 'no space before the function name: not a suffix');
});

t.test('bare continuation lines and unprefixed tracebacks belong to the record before them', async (t) => {
  const lines = [
    `2020-01-01 00:00:00.000 1 ERROR nova.compute.manager [${R} u p - - -] [instance: ${X}] Error from libvirt during undefine:`,
    '<domain type="kvm">',
    '  <name>instance-0000001a</name>',
    '</domain>',
    'Traceback (most recent call last):',
    '  File "/usr/lib/python3/dist-packages/nova/virt/libvirt/driver.py", line 1, in undefine',
    'libvirt.libvirtError: Domain not found',
    '',
    `2020-01-01 00:00:01.000 1 INFO nova.compute.manager [${R} u p - - -] next`,
  ];
  const { records, assembler } = parseAll(lines);
  t.equal(records.length, 2);
  const r = records[0] as LogRecord;
  t.equal(r.message, 'Error from libvirt during undefine:\n<domain type="kvm">\n  <name>instance-0000001a</name>\n</domain>');
  t.same(r.traceback, [
    'Traceback (most recent call last):',
    '  File "/usr/lib/python3/dist-packages/nova/virt/libvirt/driver.py", line 1, in undefine',
    'libvirt.libvirtError: Domain not found',
  ]);
  t.equal(r.source.lines, 8);
  t.equal(assembler.stats.continuationLines, 3);
  t.equal(assembler.stats.tracebackLines, 4);
});
