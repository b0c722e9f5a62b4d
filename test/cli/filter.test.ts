/**
 * `instance-trace filter` as a pipeline stage: the real launcher (bin/instance-trace, built dist/)
 * in a child process, fed and read through pipes.
 */
import t from 'tap';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/instance-trace', import.meta.url));
const ID = '96abccce-8d1f-4e07-b6d1-4b2ab87e23b4';
const OTHER = '0673dd71-34c5-4fbb-86c4-40623fbe45b4';

const oslo = (n: number, text: string) =>
  `2017-05-16 00:00:${String(n % 60).padStart(2, '0')}.${String(n % 1000).padStart(3, '0')} 2931 INFO nova.compute.manager [req-84a068e2-7bf3-4fbf-b480-f41b090acc76 u p - - -] ${text}\n`;
const traceback = (n: number) =>
  `2017-05-16 00:01:${String(n % 60).padStart(2, '0')}.000 2931 ERROR nova.compute.manager [req-9bc36dd9-91c5-4314-898a-47625eb93b09 u p - - -] [instance: ${ID}] Instance failed to spawn\n` +
  `2017-05-16 00:01:${String(n % 60).padStart(2, '0')}.000 2931 ERROR nova.compute.manager [instance: ${ID}] Traceback (most recent call last):\n` +
  `2017-05-16 00:01:${String(n % 60).padStart(2, '0')}.000 2931 ERROR nova.compute.manager [instance: ${ID}]   File "manager.py", line 2078, in _build_resources\n` +
  `2017-05-16 00:01:${String(n % 60).padStart(2, '0')}.000 2931 ERROR nova.compute.manager [instance: ${ID}] RescheduledException: Build of instance ${ID} was re-scheduled\n`;

/**
 * tap's process tracking puts its loaders into NODE_OPTIONS of every child (even when env is
 * given); a user has none, and the extensionless ESM launcher cannot load under them, so a shell
 * clears it before starting node.
 */
const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const CLEAN = ['-c', 'unset NODE_OPTIONS; exec "$@"', 'sh'];
const NODE_BIN = `unset NODE_OPTIONS; exec "${process.execPath}" "${BIN}"`;

function start(args: string[]): ChildProcessWithoutNullStreams {
  return spawn('/bin/sh', [...CLEAN, process.execPath, BIN, 'filter', ...args], { stdio: 'pipe', env: ENV });
}

function run(args: string[], input: string | Buffer) {
  return spawnSync('/bin/sh', [...CLEAN, process.execPath, BIN, 'filter', ...args], { input, env: ENV, timeout: 60_000 });
}

