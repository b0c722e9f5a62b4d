import t from 'tap';
import { spawnSync } from 'node:child_process';
import { createLogger, withInstance, withRequest, formatOsloLines, osloLevelWord } from '../../src/index.js';
import { capture, captured, novaInstance, UUID } from './fixtures/capture.js';

/** One regex per field of oslo's default layouts. */
const FIELDS = {
  date: String.raw`(?<date>\d{4}-\d{2}-\d{2})`,
  time: String.raw`(?<time>\d{2}:\d{2}:\d{2}\.\d{3})`,
  pid: String.raw`(?<pid>\d+)`,
  level: String.raw`(?<level>DEBUG|INFO|WARNING|ERROR|CRITICAL)`,
  name: String.raw`(?<name>\S+)`,
  request: String.raw`\[(?<request>[^\]]*)\]`,
  instance: String.raw`(?:\[instance: (?<instance>[^\]\s]+)\] )?`,
  message: String.raw`(?<message>.*)`,
};
const OSLO_LINE = new RegExp(`^${FIELDS.date} ${FIELDS.time} ${FIELDS.pid} ${FIELDS.level} ${FIELDS.name} ${FIELDS.request} ${FIELDS.instance}${FIELDS.message}$`);
const EXCEPTION_LINE = new RegExp(`^${FIELDS.date} ${FIELDS.time} ${FIELDS.pid} ERROR ${FIELDS.name} ${FIELDS.instance}(?<line>.*)$`);
/** 2017-05-16 00:00:05.185 UTC, a time from the loghub corpus. */
const FIXED_MS = 1494892805185;
const fixedTime = () => `,"time":${FIXED_MS}`;

function parse(line: string | undefined) {
  const match = OSLO_LINE.exec(line ?? '');
  return match?.groups ?? {};
}

