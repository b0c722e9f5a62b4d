/**
 * Trust under faults: hostile file names never put control characters on the terminal, JSON
 * output escapes C1 controls and line separators, bad time flags get one clear line, empty
 * stdin and empty gzip files give the exit status they should.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLOUD, ID, ensureBuilt, runMain } from './fixture/run.js';

const root = mkdtempSync(path.join(tmpdir(), 'it-trust-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));

/** Control characters a terminal could obey: C0 but newline, DEL, C1. */
function unsafeCodes(text: string): string[] {
  return [...text].filter((c) => {
    const code = c.codePointAt(0)!;
    return (code < 0x20 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f);
  }).map((c) => c.codePointAt(0)!.toString(16));
}

t.test('hostile file names in warnings reach stderr escaped, in both commands', async (t) => {
  // Root reads every mode: a missing path and a binary file are warnings whoever runs the test.
  const missing = path.join(root, 'x\u001b]0;PWN\u0007');
  const binary = path.join(root, 'nova\u001b[2J\u009bsvc.log');
  writeFileSync(binary, Buffer.from([0x61, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0x62, 0, 0]));
  for (const argv of [[ID, CLOUD, missing, binary], ['filter', '-i', ID, CLOUD, missing, binary]]) {
    const r = await runMain(argv);
    t.equal(r.status, 2, `${argv[0]}: skipped inputs`);
    t.match(r.stderr, /x\\x1b\]0;PWN\\x07/, 'the missing name, escaped');
    t.match(r.stderr, /nova\\x1b\[2J\\x9bsvc\.log/, 'the binary file, escaped');
    t.same(unsafeCodes(r.stderr), [], 'no raw control character on stderr');
  }
  // Only the hostile path: the "nothing to read" lines.
  const alone = await runMain([ID, missing]);
  t.equal(alone.status, 2);
  t.same(unsafeCodes(alone.stderr), []);
  // A bad flag value echoed back by the usage error.
  const flag = await runMain([ID, CLOUD, '--color', '\u001b[31m\u0085']);
  t.equal(flag.status, 2);
  t.same(unsafeCodes(flag.stderr), []);
});

t.test('filter with /dev/null (or a closed stdin) as standard input: nothing matched, exit 1', (t) => {
  ensureBuilt();
  for (const [what, redirect] of [['/dev/null', '</dev/null'], ['closed', '<&-'], ['empty pipe', '</dev/null | cat |']] as const) {
    const script = what === 'empty pipe'
      ? `unset NODE_OPTIONS; cat </dev/null | "$0" bin/instance-trace filter -i ${ID}`
      : `unset NODE_OPTIONS; exec "$0" bin/instance-trace filter -i ${ID} ${redirect}`;
    const r = spawnSync('/bin/sh', ['-c', script, process.execPath], { encoding: 'utf8', env: { PATH: process.env.PATH }, timeout: 30_000 });
    t.equal(r.status, 1, `${what}: exit 1`);
    t.equal(r.stdout, '', `${what}: nothing written`);
  }
  t.end();
});

