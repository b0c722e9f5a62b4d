/**
 * `instance-trace filter`: the streaming stage. Each input's bytes are pushed into the sources
 * layer's scanning engine as they arrive; a record is kept when its raw bytes contain an instance
 * or request id, and goes out as soon as it is complete — unchanged, enriched, or as NDJSON.
 *
 * Speed comes from not framing what cannot match: the engine scans raw bytes for the ids and
 * frames (and decodes) only the records around a hit, so the parsers see only those; every
 * record is framed only for --enrich alone, which writes every record.
 */
import { Scanner } from '../sources/scanner.js';
import type { RawRecord } from '../sources/raw-record.js';
import type { SourceFile, SourceWarning } from '../sources/source.js';
import { recordStartTest } from '../records/detect.js';
import { RecordAssembler, type ParseOptions } from '../records/assemble.js';
import { fileClock } from '../records/time.js';
import type { LogRecord } from '../records/record.js';
import { instanceIdsToAdd, mayNeedInstanceId, spliceInstanceIds } from './enrich.js';

const NEWLINE = Buffer.from('\n');

export interface FilterOptions {
  /** Instance ids: a record whose bytes contain one is kept. */
  instances: readonly string[];
  /** Request ids (`req-…` or the bare UUID): a record whose bytes contain one is kept. */
  requests: readonly string[];
  /** Keep every record; add `instance_uuid(s)` to JSON records whose message names instances. */
  enrich: boolean;
  /** Write normalised NDJSON records instead of the input bytes. */
  json: boolean;
  /** How kept records become output (src/render/filter.ts): trace decides, render shows. */
  renderer: FilterRenderer;
  /** Zone and clock offsets for --json times. */
  parse?: Pick<ParseOptions, 'tz' | 'offsets' | 'oslo'>;
  /** Framer limits: a record beyond them is passed on in pieces, with a warning. */
  maxRecordLines?: number;
  maxRecordBytes?: number;
  maxLineBytes?: number;
  onWarning?: (warning: SourceWarning) => void;
}

export interface FilterCounts {
  /** Records framed (with ids given, only the records that hold one are framed at all). */
  framed: number;
  /** Records written (with --enrich: every record). */
  written: number;
  /** Records that contained an id. */
  matched: number;
  /** JSON records given `instance_uuid` or `instance_uuids`. */
  enriched: number;
  /** Records cut by the framer's limits. */
  cut: number;
  /** With --json: records written whose lines had no known format (kept as plain records). */
  plain: number;
}

/**
 * The byte strings searched for: every id as given and lower-cased (OpenStack writes UUIDs in
 * lower case; like grep -F, other spellings are not searched, which would double the scan).
 */
export function needlesFor(ids: readonly string[]): string[] {
  const texts = new Set<string>();
  for (const id of ids) {
    const trimmed = id.trim();
    if (trimmed === '' || trimmed.includes('\n')) continue;
    texts.add(trimmed).add(trimmed.toLowerCase());
  }
  return [...texts];
}

/**
 * Why a parsed record was kept, in the words of `instance-trace --json`; `passed` when only
 * --enrich let it through.
 */
export type FilterWhy = 'tagged' | 'mentioned' | 'request' | 'passed';

/** Output of kept records, supplied by the render layer. */
export interface FilterRenderer {
  /** A kept record's input bytes as they go out (unchanged, or escaped for a terminal). */
  raw(bytes: Buffer): Buffer;
  /** One parsed record as an NDJSON line, with why it was kept and the ids --enrich added. */
  json(record: LogRecord, why: FilterWhy, addedIds: readonly string[]): Buffer;
}

/**
 * Decides and renders records of every input; one `InputFilter` per input keeps that input's
 * framing state. Counts are shared.
 */
