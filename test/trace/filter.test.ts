import t from 'tap';
import fc from 'fast-check';
import { naiveRecords } from '../sources/fixtures/helpers.js';
import type { SourceFile } from '../../src/sources/source.js';
import { isRecordStart } from '../../src/records/detect.js';
import { createFilterRenderer } from '../../src/render/filter.js';
import { needlesFor, RecordFilter, runFilter, type FilterInput, type FilterOptions } from '../../src/trace/filter.js';

const ID = '96abccce-8d1f-4e07-b6d1-4b2ab87e23b4';
const OTHER = '0673dd71-34c5-4fbb-86c4-40623fbe45b4';
const REQ = 'req-3e22b75e-1c4f-4579-8a73-7ede40d3f955';
const SOURCE: SourceFile = { path: '-', display: '-', host: 'cp-1', service: 'nova-compute', gzip: false, size: null };

function options(over: Partial<FilterOptions> = {}): FilterOptions {
  return { instances: [ID], requests: [], enrich: false, json: false, renderer: createFilterRenderer(), ...over };
}

/** Pushes `chunks` through one input filter and returns everything written, as text. */
function filterChunks(chunks: Buffer[], over: Partial<FilterOptions> = {}): { text: string; filter: RecordFilter } {
  const filter = new RecordFilter(options(over));
  const input = filter.forSource(SOURCE);
  const out: Buffer[] = [];
  for (const chunk of chunks) input.push(chunk, out);
  input.flush(out);
  return { text: Buffer.concat(out).toString('utf8'), filter };
}

function splitEvery(bytes: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return chunks;
}

const oslo = (time: string, level: string, text: string, pid = 2931) =>
  `2017-05-16 ${time} ${pid} ${level} nova.compute.manager [req-84a068e2-7bf3-4fbf-b480-f41b090acc76 u p - - -] ${text}\n`;

const TRACEBACK_RECORD =
  oslo('00:01:00.001', 'ERROR', `[instance: ${ID}] Instance failed to spawn`) +
  `2017-05-16 00:01:00.001 2931 ERROR nova.compute.manager [instance: ${ID}] Traceback (most recent call last):\n` +
  `2017-05-16 00:01:00.001 2931 ERROR nova.compute.manager [instance: ${ID}]   File "/usr/lib/python2.7/dist-packages/nova/compute/manager.py", line 2078, in _build_resources\n` +
  `2017-05-16 00:01:00.001 2931 ERROR nova.compute.manager [instance: ${ID}]     yield resources\n` +
  `2017-05-16 00:01:00.001 2931 ERROR nova.compute.manager [instance: ${ID}] RescheduledException: Build of instance ${ID} was re-scheduled\n`;

const STREAM = Buffer.from(
  oslo('00:00:59.000', 'INFO', `[instance: ${OTHER}] Took 1.2 seconds to spawn`) +
  TRACEBACK_RECORD +
  oslo('00:01:01.000', 'INFO', 'Auditing locally available compute resources') +
  oslo('00:01:02.000', 'INFO', `[instance: ${ID}] Terminating instance`) +
  oslo('00:01:03.000', 'INFO', `VM Stopped (Lifecycle Event) for ${OTHER}`),
);
const EXPECTED = TRACEBACK_RECORD + oslo('00:01:02.000', 'INFO', `[instance: ${ID}] Terminating instance`);

t.test('keeps the matching records byte for byte, tracebacks whole, whatever the chunk size', async (t) => {
  for (const size of [1, 2, 7, 35, 36, 37, 100, 333, 4096, STREAM.length]) {
    const { text } = filterChunks(splitEvery(STREAM, size));
    t.equal(text, EXPECTED, `chunks of ${size} bytes`);
  }
});

t.test('a needle split across two reads is still found', async (t) => {
  const at = STREAM.indexOf(`Terminating`) - 20; // inside the id of that record
  const { text } = filterChunks([STREAM.subarray(0, at), STREAM.subarray(at)]);
  t.equal(text, EXPECTED);
});

