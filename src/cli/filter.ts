/**
 * `instance-trace filter`: the streaming pipeline stage. Parses flags, wires inputs (files,
 * stdin, or followed files) to the trace layer's RecordFilter and stdout, and decides the exit
 * status: 0 something matched (always with --enrich alone), 1 nothing matched, 2 an error.
 */
import { describeError } from '../sources/errors.js';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { Argv, ArgumentsCamelCase, CommandModule } from 'yargs';
import { podLogName, serviceFromFileName } from '../sources/names.js';
import { readSourceChunks } from '../sources/read.js';
import { SourceReport } from '../sources/report.js';
import type { SourceFile, SourceWarning } from '../sources/source.js';
import { isUuid, parseIdQuery } from '../records/ids.js';
import type { FilterInput, FilterSink } from '../trace/filter.js';
import { examplesBlock, listOf, OSLO_LAYOUT_OPTIONS, parseIdleFlush, parseOffsets, parseOsloLayout, parseZone, settleFlags, UsageError, type OsloLayoutArgs } from './options.js';
import { printError, type CliIO } from './io.js';
import { discoverInputs } from './inputs.js';

export interface FilterArgs extends OsloLayoutArgs {
  instance?: string | string[];
  request?: string | string[];
  paths?: string[];
  follow: boolean;
  json: boolean;
  enrich: boolean;
  /** Milliseconds, or a duration with a unit (`2s`); a string as typed on the command line. */
  idleFlush: number | string;
  fromEnd: boolean;
  tz?: string;
  offset?: string | string[];
}

export const FILTER_EXAMPLES: ReadonlyArray<[string, string]> = [
  ['tail -F /var/log/nova/nova-compute.log | $0 filter --follow -i <id> -', 'watch one instance live'],
  ['$0 filter --follow -i <id> -i <id2> /var/log/nova/*.log', 'follow several files (rotation and truncation survived)'],
  ['journalctl -f -o cat -u nova-compute | $0 filter --follow -r req-<uuid> -', "one request's records as they happen"],
  ['$0 filter --enrich app.log > enriched.log', 'add instance_uuid to JSON records whose message names one instance'],
  ['zcat nova-api.log.2.gz | $0 filter -i <id> --json | jq .message', 'normalised NDJSON records'],
];

const READ_CHUNK = 1024 * 1024;

export function filterCommand(io: CliIO, setStatus: (status: number) => void): CommandModule<object, FilterArgs> {
  return {
    command: 'filter [paths..]',
    describe: 'streaming stage: pass on, as each completes, the records that concern some instances or requests',
    builder: (y: Argv) => {
      let b = y
        .positional('paths', { type: 'string', array: true, describe: 'log files, folders (not with --follow), - for stdin; default stdin' })
        .option('instance', { alias: 'i', type: 'string', describe: 'keep records with this instance id (repeatable)' })
        .option('request', { alias: 'r', type: 'string', describe: 'keep records of this request, req-<uuid> (repeatable)' })
        .option('follow', { alias: 'f', type: 'boolean', default: false, describe: 'like tail -F: keep reading files as they grow, across rotation and truncation; flush a record when its input is idle' })
        .option('json', { type: 'boolean', default: false, describe: 'write normalised NDJSON records (the schema of instance-trace --json) instead of the input bytes' })
        .option('enrich', { type: 'boolean', default: false, describe: 'pass every record and add instance_uuid(s) to JSON records whose message names instances' })
        .option('idle-flush', { type: 'string', nargs: 1, default: '300', describe: 'with --follow: ms (or a duration like 2s) an input must be idle before its held record is written' })
        .option('from-end', { type: 'boolean', default: false, describe: 'with --follow: skip what the files hold at start (tail -n0)' })
        .option('tz', { type: 'string', nargs: 1, describe: 'with --json: zone of timestamps written without one (default UTC)' })
        .option('offset', { type: 'string', nargs: 1, describe: "with --json: correct a host's clock, HOST=±DURATION (repeatable)" })
        .options(OSLO_LAYOUT_OPTIONS);
      // Pipelines are long: each on a line of its own under its purpose, never wrapped mid-pipe.
      return b.epilogue(examplesBlock(FILTER_EXAMPLES)) as unknown as Argv<FilterArgs>;
    },
    handler: async (args: ArgumentsCamelCase<FilterArgs>) => {
      setStatus(await runFilterCommand(args, io));
    },
  };
}

