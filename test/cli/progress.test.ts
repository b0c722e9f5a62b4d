import t from 'tap';
import { Writable } from 'node:stream';
import { createProgress, PROGRESS_MIN_BYTES } from '../../src/cli/progress.js';
import type { CliIO } from '../../src/cli/io.js';

function io(tty: boolean, clock: { now: number }): { io: CliIO; text: () => string } {
  let text = '';
  const stderr = Object.assign(new Writable({ write(chunk, _e, done) { text += String(chunk); done(); } }), { isTTY: tty });
  return {
    io: { stdout: stderr, stderr, stdin: process.stdin, env: {}, now: () => clock.now },
    text: () => text,
  };
}

t.test('progress on a terminal for large inputs only, throttled, erased at the end', async (t) => {
  const clock = { now: 0 };
  const big = io(true, clock);
  const p = createProgress(big.io, PROGRESS_MIN_BYTES);
  clock.now = 200;
  p.update(PROGRESS_MIN_BYTES / 2, PROGRESS_MIN_BYTES * 2);
  p.update(PROGRESS_MIN_BYTES, PROGRESS_MIN_BYTES * 2); // within 100 ms: not drawn
  clock.now = 400;
  p.update(PROGRESS_MIN_BYTES * 1.5, PROGRESS_MIN_BYTES * 2);
  p.done();
  t.match(big.text(), /pass 1\/2, 25% of 256\.0 MiB read twice/);
  t.match(big.text(), /pass 2\/2, 75%/);
  t.notMatch(big.text(), /50%/);
  t.ok(big.text().endsWith('\r\u001b[K'));

  const small = io(true, clock);
  createProgress(small.io, PROGRESS_MIN_BYTES - 1).update(1, 2);
  t.equal(small.text(), '');
  const pipe = io(false, clock);
  createProgress(pipe.io, PROGRESS_MIN_BYTES * 4).update(1, 2);
  t.equal(pipe.text(), '');
});