t.test('request ids and several instance ids', async (t) => {
  const stream = Buffer.from(
    oslo('00:00:01.000', 'INFO', 'a').replace('req-84a068e2-7bf3-4fbf-b480-f41b090acc76', REQ) +
    oslo('00:00:02.000', 'INFO', `for instance ${OTHER}`) +
    oslo('00:00:03.000', 'INFO', 'nothing'),
  );
  const { text, filter } = filterChunks([stream], { instances: [ID, OTHER], requests: [REQ] });
  t.equal(text, stream.toString().split('\n').slice(0, 2).join('\n') + '\n');
  t.equal(filter.counts.matched, 2);
  t.same(needlesFor(['  ABC ', 'abc', '']), ['ABC', 'abc'], 'as given and lower case, blanks dropped');
});

t.test('matches exactly what framing every record would keep (property, random chunking)', async () => {
  const line = fc.oneof(
    fc.constantFrom(
      oslo('00:00:01.000', 'INFO', 'plain record'),
      oslo('00:00:02.000', 'INFO', `[instance: ${ID}] tagged`),
      oslo('00:00:03.000', 'ERROR', `mentions ${ID} in the middle`),
      `2017-05-16 00:00:04.000 2931 ERROR nova.compute.manager [instance: ${ID}] Traceback (most recent call last):\n`,
      '  File "x.py", line 1, in f\n',
      `    raise Failed("${ID}")\n`,
      'bare continuation line\n',
      '{"level":30,"time":1,"msg":"json record"}\n',
      `{"level":50,"time":2,"msg":"json ${ID}"}\n`,
      '\n',
    ),
    // Odd bytes, but no NUL: damage (NUL-led) has its own properties in test/sources/scanner.test.ts.
    fc.uint8Array({ min: 1, maxLength: 40 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  );
  await fc.assert(fc.asyncProperty(fc.array(line, { maxLength: 40 }), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 10 }), async (lines, sizes) => {
    const input = Buffer.concat(lines.map((l) => Buffer.from(l, 'latin1')));
    const kept = naiveRecords(input, isRecordStart).filter((r) => r.bytes.includes(ID)).map((r) => r.bytes);
    // The input's last line without a newline gets one, as grep does.
    const expected = Buffer.concat(kept.map((b) => (b.at(-1) === 0x0a ? b : Buffer.concat([b, Buffer.from('\n')]))));
    const chunks: Buffer[] = [];
    for (let at = 0, i = 0; at < input.length; i++) {
      const size = sizes[i % sizes.length]!;
      chunks.push(input.subarray(at, at + size));
      at += size;
    }
    const filter = new RecordFilter(options());
    const one = filter.forSource(SOURCE);
    const out: Buffer[] = [];
    for (const chunk of chunks) one.push(chunk, out);
    one.flush(out);
    return Buffer.concat(out).equals(expected);
  }), { numRuns: 300 });
});

t.test('garbage bytes never throw and never hide a record', async (t) => {
  const garbage = Buffer.from([0x00, 0xff, 0xfe, 0x0a, 0xc3, 0x28, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x0a, 0x80, 0x0a]);
  const stream = Buffer.concat([garbage, STREAM, garbage, Buffer.from(`\u0000${ID}\u0000 in a binary line\n`), garbage, STREAM, Buffer.from(`\u0000 a NUL in a line of text ${ID}\n`)]);
  const { text, filter } = filterChunks(splitEvery(stream, 13));
  t.ok(text.startsWith(EXPECTED), 'the real records come out whole');
  t.notOk(text.includes('binary line'), 'a NUL-strewn line amid damage is damage (skipped and reported)');
  t.ok(text.includes(`\u0000 a NUL in a line of text ${ID}`), 'a lone NUL in a line of text is kept');
  t.equal(filter.counts.matched, 5);
  const raw = filterChunks([stream]).text;
  t.equal(raw, text, 'chunking does not change the result');
});

