import t from 'tap';

const tap = t;
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const CHILD = join(here, 'fixtures', 'fault-child.ts');
const outDir = mkdtempSync(join(tmpdir(), 'instance-trace-faults-'));
t.teardown(() => rmSync(outDir, { recursive: true, force: true }));

/** The children run without tap's process tracking and coverage (they exit from a signal handler). */
const childEnv: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env)
  .filter(([key]) => !/^(_?TAP|NODE_OPTIONS$|NODE_V8_COVERAGE$)/.test(key)));
childEnv['TS_NODE_TRANSPILE_ONLY'] = '1';

interface Run {
  code: number | null;
  /** From sending SIGTERM to the child's exit (includes the scheduler's delays on a loaded machine). */
  afterTermMs: number;
  /** As the child measured it: from its SIGTERM to the end of its exit hooks. */
  ownTermToExitMs: number;
  hung: boolean;
  stderr: string;
  /** CPU the child used from `ready` to its exit (or to the deadline, read from /proc). */
  cpuAfterReadyMs: number;
  lastLogged: number;
  /** Growth of the child's peak RSS from `ready` to its exit. */
  rssGrowthKiB: number;
  /** Lines the child had logged when the signal reached it. */
  loggedAtSignal: number;
}

function procCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in 10 ms ticks
  } catch {
    return Number.NaN;
  }
}

/** Slack on a loaded machine (tap runs test files side by side) between kill() and the child's handler. */
const SCHEDULING_SLACK_MS = 3000;

/**
 * Starts the child, sends SIGTERM `holdMs` after it is ready, and kills it if it is still alive
 * `boundMs` + slack later (or if it never gets ready: the old code could hang in its exit hook first).
 */
function runChild(mode: 'idle' | 'steady' | 'loop' | 'count', destination: string, boundMs: number, holdMs = 0, signal: NodeJS.Signals = 'SIGTERM'): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', '@tapjs/typescript/import', CHILD, mode, destination], {
      cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: childEnv,
    });
    let stdout = '';
    let stderr = '';
    let termAt = 0;
    let readyCpuUs = 0;
    let readyRssKiB = 0;
    let readyProcCpuMs = 0;
    let hungCpuMs = Number.NaN;
    let hung = false;
    const startup = setTimeout(() => { hung = true; child.kill('SIGKILL'); }, 30_000);
    let deadline: NodeJS.Timeout | undefined;
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const ready = /^ready (\d+) (\d+)$/m.exec(stdout);
      if (ready === null || termAt !== 0) return;
      clearTimeout(startup);
      readyCpuUs = Number(ready[1]);
      readyRssKiB = Number(ready[2]);
      readyProcCpuMs = procCpuMs(child.pid!);
      termAt = performance.now() + holdMs;
      setTimeout(() => {
        child.kill(signal);
        deadline = setTimeout(() => {
          hung = true;
          hungCpuMs = procCpuMs(child.pid!) - readyProcCpuMs;
          child.kill('SIGKILL');
        }, boundMs + SCHEDULING_SLACK_MS);
      }, holdMs);
    });
    child.on('close', (code) => {
      clearTimeout(deadline);
      const afterTermMs = termAt === 0 ? Number.NaN : performance.now() - termAt;
      const exit = /^exit (\d+) (-?\d+) (\d+) (\d+|NaN) (-?\d+)$/m.exec(stdout);
      resolve({
        code, afterTermMs, hung, stderr,
        ownTermToExitMs: exit === null ? Number.NaN : Number(exit[4]),
        cpuAfterReadyMs: hung || exit === null ? hungCpuMs : (Number(exit[1]) - readyCpuUs) / 1000,
        lastLogged: exit === null ? -1 : Number(exit[2]),
        rssGrowthKiB: exit === null ? Number.NaN : Number(exit[3]) - readyRssKiB,
        loggedAtSignal: exit === null ? -1 : Number(exit[5]),
      });
    });
  });
}

const stderrLines = (run: Run) => run.stderr.split('\n').filter((line) => line !== '');

function assertExitedWithin(t: Pick<typeof tap, 'notOk' | 'ok'>, run: Run, boundMs: number): void {
  t.notOk(run.hung, `exited after SIGTERM (${Math.round(run.afterTermMs)} ms from kill())`);
  t.ok(run.ownTermToExitMs <= boundMs, `within ${boundMs} ms of the signal (${run.ownTermToExitMs} ms, as the child measured)`);
}

