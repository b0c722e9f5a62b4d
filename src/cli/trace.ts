/**
 * `instance-trace <instance-id> <paths..>`: the default command. Parses flags, calls the layers
 * (sources → records → trace → render) and decides the exit status: 0 found, 1 nothing found,
 * 2 an error (bad flag or id, no readable input, some input skipped or damaged — like grep).
 */
import { writeFileSync } from 'node:fs';
import type { Argv, ArgumentsCamelCase, CommandModule } from 'yargs';
import { SourceReport } from '../sources/report.js';
import { normalizeInstanceId } from '../trace/match.js';
import { findInstanceCandidates, parseIdQuery, type IdQuery, type InstanceCandidate } from '../trace/resolve-id.js';
import { sanitize } from '../render/sanitize.js';
import { formatDateTime } from '../render/format.js';
import { showTrace, traceToSink } from '../trace/run.js';
import { DEFAULT_REQUEST_WINDOW_MS } from '../trace/prune.js';
import { spoolOnceOnlySources } from '../trace/spool.js';
import type { TraceSink } from '../trace/sink.js';
import { TextSink } from '../render/text.js';
import { JsonSink } from '../render/json.js';
import { HtmlSink } from '../render/html.js';
import { colorEnabled, listOf, OSLO_LAYOUT_OPTIONS, workersFromEnv, parseColorMode, parseOffsets, parseOsloLayout, parseRequestWindow, parseTimeBound, parseZone, settleFlags, UsageError, type OsloLayoutArgs } from './options.js';
import { createProgress } from './progress.js';
import { openStore, STORE_OPTION, withStore } from './store-io.js';
import type { StoreClient } from '../store/client.js';
import { checkSchema } from '../store/schema.js';
import { traceStore, type StoreTraceOptions } from '../store/trace.js';
import { printError, type CliIO } from './io.js';
import { discoverInputs } from './inputs.js';

export interface TraceArgs extends OsloLayoutArgs {
  instanceId: string;
  paths?: string[];
  json: boolean;
  summary: boolean;
  html?: string;
  since?: string;
  until?: string;
  image?: string | string[];
  tz?: string;
  offset?: string | string[];
  autoOffset?: boolean;
  requests: boolean;
  cache: boolean;
  color?: string;
  requestWindow?: string;
  store?: string;
}

export const TRACE_EXAMPLES: ReadonlyArray<[string, string]> = [
  ['$0 <id> fixtures/cloud', 'trace it across every host folder below'],
  ['$0 <id> logs/ --summary', 'where it lived, image, requests, errors'],
  ['$0 <id> logs/ --json | jq -r .message', 'one JSON object per record'],
  ['$0 <id> logs/ --html report.html', 'a picture of its life: one offline HTML page'],
  ['$0 9a5c0bd0 logs/', 'the first 8 digits are enough when one instance has them'],
  ['$0 <id> logs/ --offset cp-3=-2.5s', "correct a host's drifting clock"],
  ['$0 <id> logs/ --auto-offset --summary', "estimate the hosts' clock offsets from the logs"],
  ['$0 <id> logs/ --since 2h --no-cache', 'the last two hours, without cache lines'],
  ['zcat nova-compute.log.2.gz | $0 <id>', 'read standard input'],
];