t.test('a pathological record is cut at the limits and passed on in pieces, with a warning', async (t) => {
  const warnings: string[] = [];
  const endless = oslo('00:00:01.000', 'ERROR', `[instance: ${ID}] dump follows`) + 'x\n'.repeat(5000);
  const filter = new RecordFilter(options({ maxRecordLines: 100, onWarning: (w) => warnings.push(w.kind) }));
  const one = filter.forSource(SOURCE);
  const pieces: string[] = [];
  for (const chunk of splitEvery(Buffer.from(endless), 1000)) {
    const out: Buffer[] = [];
    one.push(chunk, out);
    pieces.push(...out.map(String));
  }
  t.ok(pieces.length >= 40, `passed on while it streams, in ${pieces.length} writes`);
  const out: Buffer[] = [];
  one.flush(out);
  const text = pieces.join('') + Buffer.concat(out).toString();
  t.equal(text, endless, 'the matching record, every byte, in pieces');
  t.equal(filter.counts.cut, 50, 'each cut counted');
  t.same(warnings, ['long-record'], 'one warning');
});

t.test('--json writes instance-trace --json records with why and the source line', async (t) => {
  const { text } = filterChunks(splitEvery(STREAM, 50), { json: true, requests: [] });
  const records = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  t.equal(records.length, 2);
  t.match(records[0], {
    time: '2017-05-16T00:01:00.001Z', host: 'cp-1', service: 'nova-compute', level: 'error', instance_uuid: ID,
    why: 'tagged', message: `[instance: ${ID}] Instance failed to spawn`.replace(`[instance: ${ID}] `, ''),
    source: { file: '-', line: 2, lines: 5 },
  });
  t.equal((records[0]!.traceback as string[]).length, 4);
  t.match(records[1], { why: 'tagged', source: { line: 8, lines: 1 } });
  const mention = filterChunks([Buffer.from(oslo('00:00:01.000', 'INFO', `for instance ${ID}`))], { json: true }).text;
  t.match(JSON.parse(mention), { why: 'mentioned', instance_uuid: null });
  const request = filterChunks([Buffer.from(oslo('00:00:01.000', 'INFO', 'x').replace(/req-[^ ]+/, REQ))], { json: true, instances: [], requests: [REQ] }).text;
  t.match(JSON.parse(request), { why: 'request', request_id: REQ });
});

t.test('line numbers stay right when stretches without ids are skipped', async (t) => {
  const filler = oslo('00:00:00.500', 'INFO', 'filler').repeat(500);
  const stream = Buffer.from(filler + oslo('00:00:01.000', 'INFO', `[instance: ${ID}] here`) + filler + oslo('00:00:02.000', 'INFO', `[instance: ${ID}] again`));
  for (const size of [64, 1000, 65536]) {
    const records = filterChunks(splitEvery(stream, size), { json: true }).text.trim().split('\n').map((l) => JSON.parse(l) as { source: { line: number } });
    t.same(records.map((r) => r.source.line), [501, 1002], `chunks of ${size}`);
  }
});

t.test('runFilter: records go out as they complete; idle inputs are flushed; reopen starts over', async (t) => {
  const filter = new RecordFilter(options());
  const written: string[] = [];
  const sink = { write: async (b: Buffer) => { written.push(b.toString()); } };
  const events = new EventQueue();
  const done = runFilter(filter, events, sink, { idleFlushMs: 30 });

  events.push({ kind: 'data', source: SOURCE, chunk: Buffer.from(oslo('00:00:01.000', 'INFO', `[instance: ${ID}] one`)) });
  events.push({ kind: 'data', source: SOURCE, chunk: Buffer.from(oslo('00:00:02.000', 'INFO', 'two')) });
  await until(() => written.length === 1);
  t.equal(written[0], oslo('00:00:01.000', 'INFO', `[instance: ${ID}] one`), 'written once the next record began');

  events.push({ kind: 'data', source: SOURCE, chunk: Buffer.from(oslo('00:00:03.000', 'INFO', `[instance: ${ID}] held`)) });
  await until(() => written.length === 2);
  t.equal(written[1], oslo('00:00:03.000', 'INFO', `[instance: ${ID}] held`), 'flushed after the input was idle');

  // A rotated file ends the record it held; the new file's first record is not joined to it.
  events.push({ kind: 'data', source: SOURCE, chunk: Buffer.from(oslo('00:00:04.000', 'INFO', `[instance: ${ID}] before`)) });
  events.push({ kind: 'reopen', source: SOURCE });
  await until(() => written.length === 3);
  t.equal(written[2], oslo('00:00:04.000', 'INFO', `[instance: ${ID}] before`));
  events.push({ kind: 'data', source: SOURCE, chunk: Buffer.from(`  continuation in the new file ${ID}\n`) });
  events.end();
  await done;
  t.equal(written[3], `  continuation in the new file ${ID}\n`);
});

