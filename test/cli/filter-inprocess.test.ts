/**
 * `instance-trace filter` through main() in-process, with captured streams: flags, statuses and
 * the stdout sink's backpressure and broken-pipe handling.
 */
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync, appendFileSync, openSync, closeSync, writeSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';
import { runFilterCommand, StreamSink, type FilterArgs } from '../../src/cli/filter.js';

const ID = '96abccce-8d1f-4e07-b6d1-4b2ab87e23b4';
const line = (text: string) => `2017-05-16 00:00:31.359 25746 INFO nova.osapi_compute.wsgi.server [req-84a068e2-7bf3-4fbf-b480-f41b090acc76 u p - - -] ${text}\n`;

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

function io(stdin: Readable & { isTTY?: boolean }, stdout: Writable = new Capture()): CliIO & { stdout: Capture; stderr: Capture } {
  return { stdout: stdout as Capture, stderr: new Capture(), stdin, env: {}, now: () => 0 };
}

const stdinOf = (text: string) => Readable.from([Buffer.from(text)]);

t.test('filters stdin through main(); statuses 0 and 1', async (t) => {
  const input = line(`GET /servers/${ID}`) + line('GET /servers/detail');
  const found = io(stdinOf(input));
  t.equal(await main(['filter', '-i', ID], found), 0);
  t.equal(found.stdout.text, line(`GET /servers/${ID}`));
  t.equal(found.stderr.text, '');

  const none = io(stdinOf(line('nothing')));
  t.equal(await main(['filter', '--instance', ID.toUpperCase(), '-'], none), 1);
  t.equal(none.stdout.text, '');
});

t.test('usage errors: one line, status 2', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['filter'], /nothing to filter for/],
    [['filter', '-i', 'x'], /not an instance id: "x" \(expected a UUID like [0-9a-f-]{36}\)$/m],
    // A short id that the trace command would resolve: the filter says where to go.
    [['filter', '-i', '9a5c0bd0'], /not an instance id: "9a5c0bd0" \(expected a UUID like .*; the filter streams and needs the whole id: instance-trace "9a5c0bd0" <paths> finds it\)$/m],
    [['filter', '-r', 'req-nope'], /not a request id: "req-nope"/],
    [['filter', '-i', ID, '--idle-flush', '-5'], /bad --idle-flush value/],
    [['filter', '-i', ID, '--tz', 'Mars/Olympus'], /./],
  ];
  for (const [argv, message] of cases) {
    const run = io(stdinOf(''));
    t.equal(await main(argv, run), 2, argv.join(' '));
    t.match(run.stderr.text, message);
    t.equal(run.stderr.text.trim().split('\n').length, 1, 'one line');
  }
  const tty = io(Object.assign(stdinOf(''), { isTTY: true }));
  t.equal(await main(['filter', '-i', ID], tty), 2);
  t.match(tty.stderr.text, /no input: give log files, or - to read standard input/);
});

t.test('files and folders; a missing one makes the status 2 but the rest is still read', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'filter-in-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'nova-api.log'), line(`GET /servers/${ID}`));
  const run = io(stdinOf(''));
  t.equal(await main(['filter', '-i', ID, '--json', dir, join(dir, 'missing.log')], run), 2);
  t.match(JSON.parse(run.stdout.text), { service: 'nova-api', why: 'mentioned', source: { line: 1 } });
  t.match(run.stderr.text, /missing\.log: no such file/);
  const empty = io(stdinOf(''));
  t.equal(await main(['filter', '-i', ID, join(dir, 'nope.log')], empty), 2);
  t.match(empty.stderr.text, /^instance-trace: [^\n]*nope\.log: no such file or folder\n$/, 'nothing readable: the one reason, one line');
});

t.test('--enrich alone exits 0 even when nothing names an instance', async (t) => {
  const run = io(stdinOf('{"level":30,"msg":"hello"}\n'));
  t.equal(await main(['filter', '--enrich'], run), 0);
  t.equal(run.stdout.text, '{"level":30,"msg":"hello"}\n');
});

t.test('a reader that went away (EPIPE) ends the stage quietly with status 0', async (t) => {
  let writes = 0;
  const gone = new Writable({
    write(_chunk, _enc, done) {
      writes++;
      const error = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
      done(error);
    },
  });
  const stdin = new PassThrough();
  const run = io(stdin, gone);
  const status = runFilterCommand({ instance: [ID], follow: false, json: false, enrich: true, idleFlush: 300, fromEnd: false } as FilterArgs, run);
  stdin.write(line(`one ${ID}`) + line(`two ${ID}`));
  // stdin is never ended: the broken pipe alone must end the stage.
  t.equal(await status, 0);
  t.ok(writes >= 1);
  t.equal(run.stderr.text, '');
});

t.test('StreamSink resolves a write only once the stream drained', async (t) => {
  let release: (() => void) | null = null;
  const slow = new Writable({
    highWaterMark: 4,
    write(_chunk, _enc, done) { release = done; },
  });
  const sink = new StreamSink(slow, () => undefined);
  let resolved = false;
  const pending = sink.write(Buffer.from('0123456789')).then(() => { resolved = true; });
  await new Promise((r) => setImmediate(r));
  t.equal(resolved, false, 'still waiting while the reader is behind');
  (release as unknown as () => void)();
  await pending;
  t.equal(resolved, true);
  slow.destroy(Object.assign(new Error('boom'), { code: 'EIO' }));
  await new Promise((r) => setImmediate(r));
  t.equal(sink.broken, true);
  t.equal(sink.brokenBy, 'EIO');
  await sink.write(Buffer.from('ignored'));
});

