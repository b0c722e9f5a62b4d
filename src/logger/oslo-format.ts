/**
 * oslo.log's text layout, as Debian's oslo.log 5.0 writes it by default (ContextFormatter):
 *   logging_context_format_string  `%(asctime)s.%(msecs)03d %(process)d %(levelname)s %(name)s
 *                                   [%(global_request_id)s %(request_id)s %(user_identity)s] %(instance)s%(message)s`
 *   logging_default_format_string  `... %(name)s [-] %(instance)s%(message)s` (no request id)
 *   logging_exception_prefix       `%(asctime)s.%(msecs)03d %(process)d ERROR %(name)s %(instance)s`
 * with instance_format `[instance: %(uuid)s] ` and user_identity `user project domain system_scope
 * user_domain project_domain`, each missing value printed as `-`, a missing global request id as
 * `None` (so a request with no user reads `[None req-… - - - - - -]`, as modern Nova logs do).
 * Times are UTC. Every caller-supplied piece is escaped so one call stays one line and no value
 * can forge a field: ids, user, project, logger name and instance are single words with no
 * space or bracket (escapeFieldWord); the message and traceback lines never start with `[`.
 */
import { escapeFieldWord, escapeTrailingText } from './escape.js';

/** oslo level word for a pino level number; levels between the standard ones round down. */
export function osloLevelWord(level: number): string {
  // pino trace (10) prints as DEBUG: oslo's TRACE word is also the old exception-line prefix
  // (`… TRACE nova.compute.manager …`), so parsers would take a trace record for a traceback line.
  if (level >= 60) return 'CRITICAL';
  if (level >= 50) return 'ERROR';
  if (level >= 40) return 'WARNING';
  if (level >= 30) return 'INFO';
  return 'DEBUG';
}

let cachedSecond = Number.NaN;
let cachedSecondText = '';

function pad2(n: number): string { return n < 10 ? '0' + n : String(n); }

/** `YYYY-MM-DD HH:MM:SS.mmm` in UTC (the second's text is cached: most records share it). */
export function formatOsloTime(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second !== cachedSecond) {
    const date = new Date(second * 1000);
    cachedSecondText = `${date.getUTCFullYear()}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())} `
      + `${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}`;
    cachedSecond = second;
  }
  const ms = epochMs - second * 1000;
  return cachedSecondText + (ms < 10 ? '.00' : ms < 100 ? '.0' : '.') + Math.floor(ms);
}

/** The request facts oslo prints in brackets. */
export interface OsloRequest {
  requestId?: string | undefined;
  globalRequestId?: string | undefined;
  user?: string | undefined;
  project?: string | undefined;
}

/** One word of the layout: `-` when missing or empty, else the value escaped (see escapeFieldWord). */
function field(value: string | undefined): string {
  return value === undefined || value === '' ? '-' : escapeFieldWord(value);
}

/** The text between the brackets: `-` with no request id, else the 8-field context block. */
export function formatRequestBlock(request: OsloRequest): string {
  if (request.requestId === undefined) return '-';
  return `${request.globalRequestId === undefined ? 'None' : field(request.globalRequestId)} `
    + `${field(request.requestId)} ${field(request.user)} ${field(request.project)} - - - -`;
}

export interface OsloLineParts {
  epochMs: number;
  pid: number;
  level: number;
  name: string;
  request: OsloRequest;
  instanceUuid: string | undefined;
  message: string;
  /** Traceback lines (already split), printed each with the exception prefix. */
  traceback: readonly string[] | undefined;
}

/** One record as oslo text: the line, then one prefixed line per traceback line, `\n`-terminated. */
export function formatOsloLines(parts: OsloLineParts): string {
  const time = formatOsloTime(parts.epochMs);
  const name = field(parts.name);
  const instance = parts.instanceUuid === undefined || parts.instanceUuid === '' ? '' : `[instance: ${field(parts.instanceUuid)}] `;
  let text = `${time} ${parts.pid} ${osloLevelWord(parts.level)} ${name} [${formatRequestBlock(parts.request)}] `
    + `${instance}${escapeTrailingText(parts.message)}\n`;
  if (parts.traceback !== undefined && parts.traceback.length > 0) {
    const prefix = `${time} ${parts.pid} ERROR ${name} ${instance}`;
    for (const line of parts.traceback) text += prefix + escapeTrailingText(line) + '\n';
  }
  return text;
}