/** The command's work; returns the exit status. Never throws for anything a user can cause. */
export async function runFilterCommand(args: FilterArgs, io: CliIO, signal?: AbortSignal): Promise<number> {
  const settings = settleFlags(() => settle(args, io), io);
  if (settings === null) return 2;
  // The stage's own layers load only when it runs: a trace or --version never pays for them.
  const [{ RecordFilter, runFilter }, { createFilterRenderer }] = await Promise.all([import('../trace/filter.js'), import('../render/filter.js')]);
  const report = new SourceReport();
  // A long-running stage says what is wrong when it happens, not at an end that may never come.
  const warnNow = (warning: SourceWarning): void => {
    const before = report.warnings.length;
    report.warn(warning);
    if (report.warnings.length > before) printError(io, `warning: ${warning.file}: ${warning.message}`);
  };
  const filter = new RecordFilter({
    instances: settings.instances,
    requests: settings.requests,
    enrich: args.enrich,
    json: args.json,
    renderer: createFilterRenderer({ terminal: io.stdout.isTTY === true }),
    parse: { tz: settings.zone, offsets: settings.offsets, oslo: settings.oslo },
    onWarning: warnNow,
  });

  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  const unsubscribe = signal ? listenAbort(signal, onSignal) : () => undefined;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const sink = new StreamSink(io.stdout, () => stop.abort());
  // stdin never ends by itself when the stage is stopped: end it so nothing keeps waiting on it.
  stop.signal.addEventListener('abort', () => io.stdin.destroy(), { once: true });

  try {
    let inputs: AsyncIterable<FilterInput>;
    if (args.follow) {
      inputs = followInputs(settings.paths, io, stop.signal, args.fromEnd, warnNow);
    } else {
      const sources = await discoverInputs(settings.paths, io, warnNow);
      if (sources === null) return 2;
      inputs = readInputs(sources, io, warnNow, filter.stopped);
    }
    await runFilter(filter, inputs, sink, { idleFlushMs: args.follow ? settings.idleFlushMs : null, signal: stop.signal });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    unsubscribe();
  }
  if (sink.broken) return sink.brokenBy === 'EPIPE' ? 0 : 2;
  const c = filter.counts;
  if (c.cut > 0) printError(io, `${c.cut} record${c.cut === 1 ? '' : 's'} longer than the limits passed on in pieces`);
  if (c.plain > 0) printError(io, `${c.plain} record${c.plain === 1 ? '' : 's'} of no known format written as plain records`);
  if (!args.follow && report.hadSkips) return 2;
  if (args.enrich && settings.instances.length + settings.requests.length === 0) return 0;
  return c.matched > 0 ? 0 : 1;
}

function settle(args: FilterArgs, io: CliIO) {
  const instances = listOf(args.instance).map((id) => {
    const trimmed = id.trim();
    if (!isUuid(trimmed)) {
      // A short id needs the logs read first: a stream stage cannot, the trace command can.
      const hint = parseIdQuery(trimmed) === null ? '' : `; the filter streams and needs the whole id: instance-trace ${JSON.stringify(trimmed)} <paths> finds it`;
      throw new UsageError(`not an instance id: ${JSON.stringify(id)} (expected a UUID like 9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11${hint})`);
    }
    return trimmed.toLowerCase();
  });
  const requests = listOf(args.request).map((id) => {
    const trimmed = id.trim();
    const bare = trimmed.toLowerCase().startsWith('req-') ? trimmed.slice(4) : trimmed;
    if (!isUuid(bare)) throw new UsageError(`not a request id: ${JSON.stringify(id)} (expected req-<uuid>)`);
    return trimmed.toLowerCase();
  });
  if (instances.length + requests.length === 0 && !args.enrich) {
    throw new UsageError('nothing to filter for: give --instance ID or --request ID (or --enrich)');
  }
  const idleFlushMs = parseIdleFlush(args.idleFlush);
  const notes: string[] = [];
  const oslo = parseOsloLayout(args, notes);
  for (const note of notes) printError(io, `note: ${note}`);
  const zone = parseZone(args.tz);
  const offsets = parseOffsets(listOf(args.offset));
  let paths = (args.paths ?? []).map(String);
  if (paths.length === 0) {
    if (io.stdin.isTTY === true) throw new UsageError('no input: give log files, or - to read standard input');
    paths = ['-'];
  }
  return { instances, requests, idleFlushMs, zone, offsets, paths, oslo };
}

const STDIN_SOURCE: SourceFile = { path: '-', display: '-', host: null, service: null, gzip: false, size: null };

