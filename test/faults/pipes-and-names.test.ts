/**
 * The built CLI, every command, under the faults a shell brings: hostile names and values on
 * stderr, a reader that leaves early (EPIPE). Covered elsewhere, not repeated here: one command's
 * hostile warnings, JSON escaping and closed stdin (test/cli/trust.test.ts), the trace under
 * `| head -1` and signals (test/cli/exit-paths.test.ts), rotation under `filter --follow` —
 * rename+create with late writes to the old descriptor, the new file written meanwhile
 * (test/sources/follow.test.ts) and copytruncate (test/cli/filter.test.ts), signals at random
 * moments (cli-signals.test.ts), the logger's failing destinations (destination-faults.test.ts).
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLOUD, ID, ensureBuilt, spawnCli } from '../cli/fixture/run.js';

const root = mkdtempSync(path.join(tmpdir(), 'it-faults-pipes-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));
ensureBuilt();

/** Control characters a terminal could obey: C0 but newline, DEL, C1. */
function unsafeCodes(text: string): string[] {
  return [...text].filter((c) => {
    const code = c.codePointAt(0)!;
    return (code < 0x20 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f);
  }).map((c) => c.codePointAt(0)!.toString(16));
}

const PWN = '\u001b]0;PWN\u0007';
const COMMANDS: readonly (readonly string[])[] = [[ID], ['filter', '-i', ID], ['images']];

t.test('every command: a hostile missing path is named escaped, the run goes on, exit 2', (t) => {
  const missing = path.join(root, `x${PWN}`);
  for (const command of COMMANDS) {
    const r = spawnCli([...command, CLOUD, missing]);
    const name = command[0] === ID ? 'trace' : command[0]!;
    t.equal(r.status, 2, `${name}: an input skipped`);
    t.match(r.stderr, /x\\x1b\]0;PWN\\x07/, `${name}: the name, escaped`);
    t.same(unsafeCodes(r.stderr), [], `${name}: no raw control character on stderr`);
    t.not(r.stdout, '', `${name}: the readable inputs answered`);
  }
  t.end();
});

t.test('every command: a hostile flag value gets one escaped line, exit 2', (t) => {
  for (const command of COMMANDS) {
    const name = command[0] === ID ? 'trace' : command[0]!;
    for (const flag of name === 'trace' ? ['--tz', '--since'] : ['--tz']) {
      const r = spawnCli([...command, flag, PWN, CLOUD]);
      t.equal(r.status, 2, `${name} ${flag}: usage error`);
      t.equal(r.stderr.split('\n').length, 2, `${name} ${flag}: one line`);
      t.match(r.stderr, new RegExp(`${flag}.*\\\\(x1b|u001b)\\]0;PWN\\\\(x07|u0007)`), `${name} ${flag}: names the flag and the value, escaped`);
      t.same(unsafeCodes(r.stderr), [], `${name} ${flag}: no raw control character`);
      t.equal(r.stdout, '');
    }
  }
  // The instance id itself.
  const r = spawnCli([PWN, CLOUD]);
  t.equal(r.status, 2);
  t.same(unsafeCodes(r.stderr), []);
  t.end();
});

t.test('filter | head -1: the reader leaves, the filter exits 0 quietly with whole lines written', (t) => {
  const big = path.join(root, 'nova-compute.log');
  const lines: string[] = [];
  for (let n = 0; n < 20_000; n++) {
    lines.push(`2017-05-16 00:00:${String(n % 60).padStart(2, '0')}.000 2931 INFO nova.compute.manager [req-84a068e2-7bf3-4fbf-b480-f41b090acc76 u p - - -] [instance: ${ID}] step ${n}\n`);
  }
  writeFileSync(big, lines.join(''));
  const status = path.join(root, 'epipe-status');
  const r = spawnSync('/bin/sh', ['-c', 'unset NODE_OPTIONS; { "$0" bin/instance-trace filter -i "$1" "$2"; echo "$?" > "$3"; } | head -1', process.execPath, ID, big, status], {
    encoding: 'utf8', env: { PATH: process.env.PATH }, timeout: 30_000,
  });
  t.equal(r.stdout, lines[0], 'the first record, whole');
  t.equal(r.stderr, '', 'no word about the pipe');
  t.equal(readFileSync(status, 'utf8').trim(), '0', 'status 0, as the man page says');
  t.end();
});