export function traceCommand(io: CliIO, setStatus: (status: number) => void): CommandModule<object, TraceArgs> {
  return {
    command: '$0 <instance-id> [paths..]',
    describe: "stitch one instance's history across every host's logs into one timeline",
    builder: (y: Argv) => y
      .positional('instance-id', { type: 'string', describe: 'the instance UUID' })
      .positional('paths', { type: 'string', array: true, describe: 'log files, folders (recursive, .gz too), - for stdin; default stdin when piped' })
      .option('json', { type: 'boolean', default: false, describe: 'one JSON object per record (NDJSON); with --summary, the summary as JSON' })
      .option('summary', { type: 'boolean', default: false, describe: 'print the summary alone' })
      .option('html', { type: 'string', nargs: 1, describe: 'write the trace as one self-contained HTML page (time axis, summary, records) to FILE, - for stdout' })
      .option('since', { type: 'string', nargs: 1, describe: 'only records at or after this time (ISO-8601, a date, or a duration before now: 2h, 30m, 1d)' })
      .option('until', { type: 'string', nargs: 1, describe: 'only records at or before this time (same forms)' })
      .option('image', { type: 'string', nargs: 1, describe: "the instance's image id, when the logs do not say it (repeatable)" })
      .option('tz', { type: 'string', nargs: 1, describe: 'zone of timestamps written without one (UTC, +02:00, Europe/Berlin); default UTC' })
      .option('offset', { type: 'string', nargs: 1, describe: "correct a host's clock: HOST=±DURATION, e.g. cp-3=-2.5s (repeatable)" })
      .option('auto-offset', { type: 'boolean', default: false, describe: "estimate each host's clock offset against the API host from cause and effect in the logs, and correct it (an --offset for a host wins)" })
      .option('requests', { type: 'boolean', default: true, describe: "include the other records of the instance's own requests (--no-requests: don't)" })
      .option('cache', { type: 'boolean', default: true, describe: "include the image cache manager's actions on its base file (--no-cache: don't)" })
      .option('request-window', { type: 'string', nargs: 1, describe: "look for a request's other records only this far from its known times, and for cache lines from this long before the instance's arrival on a host (default 60m; all: read every file whole)" })
      .option('color', { type: 'string', nargs: 1, describe: 'colour: auto (default; off when not a terminal or NO_COLOR is set), always, never; bare --color: always' })
      .options(OSLO_LAYOUT_OPTIONS)
      .option('store', { ...STORE_OPTION, describe: 'trace from this store instead of files (see instance-trace ingest): ' + STORE_OPTION.describe }) as unknown as Argv<TraceArgs>,
    handler: async (args: ArgumentsCamelCase<TraceArgs>) => {
      setStatus(await runTraceCommand(args, io));
    },
  };
}

/** The command's work; returns the exit status. Never throws for anything a user can cause. */
export async function runTraceCommand(args: TraceArgs, io: CliIO): Promise<number> {
  const settings = settleFlags(() => settle(args, io), io);
  if (settings === null) return 2;
  if (settings.store !== null) {
    const output = traceOutput(args, io);
    const status = await runStoreTraceCommand(settings.store, { instanceId: settings.instanceId, imageIds: settings.images, requests: args.requests, cache: args.cache, since: settings.since, until: settings.until, requestWindowMs: settings.requestWindowMs }, output.sink, io);
    return output.finish(status, io);
  }
  const report = new SourceReport();
  const sources = await discoverInputs(settings.paths, io, (warning) => report.warn(warning));
  if (sources === null) return 2;

  let spooled;
  try {
    spooled = await spoolOnceOnlySources(sources, io.stdin);
  } catch (error) {
    printError(io, `cannot read standard input or a pipe: ${(error as Error).message}`);
    return 2;
  }
  let instanceId = settings.instanceId;
  if (settings.query !== null) {
    const resolved = await resolveShortId(settings.query, String(args.instanceId), spooled.sources, { tz: settings.zone, offsets: settings.offsets, oslo: settings.oslo }, io);
    if (typeof resolved === 'number') {
      await spooled.cleanup();
      return resolved;
    }
    instanceId = resolved;
  }
  const progress = createProgress(io, spooled.sources.reduce((sum, s) => sum + (s.size ?? 0), 0));
  const output = traceOutput(args, io);
  const sink = output.sink;
  let found: number;
  let outside: { records: number; first: number | null; last: number | null };
  let seenHosts: Set<string | null>;
  try {
    const result = await traceToSink(spooled.sources, {
      instanceId,
      imageIds: settings.images,
      requests: args.requests,
      cache: args.cache,
      since: settings.since,
      until: settings.until,
      parse: { tz: settings.zone, offsets: settings.offsets, oslo: settings.oslo },
      requestWindowMs: settings.requestWindowMs,
      autoOffset: args.autoOffset === true,
      workers: workersFromEnv(io.env),
      spoolLimit: spoolLimitFromEnv(io.env),
      report,
      onProgress: (done, total) => progress.update(done, total),
    }, sink);
    found = result.records.length;
    outside = result.outsideWindow;
    seenHosts = new Set([...spooled.sources.map((source) => source.host), ...result.records.map((t) => t.record.host)]);
  } finally {
    progress.done();
    await spooled.cleanup();
  }
  // Silent non-results are the worst kind: a window that left everything out, a clock fixed on no host.
  if (found === 0 && outside.records > 0) {
    const span = outside.first === null ? '' : ` (they run from ${formatDateTime(outside.first)} to ${formatDateTime(outside.last ?? outside.first)})`;
    printError(io, `the --since/--until window left out all ${outside.records} record${outside.records === 1 ? '' : 's'} of the instance${span}`);
  }
  for (const host of settings.offsets.keys()) {
    if (!seenHosts.has(host)) printError(io, `warning: --offset ${sanitize(host)}: no such host in these logs (no folder of that name, no record of it in the answer); the offset changed nothing`);
  }
  for (const line of report.summaryLines()) printError(io, line);
  return output.finish(report.hadSkips ? 2 : found > 0 ? 0 : 1, io);
}

