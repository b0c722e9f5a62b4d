/**
 * Daylight-saving transitions under `--tz`: the wall times a fall-back repeats are read in file
 * order (first occurrence, then the second once the times step back), with one warning per file;
 * the times a spring-forward skips are read with the offset before the change, also warned.
 */
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ID, runMain } from '../cli/fixture/run.js';
import { FileClock, parseTimeZone } from '../../src/records/time.js';

const root = mkdtempSync(path.join(tmpdir(), 'it-dst-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));

const line = (wall: string, message: string): string =>
  `${wall}.000 4242 INFO nova.compute.manager [None req-5f0c2b9e-1d7a-4c33-9e4b-7a1d2c3b4e5f - - - - - -] [instance: ${ID}] ${message}`;

/** 01:50 CEST, then a..c in the first 02:xx (CEST), d..f in the repeated one (CET), then 03:10 CET. */
const FALL_BACK = [
  line('2026-10-25 01:50:00', 'before'),
  line('2026-10-25 02:10:00', 'a'), line('2026-10-25 02:30:00', 'b'), line('2026-10-25 02:50:00', 'c'),
  line('2026-10-25 02:10:00', 'd'), line('2026-10-25 02:30:00', 'e'), line('2026-10-25 02:50:00', 'f'),
  line('2026-10-25 03:10:00', 'after'),
];
const FALL_BACK_UTC = ['23:50', '00:10', '00:30', '00:50', '01:10', '01:30', '01:50', '02:10'];

function host(name: string, lines: string[]): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'nova-compute.log');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const messages = (ndjson: string): Array<{ message: string; time: string }> =>
  ndjson.trim().split('\n').map((l) => JSON.parse(l) as { message: string; time: string }).filter((r) => r.message !== undefined);

t.test('the trace keeps a fall-back hour in file order and says once that its times were ambiguous', async (t) => {
  const file = host('cp-1', FALL_BACK);
  const r = await runMain([ID, file, '--tz', 'Europe/Berlin', '--json']);
  t.equal(r.status, 0, r.stderr);
  const got = messages(r.stdout);
  t.same(got.map((m) => m.message), ['before', 'a', 'b', 'c', 'd', 'e', 'f', 'after'], 'file order kept');
  t.same(got.map((m) => m.time.slice(11, 16)), FALL_BACK_UTC, 'first occurrence as CEST, second as CET');
  const warnings = r.stderr.split('\n').filter((l) => l.includes('ambiguous'));
  t.equal(warnings.length, 1, 'one warning for the file');
  t.match(warnings[0], /cp-1\/nova-compute\.log/, 'naming the file');
  t.match(warnings[0], /Europe\/Berlin/, 'and the zone');
});

t.test('the filter --json reads the hour the same way and warns once too', async (t) => {
  const file = host('cp-2', FALL_BACK);
  const r = await runMain(['filter', '-i', ID, '--tz', 'Europe/Berlin', '--json', file]);
  t.equal(r.status, 0, r.stderr);
  t.same(messages(r.stdout).map((m) => m.time.slice(11, 16)), FALL_BACK_UTC);
  t.equal(r.stderr.split('\n').filter((l) => /ambiguous/.test(l)).length, 1);
  t.match(r.stderr, /cp-2\/nova-compute\.log/);
});

t.test('a file of one zone without transitions, or in UTC, gets no warning', async (t) => {
  const file = host('cp-3', FALL_BACK);
  const r = await runMain([ID, file, '--json']);
  t.equal(r.status, 0);
  t.notMatch(r.stderr, /ambiguous|do not exist/);
  const summer = host('cp-4', [line('2026-07-01 02:10:00', 'x')]);
  const s = await runMain([ID, summer, '--tz', 'Europe/Berlin', '--json']);
  t.equal(s.status, 0);
  t.notMatch(s.stderr, /ambiguous|do not exist/);
  t.same(messages(s.stdout).map((m) => m.time.slice(11, 16)), ['00:10']);
});

t.test('a time in the skipped spring-forward hour is read with the offset before the change, and warned', async (t) => {
  const file = host('cp-5', [line('2026-03-29 01:50:00', 'x'), line('2026-03-29 02:30:00', 'y'), line('2026-03-29 03:10:00', 'z')]);
  const r = await runMain([ID, file, '--tz', 'Europe/Berlin', '--json']);
  t.equal(r.status, 0);
  // 02:30 read as +01:00 is 03:30 CEST: after 03:10 CEST, so the timeline shows it last.
  t.same(messages(r.stdout).map((m) => [m.message, m.time.slice(11, 16)]), [['x', '00:50'], ['z', '01:10'], ['y', '01:30']]);
  t.match(r.stderr, /do not exist/);
});

t.test('FileClock: out-of-order lines within the tolerance stay in the first occurrence; a seed gives context', async (t) => {
  const zone = parseTimeZone('Europe/Berlin');
  const wall = (hm: string): number => Date.parse(`2026-10-25T${hm}:00Z`);
  const clock = new FileClock(zone);
  const iso = (ms: number): string => new Date(ms).toISOString().slice(11, 16);
  t.equal(iso(clock.toEpoch(wall('02:30'))), '00:30');
  t.equal(iso(clock.toEpoch(wall('02:25'))), '00:25', 'five minutes back: still the first occurrence');
  t.equal(iso(clock.toEpoch(wall('02:10'))), '01:10', 'twenty minutes back: the second');
  const seeded = new FileClock(zone);
  seeded.seed(Date.parse('2026-10-25T01:05:00Z'));
  t.equal(iso(seeded.toEpoch(wall('02:10'))), '01:10', 'a range starting after the jump back');
  const fixed = parseTimeZone('+02:00');
  t.equal(fixed.transitionAt, undefined, 'a fixed offset has no transitions');
});
