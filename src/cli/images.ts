/**
 * `instance-trace images <paths..>`: what every host's image cache holds, what went wrong with
 * it, and what to pre-cache. Parses flags, calls the layers (sources → records → images →
 * render) and decides the exit status: 0 answered, 1 no cache-manager line found, 2 an error.
 */
import type { Argv, ArgumentsCamelCase, CommandModule } from 'yargs';
import { SourceReport } from '../sources/report.js';
import { normalizeInstanceId } from '../trace/match.js';
import { colorEnabled, listOf, OSLO_LAYOUT_OPTIONS, workersFromEnv, parseColorMode, parseOffsets, parseOsloLayout, parseZone, settleFlags, UsageError, type OsloLayoutArgs } from './options.js';
import { createProgress } from './progress.js';
import { printError, type CliIO } from './io.js';
import { discoverInputs } from './inputs.js';
import { openStore, STORE_OPTION, withStore } from './store-io.js';
import type { StoreClient } from '../store/client.js';
import type { ImageCacheInventory } from '../images/inventory.js';

export interface ImagesArgs extends OsloLayoutArgs {
  paths?: string[];
  image?: string | string[];
  host?: string | string[];
  precache?: string | string[];
  hosts?: string | string[];
  aggregate?: string;
  json: boolean;
  tz?: string;
  offset?: string | string[];
  color?: string;
  store?: string;
}

export const IMAGES_EXAMPLES: ReadonlyArray<[string, string]> = [
  ['$0 images fixtures/cloud', "every host's base files, anomalies first"],
  ['$0 images logs/ --image <image-id>', 'where this image is cached now, and where it was removed'],
  ['$0 images logs/ --host cp-1', 'what this host holds, what is removable, what was removed'],
  ['$0 images logs/ --precache <id>,<id2> --aggregate fast-boot', 'the hosts missing them, and the command to pre-cache them'],
  ['$0 images logs/ --json | jq -c \'select(.kind == "anomaly")\'', 'NDJSON: base_file, anomaly, precache, plan'],
  ['$0 images --store clickhouse://localhost/traces --host cp-1', 'the same view from the store (see instance-trace ingest)'],
];

export function imagesCommand(io: CliIO, setStatus: (status: number) => void): CommandModule<object, ImagesArgs> {
  return {
    command: 'images [paths..]',
    describe: "what every host's image cache holds, what went wrong with it (anomalies), and what to pre-cache",
    builder: (y: Argv) => {
      let b = y
        .positional('paths', { type: 'string', array: true, describe: 'log files, folders (recursive, .gz too), - for stdin; default stdin when piped' })
        .option('image', { type: 'string', nargs: 1, describe: 'only this image: where it is cached now, since when, where it was removed (repeatable)' })
        .option('host', { type: 'string', nargs: 1, describe: 'only this host: what it holds, what is removable, what was removed (repeatable)' })
        .option('precache', { type: 'string', nargs: 1, describe: 'plan a pre-cache of these images (id[,id…]): the hosts that do not hold them, and the command' })
        .option('hosts', { type: 'string', nargs: 1, describe: 'with --precache: the hosts to plan for (a,b,…; default those --host shows, else every host seen)' })
        .option('aggregate', { type: 'string', nargs: 1, describe: 'with --precache: the host aggregate in the command (default a placeholder)' })
        .option('json', { type: 'boolean', default: false, describe: 'NDJSON, one object per line with kind base_file, anomaly, precache or plan' })
        .option('tz', { type: 'string', nargs: 1, describe: 'zone of timestamps written without one (UTC, +02:00, Europe/Berlin); default UTC' })
        .option('offset', { type: 'string', nargs: 1, describe: "correct a host's clock: HOST=±DURATION, e.g. cp-3=-2.5s (repeatable)" })
        .option('color', { type: 'string', nargs: 1, describe: 'colour: auto (default; off when not a terminal or NO_COLOR is set), always, never' })
        .options(OSLO_LAYOUT_OPTIONS)
        .option('store', { ...STORE_OPTION, describe: 'read the store instead of files (see instance-trace ingest): ' + STORE_OPTION.describe });
      for (const [command, description] of IMAGES_EXAMPLES) b = b.example(command, description);
      return b.epilogue(IMAGES_EPILOGUE) as unknown as Argv<ImagesArgs>;
    },
    handler: async (args: ArgumentsCamelCase<ImagesArgs>) => {
      setStatus(await runImagesCommand(args, io));
    },
  };
}

const IMAGES_EPILOGUE = [
  'Anomalies: removed_in_use (removed while an instance used it), refetched (fetched again',
  'on one host: the cache is thrashing), precache_failed, unknown_base (Nova\'s "Unknown base',
  'file"), removal_failed.',
  '',
  'Exit status: 0 answered, 1 no cache-manager line found, 2 an error (bad flag or id, no',
  'readable input, some input skipped or damaged).',
].join('\n');