/** Every source read to its end, one after the other (grep's order). */
async function* readInputs(sources: readonly SourceFile[], io: CliIO, warn: (w: SourceWarning) => void, stopped: ReadonlySet<SourceFile> = new Set()): AsyncGenerator<FilterInput> {
  for (const source of sources) {
    try {
      // Recycled chunks: the stage copies each into its scanner before reading the one after next.
      for await (const chunk of readSourceChunks(source, { stdin: io.stdin, chunkSize: READ_CHUNK, onWarning: warn, recycle: true })) {
        yield { kind: 'data', source, chunk };
        if (stopped.has(source)) break; // nothing but damage: the engine gave it up
      }
    } catch (error) {
      warn({ file: source.display, kind: 'unreadable', message: `cannot read: ${describeError(error)}` });
    }
    yield { kind: 'end', source };
  }
}

/** Followed files (and stdin when `-` is given), interleaved as their bytes arrive. */
function followInputs(paths: readonly string[], io: CliIO, signal: AbortSignal, fromEnd: boolean, warn: (w: SourceWarning) => void): AsyncIterable<FilterInput> {
  const files = [...new Set(paths.filter((p) => p !== '-'))];
  const parts: AsyncIterable<FilterInput>[] = [];
  if (files.length > 0) parts.push(followed(files, signal, fromEnd, warn));
  if (paths.includes('-')) parts.push(readInputs([{ ...STDIN_SOURCE }], io, warn));
  return parts.length === 1 ? parts[0]! : mergeInputs(parts);
}

async function* followed(files: readonly string[], signal: AbortSignal, fromEnd: boolean, warn: (w: SourceWarning) => void): AsyncGenerator<FilterInput> {
  const { followFiles } = await import('../sources/follow.js');
  const sources = new Map(files.map((file): [string, SourceFile] => {
    const pod = podLogName(path.resolve(file));
    return [file, { path: file, display: file, host: pod?.pod ?? null, service: pod?.container ?? serviceFromFileName(path.basename(file)), gzip: false, size: null }];
  }));
  // A file rotated away and still read is a stream of its own (same name), ended when drained.
  const rotated = new Map<string, SourceFile>();
  const rotatedSource = (file: string, n: number): SourceFile => {
    const key = `${n}\0${file}`;
    let source = rotated.get(key);
    if (source === undefined) rotated.set(key, source = { ...sources.get(file)! });
    return source;
  };
  for await (const event of followFiles(files, { signal, fromEnd })) {
    const source = sources.get(event.path)!;
    if (event.kind === 'data') yield { kind: 'data', source: event.rotated === undefined ? source : rotatedSource(event.path, event.rotated), chunk: event.chunk };
    else if (event.kind === 'reopen') yield { kind: 'reopen', source };
    else if (event.kind === 'drained') {
      const key = `${event.rotated}\0${event.path}`;
      const old = rotated.get(key);
      rotated.delete(key);
      if (old) yield { kind: 'end', source: old };
    }
    else warn({ file: event.path, kind: event.message === 'no such file' ? 'missing' : 'unreadable', message: `${event.message} (still watching for it)` });
  }
}

/** Interleaves several inputs; asks each for its next event only after the last one was taken. */
async function* mergeInputs(parts: readonly AsyncIterable<FilterInput>[]): AsyncGenerator<FilterInput> {
  const iterators = parts.map((p) => p[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ index: number; result: IteratorResult<FilterInput> }>>();
  const pull = (index: number): void => {
    pending.set(index, iterators[index]!.next().then((result) => ({ index, result })));
  };
  iterators.forEach((_, index) => pull(index));
  try {
    while (pending.size > 0) {
      const { index, result } = await Promise.race(pending.values());
      pending.delete(index);
      if (result.done) continue;
      yield result.value;
      pull(index);
    }
  } finally {
    for (const it of iterators) void Promise.resolve(it.return?.()).catch(() => undefined);
  }
}

/**
 * stdout with backpressure: `write` resolves once the stream has room again. A reader that left
 * (EPIPE) or any other write error marks the sink broken and stops the stage.
 */
export class StreamSink implements FilterSink {
  broken = false;
  brokenBy: string | null = null;

  constructor(private readonly stream: Writable, private readonly onBroken: () => void) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (this.broken) return;
      this.broken = true;
      this.brokenBy = error.code ?? 'error';
      this.onBroken();
    });
  }

  write(bytes: Buffer): Promise<void> {
    if (this.broken || this.stream.destroyed) return Promise.resolve();
    if (this.stream.write(bytes)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        this.stream.off('error', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
      this.stream.on('error', done);
    });
  }
}

function listenAbort(signal: AbortSignal, onAbort: () => void): () => void {
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}
