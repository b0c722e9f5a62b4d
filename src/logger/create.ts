/**
 * createLogger: a genuine pino logger (pino's own extension points only: mixin, serializers,
 * formatters.log, hooks.logMethod, a destination stream) plus `forInstance` and `cache`.
 */
import { hostname } from 'node:os';
import { pino } from 'pino';
import { cacheImageId, cacheMessage, type CacheDetails, type LoggerCacheAction } from './cache.js';
import { installCrashHandlers } from './crash.js';
import { thrownText } from './describe.js';
import { serializeError } from './errors.js';
import { normaliseInstance } from './instance.js';
import { createRedactor, DEFAULT_CENSOR } from './redact.js';
import { composeMixin, createMergeStrategy } from './scope-mixin.js';
import { boundInstanceSym, destinationPathSym, sinkSym } from './symbols.js';
import { OsloTextStream, PrettyTextStream, type TextDestination } from './text-streams.js';

export type LogFormat = 'json' | 'oslo' | 'pretty';

/**
 * `false` turns redaction off; a list adds keys to OpenStack's sanitize list; an object can also
 * set the censor and give pino redact paths (exact paths, which also reach child bindings).
 */
export type RedactOption = false | readonly string[] | { keys?: readonly string[]; paths?: string[]; censor?: string };

/** Where records go: a file path (opened by pino.destination, async), a file descriptor, or a stream. */
export type DestinationOption = string | number | pino.DestinationStream;

export interface CreateLoggerOptions extends Omit<pino.LoggerOptions, 'name' | 'level' | 'redact' | 'base'> {
  /** Logger name, oslo's component (`nova.compute.manager`). */
  name?: string;
  /** Service (`nova-compute`), a field of every JSON record. */
  service?: string;
  /** Host name in every record (`hostname`); defaults to os.hostname(). */
  host?: string;
  /** `json` (default), `oslo` text, or `pretty` (pino-pretty, for people). */
  format?: LogFormat;
  level?: pino.LevelWithSilentOrString;
  /** Defaults to standard output. Ignored when `transport` is given (records go to the transport). */
  destination?: DestinationOption;
  redact?: RedactOption;
  /** Install crash and signal handlers for this logger (see installCrashHandlers). */
  crashHandlers?: boolean;
}

/** What createLogger adds to a pino logger. Every child (pino's own child()) has it too. */
export interface InstanceLoggerMethods {
  /** A real pino child bound to `instance` (any shape a call's `instance` key accepts). */
  forInstance(instance: unknown, bindings?: pino.Bindings, options?: pino.ChildLoggerOptions): InstanceLogger;
  /** An image-cache manager record: `cache_action`, `image_id`, `base_file`, Nova's wording. */
  cache(action: LoggerCacheAction, details: CacheDetails, msg?: string): void;
}

/** The logger createLogger returns: a pino logger with forInstance and cache. */
export interface InstanceLogger extends pino.Logger, InstanceLoggerMethods {
  child<ChildCustomLevels extends string = never>(bindings: pino.Bindings,
    options?: pino.ChildLoggerOptions<ChildCustomLevels>): pino.Logger<ChildCustomLevels> & InstanceLoggerMethods;
}

/** formatters.log for oslo text: the JSON line pino renders alongside is never written. */
const NO_FIELDS: Readonly<Record<string, unknown>> = Object.freeze({});
function skipFieldsForText(): Record<string, unknown> {
  return NO_FIELDS;
}

/** Keys our serializers drop (their facts become instance_uuid / request_id). */
const CONSUMED_KEYS: ReadonlySet<string> = new Set(['instance']);

function isRequestLike(value: unknown): boolean {
  if (typeof value === 'string') return true;
  if (typeof value !== 'object' || value === null) return false;
  try {
    return typeof (value as Record<string, unknown>)['request_id'] === 'string';
  } catch {
    return false;
  }
}

function resolveDestination(options: CreateLoggerOptions): TextDestination {
  if (options.transport !== undefined) return pino.transport(options.transport) as TextDestination;
  const destination = options.destination;
  if (destination === undefined) return pino.destination(1);
  if (typeof destination === 'string') {
    const file = pino.destination({ dest: destination, mkdir: true, sync: false });
    (file as unknown as Record<symbol, unknown>)[destinationPathSym] = destination;
    return file;
  }
  if (typeof destination === 'number') return pino.destination(destination);
  return destination;
}

function redactOptions(option: RedactOption | undefined): { keys: readonly string[]; censor: string; paths?: string[] } | false {
  if (option === false) return false;
  if (option === undefined) return { keys: [], censor: DEFAULT_CENSOR };
  if (Array.isArray(option)) return { keys: option as readonly string[], censor: DEFAULT_CENSOR };
  const object = option as { keys?: readonly string[]; paths?: string[]; censor?: string };
  return { keys: object.keys ?? [], censor: object.censor ?? DEFAULT_CENSOR, ...(object.paths ? { paths: object.paths } : {}) };
}