export class RecordFilter {
  readonly counts: FilterCounts = { framed: 0, written: 0, matched: 0, enriched: 0, cut: 0, plain: 0 };
  readonly needleTexts: string[];
  /** Inputs whose reading the engine stopped (nothing but damage): their readers stop too. */
  readonly stopped = new Set<SourceFile>();
  readonly #instanceIds: string[];
  readonly #requestIds: string[];

  constructor(readonly options: FilterOptions) {
    this.needleTexts = needlesFor([...options.instances, ...options.requests]);
    this.#instanceIds = options.instances.map((id) => id.trim().toLowerCase()).filter((id) => id !== '');
    this.#requestIds = options.requests.map((id) => id.trim().toLowerCase()).filter((id) => id !== '');
  }

  /** A filter for one input (file, stdin); `reopen` it when the input starts over (rotation). */
  forSource(source: SourceFile): InputFilter {
    return new InputFilter(this, source);
  }

  /** Appends the output for one framed record to `out` (nothing when it is not kept). */
  render(raw: RawRecord, assembler: RecordAssembler, out: Buffer[]): void {
    this.counts.framed++;
    if (raw.cut) this.counts.cut++;
    const matched = raw.matched;
    if (matched) this.counts.matched++;
    // --enrich alone passes everything; with ids given, they still choose.
    if (!matched && !(this.options.enrich && this.needleTexts.length === 0)) return;
    if (this.options.json) {
      this.#renderJson(raw, assembler, matched, out);
      return;
    }
    this.counts.written++;
    let bytes = raw.output;
    // An input's last line without a newline gets one, as grep does: the next input's first record starts a line.
    if (!raw.cut && bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a) bytes = Buffer.concat([bytes, NEWLINE]);
    if (this.options.enrich && mayNeedInstanceId(bytes)) {
      const record = parseFirstLine(raw, assembler);
      const spliced = spliceInstanceIds(bytes, record === null ? [] : instanceIdsToAdd(record));
      if (spliced !== null) {
        this.counts.enriched++;
        bytes = spliced;
      }
    }
    out.push(this.options.renderer.raw(bytes));
  }

