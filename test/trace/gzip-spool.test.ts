/**
 * Pass 1 copies each gzip source's decompressed bytes to a private temporary folder, and pass 2
 * reads only stretches of the copy, as of a plain file: the answer is the same with copies or
 * without, in the main thread or on the pool, under any byte limit; the folder is gone after the
 * trace, also when it fails.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { runTrace, type RunOptions } from '../../src/trace/run.js';
import { writeRotatedCloud } from './fixture/build.js';
import type { RangeSearch } from '../../src/trace/prune.js';
import { discoverSources } from '../../src/sources/discover.js';
import { SourceReport } from '../../src/sources/report.js';
import type { SourceFile } from '../../src/sources/source.js';
import { CLOUD, ID as CLOUD_ID, ensureBuilt, runMain } from '../cli/fixture/run.js';

const ID = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';
const IMAGE = '0673dd71-34c5-4fbb-86c4-40623fbe45b4';
const BASE = '/var/lib/nova/instances/_base/a489c868f0c37da93b76227c91bb03908ac0e742';
const uuid = (n: number): string => `${n.toString(16).padStart(8, '0')}-1111-4222-8333-${n.toString(16).padStart(12, '0')}`;
const stamp = (s: number): string => new Date(Date.UTC(2026, 2, 2) + s * 1000).toISOString().replace('T', ' ').replace('Z', '');
const line = (s: number, req: string, instance: string | null, message: string, logger = 'nova.compute.manager'): string =>
  `${stamp(s)} 4242 INFO ${logger} [${req} - - - - -] ${instance === null ? '' : `[instance: ${instance}] `}${message}`;

/**
 * Three hosts, each log rotated twice (`.log.2.gz` first): filler records every 3 s, the
 * instance built on cp-1 and moved to cp-2 while the oldest file is written (so its requests and
 * cache lines are in gzip data), a periodic request on each compute host that tags it once, a
 * traceback, image cache lines.
 */
function writeCloud(root: string): void {
  const hosts = ['api-1', 'cp-1', 'cp-2'];
  const lines = new Map<string, Array<[number, string]>>(hosts.map((h) => [h, []]));
  const add = (host: string, s: number, text: string): void => { lines.get(host)!.push([s, text]); };
  const periodic = (host: string): string => `req-${uuid(0xa000 + hosts.indexOf(host))}`;
  for (let s = 0, n = 0; s < 9 * 3600; s += 3, n++) {
    for (const host of hosts) add(host, s, line(s, `req-${uuid(0x100000 + n)}`, uuid(0x5000 + (n % 89)), `Filler record ${n} ${'.'.repeat(40)}`));
    if (n % 40 === 0) for (const host of hosts.slice(1)) add(host, s + 1, line(s + 1, periodic(host), uuid(0x5000 + (n % 89)), 'Periodic power state sync'));
    if (n % 400 === 0) for (const host of hosts.slice(1)) add(host, s + 2, line(s + 2, `req-${uuid(0x9000 + n)}`, null, `image ${IMAGE} at (${BASE}): checking`, 'nova.virt.libvirt.imagecache'));
  }
  const build = 3600;
  const reqBuild = `req-${uuid(0xb1)}`;
  add('api-1', build, line(build, reqBuild, null, '10.0.0.1 "POST /v2/p/servers HTTP/1.1" status: 202 len: 733 time: 0.79', 'nova.osapi_compute.wsgi.server'));
  add('cp-1', build + 2, line(build + 2, reqBuild, ID, 'Attempting claim: memory 2048 MB'));
  add('cp-1', build + 3, line(build + 3, reqBuild, null, `Fetching image ${IMAGE} to ${BASE}`, 'nova.virt.libvirt.imagecache'));
  add('cp-1', build + 5, [line(build + 5, reqBuild, ID, 'Instance failed to spawn'), 'Traceback (most recent call last):', 'nova.exception.RescheduledException: re-scheduled'].join('\n'));
  add('cp-1', build + 40, line(build + 40, reqBuild, ID, 'Took 38.00 seconds to build instance.'));
  for (const host of hosts.slice(1)) add(host, 2 * 3600 + 1, line(2 * 3600 + 1, periodic(host), ID, 'Periodic power state sync'));
  const move = 2 * 3600 + 600;
  const reqMove = `req-${uuid(0xc1)}`;
  add('api-1', move, line(move, reqMove, null, `10.0.0.1 "POST /v2/p/servers/${ID}/action HTTP/1.1" status: 202 len: 186 time: 0.22`, 'nova.osapi_compute.wsgi.server'));
  add('cp-1', move + 3, line(move + 3, reqMove, null, 'Preparing to migrate'));
  add('cp-2', move + 9, line(move + 9, reqMove, ID, 'Migrating instance to cp-2 finished'));
  add('cp-2', 7 * 3600, line(7 * 3600, `req-${uuid(0xd1)}`, ID, 'Instance running'));
  writeRotatedCloud(root, lines);
}