/** The command's work; returns the exit status. Never throws for anything a user can cause. */
export async function runImagesCommand(args: ImagesArgs, io: CliIO): Promise<number> {
  const settings = settleFlags(() => settle(args, io), io);
  if (settings === null) return 2;
  if (settings.store !== null) return runStoreImagesCommand(settings.store, settings, args, io);
  // The view's own layers load only when it runs: a trace or --version never pays for them.
  const { scanImageCache } = await import('../images/run.js');
  const report = new SourceReport();
  const sources = await discoverInputs(settings.paths, io, (warning) => report.warn(warning));
  if (sources === null) return 2;
  const progress = createProgress(io, sources.reduce((sum, s) => sum + (s.size ?? 0), 0));
  let inventory;
  try {
    inventory = await scanImageCache(sources, {
      parse: { tz: settings.zone, offsets: settings.offsets, oslo: settings.oslo },
      report,
      stdin: io.stdin,
      onProgress: (done, total) => progress.update(done, total),
      workers: workersFromEnv(io.env),
    });
  } finally {
    progress.done();
  }
  return answer(inventory, settings, args, io, report);
}

/** The view from a store (src/store/images.ts): same inventory, same output, same exit statuses. */
async function runStoreImagesCommand(client: StoreClient, settings: Settings, args: ImagesArgs, io: CliIO): Promise<number> {
  return withStore(client, io, async () => {
    const [{ checkSchema }, { scanImageCacheStore }] = await Promise.all([import('../store/schema.js'), import('../store/images.js')]);
    const layout = await checkSchema(client);
    return answer(await scanImageCacheStore(client, layout), settings, args, io, null);
  });
}

/** Prints the answer of a filled inventory and returns the exit status. */
async function answer(inventory: ImageCacheInventory, settings: Settings, args: ImagesArgs, io: CliIO, report: SourceReport | null): Promise<number> {
  const [{ precachePlan, selectImages }, { imagesToNdjson, renderImagesText }] = await Promise.all([
    import('../images/inventory.js'), import('../render/images.js'),
  ]);
  for (const id of [...settings.images, ...settings.precache]) inventory.noteImage(id);
  const result = inventory.finish();
  // The plan is for the hosts given, else those --host shows, else every host seen.
  const planHosts = settings.planHosts.length > 0 ? settings.planHosts : settings.hosts;
  const plan = settings.precache.length > 0 ? precachePlan(result, settings.precache, { hosts: planHosts, aggregate: settings.aggregate }) : [];
  const shown = selectImages(result, { images: settings.images, hosts: settings.hosts });
  if (result.cacheLines > 0 || plan.length > 0) {
    if (args.json) io.stdout.write(imagesToNdjson(shown, plan));
    else io.stdout.write(renderImagesText(shown, plan, { color: colorEnabled(parseColorMode(args.color), io.stdout.isTTY === true, io.env), images: settings.images }));
  }
  for (const line of report?.summaryLines() ?? []) printError(io, line);
  if (report?.hadSkips === true) return 2;
  if (result.cacheLines === 0) {
    printError(io, 'no image cache manager line found');
    return 1;
  }
  return 0;
}

function uuidList(flag: string, values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '').map((v) => {
    const id = normalizeInstanceId(v);
    if (id === null) throw new UsageError(`not an image id for --${flag}: ${JSON.stringify(v)} (expected a UUID)`);
    return id;
  });
}

type Settings = ReturnType<typeof settle>;

function settle(args: ImagesArgs, io: CliIO) {
  const images = uuidList('image', listOf(args.image));
  const precache = uuidList('precache', listOf(args.precache));
  if (args.precache !== undefined && precache.length === 0) throw new UsageError('--precache needs image ids (id[,id…])');
  const planHosts = listOf(args.hosts).flatMap((h) => h.split(',')).map((h) => h.trim()).filter((h) => h !== '');
  if (precache.length === 0 && (planHosts.length > 0 || args.aggregate !== undefined)) throw new UsageError('--hosts and --aggregate go with --precache');
  if (args.aggregate !== undefined && String(args.aggregate).trim() === '') throw new UsageError('--aggregate needs a name or id');
  parseColorMode(args.color);
  const zone = parseZone(args.tz);
  const offsets = parseOffsets(listOf(args.offset));
  let paths = (args.paths ?? []).map(String);
  const common = { images, precache, planHosts, hosts: listOf(args.host), aggregate: args.aggregate === undefined ? undefined : String(args.aggregate), zone, offsets };
  // The store: --store, or INSTANCE_TRACE_STORE when no input is given or piped (as the trace).
  if (args.store !== undefined || (paths.length === 0 && io.stdin.isTTY === true && (io.env.INSTANCE_TRACE_STORE ?? '') !== '')) {
    if (paths.length > 0) throw new UsageError('--store reads the store: give no paths with it');
    if (args.tz !== undefined || args.offset !== undefined) throw new UsageError('with --store, times were read at ingest: give --tz and --offset to instance-trace ingest');
    if (args.osloFormat !== undefined || args.osloDefaultFormat !== undefined || args.osloExceptionPrefix !== undefined || args.osloConfig !== undefined) {
      throw new UsageError('the --oslo-* flags say how to read files: give none with --store');
    }
    return { ...common, paths, oslo: undefined, store: openStore(args.store, io) as StoreClient | null };
  }
  const notes: string[] = [];
  const oslo = parseOsloLayout(args, notes);
  for (const note of notes) printError(io, `note: ${note}`);
  if (paths.length === 0) {
    if (io.stdin.isTTY === true) throw new UsageError('no input: give log files or folders, or - to read standard input');
    paths = ['-'];
  }
  return { ...common, paths, oslo, store: null as StoreClient | null };
}
