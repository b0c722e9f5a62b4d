/** Turning flag values into what the layers take; each throws a UsageError with a one-line message. */
import { MAX_DURATION_MS, parseDuration, parseOffsetSpecs, parseTimeZone, looksLikeDateTime, readDateTime, toEpoch, TimeSpecError, type TimeZone } from '../records/time.js';
import { OSLO_OPTION_NAMES, OsloFormatError, OsloLayout, readOsloConfig, type OsloLayoutSpec } from '../records/index.js';
import { readFileSync } from 'node:fs';
import { printError, type CliIO } from './io.js';

/** A mistake in the command line: printed as one line, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Turns flags into settings; a mistake the user made (a UsageError, or a bad zone or offset
 * spec) is printed as one line and gives null, for exit status 2. Anything else is a bug: thrown.
 */
export function settleFlags<T>(settle: () => T, io: CliIO): T | null {
  try {
    return settle();
  } catch (error) {
    if (error instanceof UsageError || error instanceof TimeSpecError) {
      printError(io, error.message);
      return null;
    }
    throw error;
  }
}

export type ColorMode = 'auto' | 'always' | 'never';

export function parseColorMode(value: string | undefined): ColorMode {
  if (value === undefined || value === 'auto') return 'auto';
  if (value === '' || value === 'always' || value === 'yes' || value === 'force') return 'always';
  if (value === 'never' || value === 'no' || value === 'none') return 'never';
  throw new UsageError(`bad --color value: ${JSON.stringify(value)} (use auto, always or never)`);
}

/**
 * Colour when asked (`always`), never when told (`never`); on `auto`, only on a terminal that is
 * not `dumb`, and not when NO_COLOR is set to anything (https://no-color.org: a flag overrides it).
 */
export function colorEnabled(mode: ColorMode, isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  if (mode !== 'auto') return mode === 'always';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTTY && env.TERM !== 'dumb';
}

/** A duration before now: no sign (`-1h` is not a time before now), a unit, maybe `ago`. */
const RELATIVE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)(?:\s+ago)?$/;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const TIME_FORMS = 'use ISO-8601 like 2017-05-16T00:00:31Z, a date like 2017-05-16, or a duration before now like 2h, 30m, 1d';

/**
 * `--since`/`--until`: an ISO-8601 date-time (`2017-05-16T00:00:31Z`, `2017-05-16 00:00`, zone-less
 * ones in `--tz`), a date (midnight), or a duration before now (`2h`, `30m`, `1d ago`).
 */
export function parseTimeBound(flag: string, text: string, zone: TimeZone, now: number): number {
  const s = text.trim();
  const bad = (why: string): UsageError => new UsageError(`bad --${flag} time: ${JSON.stringify(text)}${why} (${TIME_FORMS})`);
  const relative = RELATIVE.exec(s);
  if (relative) {
    const ms = Math.round(Number(relative[1]) * (UNIT_MS[relative[2] as string] as number));
    if (!(ms <= MAX_DURATION_MS)) throw bad(' is too long ago (at most 100 years)');
    return now - ms;
  }
  if (/^[+-]\d/.test(s)) throw bad(': a duration before now has no sign');
  let full = s;
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) full = `${s} 00:00:00`;
  else if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?:Z|[+-]\d{2}:?\d{2})?$/.test(s)) full = `${s.slice(0, 16)}:00${s.slice(16)}`;
  if (looksLikeDateTime(full, 0)) {
    const parsed = readDateTime(full, 0, true);
    const epoch = parsed.end === full.length ? toEpoch(parsed, zone) : null;
    // The log reader checks a day only against 31: 2026-02-30 would roll over to March 2.
    if (epoch !== null && !dayExists(full)) throw bad(': no such day');
    if (epoch !== null) return epoch;
  }
  throw bad('');
}

