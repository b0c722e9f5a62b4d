import t from 'tap';

const tap = t;
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const CHILD = join(here, 'fixtures', 'crash-child.ts');
const UUID = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';
const LINES = 500;
const outDir = mkdtempSync(join(tmpdir(), 'instance-trace-crash-'));
t.teardown(() => rmSync(outDir, { recursive: true, force: true }));

/** The children run without tap's process tracking and coverage (they exit from a crash handler). */
const childEnv: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env)
  .filter(([key]) => !/^(_?TAP|NODE_OPTIONS$|NODE_V8_COVERAGE$)/.test(key)));
childEnv['TS_NODE_TRANSPILE_ONLY'] = '1';

interface Run { code: number | null; stderr: string; content: string }

function runChild(mode: string, kind: string, format: string, name: string, signal?: NodeJS.Signals): Promise<Run> {
  const file = join(outDir, `${name}.log`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', '@tapjs/typescript/import', CHILD, mode, kind, format, file], {
      cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: childEnv,
    });
    let stderr = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`child hung: ${stderr}`)); }, 60_000);
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.stdout.on('data', (d: Buffer) => { if (signal && d.toString().includes('ready')) child.kill(signal); });
    child.on('exit', (code) => {
      clearTimeout(timer);
      let content = '';
      try { content = readFileSync(file, 'utf8'); } catch { /* an empty result fails the checks */ }
      resolve({ code, stderr, content });
    });
  });
}

// Children start together (each pays a TS loader start-up); each test awaits its own.
const runs = {
  path: runChild('throw', 'path', 'json', 'path'),
  buffered: runChild('throw', 'buffered', 'json', 'buffered'),
  transport: runChild('throw', 'transport', 'json', 'transport'),
  oslo: runChild('throw', 'path', 'oslo', 'oslo'),
  timer: runChild('timer', 'buffered', 'json', 'timer'),
  reject: runChild('reject', 'path', 'json', 'reject'),
  SIGTERM: runChild('signal', 'buffered', 'json', 'sigterm', 'SIGTERM'),
  SIGINT: runChild('signal', 'path', 'oslo', 'sigint', 'SIGINT'),
};

function jsonRecords(content: string): Array<Record<string, any>> {
  return content.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, any>);
}

function assertEveryLine(t: Pick<typeof tap, 'equal' | 'same'>, numbers: number[]): void {
  t.equal(numbers.length, LINES, `all ${LINES} records before the crash are in the file`);
  t.same(numbers, Array.from({ length: LINES }, (_, i) => i), 'in order, once each');
}

for (const kind of ['path', 'buffered', 'transport'] as const) {
  t.test(`throw inside withInstance, ${kind} destination: every line kept, fatal record with instance and stack, exit 1`, async (t) => {
    const run = await runs[kind];
    t.equal(run.code, 1, `exit status 1 (${run.stderr.slice(-400)})`);
    const records = jsonRecords(run.content);
    assertEveryLine(t, records.filter((r) => typeof r.n === 'number').map((r) => r.n as number));
    const fatal = records.find((r) => r.level === 60);
    t.ok(fatal, 'a fatal record');
    t.equal(fatal?.instance_uuid, UUID, 'with the instance of the scope it was thrown in');
    t.equal(fatal?.request_id, 'req-crash', 'and the request');
    t.type(fatal?.time, 'number');
    t.equal(fatal?.msg, 'uncaught exception: Error: spawn exploded');
    t.match(fatal?.err.stack, /Error: spawn exploded\n\s+at /);
    t.equal(fatal?.err.cause.message, 'libvirt is gone');
    t.equal(records[records.length - 1], fatal, 'the fatal record is the last');
    t.equal(run.stderr, 'instance-trace logger: uncaught exception: Error: spawn exploded (logged as fatal; exiting with status 1)\n',
      'one line on stderr says so, whatever the destination');
  });
}

t.test('oslo format, file still opening: the traceback lines carry time and instance', async (t) => {
  const run = await runs.oslo;
  t.equal(run.code, 1);
  const lines = run.content.split('\n').filter((l) => l !== '');
  const numbers = lines.map((l) => / INFO nova\.compute\.manager \[-\] \[instance: [^\]]+\] line (\d+)$/.exec(l)?.[1])
    .filter((n) => n !== undefined).map(Number);
  assertEveryLine(t, numbers);
  const fatal = lines.findIndex((l) => l.includes(' CRITICAL '));
  t.match(lines[fatal], new RegExp(`CRITICAL nova\\.compute\\.manager \\[None req-crash - - - - - -\\] \\[instance: ${UUID}\\] uncaught exception: Error: spawn exploded$`));
  const traceback = lines.slice(fatal + 1);
  t.ok(traceback.length > 3);
  for (const line of traceback) t.match(line, new RegExp(`^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3} \\d+ ERROR nova\\.compute\\.manager \\[instance: ${UUID}\\] `));
  t.ok(traceback.some((l) => l.endsWith('Caused by: Error: libvirt is gone')));
});

t.test('a throw in a timer and a rejection in an async scope: fatal with the scope, exit 1', async (t) => {
  const timer = await runs.timer;
  t.equal(timer.code, 1);
  const timerRecords = jsonRecords(timer.content);
  assertEveryLine(t, timerRecords.filter((r) => typeof r.n === 'number').map((r) => r.n as number));
  const timerFatal = timerRecords.find((r) => r.level === 60);
  t.equal(timerFatal?.instance_uuid, UUID);
  t.equal(timerFatal?.err.type, 'TypeError');

  const rejected = await runs.reject;
  t.equal(rejected.code, 1);
  const rejectRecords = jsonRecords(rejected.content);
  assertEveryLine(t, rejectRecords.filter((r) => typeof r.n === 'number').map((r) => r.n as number));
  const rejectFatal = rejectRecords.find((r) => r.level === 60);
  t.equal(rejectFatal?.instance_uuid, UUID);
  t.equal(rejectFatal?.request_id, 'req-async');
  t.equal(rejectFatal?.msg, 'unhandled promise rejection: Error: rejected in the scope');
});

t.test('SIGTERM, buffered async destination: every line flushed, exit 143', async (t) => {
  const run = await runs.SIGTERM;
  t.equal(run.code, 143, `exit status (${run.stderr.slice(-300)})`);
  const records = jsonRecords(run.content);
  assertEveryLine(t, records.filter((r) => typeof r.n === 'number').map((r) => r.n as number));
  t.equal(records[records.length - 1]?.msg, 'received SIGTERM: flushing logs and exiting');
});

t.test('SIGINT, oslo text to a path: every line flushed, exit 130', async (t) => {
  const run = await runs.SIGINT;
  t.equal(run.code, 130, `exit status (${run.stderr.slice(-300)})`);
  const lines = run.content.split('\n').filter((l) => l !== '');
  t.equal(lines.filter((l) => / line \d+$/.test(l)).length, LINES);
  t.match(lines[lines.length - 1], / INFO nova\.compute\.manager \[-\] received SIGINT: flushing logs and exiting$/);
});