/** Logs a stand-in record when a call's arguments cannot be logged as given (never throws). */
function logFallback(logger: pino.Logger, args: unknown[], method: pino.LogFn, thrown: unknown): void {
  const record: Record<string, unknown> = { log_error: `record could not be written as given: ${thrownText(thrown)}` };
  try {
    const first = args[0];
    if (typeof first === 'object' && first !== null) record['instance'] = (first as Record<string, unknown>)['instance'];
  } catch (readError) {
    record['instance_error'] = `reading instance threw ${thrownText(readError)}`;
  }
  const text = args.find(arg => typeof arg === 'string');
  try {
    method.call(logger, record, typeof text === 'string' ? text : 'unloggable log call');
  } catch {
    delete record['instance'];
    try { method.call(logger, record, 'unloggable log call'); } catch { /* the destination itself failed */ }
  }
}

function forInstance(this: pino.Logger, instance: unknown, bindings: pino.Bindings = {},
  options?: pino.ChildLoggerOptions): InstanceLogger {
  const child = this.child(bindings, options) as unknown as InstanceLogger;
  const fields = instance === undefined ? { instance_error: 'forInstance was given undefined' } : normaliseInstance(instance);
  (child as unknown as Record<symbol, unknown>)[boundInstanceSym] = fields;
  return child;
}

function cache(this: pino.Logger, action: LoggerCacheAction, details: CacheDetails, msg?: string): void {
  try {
    const { image, baseFile, instance, error, ...rest } = details ?? {};
    const imageId = cacheImageId(image);
    const base = typeof baseFile === 'string' && baseFile !== '' ? baseFile : undefined;
    const wording = cacheMessage(String(action), imageId, base, { ...rest, error });
    const record: Record<string, unknown> = { ...rest, cache_action: action };
    if (imageId !== undefined) record['image_id'] = imageId;
    if (base !== undefined) record['base_file'] = base;
    if (instance !== undefined) record['instance'] = instance;
    if (error instanceof Error) record['err'] = error;
    else if (error !== undefined) record['error'] = error;
    this[wording.level](record, msg === undefined || msg === '' ? wording.message : `${wording.message} -- ${msg}`);
  } catch (thrown) {
    this.warn({ cache_action: typeof action === 'string' ? action : 'invalid', log_error: thrownText(thrown) },
      'image cache record could not be built');
  }
}

const LOG_FORMATS: readonly LogFormat[] = ['json', 'oslo', 'pretty'];

/** A pino logger that tags records with their instance and request (see README). */
export function createLogger(options: CreateLoggerOptions = {}): InstanceLogger {
  const {
    name = 'instance-trace', service, host = hostname(), format = 'json', level = 'info',
    destination: _destination, redact, crashHandlers, transport: _transport,
    mixin: userMixin, mixinMergeStrategy: userMergeStrategy, serializers: userSerializers, formatters: userFormatters, hooks: userHooks,
    ...pinoOptions
  } = options;
  if (!LOG_FORMATS.includes(format)) {
    // A typo must not silently fall back to JSON in a service's log.
    throw new TypeError(`createLogger: unknown format ${JSON.stringify(String(format))} (use ${LOG_FORMATS.join(', ')})`);
  }
  const sink = resolveDestination(options);
  const stream = format === 'oslo'
    ? new OsloTextStream(sink, name, process.pid, pinoOptions.errorKey ?? 'err')
    : format === 'pretty'
      ? new PrettyTextStream(sink, options.destination === undefined && process.stdout.isTTY === true)
      : sink;

  const redaction = redactOptions(redact);
  const redactor = redaction === false ? undefined : createRedactor(redaction.keys, redaction.censor, CONSUMED_KEYS);

  const userLogMethod = userHooks?.logMethod;
  const logger = pino({
    ...pinoOptions,
    name,
    level,
    base: service === undefined ? { pid: process.pid, hostname: host } : { pid: process.pid, hostname: host, service },
    ...(redaction !== false && redaction.paths ? { redact: { paths: redaction.paths, censor: redaction.censor } } : {}),
    mixin: composeMixin(userMixin as Parameters<typeof composeMixin>[0]),
    mixinMergeStrategy: createMergeStrategy(redactor, userMergeStrategy),
    serializers: {
      instance: () => undefined,
      request: (value: unknown) => (isRequestLike(value) ? undefined : value),
      err: serializeError,
      ...userSerializers,
    },
    formatters: format === 'oslo' && userFormatters?.log === undefined
      // oslo text is built from the record's values (pino's metadata), so the JSON line pino
      // still renders can skip the fields (measured: ~65% → ~78% of bare pino's rate).
      ? { ...userFormatters, log: skipFieldsForText }
      : { ...userFormatters },
    hooks: {
      ...userHooks,
      logMethod(args, method, level) {
        // pino writes `"msg":undefined` (invalid JSON) for a symbol message and throws on a bigint.
        const first = typeof args[0];
        if (first === 'symbol' || first === 'bigint') args[0] = String(args[0]) as never;
        else if (args.length > 1 && (typeof args[1] === 'symbol' || typeof args[1] === 'bigint')) args[1] = String(args[1]) as never;
        try {
          if (userLogMethod === undefined) method.apply(this, args);
          else userLogMethod.call(this, args, method, level);
        } catch (thrown) {
          logFallback(this, args, method, thrown);
        }
      },
    },
  }, stream);

  const extended = logger as unknown as InstanceLogger & Record<symbol, unknown>;
  extended.forInstance = forInstance as InstanceLoggerMethods['forInstance'];
  extended.cache = cache;
  extended[sinkSym] = sink;
  if (crashHandlers === true) installCrashHandlers(extended);
  return extended;
}
