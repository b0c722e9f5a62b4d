/**
 * Regressions, through the launcher (bin/instance-trace over dist/), for input the scan used to
 * lose: a damaged stretch, a NUL hole after a crash, a record across line 10,001, damaged gzip,
 * files without a final newline, UTF-16, devices, endless garbage on stdin, a huge line, invalid
 * UTF-8. Each case runs the trace and the filter, in text and --json where both apply, on input
 * generated in a temporary folder removed at the end.
 */
import t, { type Test } from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sanitize } from '../../src/render/sanitize.js';
import { ensureBuilt } from './fixture/run.js';
import {
  ID, MAIN_URL, collect, hugeLine, oneLine, oneLineOfSize, runCli, seededBytes, spawnLauncher, startEndlessWriter, tempDir, textOf,
  tracebackRecord,
  type WrittenRecord, type Ran,
} from './fixture/damaged-logs.js';

ensureBuilt();

// ---------------------------------------------------------------------------------------------
// The four ways to run: the trace and the filter, each in text and --json.

interface Mode { name: string; filter: boolean; json: boolean }

const MODES: readonly Mode[] = [
  { name: 'trace', filter: false, json: false },
  { name: 'trace --json', filter: false, json: true },
  { name: 'filter', filter: true, json: false },
  { name: 'filter --json', filter: true, json: true },
];

function argv(mode: Mode, paths: string[]): string[] {
  const json = mode.json ? ['--json'] : [];
  return mode.filter ? ['filter', '-i', ID, ...json, ...paths] : [ID, ...paths, ...json];
}

/** Runs every mode on the same paths at once (the runs are independent). */
async function runModes(paths: string[]): Promise<Array<[Mode, Ran]>> {
  return Promise.all(MODES.map(async (mode): Promise<[Mode, Ran]> => [mode, await runCli(argv(mode, paths))]));
}

/** The filter's status when records matched: 0, or 2 when it also reports damaged input. */
function matchedDespiteDamage(t: Test, ran: Ran): void {
  t.ok(ran.status === 0 || ran.status === 2, `exit 0, or 2 for the damage (got ${ran.status})`);
}

// ---------------------------------------------------------------------------------------------
// What came out, as records: message of the first line, number of lines, text of the last.

interface Shape { message: string; lines: number; last: string | null }

interface JsonRecord { message: string; traceback: string[]; source: { line: number; lines: number } }

const shapeOf = (r: WrittenRecord): Shape => ({ message: r.message, lines: r.lines.length, last: r.last });

/** Long text shortened, so that a failure shows what went wrong rather than 70 KB of NULs. */
const clip = (s: string): string => (s.length <= 200 ? s : `${s.slice(0, 160)}… (${s.length} characters)`);
const clipped = (s: Shape): Shape => ({ message: clip(s.message), lines: s.lines, last: s.last === null ? null : clip(s.last) });

function jsonRecords(ran: Ran): JsonRecord[] {
  return ran.stdout.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as JsonRecord);
}

/** The trace's timeline: a record's first line, then its continuation lines (`    | …`). */
const TIMELINE_HEAD = /^[\d?]{2}:[\d?]{2}:[\d?]{2}\.[\d?]{3} +(?:\(unknown host\)|\S+) +\S+ +\S+ +\S+ +\S+ +(.*)$/;

function timelineShapes(ran: Ran): Shape[] {
  const shapes: Shape[] = [];
  for (const line of ran.stdout.toString().split('\n')) {
    const head = TIMELINE_HEAD.exec(line);
    const current = shapes.at(-1);
    if (head) shapes.push({ message: head[1]!, lines: 1, last: null });
    else if (line.startsWith('    | ') && current) {
      current.lines++;
      current.last = line.slice(6);
    }
  }
  return shapes;
}

/** The records in the output of a mode that writes records, not the input's bytes. */
function shapes(mode: Mode, ran: Ran): Shape[] {
  if (mode.json) return jsonRecords(ran).map((j) => clipped({ message: j.message, lines: j.source.lines, last: j.traceback.at(-1) ?? null }));
  if (!mode.filter) return timelineShapes(ran).map(clipped);
  throw new Error('the text filter passes bytes on: compare them');
}