const root = mkdtempSync(path.join(tmpdir(), 'it-gzip-spool-'));
// The trace's own temporary folders go here (os.tmpdir() follows TMPDIR), to see them come and go.
const temp = mkdtempSync(path.join(tmpdir(), 'it-gzip-spool-tmp-'));
const savedTmpdir = process.env.TMPDIR;
process.env.TMPDIR = temp;
t.teardown(() => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  rmSync(root, { recursive: true, force: true });
  rmSync(temp, { recursive: true, force: true });
});
writeCloud(root);

/** The trace's temporary folders (workers may leave Node's compile cache there too: not ours). */
function traceDirs(): string[] {
  return readdirSync(temp).filter((name) => name.startsWith('instance-trace-'));
}

/** Every file in the trace's temporary folders. */
function spoolFiles(): string[] {
  return traceDirs().flatMap((dir) => readdirSync(path.join(temp, dir)).map((name) => path.join(dir, name)));
}

async function trace(extra: Partial<RunOptions>) {
  const { sources } = await discoverSources([root]);
  const report = new SourceReport();
  const plans = new Map<string, readonly RangeSearch[]>();
  const spooledDuringPass2: string[] = [];
  const progress: number[] = [];
  const result = await runTrace(sources, {
    instanceId: ID,
    report,
    checkpointBytes: 16 * 1024,
    onProgress: (done, total) => progress.push(done / total),
    onPass2Plan: (source: SourceFile, searches) => {
      plans.set(source.display, searches);
      if (spooledDuringPass2.length === 0) spooledDuringPass2.push(...spoolFiles());
    },
    ...extra,
  });
  return { result, summary: report.summaryLines(), plans, spooledDuringPass2, progress };
}

const isWhole = (searches: readonly RangeSearch[]): boolean => searches.every((s) => s.range.offset === 0 && s.range.end === null);

t.test('with copies, pass 2 reads stretches of the gzip sources and finds the same as without, pooled or not', async (t) => {
  const without = await trace({ spoolLimit: 0, workers: 0 });
  t.ok(without.result.records.length >= 8, 'the generated cloud has a trace');
  t.ok(without.result.records.some((r) => r.why === 'request' && r.record.message === 'Preparing to migrate'), 'a request found in gzip data');
  t.ok(without.result.sharedRequestIds.length >= 2, 'periodic requests followed and found shared');
  const gzipPlans = [...without.plans].filter(([file]) => file.endsWith('.gz'));
  t.ok(gzipPlans.length > 0 && gzipPlans.every(([, plan]) => isWhole(plan)), 'without copies gzip sources are read whole');
  t.same(without.spooledDuringPass2, [], 'no copies asked, none made');

  for (const workers of [0, 2]) {
    const withCopies = await trace({ workers });
    t.same(withCopies.result, without.result, `same answer (${workers} searchers)`);
    t.same(withCopies.summary, without.summary, 'same counts and warnings');
    t.equal(withCopies.spooledDuringPass2.length, 3, 'one copy per gzip source during pass 2');
    const ranged = [...withCopies.plans].filter(([file, plan]) => file.endsWith('.gz') && !isWhole(plan));
    t.ok(ranged.length > 0, 'some gzip source read only in stretches');
    t.equal(withCopies.progress.at(-1), 1, 'progress reaches the total');
    t.ok(withCopies.progress.every((p, i) => p <= 1 && (i === 0 || p >= withCopies.progress[i - 1]! || workers > 0)), 'progress stays within the total');
    t.same(traceDirs(), [], 'copies and their folder removed after the trace');
  }
});

