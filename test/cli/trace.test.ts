import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLOUD, ID, IMAGE, runMain } from './fixture/run.js';

interface JsonLine {
  time: string | null; host: string; service: string; level: string; message: string; why: string;
  request_id: string | null; instance_uuid: string | null; traceback: string[];
  cache?: { action: string; image_id: string | null; base_file: string | null };
  source: { file: string; line: number; lines: number };
}

const parse = (stdout: string): JsonLine[] => stdout.trimEnd().split('\n').filter(Boolean).map((l) => JSON.parse(l) as JsonLine);

t.test('fixtures: every why, in time order, exit 0', async (t) => {
  const r = await runMain([ID, CLOUD, '--json', '--offset', 'cp-3=-4s']);
  t.equal(r.status, 0);
  t.equal(r.stderr, '');
  const lines = parse(r.stdout);
  t.same([...new Set(lines.map((l) => l.why))].sort(), ['cache', 'mentioned', 'request', 'tagged']);
  const times = lines.map((l) => Date.parse(l.time as string));
  t.same(times, [...times].sort((a, b) => a - b));
  t.notOk(lines.some((l) => l.instance_uuid !== null && l.instance_uuid !== ID), 'nothing tagged with another instance');
  t.ok(lines.some((l) => l.why === 'request' && l.message.startsWith('10.11.10.1 "POST') && l.host === 'controller'), 'the API call that never names it');
});

t.test('a periodic request id shared by many instances is not expanded', async (t) => {
  const lines = parse((await runMain([ID, CLOUD, '--json'])).stdout);
  const periodic = lines.filter((l) => l.request_id === 'req-3ea4052c-895d-4b64-9e2d-04d64c4d94ab');
  t.ok(periodic.length > 0);
  t.ok(periodic.every((l) => l.why !== 'request'), 'its records are here only as tagged or cache');
  t.notOk(lines.some((l) => l.message.includes('Auditing locally available')), "the periodic task's own lines are left out");
});

t.test('reschedule after a failed build with a traceback; migration to a second host', async (t) => {
  const r = await runMain([ID, CLOUD, '--summary', '--json', '--offset', 'cp-3=-4s']);
  const summary = JSON.parse(r.stdout) as { hosts: { host: string; first: string; last: string }[]; errors: { line: string }[] };
  t.same(summary.hosts.map((h) => h.host), ['cp-1', 'cp-2', 'cp-3']);
  t.ok(summary.hosts[0]!.last < summary.hosts[1]!.first, 'cp-1 left before cp-2 began (reschedule)');
  t.ok(summary.hosts[2]!.first < summary.hosts[1]!.last, 'cp-2 and cp-3 overlap during the live migration');
  t.same(summary.errors.map((e) => e.line), ['Instance failed to spawn']);
  const lines = parse((await runMain([ID, CLOUD, '--json'])).stdout);
  const failed = lines.find((l) => l.message === 'Instance failed to spawn');
  t.equal(failed?.traceback[0], 'Traceback (most recent call last):');
  t.equal(failed?.traceback.at(-1), 'OSError: [Errno 28] No space left on device');
  const warned = lines.find((l) => l.message.startsWith('Error monitoring migration'));
  t.equal(warned?.source.lines, 5, 'the oslo traceback lines stay with their record');
  t.equal(warned?.traceback.length, 4);
});

t.test('the base file is removed after the instance left the host', async (t) => {
  const lines = parse((await runMain([ID, CLOUD, '--json'])).stdout);
  const cp1Cache = lines.filter((l) => l.why === 'cache' && l.host === 'cp-1');
  t.same(cp1Cache.map((l) => l.cache?.action), ['check', 'unused', 'too_young', 'unused', 'remove']);
  t.ok(cp1Cache.every((l) => l.cache?.image_id === IMAGE), 'tied to the image');
  const leftCp1 = Date.parse(lines.filter((l) => l.host === 'cp-1' && l.why === 'tagged').at(-1)!.time!);
  t.ok(Date.parse(cp1Cache.at(-1)!.time!) > leftCp1, 'removed after the instance left');
  t.notOk(lines.some((l) => l.host === 'cp-1' && l.time! > cp1Cache.at(-1)!.time!), 'nothing on cp-1 after the removal');
  const cp2Cache = lines.filter((l) => l.why === 'cache' && l.host === 'cp-2');
  t.equal(cp2Cache.at(-1)?.cache?.action, 'remove');
});