  /** NDJSON: every record the raw record holds that contains an id (or all, with --enrich). */
  #renderJson(raw: RawRecord, assembler: RecordAssembler, matched: boolean, out: Buffer[]): void {
    const lines = raw.lines;
    const records: LogRecord[] = [];
    let n = raw.firstLine;
    for (const line of lines) {
      const done = assembler.push(line, n++);
      if (done !== null) records.push(done);
    }
    const last = assembler.flush();
    if (last !== null) records.push(last);
    for (const record of records) {
      const start = record.source.line - raw.firstLine;
      const text = lines.slice(start, start + record.source.lines).join('\n');
      const why = matched ? this.#why(record, text) : null;
      let added: string[] = [];
      if (this.options.enrich) {
        added = instanceIdsToAdd(record);
        if (added.length > 0) this.counts.enriched++;
      } else if (why === null) {
        continue; // this part of a framed block holds no id
      }
      this.counts.written++;
      if (record.format === 'plain') this.counts.plain++;
      out.push(this.options.renderer.json(record, why ?? 'passed', added));
    }
  }

  /** Why a parsed record is kept, or null when its own text holds no id. */
  #why(record: LogRecord, text: string): FilterWhy | null {
    const tag = record.instanceId?.toLowerCase() ?? null;
    if (tag !== null && this.#instanceIds.includes(tag)) return 'tagged';
    const lower = text.toLowerCase();
    if (this.#instanceIds.some((id) => lower.includes(id))) return 'mentioned';
    if (this.#requestIds.some((id) => lower.includes(id))) return 'request';
    return null;
  }
}

/** The JSON record on a raw record's first line, parsed alone (for --enrich). */
function parseFirstLine(raw: RawRecord, assembler: RecordAssembler): LogRecord | null {
  const first = raw.lines[0];
  if (first === undefined) return null;
  const pending = assembler.push(first, raw.firstLine);
  return assembler.flush() ?? pending;
}

/** One input's scanning state; a new scanner when the input starts over (line numbers from 1). */
export class InputFilter {
  #scanner: Scanner;
  readonly #assembler: RecordAssembler;
  /** Records the scanner completed, rendered into the caller's `out` after each call. */
  #done: RawRecord[] = [];

  constructor(private readonly filter: RecordFilter, readonly source: SourceFile) {
    this.#scanner = this.#newScanner();
    const parse = filter.options.parse ?? {};
    const tz = fileClock(parse.tz, (message) => filter.options.onWarning?.({ kind: 'ambiguous-time', file: source.display, message }));
    this.#assembler = new RecordAssembler({ file: source.display, host: source.host, service: source.service }, { ...parse, tz });
  }

  /** Whether a record (or an unfinished line) is held, waiting for the next record start or a flush. */
  get pending(): boolean {
    return this.#scanner.pending;
  }

  /** True once the engine stopped reading this input (nothing but damage): the caller stops feeding it. */
  get stopped(): boolean {
    return this.#scanner.stats.stopped;
  }

  /** Takes the next chunk; appends what to write to `out`. */
  push(chunk: Buffer, out: Buffer[]): void {
    if (chunk.length > 0) this.#scanner.push(chunk);
    if (this.#scanner.stats.stopped) this.filter.stopped.add(this.source);
    this.#renderAll(out);
  }

  /** End of input (or a signal): the held record and an unfinished last line go out. */
  flush(out: Buffer[]): void {
    this.#scanner.end();
    this.#renderAll(out);
  }

  /**
   * The input is idle: the held record goes out with its complete lines. An unfinished line
   * waits — a writer can pause mid-line, and half a line written as a record never was one.
   */
  flushIdle(out: Buffer[]): void {
    this.#scanner.idle();
    this.#renderAll(out);
  }

  /** The input starts over from its first line (rotated or truncated): ends what was held. */
  reopen(out: Buffer[]): void {
    this.flush(out);
    this.#scanner = this.#newScanner();
  }

  #newScanner(): Scanner {
    const o = this.filter.options;
    return new Scanner({
      isRecordStart: recordStartTest(o.parse?.oslo),
      file: this.source.display,
      // Only --enrich alone writes every record; otherwise only records with an id are framed at all.
      needles: this.filter.needleTexts.length === 0 ? null : this.filter.needleTexts,
      passLongLines: true,
      maxRecordLines: o.maxRecordLines,
      maxRecordBytes: o.maxRecordBytes,
      maxLineBytes: o.maxLineBytes,
      onWarning: o.onWarning,
      onRecord: (record) => { this.#done.push(record); },
    });
  }

  #renderAll(out: Buffer[]): void {
    const done = this.#done;
    if (done.length === 0) return;
    this.#done = [];
    for (const raw of done) this.filter.render(raw, this.#assembler, out);
  }
}

/** What the stream stage reads: bytes of an input, that input starting over, or its end. */
export type FilterInput =
  | { kind: 'data'; source: SourceFile; chunk: Buffer }
  | { kind: 'reopen'; source: SourceFile }
  | { kind: 'end'; source: SourceFile };

/** Where kept records go. `write` resolves when more may be written (backpressure). */
export interface FilterSink {
  write(bytes: Buffer): Promise<void>;
}

export interface StreamOptions {
  /** Flush an input's held record once the input has been idle this long (ms); null: only at its end. */
  idleFlushMs: number | null;
  /** Stop reading: what is held is flushed and written, then runFilter returns. */
  signal?: AbortSignal;
}

const IDLE = Symbol('idle');
const STOP = Symbol('stop');

/**
 * Runs the stage: pulls input events one at a time (one read ahead), writes what each completes
 * before taking the next (so a slow reader slows the reading, and memory stays flat), and flushes an input's
 * held record after `idleFlushMs` without new bytes. Ends with every input flushed.
 */
export async function runFilter(filter: RecordFilter, inputs: AsyncIterable<FilterInput>, sink: FilterSink, options: StreamOptions): Promise<void> {
  const states = new Map<SourceFile, InputState>();
  const stateOf = (source: SourceFile): InputState => {
    let state = states.get(source);
    if (state === undefined) {
      state = { input: filter.forSource(source), lastData: performance.now(), idleFlushed: false };
      states.set(source, state);
    }
    return state;
  };
  const idleMs = options.idleFlushMs;
  const signal = options.signal;
  const iterator = inputs[Symbol.asyncIterator]();
  const out: Buffer[] = [];
  let next: Promise<IteratorResult<FilterInput>> | null = null;
  let finished = false;
  try {
    for (;;) {
      if (signal?.aborted) break;
      next ??= iterator.next();
      const deadline = idleMs === null ? null : nextIdleDeadline(states, idleMs);
      const event = await untilStopped(next, signal, deadline === null ? null : deadline - performance.now());
      if (event === STOP) break;
      if (event !== IDLE) {
        if (event.done) {
          finished = true;
          break;
        }
        // Read ahead by one event: the next read runs while this chunk is searched.
        next = iterator.next();
        const state = stateOf(event.value.source);
        if (event.value.kind === 'data') {
          state.lastData = performance.now();
          state.idleFlushed = false;
          state.input.push(event.value.chunk, out);
        } else if (event.value.kind === 'reopen') {
          state.input.reopen(out);
        } else {
          state.input.flush(out);
        }
      }
      if (idleMs !== null) flushIdle(states, idleMs, out);
      if (out.length > 0 && (await untilStopped(sink.write(takeAll(out)), signal, null)) === STOP) break;
    }
  } finally {
    if (!finished) {
      // Stopped early: end the reading without waiting for an input that may never answer.
      void Promise.resolve(iterator.return?.()).catch(() => undefined);
    }
  }
  for (const { input } of states.values()) input.flush(out);
  if (out.length > 0) {
    const last = sink.write(takeAll(out));
    // Stopped (signal, reader gone): hand the last records over, but wait for no reader.
    if (finished) await last;
  }
}

/**
 * Waits for `promise`, for `timeoutMs` (→ IDLE) or for the signal (→ STOP), whichever is first.
 * Nothing stays attached afterwards: racing against one long-lived promise instead would keep
 * every settled value (every chunk read) reachable.
 */
function untilStopped<T>(promise: Promise<T>, signal: AbortSignal | undefined, timeoutMs: number | null): Promise<T | typeof IDLE | typeof STOP> {
  if (signal?.aborted) return Promise.resolve(STOP);
  if (signal === undefined && timeoutMs === null) return promise;
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const settle = (value: T | typeof IDLE | typeof STOP): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const onAbort = (): void => settle(STOP);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== null) timer = setTimeout(() => settle(IDLE), Math.max(0, timeoutMs));
    promise.then(settle, (error: unknown) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
  });
}

function takeAll(out: Buffer[]): Buffer {
  const bytes = out.length === 1 ? out[0]! : Buffer.concat(out);
  out.length = 0;
  return bytes;
}

interface InputState {
  input: InputFilter;
  /** performance.now() of its last bytes. */
  lastData: number;
  /** Flushed for idleness since its last bytes (an unfinished line may still be held: wait for data). */
  idleFlushed: boolean;
}

function nextIdleDeadline(states: Map<SourceFile, InputState>, idleMs: number): number | null {
  let deadline: number | null = null;
  for (const { input, lastData, idleFlushed } of states.values()) {
    if (!idleFlushed && input.pending && (deadline === null || lastData + idleMs < deadline)) deadline = lastData + idleMs;
  }
  return deadline;
}

function flushIdle(states: Map<SourceFile, InputState>, idleMs: number, out: Buffer[]): void {
  const now = performance.now();
  for (const state of states.values()) {
    if (!state.idleFlushed && state.input.pending && now - state.lastData >= idleMs) {
      state.input.flushIdle(out);
      state.idleFlushed = true;
    }
  }
}