/** Collects a child's stdout and stderr and lets a test wait for some output to arrive. */
class Watched {
  out = '';
  err = '';
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #waiters: Array<() => void> = [];
  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (d: Buffer) => { this.out += d.toString(); this.#notify(); });
    child.stderr.on('data', (d: Buffer) => { this.err += d.toString(); });
    this.exit = new Promise((resolve) => child.on('close', (code, signal) => { this.#notify(); resolve({ code, signal }); }));
  }
  #notify(): void { for (const w of this.#waiters.splice(0)) w(); }
  /** Resolves once stdout contains `text` (the test's timeout bounds the wait). */
  async waitFor(text: string): Promise<void> {
    while (!this.out.includes(text)) {
      if (this.child.exitCode !== null) throw new Error(`exited (${this.child.exitCode}) before writing ${JSON.stringify(text)}; stderr: ${this.err}`);
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }
}

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'filter-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('writes each record as it completes, while stdin is still open; tracebacks whole', async (t) => {
  const w = new Watched(start(['-i', ID]));
  w.child.stdin.write(oslo(1, `[instance: ${ID}] first`) + oslo(2, 'someone else'));
  await w.waitFor('first\n');
  t.equal(w.child.stdin.writableEnded, false, 'the output came before the input ended');
  t.equal(w.out, oslo(1, `[instance: ${ID}] first`));

  // A traceback written in pieces: nothing of it goes out until the record after it begins.
  const tb = traceback(3);
  for (let i = 0; i < tb.length; i += 17) w.child.stdin.write(tb.slice(i, i + 17));
  w.child.stdin.write(oslo(4, `[instance: ${OTHER}] next record`));
  await w.waitFor('was re-scheduled\n');
  t.equal(w.out, oslo(1, `[instance: ${ID}] first`) + tb, 'the traceback came out whole, in one piece');

  w.child.stdin.end(oslo(5, `last, held until the end: ${ID}`));
  const { code } = await w.exit;
  t.equal(code, 0);
  t.ok(w.out.endsWith(oslo(5, `last, held until the end: ${ID}`)), 'the held record is written at the end of input');
  t.equal(w.err, '');
});

t.test('exit status 1 when nothing matched; 2 for a bad flag or missing input, one line on stderr', async (t) => {
  const none = run(['-i', ID], oslo(1, 'nothing here'));
  t.equal(none.status, 1);
  t.equal(none.stdout.length, 0);

  const noIds = run([], '');
  t.equal(noIds.status, 2);
  t.match(noIds.stderr.toString(), /^instance-trace: nothing to filter for: give --instance ID or --request ID \(or --enrich\)/);

  const badId = run(['-i', 'not-a-uuid'], '');
  t.equal(badId.status, 2);
  t.equal(badId.stderr.toString().trim().split('\n').length, 1);
  t.match(badId.stderr.toString(), /not an instance id/);

  const missing = run(['-i', ID, '/nonexistent/nova.log'], '');
  t.equal(missing.status, 2);
  t.notMatch(missing.stderr.toString(), /\n\s+at /, 'no stack trace');

  const request = run(['-r', 'req-84a068e2-7bf3-4fbf-b480-f41b090acc76'], oslo(1, 'in the request'));
  t.equal(request.status, 0);
  t.equal(request.stdout.toString(), oslo(1, 'in the request'));
});

t.test('garbage bytes: no crash, counted through, good records around them kept', async (t) => {
  const garbage = Buffer.alloc(200_000);
  for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + (i >> 3)) & 0xff;
  const input = Buffer.concat([garbage, Buffer.from('\n' + oslo(1, `[instance: ${ID}] survives`)), garbage, Buffer.from('\n')]);
  const r = run(['-i', ID], input);
  t.equal(r.status, 0);
  t.ok(r.stdout.toString('latin1').includes(`[instance: ${ID}] survives`));
  t.notMatch(r.stderr.toString(), /at .*\.js:\d+/, 'no stack trace');
  const json = run(['--json', '-i', ID], input);
  t.equal(json.status, 0);
  t.match(JSON.parse(json.stdout.toString().trim().split('\n')[0]!), { instance_uuid: ID, why: 'tagged', message: 'survives' });
  t.match(json.stderr.toString(), /^(instance-trace: warning: -: damaged stretch skipped: [^\n]+\n)+$/, 'only the damage is reported');
  const odd = run(['--json', '-i', ID], Buffer.concat([garbage, Buffer.from(`\n\u0000${ID}\u00ff\n`)]));
  t.equal(odd.status, 0);
  t.match(odd.stderr.toString(), /\ninstance-trace: 1 record of no known format written as plain records\n$/);
  t.match(JSON.parse(odd.stdout.toString()), { format: 'plain', why: 'mentioned' });
});

t.test('EPIPE (| head) exits quietly with status 0', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'big.log');
  writeFileSync(file, oslo(1, `[instance: ${ID}] again and again`).repeat(200_000));
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', `(${NODE_BIN} filter -i ${ID} "${file}") | head -n 2; echo "status=\${PIPESTATUS[0]}" >&2`], { env: ENV });
  t.equal(r.stdout.toString().split('\n').length - 1, 2);
  t.equal(r.stderr.toString(), 'status=0\n', 'status 0 and nothing else on stderr');
});

t.test('a paused reader throttles the stage: memory stays bounded, nothing is lost', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'stream.log');
  const record = oslo(1, `[instance: ${ID}] ${'x'.repeat(200)}`);
  const count = Math.ceil((256 * 1024 * 1024) / record.length);
  const fd = openSync(file, 'w');
  const block = record.repeat(10_000);
  for (let i = 0; i < count; i += 10_000) writeSync(fd, block);
  closeSync(fd);
  const total = Math.ceil(count / 10_000) * 10_000 * Buffer.byteLength(record);

  const child = spawn('/bin/sh', [...CLEAN, process.execPath, BIN, 'filter', '--enrich', file], { stdio: ['ignore', 'pipe', 'pipe'], env: ENV });
  child.stdout.pause();
  let maxRss = 0;
  const rss = (): number => {
    const status = spawnSync('cat', [`/proc/${child.pid}/status`]).stdout.toString();
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    maxRss = Math.max(maxRss, kb * 1024);
    return kb;
  };
  // Let it fill the pipe and stall; sample its memory meanwhile.
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 50));
    rss();
  }
  t.equal(child.exitCode, null, 'still running: blocked by the reader, not buffering the 256 MiB');
  t.ok(maxRss < 160 * 1024 * 1024, `RSS ${Math.round(maxRss / 1048576)} MiB while the reader is paused`);
  let received = 0;
  child.stdout.on('data', (d: Buffer) => { received += d.length; });
  child.stdout.resume();
  const sampler = setInterval(rss, 100);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearInterval(sampler);
  t.equal(code, 0);
  t.equal(received, total, 'every byte came through');
  t.ok(maxRss < 160 * 1024 * 1024, `peak RSS ${Math.round(maxRss / 1048576)} MiB over the whole run`);
});