/**
 * Where the trace goes: stdout (text, JSON, or the --html page with `-`), or an --html file,
 * written once the trace is complete; `finish` says where it went, or why it could not be written.
 */
function traceOutput(args: TraceArgs, io: CliIO): { sink: TraceSink; finish: (status: number, io: CliIO) => number } {
  const path = args.html;
  if (path === undefined || path === '-') return { sink: makeSink(args, io), finish: (status) => status };
  let error: Error | null = null;
  let records = 0;
  const sink = new HtmlSink((text) => {
    try { writeFileSync(path, text); } catch (e) { error = e as Error; }
  }, (count) => { records = count; });
  return {
    sink,
    finish: (status) => {
      if (error !== null) {
        printError(io, `cannot write the report to ${sanitize(path)}: ${(error as Error).message}`);
        return 2;
      }
      printError(io, `report written to ${sanitize(path)} (${records} records)`);
      return status;
    },
  };
}

/** The trace from a store (src/store/trace.ts): same correlation, same sinks, same exit statuses. */
async function runStoreTraceCommand(client: StoreClient, opts: StoreTraceOptions, sink: TraceSink, io: CliIO): Promise<number> {
  return withStore(client, io, async () => {
    const layout = await checkSchema(client);
    const result = await traceStore(client, layout, opts);
    showTrace(result, sink);
    return result.records.length > 0 ? 0 : 1;
  });
}

/**
 * The instance a prefix or a domain name means in these logs: its UUID (said on stderr), or the
 * exit status when there is none (1) or several (2, each listed with its times and hosts).
 */
async function resolveShortId(query: IdQuery, given: string, sources: Parameters<typeof findInstanceCandidates>[0], parse: Parameters<typeof findInstanceCandidates>[2], io: CliIO): Promise<string | number> {
  const candidates = await findInstanceCandidates(sources, query, parse);
  const shown = sanitize(given);
  if (candidates.length === 0) {
    printError(io, query.kind === 'prefix'
      ? `no instance in these logs has an id starting with ${shown}`
      : `no record in these logs ties ${shown} to an instance id (Nova names it with the instance in its guest XML, at DEBUG, and libvirt in its "Domain not found" errors)`);
    return 1;
  }
  if (candidates.length === 1) {
    const only = candidates[0]!;
    printError(io, !only.instance
      ? `${shown} is ${only.id} (the only id in these logs with that prefix; no record is tagged with it as an instance: it may be an image's, a port's or a volume's id)`
      : `${shown} is instance ${only.id}${query.kind === 'prefix' ? ' (the only one in these logs with that prefix)' : ''}`);
    return only.id;
  }
  printError(io, `${shown} is ambiguous: ${candidates.length} ${candidates[0]!.instance ? 'instances' : 'ids'} in these logs match; give more of the id:`);
  for (const c of candidates) io.stderr.write(`  ${describeCandidate(c)}\n`);
  return 2;
}

