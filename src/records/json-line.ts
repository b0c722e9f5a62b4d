/** One-line JSON log objects: oslo.log's JSONFormatter or pino/bunyan, told apart by their keys. */
import type { LogRecord, SourceRef } from './record.js';
import { isObject } from './json-fields.js';
import { isOsloJsonObject, parseOsloJsonObject } from './oslo-json.js';
import { parsePinoObject } from './pino-json.js';
import { UTC, type TimeZone } from './time.js';

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

/** Cheap shape test: `{"` … `}` (spaces allowed around). Python reprs (`{'a': 1}`) do not pass. */
export function looksLikeJsonObject(line: string): boolean {
  let i = 0;
  while (isSpace(line.charCodeAt(i))) i++;
  if (line.charCodeAt(i) !== 123 /* { */) return false;
  i++;
  while (isSpace(line.charCodeAt(i))) i++;
  if (line.charCodeAt(i) !== 34 /* " */) return false;
  let j = line.length - 1;
  while (j > i && isSpace(line.charCodeAt(j))) j--;
  return line.charCodeAt(j) === 125 /* } */;
}

/** The record a JSON log line holds, or null when the line is not a JSON object. */
export function parseJsonLine(line: string, zone: TimeZone = UTC, source?: SourceRef): LogRecord | null {
  if (!looksLikeJsonObject(line)) return null;
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isObject(o)) return null;
  return isOsloJsonObject(o) ? parseOsloJsonObject(o, zone, source) : parsePinoObject(o, zone, source);
}
