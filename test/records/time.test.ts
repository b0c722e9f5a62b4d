import t from 'tap';
import {
  TimeSpecError, UTC, parseDuration, parseIsoTime, parseOffsetSpec, parseOffsetSpecs, parseTimeZone, withPlainZone,
} from '../../src/records/time.js';

const wall = Date.UTC(2026, 2, 2, 9, 0, 9, 123);

t.test('--tz: UTC, fixed offsets, IANA zones', async (t) => {
  for (const s of ['UTC', 'utc', 'Z', 'GMT', '+00:00', '-0000']) t.equal(parseTimeZone(s).toEpoch(wall), wall, s);
  t.equal(parseTimeZone('+02:00').toEpoch(wall), wall - 2 * 3600_000);
  t.equal(parseTimeZone('-0530').toEpoch(wall), wall + 5.5 * 3600_000);
  t.equal(parseTimeZone('+5').name, '+05:00');
  const berlin = parseTimeZone('Europe/Berlin');
  t.equal(berlin.name, 'Europe/Berlin');
  t.equal(berlin.toEpoch(wall), wall - 3600_000, 'winter: UTC+1');
  t.equal(berlin.toEpoch(Date.UTC(2026, 6, 1, 12)), Date.UTC(2026, 6, 1, 10), 'summer: UTC+2');
  t.equal(berlin.toEpoch(Date.UTC(2026, 2, 29, 3, 30)), Date.UTC(2026, 2, 29, 1, 30), 'just after the spring-forward gap');
  const ny = parseTimeZone('America/New_York');
  t.equal(ny.toEpoch(Date.UTC(2026, 0, 15, 7)), Date.UTC(2026, 0, 15, 12));
  t.equal(ny.toEpoch(Date.UTC(2026, 0, 15, 7)), Date.UTC(2026, 0, 15, 12), 'cached offset gives the same answer');
});

t.test('--tz errors are one clear line', async (t) => {
  t.throws(() => parseTimeZone('Mars/Olympus'), { name: 'TimeSpecError', message: /unknown time zone: Mars\/Olympus/ });
  t.throws(() => parseTimeZone(''), TimeSpecError);
  t.throws(() => parseTimeZone('+25:00'), /out of range/);
  t.throws(() => parseTimeZone('+02:99'), /out of range/);
});

t.test('durations and per-host clock offsets', async (t) => {
  t.equal(parseDuration('-2.5s'), -2500);
  t.equal(parseDuration('300ms'), 300);
  t.equal(parseDuration('+1m'), 60_000);
  t.equal(parseDuration('2h'), 7_200_000);
  t.equal(parseDuration('.5s'), 500);
  t.same(parseOffsetSpec('cp-3=-2.5s'), { host: 'cp-3', ms: -2500 });
  t.same(parseOffsetSpec('cp-1.example.org=250ms'), { host: 'cp-1.example.org', ms: 250 });
  t.same([...parseOffsetSpecs(['a=1s', 'b=-1m', 'a=2s'])], [['a', 2000], ['b', -60_000]]);
  t.throws(() => parseOffsetSpec('cp-3'), { name: 'TimeSpecError', message: /write HOST=±N<unit>/ });
  t.throws(() => parseOffsetSpec('=1s'), /HOST=/);
  t.throws(() => parseOffsetSpec('cp-3=fast'), { message: /bad clock offset for cp-3: bad duration/ });
  t.throws(() => parseDuration('5d'), /ms, s, m or h/);
  t.throws(() => parseDuration('s'), TimeSpecError);
});

t.test('ISO timestamps', async (t) => {
  t.equal(parseIsoTime('2026-03-02T09:00:09.123Z'), wall);
  t.equal(parseIsoTime('2026-03-02T10:00:09.123+01:00'), wall);
  t.equal(parseIsoTime('2026-03-02T10:00:09.123+0100'), wall);
  t.equal(parseIsoTime('2026-03-02T09:00:09.123456Z'), wall, 'microseconds truncate to ms');
  t.equal(parseIsoTime('2026-03-02 09:00:09,123'), wall, 'zone-less reads in the zone given (UTC)');
  t.equal(parseIsoTime('2026-03-02 10:00:09.123', parseTimeZone('+01:00')), wall);
  t.equal(parseIsoTime('2026-03-02T09:00:09.5Z'), wall - 123 + 5, 'up to three digits count milliseconds');
  t.equal(parseIsoTime('Mon, 02 Mar 2026 09:00:09 GMT'), wall - 123, 'other formats Date can read');
  t.equal(parseIsoTime('2026-13-02T09:00:09Z'), null, 'month out of range');
  t.equal(parseIsoTime('yesterday'), null);
  t.equal(UTC.toEpoch(wall), wall);
});

t.test('withPlainZone: a parsed zone by name, a spec or no zone as it is', async (t) => {
  const job = { source: 'x', parse: { tz: parseTimeZone('Europe/Berlin'), oslo: undefined } };
  const plain = withPlainZone(job);
  t.same(plain, { source: 'x', parse: { tz: 'Europe/Berlin', oslo: undefined } });
  t.equal(structuredClone(plain).parse.tz, 'Europe/Berlin', 'clonable');
  t.equal(job.parse.tz.name, 'Europe/Berlin', 'the job itself untouched');
  const spec = { parse: { tz: '+02:00' } };
  t.equal(withPlainZone(spec), spec);
  t.equal(withPlainZone({ parse: {} as { tz?: string } }).parse.tz, undefined);
});
