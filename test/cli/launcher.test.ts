/** The installed command as a user runs it: bin/instance-trace over dist/, exit statuses and stderr. */
import t from 'tap';
import { CLOUD, ID, ensureBuilt, spawnCli } from './fixture/run.js';

ensureBuilt();

t.test('exit 0: found; the timeline on stdout, nothing on stderr', async (t) => {
  const r = spawnCli([ID, CLOUD]);
  t.equal(r.status, 0);
  t.match(r.stdout, `instance ${ID}:`);
  t.match(r.stdout, 'Instance failed to spawn');
  t.equal(r.stderr, '');
});

t.test('exit 1: nothing found', async (t) => {
  const r = spawnCli(['00000000-0000-4000-8000-000000000000', CLOUD]);
  t.equal(r.status, 1);
  t.equal(r.stderr, '');
});

t.test('exit 2: one line on stderr, never a stack trace', async (t) => {
  for (const args of [['not-an-id', CLOUD], [ID, CLOUD, '--no-such-flag'], [ID, 'no/such/dir'], [ID, CLOUD, '--offset', 'cp-3=soon']]) {
    const r = spawnCli(args);
    t.equal(r.status, 2, args.join(' '));
    t.match(r.stderr, /^instance-trace: /, args.join(' '));
    t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

t.test('stdin piped to the command', async (t) => {
  const log = `2026-03-02 09:00:01.000 2931 INFO nova.compute.manager [req-6f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5 u p - - -] [instance: ${ID}] Claim successful\n`;
  const r = spawnCli([ID, '-', '--json'], { input: log });
  t.equal(r.status, 0);
  t.match(JSON.parse(r.stdout), { message: 'Claim successful', why: 'tagged', source: { file: '-', line: 1, lines: 1 } });
});
