import t from 'tap';
import { isRecordStart } from '../../src/records/detect.js';
import { parseLine } from '../../src/records/line.js';

const X = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';

t.test('isRecordStart: lines that begin records', async (t) => {
  for (const line of [
    '2017-05-16 00:00:00.008 25746 INFO nova.osapi_compute.wsgi.server [req-38101a0b-2096-447d-96ea-a692162415ae 1 2 - - -] x',
    '2012-04-10 12:34:56 DEBUG nova.compute.manager [-] x',
    '2020-01-01 00:00:00.000 1 ERROR nova.compute.manager [-] failed',
    '{"level":30,"msg":"x"}',
    '  {"level":30,"msg":"x"}',
    'Mar  2 09:00:09 cp-1 nova-compute[2931]: 2026-03-02 09:00:09.123 2931 INFO nova.compute.manager [-] x',
    'Mar  2 09:00:09 cp-1 kernel: eth0 up',
    '<14>1 2026-03-02T09:00:09Z cp-2 app - - - {"msg":"x"}',
    '2026-03-02T09:00:09.123+01:00 cp-3 nova-compute[77]: anything',
    '\x1b[01;31m2016-01-20 21:56:29.283 8428 INFO nova.compute.manager [-] coloured',
    '2026-04-14T10:42:57.072876123Z stderr F 2026-04-14 10:42:57.072 7 INFO nova.compute.manager [-] in CRI',
    '2026-04-14T10:42:57.072876123Z stdout P {"level":30,"msg":"the head of a long line',
    '{"log":"2026-04-14 10:42:57.072 7 INFO nova.compute.manager [-] in Docker\\n","stream":"stderr","time":"2026-04-14T10:42:57.072876123Z"}',
  ]) t.equal(isRecordStart(line), true, line.slice(0, 50));
});

t.test('isRecordStart: continuation, exception-prefix and unknown lines', async (t) => {
  for (const line of [
    `2020-01-01 00:00:00.000 1 ERROR nova.compute.manager [instance: ${X}] Traceback (most recent call last):`,
    '2012-04-10 12:34:57 TRACE nova.compute.manager   File "x.py", line 1',
    'Mar  2 09:00:09 cp-1 nova-compute[2931]: 2026-03-02 09:00:09.123 2931 ERROR nova.compute.manager ValueError: x',
    '  File "x.py", line 1, in f',
    '<domain type="kvm">',
    "{'python': 'repr'}",
    'Traceback (most recent call last):',
    '',
    'Mar  2 9:00:09 not syslog',
    '2020-01-01 junk',
    'Monday was fine',
    '2026-04-14T10:42:57.072876123Z stderr F 2026-04-14 10:42:57.072 7 ERROR nova.compute.manager Traceback (most recent call last):',
    '2026-04-14T10:42:57.072876123Z stderr F   File "x.py", line 1',
    '2026-04-14T10:42:57.072876123Z stderr F the tail of a long line',
    '{"log":"  File \\"x.py\\", line 1\\n","stream":"stderr","time":"2026-04-14T10:42:57.072876123Z"}',
  ]) t.equal(isRecordStart(line), false, line.slice(0, 50));
});

t.test('isRecordStart agrees with the parser on what starts a record', async (t) => {
  const samples = [
    '2020-01-01 00:00:00.000 1 INFO a [-] m', '2020-01-01 00:00:00.000 1 ERROR a x', '{"msg":1}', 'text',
    'Mar  2 09:00:09 h t: 2020-01-01 00:00:00.000 1 ERROR a x', 'Mar  2 09:00:09 h t: m', '{"broken"}',
  ];
  for (const s of samples) {
    const p = parseLine(s);
    const starts = p !== null && p.kind === 'record';
    if (s === '{"broken"}') t.equal(isRecordStart(s), true, 'JSON by shape: the assembler then keeps it as its own plain record');
    else t.equal(isRecordStart(s), starts, s);
  }
});