t.test('gzip rotation: the older hour comes from nova-compute.log.1.gz, lines counted decompressed', async (t) => {
  const lines = parse((await runMain([ID, CLOUD, '--json'])).stdout);
  const rotated = lines.filter((l) => l.source.file === path.join(CLOUD, 'cp-2', 'nova-compute.log.1.gz'));
  t.ok(rotated.length >= 5);
  t.equal(rotated[0]?.message, 'Attempting claim: memory 2048 MB, disk 20 GB, vcpus 1 CPU');
  t.equal(rotated[0]?.source.line, 1);
  const current = lines.filter((l) => l.source.file === path.join(CLOUD, 'cp-2', 'nova-compute.log'));
  t.ok(Date.parse(rotated.at(-1)!.time!) < Date.parse(current[0]!.time!), 'rotated set read oldest first');
});

t.test('clock offsets: --offset puts a drifting host back in order', async (t) => {
  const order = (ls: JsonLine[]) => ls.map((l) => l.message).filter((m) => /pre_live_migration|Migration operation has completed/.test(m));
  const drifted = parse((await runMain([ID, CLOUD, '--json'])).stdout);
  t.same(order(drifted), ['Migration operation has completed', 'pre_live_migration: preparing the destination']);
  const fixed = parse((await runMain([ID, CLOUD, '--json', '--offset', 'cp-3=-4s'])).stdout);
  t.same(order(fixed), ['pre_live_migration: preparing the destination', 'Migration operation has completed']);
  const pre = fixed.find((l) => l.message.startsWith('pre_live'));
  t.equal(pre?.time, '2026-03-02T10:00:02.000Z');
});

t.test('--since/--until, --no-requests, --no-cache, --image', async (t) => {
  const cut = parse((await runMain([ID, CLOUD, '--json', '--since', '2026-03-02T10:00:00Z', '--until', '2026-03-02 10:30'])).stdout);
  t.ok(cut.length > 0 && cut.every((l) => l.time! >= '2026-03-02T10:00:00.000Z' && l.time! <= '2026-03-02T10:30:00.000Z'));
  const relative = parse((await runMain([ID, CLOUD, '--json', '--since', '1h'])).stdout);
  t.ok(relative.every((l) => l.time! >= '2026-03-02T11:00:00.000Z'), '1h before now (12:00)');
  const noRequests = parse((await runMain([ID, CLOUD, '--json', '--no-requests'])).stdout);
  t.notOk(noRequests.some((l) => l.why === 'request'));
  const noCache = parse((await runMain([ID, CLOUD, '--json', '--no-cache'])).stdout);
  t.notOk(noCache.some((l) => l.why === 'cache'));
  const withImage = await runMain([ID, CLOUD, '--json', '--image', IMAGE]);
  t.equal(withImage.status, 0);
});

t.test('--request-window: the same answer on the fixtures whether pass 2 reads everything, or only near the requests', async (t) => {
  const all = await runMain([ID, CLOUD, '--json', '--request-window', 'all']);
  t.equal(all.status, 0);
  for (const window of ['60m', '2h', '1s']) {
    const r = await runMain([ID, CLOUD, '--json', '--request-window', window]);
    t.equal(r.status, 0, window);
    t.equal(r.stdout, all.stdout, window);
  }
});

t.test('exit 1 when nothing is found', async (t) => {
  const r = await runMain(['00000000-0000-4000-8000-000000000000', CLOUD]);
  t.equal(r.status, 1);
  t.match(r.stdout, 'instance 00000000-0000-4000-8000-000000000000: 0 records');
});

t.test('exit 2 with one clear line for every user mistake', async (t) => {
  const cases: [string[], RegExp][] = [
    [['not-a-uuid', CLOUD], /^instance-trace: not an instance id: "not-a-uuid"/],
    [[ID, CLOUD, '--bogus'], /^instance-trace: Unknown argument: bogus/],
    [[ID, 'no/such/folder'], /no such file or folder|no readable input/],
    [[ID, CLOUD, '--offset', 'cp-3'], /^instance-trace: bad --offset: bad clock offset/],
    [[ID, CLOUD, '--since', 'yesterday-ish'], /^instance-trace: bad --since time/],
    [[ID, CLOUD, '--tz', 'Mars/Olympus'], /^instance-trace: bad --tz: unknown time zone/],
    [[ID, CLOUD, '--color=purple'], /^instance-trace: bad --color value/],
    [[ID, CLOUD, '--image', 'x'], /^instance-trace: not an image id/],
    [[ID, CLOUD, '--request-window', 'soon'], /^instance-trace: bad --request-window: "soon"/],
    [[ID, CLOUD, '--request-window=-5m'], /^instance-trace: bad --request-window/],
    [[ID, CLOUD, '--since', '2026-03-02T11:00:00Z', '--until', '2026-03-02T10:00:00Z'], /--since is after --until/],
    [[], /^usage: instance-trace <instance-id>/],
  ];
  for (const [argv, message] of cases) {
    const r = await runMain(argv);
    t.equal(r.status, 2, argv.join(' '));
    t.match(r.stderr, message, argv.join(' '));
    t.notMatch(r.stderr, /\n {4}at /, 'no stack trace');
    t.equal(r.stdout, '');
  }
});

