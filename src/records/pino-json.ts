/**
 * pino JSON (and bunyan, which shares its shape), including what our own logger writes:
 * `time` (epoch ms, epoch seconds, or ISO text), `level` (10…60 or a label), `msg`, `name`,
 * `hostname`, `service`, `pid`, `err` (stack, cause chain), instance in `instance_uuid` / `instance.uuid` / `instance`,
 * `image_id`, `request_id`, and cache facts in `cache_action` / `image_id` / `base_file`.
 */
import { CACHE_ACTIONS, emptyRecord, type CacheAction, type CacheFact, type LogRecord, type SourceRef } from './record.js';
import { levelFromPinoNumber, levelFromWord } from './levels.js';
import { errorTraceback, firstStr, instanceIdFrom, int, isObject, str, tracebackLines, type JsonObject } from './json-fields.js';
import { parseIsoTime, UTC, type TimeZone } from './time.js';
import { parseCacheMessage } from './cache-wording.js';

/** Below this a numeric time is epoch seconds (pino's unixTime), above it epoch ms. */
const SECONDS_LIMIT = 1e11;

function readTime(rec: LogRecord, v: unknown, zone: TimeZone): void {
  if (typeof v === 'number' && Number.isFinite(v)) {
    rec.timeText = String(v);
    rec.time = Math.round(v < SECONDS_LIMIT ? v * 1000 : v);
  } else if (typeof v === 'string' && v !== '') {
    rec.timeText = v;
    rec.time = /^\d+(\.\d+)?$/.test(v) ? Math.round(Number(v) < SECONDS_LIMIT ? Number(v) * 1000 : Number(v)) : parseIsoTime(v, zone);
  }
}

function readLevel(rec: LogRecord, v: unknown): void {
  if (typeof v === 'number') {
    rec.levelText = String(v);
    rec.level = levelFromPinoNumber(v);
  } else if (typeof v === 'string' && v !== '') {
    rec.levelText = v;
    rec.level = /^\d+$/.test(v) ? levelFromPinoNumber(Number(v)) : levelFromWord(v);
  }
}

function isCacheAction(v: unknown): v is CacheAction {
  return typeof v === 'string' && (CACHE_ACTIONS as readonly string[]).includes(v);
}

export function parsePinoObject(o: JsonObject, zone: TimeZone = UTC, source: SourceRef = { file: '', line: 0, lines: 1 }): LogRecord {
  const msg = o.msg ?? o.message;
  const rec = emptyRecord({ ...source }, typeof msg === 'string' ? msg : msg === undefined ? '' : JSON.stringify(msg));
  rec.format = 'pino';
  readTime(rec, o.time ?? o.timestamp ?? o['@timestamp'], zone);
  readLevel(rec, o.level);
  rec.logger = str(o.name) ?? str(o.logger);
  rec.host = str(o.hostname);
  rec.service = str(o.service);
  rec.pid = int(o.pid);
  const err = isObject(o.err) ? o.err : isObject(o.error) ? o.error : null;
  if (err && (typeof err.stack === 'string' || typeof err.message === 'string')) rec.traceback = errorTraceback(err);
  else if (Array.isArray(o.traceback) || typeof o.traceback === 'string') rec.traceback = tracebackLines(o.traceback);
  rec.instanceId = instanceIdFrom(o.instance_uuid) ?? instanceIdFrom(o.instance) ?? instanceIdFrom(o.instance_id);
  rec.imageId = instanceIdFrom(o.image_id) ?? instanceIdFrom(o.image);
  rec.requestId = firstStr(o, ['request_id', 'req_id', 'reqId']);
  // An OpenTelemetry trace id ties a record to the work of other services as a global id does.
  rec.globalRequestId = firstStr(o, ['global_request_id', 'trace_id']);
  rec.user = firstStr(o, ['user', 'user_id']);
  rec.project = firstStr(o, ['project', 'project_id', 'tenant']);
  if (isCacheAction(o.cache_action)) {
    const files = Array.isArray(o.base_files) ? o.base_files.filter((f): f is string => typeof f === 'string') : undefined;
    const baseFile = str(o.base_file) ?? files?.[0] ?? null;
    rec.cache = { action: o.cache_action, imageId: rec.imageId, baseFile, ...(files ? { baseFiles: files } : {}), ...messageDetails(o.cache_action, rec.message) };
  }
  return rec;
}

/**
 * What our logger's cache message (Nova's wording) adds to the fields: the instance, pre-cache
 * step, error or host it names, when it reads as the same action.
 */
function messageDetails(action: CacheAction, message: string): Partial<CacheFact> {
  const read = parseCacheMessage(message);
  if (read === null || read.action !== action) return {};
  const { instance, precache, error, host } = read;
  return { ...(instance !== undefined ? { instance } : {}), ...(precache !== undefined ? { precache } : {}), ...(error !== undefined ? { error } : {}), ...(host !== undefined ? { host } : {}) };
}