t.test('time and duration flags: one line naming the flag and the accepted forms, exit 2', async (t) => {
  const cases: [string[], RegExp][] = [
    [[ID, CLOUD, '--offset', 'cp-1=99999999999h'], /^instance-trace: bad --offset: .*out of range.*876600h/],
    [[ID, CLOUD, '--since', '2026-02-30'], /^instance-trace: bad --since time: "2026-02-30": no such day \(use ISO-8601/],
    [[ID, CLOUD, '--until', '2026-04-31 10:00'], /^instance-trace: bad --until time: .*no such day/],
    [[ID, CLOUD, '--since', '-1h'], /^instance-trace: bad --since time: "-1h": a duration before now has no sign/],
    [[ID, '--until', '-1h', CLOUD], /^instance-trace: bad --until time: "-1h"/],
    [[ID, CLOUD, '--since', '99999999999d'], /^instance-trace: bad --since time: .*too long ago/],
    [[ID, CLOUD, '--request-window', '99999999999h'], /^instance-trace: bad --request-window: .*ms, s, m or h/],
    [[ID, CLOUD, '--request-window', '-5m'], /^instance-trace: bad --request-window: "-5m"/],
    [[ID, CLOUD, '--tz', 'Mars/Olympus'], /^instance-trace: bad --tz: unknown time zone: Mars\/Olympus \(use UTC/],
    [[ID, CLOUD, '--tz', '+99:00'], /^instance-trace: bad --tz: /],
    [['filter', '-i', ID, '--idle-flush', '99999999999', CLOUD], /^instance-trace: bad --idle-flush value: .*milliseconds/],
    [['filter', '-i', ID, '--idle-flush', '-1s', CLOUD], /^instance-trace: bad --idle-flush value: "-1s"/],
    [['filter', '-i', ID, '--offset', 'cp-1=99999999999h', CLOUD], /^instance-trace: bad --offset: /],
    [['filter', '-i', ID, '--tz', 'Mars/Olympus', CLOUD], /^instance-trace: bad --tz: /],
  ];
  for (const [argv, message] of cases) {
    const r = await runMain(argv);
    t.equal(r.status, 2, argv.join(' '));
    t.match(r.stderr, message, argv.join(' '));
    t.equal(r.stderr.split('\n').length, 2, 'one line');
    t.equal(r.stdout, '', 'no help, no output');
  }
  // Values that begin with a dash still work where they are valid.
  const shifted = await runMain([ID, CLOUD, '--json', '--tz', '-05:00', '--offset', 'cp-3=-4s']);
  t.equal(shifted.status, 0);
  t.equal(shifted.stderr, '');
  t.equal((await runMain(['filter', '-i', ID, '--idle-flush', '2s', CLOUD])).status, 0, 'a duration with a unit');
});

t.test('JSON output escapes C1 controls, DEL and line separators; JSON.parse gives the text back', async (t) => {
  const message = 'Claim \u2028 a \u2029 b \u0085 c \u009b31m d \u007f e';
  const log = path.join(root, 'c1.log');
  writeFileSync(log, `2026-03-02 09:00:01.000 2931 INFO nova.compute.manager [req-6f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5 u p - - -] [instance: ${ID}] ${message}\n`);
  const raw = /[\u0080-\u009f\u007f\u2028\u2029]/;
  for (const argv of [[ID, log, '--json'], ['filter', '-i', ID, '--json', log]]) {
    const r = await runMain(argv);
    t.equal(r.status, 0, argv.join(' '));
    t.notMatch(r.stdout, raw, `${argv.join(' ')}: no raw C1, DEL or separator`);
    t.match(r.stdout, /\\u2028 a \\u2029 b \\u0085 c \\u009b31m d \\u007f e/);
    t.equal((JSON.parse(r.stdout.trimEnd()) as { message: string }).message, message, 'the same string back');
  }
  const summary = await runMain([ID, log, '--json', '--summary']);
  t.notMatch(summary.stdout, raw, 'the summary too');
  t.match(JSON.stringify(JSON.parse(summary.stdout)), /Claim/);
});

t.test('a zero-byte .gz file is reported and counted as skipped, exit 2', async (t) => {
  const dir = path.join(root, 'empty-gz');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'x.log.1.gz'), '');
  for (const argv of [[ID, path.join(dir, 'x.log.1.gz')], ['filter', '-i', ID, path.join(dir, 'x.log.1.gz')], [ID, dir, CLOUD], ['filter', '-i', ID, dir, CLOUD]]) {
    const r = await runMain(argv);
    t.equal(r.status, 2, argv.join(' '));
    t.match(r.stderr, /x\.log\.1\.gz: cannot read: empty gzip file/, 'one warning line names it');
    t.equal(r.stderr.split('\n').filter((l) => l.includes('x.log.1.gz')).length, 1, 'once');
  }
});