t.test('SIGTERM flushes the held record and exits with the normal status', async (t) => {
  const w = new Watched(start(['-i', ID]));
  w.child.stdin.write(oslo(1, `[instance: ${ID}] complete`) + oslo(2, `[instance: ${ID}] held`));
  await w.waitFor('complete\n');
  w.child.kill('SIGTERM');
  const { code } = await w.exit;
  t.equal(code, 0);
  t.equal(w.out, oslo(1, `[instance: ${ID}] complete`) + oslo(2, `[instance: ${ID}] held`));
});

t.test('--follow: idle flush, rename-and-recreate rotation, truncation, several files', async (t) => {
  const dir = tempDir(t);
  const a = join(dir, 'nova-compute.log');
  const b = join(dir, 'nova-api.log');
  writeFileSync(a, oslo(1, `[instance: ${ID}] before start`));
  writeFileSync(b, '');
  const w = new Watched(start(['--follow', '--idle-flush', '100', '-i', ID, a, b]));
  t.teardown(() => { w.child.kill('SIGKILL'); });

  await w.waitFor('before start');
  t.pass('an idle file\'s held record is written without a following record');

  const tb = traceback(2);
  writeFileSync(a, tb.slice(0, 100), { flag: 'a' });
  writeFileSync(b, oslo(3, `GET /servers/${ID}`), { flag: 'a' });
  await w.waitFor('GET /servers');
  writeFileSync(a, tb.slice(100), { flag: 'a' });
  await w.waitFor('RescheduledException');
  t.ok(w.out.includes(tb), 'the traceback whole, although its first line was written in two parts around an idle time');

  // logrotate's default: rename away, create anew.
  const writer = openSync(a, 'a');
  writeSync(writer, oslo(4, `[instance: ${ID}] last words of the old file`));
  const { renameSync } = await import('node:fs');
  renameSync(a, `${a}.1`);
  writeSync(writer, oslo(5, `[instance: ${ID}] written after the rename`));
  closeSync(writer);
  writeFileSync(a, oslo(6, `[instance: ${ID}] first of the new file`));
  // Both files are read as their bytes come; the old one's last record is written once it is quiet.
  await w.waitFor('first of the new file');
  await w.waitFor('written after the rename');
  t.equal(w.out.split('written after the rename').length, 2, 'the old file\'s tail, once');

  // copytruncate: the file is emptied in place and written again.
  writeFileSync(a, oslo(7, `[instance: ${ID}] after truncation`));
  await w.waitFor('after truncation');

  writeFileSync(b, oslo(8, `[instance: ${OTHER}] not ours`) + oslo(9, `for ${ID} on b`), { flag: 'a' });
  await w.waitFor(`for ${ID} on b`);
  t.notMatch(w.out, /not ours/);

  w.child.kill('SIGINT');
  const { code } = await w.exit;
  t.equal(code, 0, 'stopped by a signal after matches: status 0');
  t.equal(w.err, '');
});

t.test('--follow warns about a missing file and picks it up when it appears', async (t) => {
  const dir = tempDir(t);
  const late = join(dir, 'late.log');
  const w = new Watched(start(['--follow', '--idle-flush', '50', '-i', ID, late]));
  t.teardown(() => { w.child.kill('SIGKILL'); });
  while (!w.err.includes('late.log')) await new Promise((r) => setTimeout(r, 20));
  t.match(w.err, /^instance-trace: warning: .*late\.log: no such file \(still watching for it\)\n$/);
  writeFileSync(late, oslo(1, `[instance: ${ID}] arrived`));
  await w.waitFor('arrived');
  w.child.kill('SIGTERM');
  t.equal((await w.exit).code, 0);
});

t.test('--enrich passes everything and exits 0', async (t) => {
  const input = '{"level":30,"time":1,"msg":"Rebooting ' + ID + '"}\n' + oslo(1, 'text record') + '{"level":30,"time":2,"msg":"no id"}\n';
  const r = run(['--enrich'], input);
  t.equal(r.status, 0);
  t.equal(r.stdout.toString(), input.replace('"}\n', `","instance_uuid":"${ID}"}\n`));
});
