/**
 * Every temporary folder the command makes (the stdin copy, gzip spools) is gone however the
 * process ends: the normal end, an error, a reader that left (EPIPE), a signal, process.exit
 * from anywhere, an uncaught exception. Each case runs bin/instance-trace as a child with TMPDIR
 * pointed at a fresh folder, and checks that folder is empty afterwards.
 */
import t from 'tap';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLOUD, ID, ensureBuilt } from './fixture/run.js';

ensureBuilt();

const root = mkdtempSync(path.join(tmpdir(), 'it-exit-paths-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));

let folders = 0;
/** A fresh, empty folder for one child's TMPDIR. */
function freshTmp(): string {
  const dir = path.join(root, `tmp-${folders++}`);
  mkdirSync(dir);
  return dir;
}

const claim = (i: number): string => {
  const ms = 1_000 + i * 7;
  const time = `${String(9 + Math.floor(ms / 3_600_000)).padStart(2, '0')}:${String(Math.floor(ms / 60_000) % 60).padStart(2, '0')}:${String(Math.floor(ms / 1000) % 60).padStart(2, '0')}.${String(ms % 1000).padStart(3, '0')}`;
  return `2026-03-02 ${time} 2931 INFO nova.compute.manager [req-6f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5 u p - - -] [instance: ${ID}] Claim successful, attempt ${i}\n`;
};

/**
 * About 2.5 MB of records that all belong to the instance: the timeline is about 2 MB, far more
 * than a pipe holds, so `| head -1` leaves while the command is still writing (EPIPE).
 */
const BIG = path.join(root, 'big.log');
writeFileSync(BIG, Array.from({ length: 15_000 }, (_, i) => claim(i)).join(''));

/** tap puts its loaders into NODE_OPTIONS; under them the ESM launcher cannot load (see fixture/run.ts). */
const SHELL_PREFIX = 'unset NODE_OPTIONS; ';

function spawnLive(tmp: string, nodeArgs: string[], args: string[]): ChildProcessWithoutNullStreams {
  return spawn('/bin/sh', ['-c', `${SHELL_PREFIX}exec "$0" "$@"`, process.execPath, ...nodeArgs, 'bin/instance-trace', ...args], {
    env: { PATH: process.env.PATH, TMPDIR: tmp },
  });
}

/** Resolves when `dir` has an entry (the command made its folder); rejects after `ms`. */
async function untilNotEmpty(dir: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (readdirSync(dir).length === 0) {
    if (Date.now() > deadline) throw new Error(`nothing appeared in ${dir}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function exited(child: ChildProcessWithoutNullStreams): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  child.stdout.resume();
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
}

t.test('a reader that leaves early (`cat big | instance-trace <id> - | head -1`): exit 0, folder removed', async (t) => {
  const tmp = freshTmp();
  const r = spawnSync('/bin/sh', ['-c', `${SHELL_PREFIX}cat "$1" | { "$0" bin/instance-trace "$2" -; echo "$?" > "$3"; } | head -1`, process.execPath, BIG, ID, path.join(root, 'epipe-status')], {
    encoding: 'utf8', env: { PATH: process.env.PATH, TMPDIR: tmp }, timeout: 20_000,
  });
  t.match(r.stdout, new RegExp(`^instance ${ID}: 15000 records \\(15000 tagged, `));
  t.equal(r.stdout.split('\n').length, 2, 'one line, then head left');
  t.equal(r.stderr, '', 'quiet, like other Unix filters');
  t.equal(readFileSync(path.join(root, 'epipe-status'), 'utf8').trim(), '0');
  t.same(readdirSync(tmp), [], 'the stdin copy is removed');
});

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  t.test(`${signal} while reading a slow pipe: dies of the signal, folder removed`, async (t) => {
    const tmp = freshTmp();
    const child = spawnLive(tmp, [], [ID, '-']);
    const done = exited(child);
    child.stdin.write(claim(0)); // and the pipe stays open: the copy is still being written
    await untilNotEmpty(tmp);
    child.kill(signal);
    const r = await done;
    t.equal(r.signal, signal);
    t.same(readdirSync(tmp), []);
  });
}

const INJECTED: ReadonlyArray<[string, string, number]> = [
  ['process.exit from anywhere', 'process.exit(3)', 3],
  ['an uncaught exception', "throw new Error('injected')", 1],
  ['an unhandled rejection', "Promise.reject(new Error('injected'))", 1],
];

for (const [what, action, status] of INJECTED) {
  t.test(`${what} while the stdin copy is written: folder removed`, async (t) => {
    const tmp = freshTmp();
    // Preloaded into the command: does `action` once the command's folder exists.
    const watcher = `import { readdirSync } from 'node:fs';
      const timer = setInterval(() => { if (readdirSync(process.env.TMPDIR).length > 0) { clearInterval(timer); ${action}; } }, 5);`;
    const child = spawnLive(tmp, ['--import', `data:text/javascript,${encodeURIComponent(watcher)}`], [ID, '-']);
    const done = exited(child);
    child.stdin.write(claim(0));
    const r = await done;
    t.equal(r.code, status);
    t.same(readdirSync(tmp), []);
  });
}

t.test('normal end and error end: folders removed', async (t) => {
  const cases: ReadonlyArray<[string, string[], string, number]> = [
    ['stdin, found', [ID, '-'], claim(1), 0],
    ['stdin, nothing found', ['00000000-0000-4000-8000-000000000000', '-'], claim(1), 1],
    ['gzip sources (spooled for pass 2)', [ID, CLOUD], '', 0],
    ['gzip sources and a missing file: exit 2', [ID, CLOUD, path.join(root, 'no-such.log')], '', 2],
  ];
  for (const [what, args, input, status] of cases) {
    const tmp = freshTmp();
    const r = spawnSync('/bin/sh', ['-c', `${SHELL_PREFIX}exec "$0" bin/instance-trace "$@"`, process.execPath, ...args], {
      encoding: 'utf8', input, env: { PATH: process.env.PATH, TMPDIR: tmp }, timeout: 20_000,
    });
    t.equal(r.status, status, what);
    t.same(readdirSync(tmp), [], what);
  }
});