/** Equal bytes; on a difference, where it starts, not a diff of megabytes. */
function sameBytes(t: Test, actual: Buffer, expected: Buffer, message: string): void {
  if (actual.equals(expected)) {
    t.pass(message);
    return;
  }
  let at = 0;
  while (at < actual.length && at < expected.length && actual[at] === expected[at]) at++;
  const around = (b: Buffer) => JSON.stringify(b.subarray(Math.max(0, at - 40), at + 40).toString('latin1'));
  t.fail(message, { found: `${actual.length} bytes, from byte ${at}: ${around(actual)}`, wanted: `${expected.length} bytes, from byte ${at}: ${around(expected)}` });
}

/**
 * The output holds exactly these records, each whole, in this order. `latin1`: the records'
 * strings stand for their bytes (`\xff` is the byte ff), so they may hold invalid UTF-8; the
 * output must then hold them decoded as a browser would (each bad sequence one U+FFFD).
 */
function expectRecords(t: Test, mode: Mode, ran: Ran, expected: readonly WrittenRecord[], encoding: 'utf8' | 'latin1' = 'utf8'): void {
  if (mode.filter && !mode.json) {
    sameBytes(t, ran.stdout, Buffer.from(textOf(...expected), encoding), 'the records as written, each on its own lines');
    return;
  }
  const decode = (s: string): string => (encoding === 'utf8' ? s : new TextDecoder().decode(Buffer.from(s, 'latin1')));
  // The timeline shows control characters escaped; --json keeps them (as JSON escapes).
  const shown = (s: string): string => (mode.json ? decode(s) : sanitize(decode(s)));
  const wanted = expected.map((r) => clipped({ message: shown(r.message), lines: r.lines.length, last: r.last === null ? null : shown(r.last) }));
  t.same(shapes(mode, ran), wanted, 'each record whole: its first and last line');
}

const stderrLines = (ran: Ran): string[] => ran.stderr.split('\n').filter(Boolean);
const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// ---------------------------------------------------------------------------------------------
// 1. A damaged stretch: 200 KiB of random bytes between valid records.

