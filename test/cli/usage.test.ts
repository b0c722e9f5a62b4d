/** The first minutes at the command line: what a bare or mistyped command says. */
import t from 'tap';
import { CLOUD, ID, runMain } from './fixture/run.js';
import { attachColorValue } from '../../src/cli/main.js';

t.test('no arguments, or flags but no instance id: a usage line and an example, exit 2', async (t) => {
  for (const argv of [[], ['--json'], ['--summary', '--tz', 'UTC']]) {
    const r = await runMain(argv);
    t.equal(r.status, 2, argv.join(' '));
    t.equal(r.stdout, '');
    t.match(r.stderr, /^usage: instance-trace <instance-id> \[paths\.\.\]/);
    t.match(r.stderr, /\nexample: instance-trace [0-9a-f-]{36} /);
    t.notMatch(r.stderr, /Not enough non-option arguments/);
  }
});

t.test("a usage error of a command points at that command's own help", async (t) => {
  const filter = await runMain(['filter', '--bogus', '-i', ID]);
  t.equal(filter.status, 2);
  t.equal(filter.stderr, 'instance-trace: Unknown argument: bogus (see instance-trace filter --help)\n');
  const trace = await runMain([ID, CLOUD, '--bogus']);
  t.equal(trace.status, 2);
  t.equal(trace.stderr, 'instance-trace: Unknown argument: bogus (see instance-trace --help)\n');
});

t.test('a bare --color means always; --color never and --color=never give the value', async (t) => {
  t.same(attachColorValue(['--color', 'logs/']), ['--color=always', 'logs/']);
  t.same(attachColorValue(['--color']), ['--color=always']);
  t.same(attachColorValue(['--color', 'never', 'x']), ['--color=never', 'x']);
  t.same(attachColorValue(['--color=auto']), ['--color=auto']);
  t.same(attachColorValue(['--', '--color']), ['--', '--color'], 'after --, a path');
  const bare = await runMain([ID, CLOUD, '--summary', '--color']);
  t.equal(bare.status, 0, bare.stderr);
  t.match(bare.stdout, /\u001b\[/, 'coloured though not a terminal');
  const never = await runMain([ID, '--color', 'never', CLOUD, '--summary'], { tty: true });
  t.equal(never.status, 0, never.stderr);
  t.notMatch(never.stdout, /\u001b\[/, 'plain though a terminal');
});

t.test('no silent non-results: a window that leaves everything out, a clock offset for no host', async (t) => {
  const r = await runMain([ID, CLOUD, '--since', '2026-03-03']);
  t.equal(r.status, 1);
  t.match(r.stderr, /the --since\/--until window left out all 42 records of the instance \(they run from 2026-03-02 09:00:00\.100 to 2026-03-02 11:20:00\.130\)/);
  const some = await runMain([ID, CLOUD, '--since', '2026-03-02T11:00:00Z']);
  t.equal(some.status, 0);
  t.notMatch(some.stderr, /window left out/, 'said only when nothing is left');
  const offset = await runMain([ID, CLOUD, '--offset', 'cp-9=4s', '--offset', 'cp-3=-4s', '--summary']);
  t.equal(offset.status, 0);
  t.equal(offset.stderr, 'instance-trace: warning: --offset cp-9: no such host in these logs (no folder of that name, no record of it in the answer); the offset changed nothing\n', 'cp-3 exists: no word about it');
});

t.test('filter --help shows each example pipeline whole on its own line', async (t) => {
  const r = await runMain(['filter', '--help']);
  t.equal(r.status, 0);
  t.match(r.stdout, /\n {2}tail -F \/var\/log\/nova\/nova-compute\.log \| instance-trace filter --follow -i <id> -\n/);
  t.match(r.stdout, /\n {2}zcat nova-api\.log\.2\.gz \| instance-trace filter -i <id> --json \| jq \.message\n/);
});

t.test('the summary JSON is snake_case throughout, and an unknown host reads the same in summary and timeline', async (t) => {
  const r = await runMain([ID, CLOUD, '--summary', '--json']);
  const summary = JSON.parse(r.stdout) as { images: Array<{ last_action: Record<string, unknown> }> };
  t.same(Object.keys(summary.images[0]!.last_action).sort(), ['action', 'base_file', 'time']);
  const bare = await runMain([ID, '-'], { stdin: `2026-03-02 09:00:00.000 4242 INFO nova.compute.manager [req-5f0c2b9e-1d7a-4c33-9e4b-7a1d2c3b4e5f u p - - -] [instance: ${ID}] Terminating instance\n` });
  t.equal(bare.status, 0, bare.stderr);
  t.match(bare.stdout, /\n {2}\(unknown host\) {2}2026-03-02 09:00:00\.000/, 'the stay');
  t.match(bare.stdout, /\n09:00:00\.000 \(unknown host\) /, 'the timeline row');
});
