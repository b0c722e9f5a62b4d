/**
 * `--enrich`: gives a JSON record that forgot to say which instance it is about the instance its
 * message names, as a field central storage can index.
 *
 * The key is spliced into the original text rather than re-serialised: JSON.stringify(JSON.parse())
 * would round integers beyond 2^53, rewrite escapes and spacing, and could not keep bytes that are
 * not valid UTF-8. Everything but the inserted key stays byte for byte.
 */
import type { LogRecord } from '../records/record.js';
import { findUuids } from '../records/ids.js';
import { instanceIdsNamed } from './match.js';

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const NEWLINE = 0x0a;
/** Present when a record already has the key (or the plural): never add a duplicate key. */
const EXISTING_KEYS = [Buffer.from('"instance_uuid"'), Buffer.from('"instance_uuids"')];

/**
 * Cheap test on raw bytes, before any parsing: could this record get an `instance_uuid`?
 * True when its first line holds a JSON object and no `instance_uuid(s)` key is there yet.
 */
export function mayNeedInstanceId(bytes: Buffer): boolean {
  const end = firstLineEnd(bytes);
  if (bytes.indexOf(OPEN_BRACE) < 0 || bytes.lastIndexOf(CLOSE_BRACE, end) < 0) return false;
  const firstLine = bytes.subarray(0, end);
  return !EXISTING_KEYS.some((key) => firstLine.includes(key));
}

/**
 * The instance ids a parsed JSON record's message names, when the record carries none itself;
 * empty when there is nothing to add. Ids the record carries as something else (its request
 * ids, its image) are not instances.
 */
export function instanceIdsToAdd(record: LogRecord): string[] {
  if (record.format !== 'pino' && record.format !== 'oslo-json') return [];
  if (record.instanceId) return [];
  const notInstances = new Set<string>();
  for (const id of [record.requestId, record.globalRequestId, record.imageId, record.cache?.imageId]) {
    if (id) notInstances.add(stripRequestPrefix(id).toLowerCase());
  }
  // Ids named where Nova writes an instance id win; a message with none (`Evacuating X and Y`)
  // falls back to every UUID it holds, less the ones known to be something else.
  const inContext = instanceIdsNamed(record.message);
  const named = new Set<string>();
  for (const id of inContext.length > 0 ? inContext : findUuids(record.message)) {
    const normal = id.toLowerCase();
    if (!notInstances.has(normal)) named.add(normal);
  }
  return [...named];
}

/**
 * The record's bytes with `"instance_uuid":"<id>"` (one id) or `"instance_uuids":[…]` (several)
 * inserted as the last key of the JSON object on its first line; null when that line holds no
 * object to insert into. Continuation lines after the first are kept as they are.
 */
export function spliceInstanceIds(bytes: Buffer, ids: readonly string[]): Buffer | null {
  if (ids.length === 0) return null;
  const end = firstLineEnd(bytes);
  const close = bytes.lastIndexOf(CLOSE_BRACE, end - 1);
  const open = bytes.indexOf(OPEN_BRACE);
  if (close < 0 || open < 0 || open > close) return null;
  // `{}` and `{ }` take the key without a leading comma.
  const empty = isBlank(bytes.subarray(open + 1, close));
  const field = ids.length === 1
    ? `"instance_uuid":${JSON.stringify(ids[0])}`
    : `"instance_uuids":${JSON.stringify(ids)}`;
  const insert = Buffer.from(empty ? field : `,${field}`);
  return Buffer.concat([bytes.subarray(0, close), insert, bytes.subarray(close)]);
}

/** End of the first physical line (index of its newline, or the length). */
function firstLineEnd(bytes: Buffer): number {
  const nl = bytes.indexOf(NEWLINE);
  return nl < 0 ? bytes.length : nl;
}

function isBlank(bytes: Buffer): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  return true;
}

function stripRequestPrefix(id: string): string {
  return id.startsWith('req-') ? id.slice(4) : id;
}
