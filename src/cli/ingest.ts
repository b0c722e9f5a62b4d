/**
 * `instance-trace ingest <paths..> --store <url>`: every record of the inputs into the store
 * (src/store/ingest.ts), read with the trace's sources and parsers. Prints one summary line on
 * stderr; exit 0, or 2 when the store failed or some input was skipped, damaged or refused.
 */
import { randomUUID } from 'node:crypto';
import type { Argv, ArgumentsCamelCase, CommandModule } from 'yargs';
import { discoverSources } from '../sources/discover.js';
import { formatBytes, SourceReport } from '../sources/report.js';
import { checkSchema, initSchema, readLayout } from '../store/schema.js';
import { ingestSources } from '../store/ingest.js';
import { listOf, parseOffsets, parseZone, settleFlags, UsageError, workersFromEnv } from './options.js';
import { printError, type CliIO } from './io.js';
import { openStore, STORE_OPTION, withStore } from './store-io.js';

export interface IngestArgs {
  paths?: string[];
  store?: string;
  host?: string;
  service?: string;
  tz?: string;
  offset?: string | string[];
}

export function ingestCommand(io: CliIO, setStatus: (status: number) => void): CommandModule<object, IngestArgs> {
  return {
    command: 'ingest [paths..]',
    describe: 'store every record of the logs in a ClickHouse store, once (re-ingesting adds only what is new)',
    builder: (y: Argv) => y
      .positional('paths', { type: 'string', array: true, describe: 'log files, folders (recursive, .gz too), - for stdin; default stdin when piped' })
      .option('store', STORE_OPTION)
      .option('host', { type: 'string', nargs: 1, describe: 'host of records that do not say it (a stream on stdin)' })
      .option('service', { type: 'string', nargs: 1, describe: 'service of records that do not say it (a stream on stdin)' })
      .option('tz', { type: 'string', nargs: 1, describe: 'zone of timestamps written without one; default UTC' })
      .option('offset', { type: 'string', nargs: 1, describe: "correct a host's clock: HOST=±DURATION (repeatable)" }) as unknown as Argv<IngestArgs>,
    handler: async (args: ArgumentsCamelCase<IngestArgs>) => {
      setStatus(await runIngestCommand(args, io));
    },
  };
}

export async function runIngestCommand(args: IngestArgs, io: CliIO): Promise<number> {
  const settings = settleFlags(() => {
    let paths = (args.paths ?? []).map(String);
    if (paths.length === 0) {
      if (io.stdin.isTTY === true) throw new UsageError('no input: give log files or folders, or - to read standard input');
      paths = ['-'];
    }
    return { paths, zone: parseZone(args.tz), offsets: parseOffsets(listOf(args.offset)), client: openStore(args.store, io) };
  }, io);
  if (settings === null) return 2;
  const { client } = settings;
  return withStore(client, io, async () => {
    const report = new SourceReport();
    const discovery = await discoverSources(settings.paths);
    for (const warning of discovery.warnings) report.warn(warning);
    if (discovery.sources.length === 0) {
      for (const w of discovery.warnings) printError(io, `${w.file}: ${w.message}`);
      if (discovery.warnings.length === 0) printError(io, 'no readable input');
      return 2;
    }
    const started = io.now();
    const host = args.host ?? null;
    const service = args.service ?? null;
    const sources = discovery.sources.map((source) => ({
      ...source,
      host: source.host ?? host,
      service: source.service ?? service,
      // A stream has no name to resume by: each ingest of one is its own source.
      display: source.path === '-' ? `stdin:${host ?? '-'}:${service ?? '-'}:${new Date(started).toISOString()}:${randomUUID().slice(0, 8)}` : source.display,
    }));
    if ((await readLayout(client)) === null) await initSchema(client, null);
    const layout = await checkSchema(client);
    const abort = new AbortController();
    const onSignal = (): void => {
      abort.abort();
      // A stream read waiting for data ends now: what came is complete and is flushed.
      if (sources.some((s) => s.path === '-')) io.stdin.destroy();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    const total = sources.reduce((sum, s) => sum + (s.size ?? 0), 0);
    let shown = 0;
    const tty = io.stderr.isTTY === true;
    let summary;
    try {
      summary = await ingestSources(client, layout, sources, {
        parse: { tz: settings.zone, offsets: settings.offsets },
        report,
        stdin: io.stdin,
        signal: abort.signal,
        workers: workersFromEnv(io.env),
        onProgress: tty ? (bytes) => {
          const now = io.now();
          if (now - shown < 200) return;
          shown = now;
          io.stderr.write(`\r\u001b[Kinstance-trace: ingest: ${formatBytes(bytes)}${total > 0 ? ` of ${formatBytes(total)}` : ''} read`);
        } : undefined,
      });
    } finally {
      process.removeListener('SIGTERM', onSignal);
      process.removeListener('SIGINT', onSignal);
      if (tty && shown > 0) io.stderr.write('\r\u001b[K');
    }
    for (const line of report.summaryLines()) printError(io, line);
    const seconds = ((io.now() - started) / 1000).toFixed(1);
    const parts = [`${summary.records} records`, formatBytes(summary.bytes), `${seconds} s`];
    if (summary.upToDate > 0) parts.push(`${summary.upToDate} ${summary.upToDate === 1 ? 'source' : 'sources'} already stored`);
    if (summary.refused > 0) parts.push(`${summary.refused} refused`);
    printError(io, `ingest${summary.stopped ? ' (stopped: the rest on the next run)' : ''}: ${parts.join(', ')} into ${client.url.display}`);
    return report.hadSkips || summary.refused > 0 ? 2 : 0;
  });
}