function describeCandidate(c: InstanceCandidate): string {
  const time = (ms: number | null): string => (ms === null ? '?' : formatDateTime(ms));
  const hosts = c.hosts.length === 0 ? '(unknown host)' : c.hosts.map(sanitize).join(', ');
  return `${c.id}  ${time(c.first)} → ${time(c.last)}  ${hosts}`;
}

function settle(args: TraceArgs, io: CliIO) {
  const given = String(args.instanceId);
  const full = normalizeInstanceId(given);
  const query = full === null ? parseIdQuery(given) : null;
  if (full === null && query === null) {
    throw new UsageError(`not an instance id: ${JSON.stringify(given)} (expected a UUID like 9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11, at least its first 8 digits, or a domain name like instance-0000002a)`);
  }
  // Resolved against the logs once they are open; the trace never sees a short id.
  const instanceId = full ?? '';
  const images = listOf(args.image).map((image) => {
    const id = normalizeInstanceId(image);
    if (id === null) throw new UsageError(`not an image id: ${JSON.stringify(image)} (expected a UUID)`);
    return id;
  });
  parseColorMode(args.color);
  if (args.html !== undefined && (args.json || args.summary)) throw new UsageError('--html writes the whole page: it does not combine with --json or --summary');
  if (args.html === '') throw new UsageError('--html needs a file name (or - for standard output)');
  const notes: string[] = [];
  const oslo = parseOsloLayout(args, notes);
  for (const note of notes) printError(io, `note: ${note}`);
  const zone = parseZone(args.tz);
  const offsets = parseOffsets(listOf(args.offset));
  const requestWindowMs = parseRequestWindow(args.requestWindow === undefined ? undefined : String(args.requestWindow), DEFAULT_REQUEST_WINDOW_MS);
  const now = io.now();
  const since = args.since === undefined ? null : parseTimeBound('since', args.since, zone, now);
  const until = args.until === undefined ? null : parseTimeBound('until', args.until, zone, now);
  if (since !== null && until !== null && since > until) throw new UsageError('--since is after --until: nothing could match');
  let paths = (args.paths ?? []).map(String);
  // The store: --store, or INSTANCE_TRACE_STORE when no input is given or piped.
  const fromStore = args.store !== undefined || (paths.length === 0 && io.stdin.isTTY === true && (io.env.INSTANCE_TRACE_STORE ?? '') !== '');
  if (fromStore) {
    if (paths.length > 0) throw new UsageError('--store traces from the store: give no paths with it');
    if (args.tz !== undefined || args.offset !== undefined) throw new UsageError('with --store, times were read at ingest: give --tz and --offset to instance-trace ingest');
    if (query !== null) throw new UsageError('with --store, give the whole instance UUID');
    return { instanceId, query, images, zone, offsets, since, until, paths, requestWindowMs, oslo, store: openStore(args.store, io) };
  }
  if (paths.length === 0) {
    if (io.stdin.isTTY === true) throw new UsageError('no input: give log files or folders, or - to read standard input');
    paths = ['-'];
  }
  return { instanceId, query, images, zone, offsets, since, until, paths, requestWindowMs, oslo, store: null };
}

/**
 * INSTANCE_TRACE_SPOOL_BYTES: bytes the trace may write to copy gzip sources' decompressed data
 * to a temporary folder for pass 2 (0: no copies); unset or not a count, the default.
 */
function spoolLimitFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const value = env.INSTANCE_TRACE_SPOOL_BYTES?.trim() ?? '';
  return /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}

function makeSink(args: TraceArgs, io: CliIO): TraceSink {
  const write = (text: string): void => { io.stdout.write(text); };
  if (args.html === '-') return new HtmlSink(write);
  if (args.json) return new JsonSink(write, { summaryOnly: args.summary });
  const color = colorEnabled(parseColorMode(args.color), io.stdout.isTTY === true, io.env);
  return new TextSink(write, { color, summary: true, timeline: !args.summary });
}
