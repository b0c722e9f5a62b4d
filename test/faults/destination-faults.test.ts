import t from 'tap';
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
  /** From SIGTERM to exit, or to the deadline when the child was killed there. */
  afterTermMs: number;
  hung: boolean;
  stderr: string;
  /** CPU the child used from `ready` to its exit (or to the deadline, read from /proc). */
  cpuAfterReadyMs: number;
  lastLogged: number;
  maxRssKiB: number;
}

function procCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in 10 ms ticks
  } catch {
    return Number.NaN;
  }
}

/** Starts the child, sends SIGTERM once it is ready, and kills it if it is still alive `deadlineMs` later. */
function runChild(mode: 'idle' | 'loop', destination: string, deadlineMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', '@tapjs/typescript/import', CHILD, mode, destination], {
      cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: childEnv,
    });
    let stdout = '';
    let stderr = '';
    let termAt = 0;
    let readyCpuUs = 0;
    let readyProcCpuMs = 0;
    let hungCpuMs = Number.NaN;
    let hung = false;
    const startup = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`child never got ready: ${stderr}`)); }, 60_000);
    let deadline: NodeJS.Timeout | undefined;
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const ready = /^ready (\d+)$/m.exec(stdout);
      if (ready === null || termAt !== 0) return;
      clearTimeout(startup);
      readyCpuUs = Number(ready[1]);
      readyProcCpuMs = procCpuMs(child.pid!);
      termAt = performance.now();
      child.kill('SIGTERM');
      deadline = setTimeout(() => {
        hung = true;
        hungCpuMs = procCpuMs(child.pid!) - readyProcCpuMs;
        child.kill('SIGKILL');
      }, deadlineMs);
    });
    child.on('close', (code) => {
      clearTimeout(deadline);
      const afterTermMs = performance.now() - termAt;
      const exit = /^exit (\d+) (-?\d+) (\d+)$/m.exec(stdout);
      resolve({
        code, afterTermMs, hung, stderr,
        cpuAfterReadyMs: hung || exit === null ? hungCpuMs : (Number(exit[1]) - readyCpuUs) / 1000,
        lastLogged: exit === null ? -1 : Number(exit[2]),
        maxRssKiB: exit === null ? -1 : Number(exit[3]),
      });
    });
  });
}

const stderrLines = (run: Run) => run.stderr.split('\n').filter((line) => line !== '');

t.test('a /dev/full destination: SIGTERM exits within 2 s with 143, one stderr line', async (t) => {
  const run = await runChild('idle', '/dev/full', 2000);
  t.notOk(run.hung, `exited after SIGTERM (${Math.round(run.afterTermMs)} ms)`);
  t.equal(run.code, 143, 'the signal\'s conventional status');
  t.same(stderrLines(run).length, 1, `one line on stderr: ${run.stderr}`);
  t.match(run.stderr, /cannot write to \/dev\/full \(ENOSPC: no space left on device/);
});

t.test('a folder that cannot be created: SIGTERM exits within 2 s, no busy loop, one stderr line', async (t) => {
  const file = join(outDir, 'a-file');
  writeFileSync(file, '');
  const destination = join(file, 'sub', 'service.log');
  const run = await runChild('idle', destination, 2000);
  t.notOk(run.hung, `exited after SIGTERM (${Math.round(run.afterTermMs)} ms)`);
  t.equal(run.code, 143);
  t.ok(run.cpuAfterReadyMs < 250, `CPU from ready to exit is small (${Math.round(run.cpuAfterReadyMs)} ms)`);
  t.same(stderrLines(run).length, 1, `one line on stderr: ${run.stderr}`);
  t.match(run.stderr, `cannot write to ${destination} (ENOTDIR`);
});

t.test('a healthy file and an app logging in a tight loop: SIGTERM exits within 2.5 s, a whole-line prefix', async (t) => {
  const file = join(outDir, 'busy.log');
  const run = await runChild('loop', file, 2500);
  t.notOk(run.hung, `exited after SIGTERM (${Math.round(run.afterTermMs)} ms)`);
  t.equal(run.code, 143);
  t.equal(run.stderr, '');
  const content = readFileSync(file, 'utf8');
  t.ok(content.endsWith('\n'), 'no half line at the end');
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
  t.equal(unparsable, 0, 'every line is a whole record');
  t.ok(numbers.length > 0, `${numbers.length} records written of ${run.lastLogged + 1} logged (peak RSS ${run.maxRssKiB} KiB)`);
  const gap = numbers.findIndex((n, i) => n !== i);
  t.equal(gap, -1, 'what is written is a prefix of what was logged: in order, nothing skipped or doubled');
});
