/**
 * logrotate's copytruncate under `filter --follow` (the built CLI): the file is copied away and
 * emptied in place while the daemon writes on (O_APPEND, so from byte 0 again). Every record
 * written after the truncation is passed on, none of the earlier ones twice, each whole.
 * (Rename+create with late writes: test/sources/follow.test.ts.)
 */
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DAEMON_LINE, followFilter, recordNumbers, spawnScript } from './fixtures/followed-filter.js';

const ID = '96abccce-8d1f-4e07-b6d1-4b2ab87e23b4';
const RECORDS = 200;

/** Writes 1..100, says ready, waits for a line on stdin, copies and truncates the file, writes 101..200 one each 5 ms. */
const DAEMON = `
const fs = require('node:fs');
const [file, id, total] = process.argv.slice(1);
${DAEMON_LINE}
const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
const fd = fs.openSync(file, 'a');
for (let n = 1; n <= 100; n++) fs.writeSync(fd, line(n));
process.stdout.write('ready\\n');
process.stdin.once('data', async () => {
  fs.copyFileSync(file, file + '.1');
  fs.truncateSync(file, 0);
  for (let n = 101; n <= Number(total); n++) {
    fs.writeSync(fd, line(n));
    await pause();
  }
  fs.closeSync(fd);
  process.exit(0);
});
`;

t.test('filter --follow over copytruncate: the records after the truncation all passed on, none twice', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'it-copytruncate-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'nova-compute.log');
  const daemon = spawnScript(DAEMON, [file, ID, String(RECORDS)]);
  // The file exists with its first 100 records before the filter starts following it.
  await new Promise<void>((resolve) => daemon.stdout!.once('data', () => resolve()));
  const filter = followFilter(['--idle-flush', '100', '-i', ID, file]);
  t.teardown(() => { filter.child.kill('SIGKILL'); daemon.kill('SIGKILL'); });
  await filter.waitFor(`record 100 of ${RECORDS}\n`);
  daemon.stdin!.write('go\n');
  await filter.waitFor(`record ${RECORDS} of ${RECORDS}\n`);
  const { lines, numbers } = recordNumbers(filter.out);
  t.same(numbers, Array.from({ length: RECORDS }, (_, i) => i + 1), 'every record once, in order: 1..100 before, 101..200 after the truncation');
  t.ok(lines.every((l) => l.startsWith('2017-05-16 00:00:') && l.includes(`[instance: ${ID}] record `)), 'each record whole');
  filter.child.kill('SIGTERM');
  t.equal(await filter.exited, 0, 'SIGTERM: status 0');
  t.equal(filter.err, '');
});