t.test('a /dev/full destination: SIGTERM exits within 2 s with 143, one stderr line', async (t) => {
  const run = await runChild('idle', '/dev/full', 2000);
  assertExitedWithin(t, run, 2000);
  t.equal(run.code, 143, 'the signal\'s conventional status');
  t.same(stderrLines(run).length, 1, `one line on stderr: ${run.stderr}`);
  t.match(run.stderr, /cannot write to \/dev\/full \(ENOSPC: no space left on device/);
});

t.test('a folder that cannot be created: SIGTERM exits within 2 s, no busy loop, one stderr line', async (t) => {
  const file = join(outDir, 'a-file');
  writeFileSync(file, '');
  const destination = join(file, 'sub', 'service.log');
  // A service logging a line every 5 ms for a second, then SIGTERM.
  const run = await runChild('steady', destination, 2000, 1000);
  assertExitedWithin(t, run, 2000);
  t.equal(run.code, 143);
  t.ok(run.cpuAfterReadyMs < 300, `CPU over the last second and the exit is small (${Math.round(run.cpuAfterReadyMs)} ms)`);
  t.same(stderrLines(run).length, 1, `one line on stderr: ${run.stderr}`);
  t.match(run.stderr, `cannot write to ${destination} (ENOTDIR`);
});

/** The n of each whole JSON line of a log file, and how many lines were not whole records. */
function loggedNumbers(file: string): { numbers: number[]; unparsable: number; endsWhole: boolean } {
  const content = readFileSync(file, 'utf8');
  const numbers: number[] = [];
  let unparsable = 0;
  for (const line of content.split('\n').slice(0, -1)) {
    try {
      const record = JSON.parse(line) as { n?: number };
      if (typeof record.n === 'number') numbers.push(record.n);
    } catch {
      unparsable++;
    }
  }
  return { numbers, unparsable, endsWhole: content === '' || content.endsWith('\n') };
}

t.test('SIGTERM and SIGINT at random moments of a 100,000-line run: every line logged before the signal is in the file, whole, in order', async (t) => {
  // Moments spread over the run (about a second on an idle machine); printed so a failure can be replayed.
  const moments = [0, 1, 2, 3].map((i) => Math.round(i * 100 + Math.random() * 100));
  for (const [i, holdMs] of moments.entries()) {
    const signal: NodeJS.Signals = i % 2 === 0 ? 'SIGTERM' : 'SIGINT';
    const file = join(outDir, `count-${i}.log`);
    const run = await runChild('count', file, 2000, holdMs, signal);
    assertExitedWithin(t, run, 2000);
    t.equal(run.code, signal === 'SIGTERM' ? 143 : 130, `${signal} after ${holdMs} ms: the signal's status`);
    t.equal(run.stderr, '');
    const { numbers, unparsable, endsWhole } = loggedNumbers(file);
    t.ok(endsWhole, 'the last line is complete');
    t.equal(unparsable, 0, 'every line is a whole record');
    t.equal(numbers.findIndex((n, k) => n !== k), -1, 'a prefix of what was logged: in order, nothing skipped or doubled');
    t.ok(numbers.length >= run.loggedAtSignal, `${signal} after ${holdMs} ms: ${numbers.length} lines written, ${run.loggedAtSignal} logged before the signal`);
  }
});

t.test('a healthy file and an app logging in a tight loop: SIGTERM exits within 2.5 s, a whole-line prefix', async (t) => {
  const file = join(outDir, 'busy.log');
  const run = await runChild('loop', file, 2500);
  assertExitedWithin(t, run, 2500);
  t.equal(run.code, 143);
  t.equal(run.stderr, '');
  const { numbers, unparsable, endsWhole } = loggedNumbers(file);
  t.ok(endsWhole, 'no half line at the end');
  t.equal(unparsable, 0, 'every line is a whole record');
  t.ok(numbers.length > 0, `${numbers.length} records written of ${run.lastLogged + 1} logged`);
  t.ok(run.rssGrowthKiB < 100 * 1024, `memory bounded after SIGTERM (peak RSS grew ${run.rssGrowthKiB} KiB)`);
  const gap = numbers.findIndex((n, i) => n !== i);
  t.equal(gap, -1, 'what is written is a prefix of what was logged: in order, nothing skipped or doubled');
});
