/**
 * The one record model. Every parser (oslo text, oslo JSON, pino JSON, syslog-wrapped, plain)
 * produces a LogRecord; trace and render consume nothing else.
 */

/** Normalised severities. `audit` is oslo's AUDIT level (between info and warn). */
export type Level = 'trace' | 'debug' | 'info' | 'audit' | 'warn' | 'error' | 'fatal';

/** Severity order, lowest first; used for counts and filtering. */
export const LEVEL_ORDER: readonly Level[] = ['trace', 'debug', 'info', 'audit', 'warn', 'error', 'fatal'];

/**
 * What an image cache manager did or found. The first ten are what our logger's `log.cache()`
 * accepts; `active`, `unknown` and `corrupt` come from Nova's summary lines.
 */
export type CacheAction =
  | 'fetch' | 'convert' | 'resize' | 'check' | 'in_use' | 'unused' | 'too_young' | 'remove'
  | 'precache' | 'error' | 'active' | 'unknown' | 'corrupt';

export const CACHE_ACTIONS: readonly CacheAction[] = [
  'fetch', 'convert', 'resize', 'check', 'in_use', 'unused', 'too_young', 'remove',
  'precache', 'error', 'active', 'unknown', 'corrupt',
];

export interface CacheFact {
  action: CacheAction;
  /** Image id when the line names it or the base file name ties to it. */
  imageId: string | null;
  /** Full path of the base file as written (`/var/lib/nova/instances/_base/<sha1>[_<GB>]`). */
  baseFile: string | null;
  /** Summary lines (`Active base files: a b c`) name several; baseFile is then the first. */
  baseFiles?: string[];
  /** Pre-cache requests name several images; imageId is then the first. */
  imageIds?: string[];
  /** `Instance <id> is backed by <base file>`: the instance (its folder name, usually its UUID) using the file. */
  instance?: string;
  /** Image pre-cache lines: the step the line reports (see PrecacheStep). */
  precache?: PrecacheStep;
  /** The error a line reports (`Failed to remove …, error was <error>`, `Failed to cache image …: <error>`). */
  error?: string;
  /** A host the line names (`Skipping image pre-cache request to compute 'cp-4' …`). */
  host?: string;
  /** A count the line reports (`Image pre-cache operation for image <id> failed <n> times`). */
  count?: number;
}

/**
 * Image pre-cache (Nova 21.0+): the conductor's request and completion, a compute the conductor
 * skipped (down), and what a compute did with one image (cached it now, already had it, failed)
 * or with the whole request (`unsupported`: its virt driver keeps no image cache);
 * `failures`: the conductor's count of the computes that failed one image.
 */
export type PrecacheStep = 'request' | 'completed' | 'skipped' | 'caching' | 'existing' | 'failed' | 'failures' | 'unsupported';

/** A logging call's place in the code. */
export interface CodeLocation {
  func: string;
  path: string;
  line: number;
}

export type RecordFormat = 'oslo' | 'oslo-json' | 'pino' | 'plain';

/** Where a record came from: `file` as given on the command line joined with the path under it. */
export interface SourceRef {
  file: string;
  /** 1-based number of its first physical line, in the decompressed file. */
  line: number;
  /** How many physical lines it spans (1 + traceback/continuation lines). */
  lines: number;
}

export interface LogRecord {
  /** Epoch milliseconds, UTC, after --tz and the host's clock offset; null when the line had no time. */
  time: number | null;
  /** The time exactly as written in the line ('' when none). */
  timeText: string;
  host: string | null;
  service: string | null;
  pid: number | null;
  level: Level | null;
  /** The level word as written (`WARNING`, `TRACE`, `30`), for faithful output. */
  levelText: string | null;
  /** Logger name / oslo component (`nova.compute.manager`). */
  logger: string | null;
  requestId: string | null;
  globalRequestId: string | null;
  user: string | null;
  project: string | null;
  /** The oslo request block as written, without brackets (`req-… u p - - -`, `-`); null if none. */
  requestBlock: string | null;
  /** Instance carried as a tag or structured field (oslo `[instance: X]`, JSON fields) — not a mere mention. */
  instanceId: string | null;
  /** Image carried as a structured field (our logger's `image_id`), or from a cache fact. */
  imageId: string | null;
  /** The message; bare continuation lines of a multi-line message are joined to it with '\n'. */
  message: string;
  /** Lines of an attached traceback, exception prefix stripped, in order. */
  traceback: string[];
  /**
   * Where the logging call was, when the line said so (oslo's DEBUG suffix
   * `funcName path:lineno`, which is then not part of `message`); absent otherwise.
   */
  codeLocation?: CodeLocation;
  cache: CacheFact | null;
  format: RecordFormat;
  /** True when the line came wrapped in a syslog header. */
  syslog: boolean;
  source: SourceRef;
}

/** A record with every optional fact empty; parsers fill in what they find. */
export function emptyRecord(source: SourceRef, message = ''): LogRecord {
  return {
    time: null, timeText: '', host: null, service: null, pid: null, level: null, levelText: null,
    logger: null, requestId: null, globalRequestId: null, user: null, project: null,
    requestBlock: null, instanceId: null, imageId: null, message, traceback: [], cache: null,
    format: 'plain', syslog: false, source,
  };
}