t.test('--follow in-process: reads, follows appends, stops on the signal with the held record written', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'filter-follow-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'nova-compute.log');
  writeFileSync(file, line(`[instance: ${ID}] at start`) + line(`[instance: ${ID}] second`));
  const stop = new AbortController();
  const stdout = new Capture();
  const run = io(stdinOf(''), stdout);
  const status = runFilterCommand({
    instance: [ID], paths: [file, join(dir, 'absent.log')], follow: true, json: false, enrich: false, idleFlush: 60_000, fromEnd: false,
  } as FilterArgs, run, stop.signal);
  // The first record is complete once the second was read; the second is then held.
  while (!stdout.text.includes('at start')) await new Promise((r) => setTimeout(r, 10));
  appendFileSync(file, line(`[instance: ${ID}] appended`));
  while (!stdout.text.includes('second')) await new Promise((r) => setTimeout(r, 10));
  t.notMatch(stdout.text, 'appended', 'the last record is held (no idle flush within a minute)');
  stop.abort();
  t.equal(await status, 0);
  t.equal(stdout.text, line(`[instance: ${ID}] at start`) + line(`[instance: ${ID}] second`) + line(`[instance: ${ID}] appended`), 'the held record is flushed on stop');
  t.match(run.stderr.text, /absent\.log: no such file \(still watching for it\)/);
});

t.test('--follow in-process: a rotated file is read on as its own stream; its held record is written once it is drained', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'filter-rotate-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'nova-compute.log');
  writeFileSync(file, line(`[instance: ${ID}] old one`));
  const writer = openSync(file, 'a');
  t.teardown(() => closeSync(writer));
  const stop = new AbortController();
  const stdout = new Capture();
  const status = runFilterCommand({
    instance: [ID], paths: [file], follow: true, json: false, enrich: false, idleFlush: 60_000, fromEnd: false,
  } as FilterArgs, io(stdinOf(''), stdout), stop.signal);
  const until = async (text: string): Promise<void> => {
    while (!stdout.text.includes(text)) await new Promise((r) => setTimeout(r, 10));
  };
  writeSync(writer, line(`[instance: ${ID}] old two`));
  await until('old one');
  renameSync(file, `${file}.1`);
  writeFileSync(file, line(`[instance: ${ID}] new one`) + line(`[instance: ${ID}] new two`));
  writeSync(writer, line(`[instance: ${ID}] old three, after the rename`));
  // No idle flush within a minute: the old file's last record comes when it is drained (1 s quiet).
  await until('old three');
  await until('new one');
  t.notMatch(stdout.text, 'new two', 'the new file\'s last record is still held');
  stop.abort();
  t.equal(await status, 0);
  const lines = stdout.text.split('\n').slice(0, -1);
  t.same(lines.map((l) => /\] (\w+ \w+)/.exec(l)?.[1]).sort(), ['new one', 'new two', 'old one', 'old three', 'old two'], 'every record once');
});

t.test('--follow with - and a file: both read, interleaved as their bytes arrive', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'filter-merge-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'nova-api.log');
  writeFileSync(file, line(`GET /servers/${ID} from the file`));
  const stdin = new PassThrough();
  const stop = new AbortController();
  const stdout = new Capture();
  const run = io(stdin, stdout);
  const status = runFilterCommand({
    instance: [ID], paths: ['-', file], follow: true, json: true, enrich: false, idleFlush: 20, fromEnd: false,
  } as FilterArgs, run, stop.signal);
  stdin.write(line(`GET /servers/${ID} from stdin`));
  while (!(stdout.text.includes('from the file') && stdout.text.includes('from stdin'))) await new Promise((r) => setTimeout(r, 10));
  stop.abort();
  t.equal(await status, 0);
  const records = stdout.text.trim().split('\n').map((l) => JSON.parse(l) as { source: { file: string }; service: string | null });
  t.same(records.map((r) => r.source.file).sort(), ['-', file].sort());
  t.equal(records.find((r) => r.source.file === file)?.service, 'nova-api');
});

t.test('on a terminal, control characters from the log are shown escaped; a pipe gets the bytes', async (t) => {
  const hostile = line(`[instance: ${ID}] \u001b]0;pwned\u0007\u001b[2J\u202eevil\ttab`);
  const terminal = Object.assign(new Capture(), { isTTY: true });
  const run = io(stdinOf(hostile), terminal);
  t.equal(await main(['filter', '-i', ID], run), 0);
  t.notMatch(terminal.text, /[\u0000-\u0009\u000b-\u001f\u007f\u202e]/, 'no control character reaches the terminal');
  t.match(terminal.text, '\\x1b]0;pwned\\x07\\x1b[2J\\u202eevil tab\n');
  const pipe = io(stdinOf(hostile));
  t.equal(await main(['filter', '-i', ID], pipe), 0);
  t.equal(pipe.stdout.text, hostile, 'unchanged through a pipe');
});