t.test('runFilter: an idle flush never ends a record in the middle of a line', async (t) => {
  const filter = new RecordFilter(options());
  const written: string[] = [];
  const events = new EventQueue();
  const done = runFilter(filter, events, { write: async (b) => { written.push(b.toString()); } }, { idleFlushMs: 20 });
  const other: SourceFile = { ...SOURCE, path: 'b.log', display: 'b.log' };
  const whole = oslo('00:00:01.000', 'INFO', `[instance: ${ID}] written in two parts`);
  events.push({ kind: 'data', source: SOURCE, chunk: Buffer.from(whole.slice(0, 60)) });
  events.push({ kind: 'data', source: other, chunk: Buffer.from(oslo('00:00:02.000', 'INFO', `[instance: ${ID}] other file`)) });
  // Once the other file's record was flushed for idleness, the half line has been idle as long.
  await until(() => written.length === 1);
  t.match(written[0], 'other file');
  events.push({ kind: 'data', source: SOURCE, chunk: Buffer.from(whole.slice(60)) });
  await until(() => written.length === 2);
  t.equal(written[1], whole, 'the line came out whole');
  events.end();
  await done;
});

t.test('runFilter: an abort flushes what is held and returns though the input never ends', async (t) => {
  const filter = new RecordFilter(options());
  const written: string[] = [];
  const events = new EventQueue();
  const ac = new AbortController();
  const done = runFilter(filter, events, { write: async (b) => { written.push(b.toString()); } }, { idleFlushMs: null, signal: ac.signal });
  events.push({ kind: 'data', source: SOURCE, chunk: Buffer.from(oslo('00:00:01.000', 'INFO', `[instance: ${ID}] last`)) });
  await until(() => events.taken === 1);
  ac.abort();
  await done;
  t.same(written, [oslo('00:00:01.000', 'INFO', `[instance: ${ID}] last`)]);
});

t.test('runFilter waits for the sink before reading on (backpressure)', async (t) => {
  const filter = new RecordFilter(options({ instances: [], enrich: true }));
  let release: () => void = () => undefined;
  let writes = 0;
  const sink = { write: () => { writes++; return new Promise<void>((resolve) => { release = resolve; }); } };
  const events = new EventQueue();
  const done = runFilter(filter, events, sink, { idleFlushMs: null });
  for (let i = 0; i < 10; i++) events.push({ kind: 'data', source: SOURCE, chunk: Buffer.from(oslo('00:00:01.000', 'INFO', `r${i}`)) });
  await until(() => writes === 1);
  await new Promise((r) => setImmediate(r));
  t.ok(events.taken <= 3, `only ${events.taken} events taken while the sink is full`);
  const stalled = events.taken;
  release();
  await until(() => writes === 2);
  t.ok(events.taken > stalled, 'reading resumes once the sink has room');
  events.end();
  for (let i = 0; i < 20; i++) { release(); await new Promise((r) => setImmediate(r)); }
  release();
  await done;
});

/** An async iterable fed by the test. */
class EventQueue implements AsyncIterable<FilterInput> {
  #items: Array<FilterInput | null> = [];
  #wake: (() => void) | null = null;
  taken = 0;
  push(event: FilterInput): void { this.#items.push(event); this.#wake?.(); }
  end(): void { this.#items.push(null); this.#wake?.(); }
  async *[Symbol.asyncIterator](): AsyncGenerator<FilterInput> {
    for (;;) {
      while (this.#items.length === 0) await new Promise<void>((r) => { this.#wake = r; });
      const item = this.#items.shift()!;
      if (item === null) return;
      this.taken++;
      yield item;
    }
  }
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 2));
}