t.test('a missing path next to a good one: the trace, a warning, and exit 2', async (t) => {
  const r = await runMain([ID, CLOUD, 'no/such/file.log']);
  t.equal(r.status, 2);
  t.match(r.stdout, 'Instance failed to spawn');
  t.match(r.stderr, 'no/such/file.log');
});

t.test('standard input when piped, or given as -', async (t) => {
  const log = `2026-03-02 09:00:01.000 2931 INFO nova.compute.manager [req-6f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5 u p - - -] [instance: ${ID}] Claim successful\n`;
  for (const argv of [[ID, '-', '--json'], [ID, '--json']]) {
    const r = await runMain(argv, { stdin: log });
    t.equal(r.status, 0, argv.join(' '));
    const [line] = parse(r.stdout);
    t.equal(line?.source.file, '-');
    t.equal(line?.message, 'Claim successful');
  }
});

t.test('colour: auto is off when not a terminal and under NO_COLOR; always and never win', async (t) => {
  const esc = /\u001b\[/;
  t.notMatch((await runMain([ID, CLOUD])).stdout, esc, 'not a terminal');
  t.match((await runMain([ID, CLOUD], { tty: true })).stdout, esc, 'a terminal');
  t.notMatch((await runMain([ID, CLOUD], { tty: true, env: { NO_COLOR: '1' } })).stdout, esc, 'NO_COLOR');
  t.match((await runMain([ID, CLOUD, '--color=always'], { env: { NO_COLOR: '1' } })).stdout, esc, '--color=always');
  t.notMatch((await runMain([ID, CLOUD, '--color', 'never'], { tty: true })).stdout, esc, '--color never');
});

t.test('control characters from a log never reach the terminal', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'instance-trace-evil-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'nova-compute.log');
  const evil = 'name \u001b]0;pwned\u0007\u001b[2J\u001b[31m red \u009b1;1H \u202etxt.exe\u007f';
  writeFileSync(file, [
    `2026-03-02 09:00:01.000 2931 INFO nova.compute.manager [req-6f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5 u p - - -] [instance: ${ID}] ${evil}`,
    `2026-03-02 09:00:02.000 2931 ERROR nova.compute.manager [req-6f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5 u p - - -] [instance: ${ID}] failed`,
    `2026-03-02 09:00:02.000 2931 ERROR nova.compute.manager [instance: ${ID}] Traceback (most recent call last):`,
    `2026-03-02 09:00:02.000 2931 ERROR nova.compute.manager [instance: ${ID}] ValueError: ${evil}`,
    '',
  ].join('\n'));
  for (const argv of [[ID, file, '--color=always'], [ID, file, '--color=never'], [ID, file, '--summary', '--color=always']]) {
    const r = await runMain(argv, { tty: true });
    t.equal(r.status, 0);
    const withoutOurColours = r.stdout.replace(/\u001b\[\d+(?:;\d+)*m/g, '');
    t.notMatch(withoutOurColours, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/, argv.join(' '));
  }
  const r = await runMain([ID, file, '--color=never']);
  // (The parser drops colour sequences, ESC [ … letter; everything else is shown escaped.)
  t.match(r.stdout, 'name \\x1b]0;pwned\\x07 red \\x9b1;1H \\u202etxt.exe\\x7f');
});

t.test('--help shows usage, options and examples; --version the version', async (t) => {
  const help = await runMain(['--help']);
  t.equal(help.status, 0);
  t.match(help.stdout, 'instance-trace <instance-id> [paths..]');
  t.match(help.stdout, '--offset');
  t.match(help.stdout, 'Examples:');
  t.match(help.stdout, 'Exit status');
  const version = await runMain(['--version']);
  t.match(version.stdout, /^\d+\.\d+\.\d+/);
});