t.test('a limit too small for some copies gives the same answer (those sources are inflated again)', async (t) => {
  const without = await trace({ spoolLimit: 0, workers: 0 });
  const sizes = readdirSync(root, { recursive: true }).map(String).filter((f) => f.endsWith('.gz'))
    .map((f) => gunzipSync(readFileSync(path.join(root, f))).length);
  t.equal(sizes.length, 3);
  // Room for any one copy, never for two: which one depends on the order the searches end in.
  const roomForOne = Math.max(...sizes) + 1;
  t.ok(roomForOne < 2 * Math.min(...sizes));
  for (const [limit, workers, copies] of [[1, 0, 0], [roomForOne, 0, 1], [roomForOne, 2, 1]] as const) {
    const capped = await trace({ spoolLimit: limit, workers });
    t.same(capped.result, without.result, `limit ${limit}, ${workers} searchers`);
    t.same(capped.summary, without.summary);
    t.equal(capped.spooledDuringPass2.length, copies, `${copies} source(s) copied`);
    t.same(traceDirs(), [], 'nothing left');
  }
});

t.test('no usable temporary folder: the trace goes on without copies', async (t) => {
  const without = await trace({ spoolLimit: 0, workers: 0 });
  process.env.TMPDIR = path.join(temp, 'missing');
  try {
    const noTemp = await trace({ workers: 0 });
    t.same(noTemp.result, without.result);
    t.same(noTemp.summary, without.summary, 'no warning either');
  } finally {
    process.env.TMPDIR = temp;
  }
});

t.test('the copies are removed when the trace fails', async (t) => {
  let seen = 0;
  await t.rejects(trace({
    workers: 0,
    onPass2Plan: () => {
      seen = spoolFiles().length;
      throw new Error('sink failed');
    },
  }), { message: 'sink failed' });
  t.equal(seen, 3, 'copies existed when it failed');
  t.same(traceDirs(), [], 'the temporary folder is gone');
});

t.test('the CLI prints the same with copies, without (INSTANCE_TRACE_SPOOL_BYTES=0) and on the pool', async (t) => {
  const cases: Array<[string, string, NodeJS.ProcessEnv[]]> = [
    [CLOUD, CLOUD_ID, [{ INSTANCE_TRACE_WORKERS: '0' }]],
    [root, ID, [{ INSTANCE_TRACE_WORKERS: '2' }, { INSTANCE_TRACE_SPOOL_BYTES: '1', INSTANCE_TRACE_WORKERS: '0' }]],
  ];
  for (const [dir, id, envs] of cases) {
    const without = await runMain([id, dir, '--json'], { env: { INSTANCE_TRACE_SPOOL_BYTES: '0', INSTANCE_TRACE_WORKERS: '0' } });
    t.ok(without.stdout.length > 100, `${dir}: a trace`);
    for (const env of envs) {
      const ran = await runMain([id, dir, '--json'], { env });
      t.equal(ran.status, without.status, JSON.stringify(env));
      t.equal(ran.stdout, without.stdout, 'byte-identical --json');
      t.equal(ran.stderr, without.stderr);
    }
  }
  t.same(traceDirs(), [], 'no temporary folder left');
});

t.test('SIGTERM or SIGINT during a trace removes its temporary folder, and the command still dies of the signal', async (t) => {
  ensureBuilt();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    // Standard input still open: the trace waits while copying it into its temporary folder.
    const child = spawn('/bin/sh', ['-c', 'unset NODE_OPTIONS; exec "$0" bin/instance-trace "$@"', process.execPath, ID, root, '-'], {
      env: { PATH: process.env.PATH, TMPDIR: temp }, stdio: ['pipe', 'ignore', 'ignore'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    child.stdin.write(`${line(0, 'req-x', ID, 'from stdin')}\n`);
    const deadline = Date.now() + 30_000;
    while (traceDirs().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    t.equal(traceDirs().length, 1, `${signal}: the folder exists while the trace runs`);
    child.kill(signal);
    t.equal(await exited, signal, 'died of the signal');
    child.stdin.destroy();
    t.same(traceDirs(), [], 'the folder is gone');
  }
});