t.test('the oslo line, field by field', async (t) => {
  const { log, out } = captured({ format: 'oslo', timestamp: fixedTime, level: 'trace' });
  log.info({ instance: novaInstance() }, 'Instance spawned successfully.');
  withRequest('req-38101a0b-2096-447d-96ea-a692162415ae', () => log.warn('in a request'));
  log.info({ request_id: 'req-1', global_request_id: 'req-g', user_id: 'u1', project_id: 'p1' }, 'full context');
  log.trace('trace level');
  log.debug('debug level');
  log.error('error level');
  log.fatal('fatal level');
  const lines = out.lines();
  t.equal(lines.length, 7, 'one line per call');
  const first = parse(lines[0]);
  t.equal(first.date, '2017-05-16', 'date, UTC');
  t.equal(first.time, '00:00:05.185', 'time with milliseconds, UTC');
  t.equal(first.pid, String(process.pid), 'pid');
  t.equal(first.level, 'INFO', 'level word');
  t.equal(first.name, 'nova.compute.manager', 'logger name');
  t.equal(first.request, '-', 'no request: [-]');
  t.equal(first.instance, UUID, 'instance tag');
  t.equal(first.message, 'Instance spawned successfully.', 'message');
  const request = parse(lines[1]);
  t.equal(request.request, 'None req-38101a0b-2096-447d-96ea-a692162415ae - - - - - -', 'request with no user: modern default block');
  t.equal(request.level, 'WARNING');
  t.equal(request.instance, undefined, 'no instance: no tag');
  t.equal(parse(lines[2]).request, 'req-g req-1 u1 p1 - - - -', 'global id, user and project');
  t.same(lines.slice(3).map((l) => parse(l).level), ['DEBUG', 'DEBUG', 'ERROR', 'CRITICAL'], 'trace prints as DEBUG, fatal as CRITICAL');
  t.same([5, 25, 35, 45, 55, 70].map(osloLevelWord), ['DEBUG', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'], 'custom levels round down');
});

t.test('error records: every traceback line carries the exception prefix with time and instance', async (t) => {
  const { log, out } = captured({ format: 'oslo', timestamp: fixedTime });
  const cause = new Error('libvirt said no');
  const error = new AggregateError([new Error('port 1'), new Error('port 2')], 'network setup failed', { cause });
  withInstance(UUID, () => log.error({ err: error }, 'Instance failed to spawn'));
  log.fatal(new Error('no instance here'));
  const lines = out.lines();
  const main = parse(lines[0]);
  t.equal(main.level, 'ERROR');
  t.equal(main.instance, UUID);
  t.equal(main.message, 'Instance failed to spawn');
  const tracebackEnd = lines.findIndex((l, i) => i > 0 && OSLO_LINE.test(l) && parse(l).request !== undefined && !EXCEPTION_LINE.exec(l)?.groups?.line?.match(/^(AggregateError|Error|Caused|Aggregated|\s+at )/));
  const traceback = lines.slice(1, tracebackEnd);
  t.ok(traceback.length >= 8, 'stack, members and cause lines');
  for (const line of traceback) {
    const prefix = EXCEPTION_LINE.exec(line)?.groups;
    t.equal(prefix?.date, '2017-05-16', 'traceback line has the date');
    t.equal(prefix?.time, '00:00:05.185', 'and the time');
    t.equal(prefix?.instance, UUID, 'and the instance');
  }
  const texts = traceback.map((l) => EXCEPTION_LINE.exec(l)?.groups?.line);
  t.equal(texts[0], 'AggregateError: network setup failed');
  t.ok(texts.includes('Aggregated error 1 of 2: Error: port 1'));
  t.ok(texts.includes('Aggregated error 2 of 2: Error: port 2'));
  t.ok(texts.includes('Caused by: Error: libvirt said no'));
  t.ok(texts.some((l) => /^\s+at /.test(l ?? '')), 'stack frames');
  const fatal = lines.slice(tracebackEnd);
  t.equal(parse(fatal[0]).level, 'CRITICAL');
  t.equal(parse(fatal[0]).message, 'no instance here');
  t.match(fatal[1], new RegExp(`^2017-05-16 00:00:05\\.185 ${process.pid} ERROR nova\\.compute\\.manager Error: no instance here$`),
    'no instance: the prefix ends with the name, as oslo prints it');
});

t.test('a forged newline, control characters and hostile ids stay on one line', async (t) => {
  const { log, out } = captured({ format: 'oslo', timestamp: fixedTime });
  const forged = `done\n2017-05-16 00:00:05.185 1 INFO nova.compute.manager [-] [instance: ${'f'.repeat(8)}-0000-0000-0000-000000000000] forged`;
  log.info({ instance: UUID }, forged);
  log.info({ instance: `${UUID}]\n[instance: evil` }, 'hostile id');
  log.info({ request_id: 'req-1\r\nfake', instance: UUID }, 'tab\there, bell\u0007, esc\u001b[31m, nel\u0085, ls\u2028, del\u007f');
  const error = new Error('multi\nline message');
  log.error({ err: error, instance: UUID }, 'x');
  const lines = out.lines();
  t.ok(lines.slice(0, 3).every((l) => OSLO_LINE.test(l)), 'each a well-formed line');
  t.equal(parse(lines[0]).instance, UUID);
  t.equal(parse(lines[0]).message, forged.replace('\n', '\\n'));
  t.equal(lines.filter((l) => l.includes('forged')).length, 1, 'the forged record is not a line of its own');
  t.ok(lines[1]?.endsWith('[-] hostile id'), 'the hostile id is no UUID: rejected (instance_error), no tag printed');
  t.equal(parse(lines[2]).request, 'None req-1\\r\\nfake - - - - - -');
  t.equal(parse(lines[2]).message, 'tab\\there, bell\\x07, esc\\x1b[31m, nel\\x85, ls\\u2028, del\\x7f');
  t.notOk(out.writes.join('').match(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/), 'no raw control character written');
  // The multi-line error message becomes two prefixed traceback lines, as oslo prints it.
  const tb = lines.slice(4).map((l) => EXCEPTION_LINE.exec(l)?.groups);
  t.equal(tb[0]?.line, 'Error: multi');
  t.equal(tb[1]?.line, 'line message');
  t.equal(tb[1]?.instance, UUID);
});

t.test('odd messages and times do not break the line', async (t) => {
  const { log, out } = captured({ format: 'oslo', timestamp: () => ',"time":"2017-05-16T00:00:05.185Z"' });
  log.info({ instance: UUID });
  log.info(42 as unknown as string);
  log.info({ msg: 'x' });
  const lines = out.lines();
  t.equal(parse(lines[0]).message, '');
  t.equal(parse(lines[0]).time, '00:00:05.185', 'an ISO time string is read too');
  t.equal(parse(lines[1]).message, '42');
  const bogus = capture();
  const log2 = createLogger({ format: 'oslo', destination: bogus.stream, timestamp: () => ',"time":"bogus"' });
  log2.info('now');
  t.match(bogus.lines()[0], OSLO_LINE, 'an unreadable time falls back to now');
  t.equal(formatOsloLines({ epochMs: 5, pid: 1, level: 30, name: 'n', request: {}, instanceUuid: undefined, message: 'm', traceback: undefined }),
    '1970-01-01 00:00:00.005 1 INFO n [-] m\n');
});

t.test('a child renamed by bindings prints its own name', async (t) => {
  const { log, out } = captured({ format: 'oslo' });
  log.child({ name: 'nova.virt.libvirt.imagecache' }).info('a');
  log.child({ name: 'nova.virt.libvirt.imagecache' }).info('b');
  log.info('c');
  t.same(out.lines().map((l) => parse(l).name), ['nova.virt.libvirt.imagecache', 'nova.virt.libvirt.imagecache', 'nova.compute.manager']);
});

t.test("matches Debian's oslo.log output, token for token after the time and pid", async (t) => {
  const script = String.raw`
import logging, re, sys
from oslo_config import cfg
from oslo_log import log
from oslo_context import context
CONF = cfg.CONF
log.register_options(CONF)
CONF([], project='probe')
log.setup(CONF, 'probe')
L = log.getLogger('nova.compute.manager')
L.info('plain message')
L.info('with instance', instance={'uuid': '${UUID}'})
L.warning('in a request', context=context.RequestContext(request_id='req-38101a0b-2096-447d-96ea-a692162415ae', overwrite=False))
L.info('full context', context=context.RequestContext(request_id='req-1', global_request_id='req-g', user_id='u1', project_id='p1', overwrite=False))
L.critical('critical', instance={'uuid': '${UUID}'}, context=context.RequestContext(request_id='req-2', overwrite=False))
try:
    raise ValueError('boom')
except ValueError:
    L.exception('failed', instance={'uuid': '${UUID}'})
`;
  const python = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' });
  t.equal(python.status, 0, `oslo.log ran (${python.stderr.slice(-300)})`);
  const theirs = python.stdout.replace(/\x1b\[[0-9;]*m/g, '').split('\n').filter((l) => l !== '');
  const { log, out } = captured({ format: 'oslo' });
  log.info('plain message');
  log.info({ instance: { uuid: UUID } }, 'with instance');
  log.warn({ request_id: 'req-38101a0b-2096-447d-96ea-a692162415ae' }, 'in a request');
  log.info({ request_id: 'req-1', global_request_id: 'req-g', user_id: 'u1', project_id: 'p1' }, 'full context');
  log.fatal({ instance: UUID, request_id: 'req-2' }, 'critical');
  const afterPid = (line: string | undefined) => (line ?? '').replace(/^\S+ \S+ \d+ /, '');
  const ours = out.lines();
  for (let i = 0; i < 5; i++) t.equal(afterPid(ours[i]), afterPid(theirs[i]), `line ${i + 1}: ${afterPid(theirs[i])}`);
  t.match(theirs[0], OSLO_LINE, "oslo's own line fits the field regexes");
  // oslo's exception lines: same prefix shape as ours.
  const theirTraceback = theirs.slice(6);
  t.ok(theirTraceback.length > 0);
  for (const line of theirTraceback) t.equal(EXCEPTION_LINE.exec(line)?.groups?.instance, UUID, `oslo prefix: ${line.slice(0, 70)}`);
});