t.test('damaged stretch: the records before and after 200 KiB of random bytes are found whole', async (t) => {
  const before = oneLineOfSize(1_092, 'Claim successful on node cp-1', 151);
  const after = [oneLine(2_000, 'Creating image'), tracebackRecord(3_000), oneLine(4_000, 'Deallocating network for instance')];
  for (const [variant, lastGarbageByte] of [['after a newline', 0x0a], ['glued to the garbage', 0x7e]] as const) {
    t.test(`the first record after it ${variant}`, async (t) => {
      const dir = tempDir(t);
      const garbage = seededBytes(204_800, 0x5eed0001);
      garbage[garbage.length - 1] = lastGarbageByte;
      const file = join(dir, 'nova-compute.log');
      writeFileSync(file, Buffer.concat([Buffer.from(before.text), garbage, Buffer.from(textOf(...after))]));
      for (const [mode, ran] of await runModes([file])) {
        t.test(mode.name, async (t) => {
          expectRecords(t, mode, ran, [before, ...after]);
          t.match(ran.stderr, 'damaged stretch skipped: 200 KiB at byte 151', 'the skip, counted, with its size and place');
          if (mode.filter) matchedDespiteDamage(t, ran);
          else t.equal(ran.status, 0, 'exit 0: the trace is complete');
        });
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// 2. A NUL hole after a crash, the restarted service's first record glued after it.

t.test('NUL hole after a crash: the record before it and the restart record glued after it are each whole', async (t) => {
  const dir = tempDir(t);
  const beforeCrash = [oneLine(1_000, 'Claim successful on node cp-1'), oneLine(21_000, 'Instance spawned successfully.')];
  const restart = { pid: 4188, context: '[req-0c1d2e3f-4a5b-4c6d-8e7f-a0b1c2d3e4f5 - - - - -]' };
  const afterRestart = [
    oneLine(600_000, 'Rebooting instance after nova-compute restart.', restart),
    oneLine(601_000, 'VM Started (Lifecycle Event)', restart),
  ];
  const holeAt = Buffer.byteLength(textOf(...beforeCrash));
  const file = join(dir, 'nova-compute.log');
  writeFileSync(file, Buffer.concat([Buffer.from(textOf(...beforeCrash)), Buffer.alloc(70_000), Buffer.from(textOf(...afterRestart))]));
  for (const [mode, ran] of await runModes([file])) {
    t.test(mode.name, async (t) => {
      expectRecords(t, mode, ran, [...beforeCrash, ...afterRestart]);
      t.match(ran.stderr, `damaged stretch skipped: 68.4 KiB at byte ${holeAt}`, 'the hole, counted, with its size and place');
      if (mode.filter) matchedDespiteDamage(t, ran);
      else t.equal(ran.status, 0, 'exit 0: the trace is complete');
    });
  }
});

// ---------------------------------------------------------------------------------------------
// 3. More than 10,000 consecutive matching lines, a traceback record on lines 9,999–10,003 (the
//    trace's search cut it; the filter already kept it).

t.test('a traceback on lines 9,999–10,003 of a long run of matching lines is kept whole', async (t) => {
  const dir = tempDir(t);
  const running = (i: number) => oneLine(i * 10, `Instance is running (check ${i + 1})`);
  const traceback = tracebackRecord(9_998 * 10);
  const records = [
    ...Array.from({ length: 9_998 }, (_, i) => running(i)),
    traceback,
    ...Array.from({ length: 5 }, (_, i) => running(10_003 + i)),
  ];
  const text = textOf(...records);
  const file = join(dir, 'nova-compute.log');
  writeFileSync(file, text);
  for (const [mode, ran] of await runModes([file])) {
    t.test(mode.name, async (t) => {
      t.equal(ran.status, 0);
      t.notMatch(ran.stderr, /longer than/, 'no record was cut');
      if (mode.filter && !mode.json) {
        sameBytes(t, ran.stdout, Buffer.from(text), 'every record passed on, the traceback whole');
        return;
      }
      const found = shapes(mode, ran);
      t.equal(found.length, records.length, 'every record');
      t.same(found.find((s) => s.message === traceback.message), shapeOf(traceback), 'the traceback whole, ending with OSError: boom');
      if (mode.json) t.equal(jsonRecords(ran).find((j) => j.message === traceback.message)?.source.line, 9_999);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// 4. Gzip with trailing garbage, and with a wrong CRC: everything gzip -dc recovers.

t.test('damaged gzip: every record gzip -dc recovers, and a warning', async (t) => {
  const records = Array.from({ length: 3_000 }, (_, i) => oneLine(i * 1_000, `Instance is running (check ${i + 1})`));
  const text = Buffer.from(textOf(...records));
  const gz = spawnSync('gzip', ['-c', '-n', '-6'], { input: text }).stdout;
  const damages: Array<[string, Buffer]> = [
    ['trailing garbage', Buffer.concat([gz, seededBytes(4_096, 0x5eed0004)])],
    ['a wrong CRC in the trailer', Buffer.concat([gz.subarray(0, -8), gz.subarray(-8, -4).map((b) => b ^ 0xff), gz.subarray(-4)])],
  ];
  for (const [damage, bytes] of damages) {
    t.test(damage, async (t) => {
      const dir = tempDir(t);
      const file = join(dir, 'nova-compute.log.1.gz');
      writeFileSync(file, bytes);
      sameBytes(t, spawnSync('gzip', ['-dc', file]).stdout, text, 'precondition: gzip -dc recovers every record');
      for (const [mode, ran] of await runModes([file])) {
        t.test(mode.name, async (t) => {
          if (mode.filter && !mode.json) sameBytes(t, ran.stdout, text, 'all 3,000 records');
          else {
            const found = shapes(mode, ran);
            t.equal(found.length, 3_000, 'all 3,000 records');
            t.same(found.at(-1), shapeOf(records.at(-1)!), 'the last one whole');
          }
          matchedDespiteDamage(t, ran);
          t.match(ran.stderr, 'nova-compute.log.1.gz', 'a warning names the damaged file');
        });
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// 5. A file whose last record has no final newline, followed by another file (the trace read
//    them apart already; the text filter glued them).

t.test('a file without a final newline: its last record and the next file\'s first stay apart', async (t) => {
  const dir = tempDir(t);
  const a = [oneLine(0, 'Attempting claim: memory 2048 MB, disk 20 GB, vcpus 1 CPU'), oneLine(100, 'Claim successful on node cp-1')];
  const b = [oneLine(200, 'Creating image'), oneLine(300, 'Instance spawned successfully.')];
  const fileA = join(dir, 'a.log');
  const fileB = join(dir, 'b.log');
  writeFileSync(fileA, textOf(...a).slice(0, -1));
  writeFileSync(fileB, textOf(...b));
  for (const [mode, ran] of await runModes([fileA, fileB])) {
    t.test(mode.name, async (t) => {
      expectRecords(t, mode, ran, [...a, ...b]);
      t.equal(ran.status, 0);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// 6. UTF-16LE logs, with and without a byte order mark.

/** Output as text: UTF-16LE when it has NUL bytes (a stage may pass the input's encoding on), else UTF-8. */
function decodeEither(bytes: Buffer): string {
  return bytes.includes(0) ? bytes.toString('utf16le').replace(/^\ufeff/, '') : bytes.toString('utf8');
}

t.test('UTF-16LE logs are decoded and their records found', async (t) => {
  const records = [oneLine(0, 'Claim successful on node cp-1'), tracebackRecord(1_000), oneLine(2_000, 'Deallocating network for instance')];
  for (const [variant, bom] of [['with a BOM', '\ufeff'], ['without a BOM', '']] as const) {
    t.test(variant, async (t) => {
      const dir = tempDir(t);
      const file = join(dir, 'nova-compute.log');
      writeFileSync(file, Buffer.from(bom + textOf(...records), 'utf16le'));
      for (const [mode, ran] of await runModes([file])) {
        t.test(mode.name, async (t) => {
          if (mode.filter && !mode.json) t.equal(decodeEither(ran.stdout), textOf(...records), 'the records, whole');
          else t.same(shapes(mode, ran), records.map(shapeOf), 'the records, decoded, each whole');
          t.equal(ran.status, 0);
        });
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// 7. Devices given as paths: refused at once, nothing left in TMPDIR.

t.test('a device given as a path is refused at once, with one line naming it, exit 2', async (t) => {
  const devices = ['/dev/zero', '/dev/urandom'];
  const cases = devices.flatMap((device) => MODES.map((mode) => ({ device, mode, tmp: tempDir(t, 'scan-regress-tmpdir-') })));
  const runs = await Promise.all(cases.map((c) => runCli(argv(c.mode, [c.device]), { env: { TMPDIR: c.tmp }, deadlineMs: 5_000 })));
  cases.forEach(({ device, mode, tmp }, i) => {
    const ran = runs[i]!;
    t.test(`${mode.name} ${device}`, async (t) => {
      t.notOk(ran.killed, `ended by itself (${ran.ms} ms)`);
      t.equal(ran.status, 2);
      t.equal(stderrLines(ran).length, 1, 'one line on stderr');
      t.match(ran.stderr, new RegExp(`^instance-trace: .*${escapeRegExp(device)}`), 'naming the device');
      t.same(readdirSync(tmp), [], 'no temporary file left');
    });
  });
});

// ---------------------------------------------------------------------------------------------
// 8. An endless stream of NULs or garbage on stdin: the filter stops by itself.

t.test('an endless stream with no text on stdin: the filter stops after a bounded stretch', async (t) => {
  const dir = tempDir(t);
  const randomBlock = join(dir, 'random.bin');
  writeFileSync(randomBlock, seededBytes(1 << 20, 0x5eed0008));
  for (const [variant, block] of [['NUL bytes', null], ['random bytes', randomBlock]] as const) {
    t.test(variant, async (t) => {
      const writer = startEndlessWriter(block);
      t.teardown(() => { writer.kill('SIGKILL'); });
      const filter = spawnLauncher(['filter', '-i', ID, '-'], {}, writer.stdout!);
      writer.stdout!.destroy(); // the filter holds the pipe now; when it exits, the writer gets EPIPE
      const ran = await collect(filter, { deadlineMs: 5_000 });
      t.notOk(ran.killed, `ended by itself, before the input did (${ran.ms} ms)`);
      t.match(ran.stderr, /no text/, 'says there was no text');
      t.match(ran.stderr, /(^|[\s"'(:])-([\s"'):]|$)|stdin|standard input/m, 'names the input');
      t.equal(stderrLines(ran).length, 1, 'one line');
      t.not(ran.status, 0, 'nothing matched');
    });
  }
});

// ---------------------------------------------------------------------------------------------
// 9. A 400 MB line naming the instance: the filter passes it on with bounded memory.

/**
 * Runs main() from dist/ like the launcher does and, on exit, writes the process's peak RSS
 * (getrusage ru_maxrss, KiB) to fd 3: exact, and read by the process itself, not sampled.
 */
const WITH_PEAK_RSS = `import { writeSync } from 'node:fs';
import { main } from ${JSON.stringify(MAIN_URL)};
process.on('exit', () => writeSync(3, String(process.resourceUsage().maxRSS)));
process.exitCode = await main(process.argv.slice(1));`;

t.test('a 400 MB line naming the instance goes through the filter unchanged, peak RSS under 150 MiB', async (t) => {
  const size = 400_000_000;
  const child = spawn('/bin/sh', ['-c', 'unset NODE_OPTIONS; exec "$@"', 'sh', process.execPath, '--input-type=module', '-e', WITH_PEAK_RSS, 'filter', '-i', ID, '-'], {
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH },
  });
  t.teardown(() => { child.kill('SIGKILL'); });
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  let peakKiB = '';
  child.stdio[3]!.on('data', (d: Buffer) => { peakKiB += d.toString(); });
  const out = { hash: createHash('sha1'), bytes: 0 };
  child.stdout!.on('data', (d: Buffer) => { out.hash.update(d); out.bytes += d.length; });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

  const inHash = createHash('sha1');
  const hashed = Readable.from((function* () { for (const piece of hugeLine(size)) { inHash.update(piece); yield piece; } })());
  await pipeline(hashed, child.stdin!).catch(() => undefined); // EPIPE when it stops reading: the checks below say why
  const code = await closed;
  clearTimeout(killer);

  t.equal(code, 0, `exit 0${child.signalCode ? ` (killed by ${child.signalCode} at the 15 s deadline)` : ''}; stderr: ${err.slice(0, 300)}`);
  t.equal(out.bytes, size, 'the whole line came out');
  t.equal(out.hash.digest('hex'), inHash.digest('hex'), 'unchanged');
  const peakMiB = Number(peakKiB) / 1024;
  t.ok(peakKiB !== '' && peakMiB < 150, `peak RSS ${peakKiB === '' ? 'not reported (killed)' : `${peakMiB.toFixed(0)} MiB`}, under 150 MiB`);
});

// ---------------------------------------------------------------------------------------------
// 10. Invalid UTF-8 in matching records.

t.test('invalid UTF-8 in a matching record: the record is kept, each bad sequence as U+FFFD in --json', async (t) => {
  // The strings are written as latin1: \xNN is the byte NN.
  const variants: Array<[string, WrittenRecord[]]> = [
    // Passes before the fix too: it guards against a damage detector that would drop such records.
    ['a few bad sequences: a lone é (e9), ÿþ (ff fe), a € cut short (e2 82), c3 before an ASCII byte', [
      oneLine(0, 'Claim successful on node cp-1'),
      oneLine(1_000, 'Setting display name to "caf\xe9 cr\xe8me \xff\xfe" (\xe2\x82)'),
      tracebackRecord(2_000, 'Instance failed to spawn', 'OSError: boom in /var/lib/nova/instances/\xc3('),
      oneLine(3_000, 'Deallocating network for instance'),
    ]],
    // A short log whose odd record is much of its first 8 KiB: it used to make the whole file "binary".
    ['a guest console dump (latin-1 text, a spinner) in a short log', [
      oneLine(0, 'Claim successful on node cp-1'),
      oneLine(1_000, `Guest console output: D\xe9marrage du syst\xe8me ${'|\b/\b-\b\\\b'.repeat(20)} pr\xeat`, { logger: 'nova.virt.libvirt.driver' }),
      oneLine(2_000, 'Instance spawned successfully.'),
    ]],
  ];
  t.ok(new TextDecoder().decode(Buffer.from('caf\xe9 \xff\xfe (\xe2\x82)', 'latin1')) === 'caf\ufffd \ufffd\ufffd (\ufffd)', 'precondition: one U+FFFD per bad sequence');
  for (const [variant, records] of variants) {
    t.test(variant, async (t) => {
      const dir = tempDir(t);
      const file = join(dir, 'nova-compute.log');
      writeFileSync(file, Buffer.from(textOf(...records), 'latin1'));
      for (const [mode, ran] of await runModes([file])) {
        t.test(mode.name, async (t) => {
          expectRecords(t, mode, ran, records, 'latin1');
          t.equal(ran.status, 0);
        });
      }
    });
  }
});