/** Whether the `YYYY-MM-DD` that `text` begins with is a day of the calendar. */
function dayExists(text: string): boolean {
  const [y, m, d] = [Number(text.slice(0, 4)), Number(text.slice(5, 7)), Number(text.slice(8, 10))];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** `--tz`: UTC, an offset, or an IANA zone name. */
export function parseZone(spec: string | undefined): TimeZone {
  try {
    return parseTimeZone(spec ?? 'UTC');
  } catch (error) {
    throw new UsageError(`bad --tz: ${(error as Error).message}`);
  }
}

/** `--offset HOST=±DURATION` (repeatable) → host → ms; the last one for a host wins. */
export function parseOffsets(specs: readonly string[]): Map<string, number> {
  try {
    return parseOffsetSpecs(specs);
  } catch (error) {
    throw new UsageError(`bad --offset: ${(error as Error).message}`);
  }
}

/** The longest `--idle-flush` a timer can wait (2^31 − 1 ms, about 24 days): Node fires longer ones at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** `--idle-flush`: milliseconds (`300`), or a duration with a unit (`300ms`, `2s`). */
export function parseIdleFlush(value: unknown): number {
  const s = String(value).trim();
  let ms = /^\d+(?:\.\d+)?$/.test(s) ? Math.round(Number(s)) : NaN;
  if (Number.isNaN(ms) && !/^[+-]/.test(s)) {
    try {
      ms = parseDuration(s);
    } catch {
      ms = NaN;
    }
  }
  if (!(ms >= 0 && ms <= MAX_TIMER_MS)) {
    throw new UsageError(`bad --idle-flush value: ${JSON.stringify(String(value))} (milliseconds like 300, or a duration like 2s; at most ${MAX_TIMER_MS})`);
  }
  return ms;
}

/** A flag given once is a string, given several times an array (yargs); absent, undefined. */
export function listOf(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/**
 * `--request-window`: how far from a request's known times (and before the instance's arrival on
 * a host) pass 2 still reads a file (`90m`, `2h`); `all` reads every file whole.
 */
export function parseRequestWindow(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const s = value.trim();
  if (s === 'all' || s === 'inf' || s === 'infinity') return Infinity;
  let ms: number;
  try {
    ms = /^[+-]/.test(s) ? NaN : parseDuration(s);
  } catch {
    ms = NaN;
  }
  if (!(ms >= 0)) throw new UsageError(`bad --request-window: ${JSON.stringify(value)} (a duration like 90m or 2h, units ms, s, m or h, at most 876600h; or all)`);
  return ms;
}

/** Examples for --help as a block: each purpose, then its command line whole (`$0` → instance-trace). */
export function examplesBlock(examples: ReadonlyArray<readonly [string, string]>): string {
  const lines = ['Examples:'];
  for (const [command, description] of examples) lines.push(`  # ${description}`, `  ${command.replaceAll('$0', 'instance-trace')}`);
  return lines.join('\n');
}

/**
 * INSTANCE_TRACE_WORKERS: search on that many threads for any input of two files or more (0 or 1:
 * in the main thread); unset or not a count, the command decides by the input's size.
 */
export function workersFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const value = env.INSTANCE_TRACE_WORKERS?.trim() ?? '';
  return /^\d{1,3}$/.test(value) ? Number(value) : undefined;
}

/** The flags that give a site's own oslo.log layout. */
export interface OsloLayoutArgs {
  osloFormat?: string;
  osloDefaultFormat?: string;
  osloExceptionPrefix?: string;
  osloConfig?: string;
}

/** The options of the oslo layout flags (yargs), shared by the trace and the filter. */
export const OSLO_LAYOUT_OPTIONS = {
  'oslo-format': { type: 'string', nargs: 1, describe: "the site's logging_context_format_string, in oslo.log's own syntax ('%(asctime)s.%(msecs)03d %(levelname)s %(name)s [%(request_id)s …] %(message)s')" },
  'oslo-default-format': { type: 'string', nargs: 1, describe: "the site's logging_default_format_string (records without a request)" },
  'oslo-exception-prefix': { type: 'string', nargs: 1, describe: "the site's logging_exception_prefix (before each traceback line)" },
  'oslo-config': { type: 'string', nargs: 1, describe: "read those three from the service's config file, e.g. /etc/nova/nova.conf (the flags above win)" },
} as const;

const FLAG_OF: Readonly<Record<keyof OsloLayoutSpec, keyof OsloLayoutArgs>> = {
  context: 'osloFormat', default: 'osloDefaultFormat', exceptionPrefix: 'osloExceptionPrefix',
};
const FLAG_NAME: Readonly<Record<keyof OsloLayoutSpec, string>> = {
  context: '--oslo-format', default: '--oslo-default-format', exceptionPrefix: '--oslo-exception-prefix',
};

/**
 * The oslo layout the flags give (undefined: none), checked by compiling it once. A format that
 * cannot be read is a UsageError naming the flag (or config option) and the field; `notes` get a
 * line for each field that is skipped and for a config file that sets none of the formats.
 */
export function parseOsloLayout(args: OsloLayoutArgs, notes: string[]): OsloLayoutSpec | undefined {
  const spec: OsloLayoutSpec = {};
  const labels: Partial<Record<keyof OsloLayoutSpec, string>> = {};
  if (args.osloConfig !== undefined) {
    const file = String(args.osloConfig);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'a folder, not a file' : (code ?? (error as Error).message);
      throw new UsageError(`cannot read --oslo-config ${file}: ${why}`);
    }
    const fromFile = readOsloConfig(text);
    for (const part of Object.keys(fromFile) as Array<keyof OsloLayoutSpec>) {
      spec[part] = fromFile[part];
      labels[part] = `${file}: ${OSLO_OPTION_NAMES[part]}`;
    }
    if (Object.keys(fromFile).length === 0) notes.push(`--oslo-config ${file} sets no oslo.log format in [DEFAULT]: oslo.log's defaults are read`);
  }
  for (const part of Object.keys(FLAG_OF) as Array<keyof OsloLayoutSpec>) {
    const value = args[FLAG_OF[part]];
    if (value === undefined) continue;
    spec[part] = String(value);
    labels[part] = FLAG_NAME[part];
  }
  if (Object.keys(spec).length === 0) return undefined;
  let layout: OsloLayout;
  try {
    layout = new OsloLayout(spec, labels);
  } catch (error) {
    if (error instanceof OsloFormatError) throw new UsageError(`bad ${error.message}`);
    throw error;
  }
  for (const { option, field } of layout.unknownFields) notes.push(`${option}: %(${field})s is not a field instance-trace reads; its text is skipped`);
  return spec;
}
