/**
 * The CLI under signals at random moments of a 100,000-line run: `filter` stops on SIGTERM or
 * SIGINT with what it wrote a whole-line, in-order prefix of its matches (every record it had
 * completed is written; the one it held is flushed), exits 0 within the bound; the trace dies of
 * the signal and leaves no half line either.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/instance-trace', import.meta.url));
const ID = '96abccce-8d1f-4e07-b6d1-4b2ab87e23b4';
const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const LINES = 100_000;
/** From kill() to the exit: the stage stops at once; slack for a loaded machine running tests side by side. */
const BOUND_MS = 2000 + 3000;

const root = mkdtempSync(join(tmpdir(), 'it-cli-signals-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));

/** Line n of the run: every 10th is the instance's, the others another's. */
const line = (n: number): string => {
  const s = String(n % 60).padStart(2, '0');
  const who = n % 10 === 0 ? `[instance: ${ID}] step ${n}` : `[instance: 0673dd71-34c5-4fbb-86c4-40623fbe45b4] other ${n}`;
  return `2017-05-16 00:${String(Math.floor(n / 60) % 60).padStart(2, '0')}:${s}.000 2931 INFO nova.compute.manager [req-84a068e2-7bf3-4fbf-b480-f41b090acc76 u p - - -] ${who}\n`;
};
const ALL = Array.from({ length: LINES }, (_, n) => line(n));
const MATCHES = ALL.filter((_, n) => n % 10 === 0);

interface Outcome { code: number | null; signal: NodeJS.Signals | null; out: string; err: string; afterKillMs: number }

/**
 * Starts the CLI, feeds it `input` in pieces (when given), signals it `holdMs` after it is under
 * way: after its first output when it was given input (a signal during Node's start-up finds no
 * handler yet, and kills as it would any program), else after start.
 */
function runAndSignal(args: string[], signal: NodeJS.Signals, holdMs: number, input?: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', 'unset NODE_OPTIONS; exec "$@"', 'sh', process.execPath, BIN, ...args], { env: ENV });
    let out = '';
    let err = '';
    let killedAt = 0;
    let armed = false;
    const arm = (): void => {
      if (armed) return;
      armed = true;
      setTimeout(() => { killedAt = performance.now(); child.kill(signal); }, holdMs);
    };
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); if (input !== undefined) arm(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.stdin.on('error', () => undefined); // the stage stops reading when signalled
    if (input !== undefined) {
      let i = 0;
      const feed = (): void => {
        while (i < input.length && killedAt === 0) {
          if (!child.stdin.write(input[i++]!)) { child.stdin.once('drain', feed); return; }
        }
      };
      feed();
    }
    const hard = setTimeout(() => child.kill('SIGKILL'), holdMs + BOUND_MS + 30_000);
    if (input === undefined) arm();
    child.on('close', (code, sig) => {
      clearTimeout(hard);
      resolve({ code, signal: sig, out, err, afterKillMs: performance.now() - killedAt });
    });
  });
}

t.test('filter: SIGTERM and SIGINT at random moments of a 100,000-line stdin run', async (t) => {
  // Pieces of 1,000 lines (a piece may end mid-record: the stage holds it until the next start).
  const pieces: string[] = [];
  for (let i = 0; i < ALL.length; i += 1000) pieces.push(ALL.slice(i, i + 1000).join(''));
  for (const [i, signal] of (['SIGTERM', 'SIGINT', 'SIGTERM', 'SIGINT'] as const).entries()) {
    const holdMs = Math.round(Math.random() * 300);
    const r = await runAndSignal(['filter', '-i', ID], signal, holdMs, pieces);
    t.equal(r.code, 0, `${signal} after ${holdMs} ms: the stage stops normally (status 0); stderr: ${r.err}`);
    t.ok(r.afterKillMs < BOUND_MS, `exited ${Math.round(r.afterKillMs)} ms after the signal`);
    t.ok(r.out === '' || r.out.endsWith('\n'), 'the output ends on a whole line');
    const got = r.out === '' ? [] : r.out.split(/(?<=\n)/);
    t.same(got, MATCHES.slice(0, got.length), `run ${i}: ${got.length} of ${MATCHES.length} matches, an in-order prefix, nothing doubled`);
  }
});

t.test('trace of a 100,000-line file: SIGTERM or SIGINT mid-run dies of the signal, stdout never half a line', async (t) => {
  const file = join(root, 'nova-compute.log');
  writeFileSync(file, ALL.join('').repeat(3));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const holdMs = 150 + Math.round(Math.random() * 300);
    const r = await runAndSignal([ID, file], signal, holdMs);
    t.ok(r.afterKillMs < BOUND_MS, `${signal} after ${holdMs} ms: exited ${Math.round(r.afterKillMs)} ms later`);
    t.ok(r.signal === signal || r.code === 0, `died of ${signal} (${r.signal}), or had already answered (${r.code})`);
    t.ok(r.out === '' || r.out.endsWith('\n'), 'stdout ends on a whole line');
    t.notMatch(r.err, /\n.*\n.*\n/, 'at most a line or two on stderr, no stack trace');
  }
});

t.test("the launcher's own last-resort message is one line with control characters neutralised", async (t) => {
  // A copy of the launcher beside a dist/ whose main() fails with a hostile message.
  const dir = join(root, 'pkg');
  const { mkdirSync, copyFileSync } = await import('node:fs');
  mkdirSync(join(dir, 'bin'), { recursive: true });
  mkdirSync(join(dir, 'dist', 'cli'), { recursive: true });
  copyFileSync(BIN, join(dir, 'bin', 'instance-trace'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  writeFileSync(join(dir, 'dist', 'cli', 'main.js'),
    'export async function main() { throw new Error("bad \\u001b]0;PWN\\u0007 name\\nsecond line \\u009b2J"); }\n');
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync('/bin/sh', ['-c', 'unset NODE_OPTIONS; exec "$@"', 'sh', process.execPath, join(dir, 'bin', 'instance-trace'), 'x'], { env: ENV, encoding: 'utf8' });
  t.equal(r.status, 2);
  t.equal(r.stderr, 'instance-trace: bad \\x1b]0;PWN\\x07 name\\x0asecond line \\x9b2J\n');
});
