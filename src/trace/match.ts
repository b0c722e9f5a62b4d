/**
 * Does a record carry the instance, name it, or name another instance? Plain string tests on
 * text already read: the byte search found these records, here we only decide.
 */
import type { LogRecord } from '../records/record.js';
import { isUuid } from '../records/ids.js';
import type { FoundRecord } from './types.js';

/** Nova instance ids are UUIDs; returns the canonical (lower-case) form, or null when `text` is not one. */
export function normalizeInstanceId(text: string): string | null {
  const id = text.trim();
  return isUuid(id) ? id.toLowerCase() : null;
}

/** How a record found in pass 1 relates to the instance, or null when it does not. */
export function matchInstance(found: FoundRecord, id: string): 'tagged' | 'mentioned' | null {
  if (found.record.instanceId !== null && found.record.instanceId.toLowerCase() === id) return 'tagged';
  return mentionsId(found, id) ? 'mentioned' : null;
}

function mentionsId({ record, text }: FoundRecord, id: string): boolean {
  if (text.toLowerCase().includes(id)) return true;
  // The raw text is usually a superset; parsed fields cover callers that pass only the record.
  if (record.message.toLowerCase().includes(id)) return true;
  return record.traceback.some((line) => line.toLowerCase().includes(id));
}

/**
 * A UUID in a place where Nova writes an instance id: `[instance: X]`, `instance X`,
 * `instance_uuid: X`, `"instance_uuid":"X"`, `/servers/X`, `/instances/X` (its directory), and
 * a bare `uuid X` (`Triggering sync for uuid X`, the power-state sync) unless another kind of
 * object owns the word. Image, port and network ids are UUIDs too, so a bare UUID is not evidence.
 */
const INSTANCE_CONTEXT = new RegExp(
  '(?:\\binstance(?:[_ -]?(?:uuid|id))?["\']?\\s*[:=]?\\s*["\']?\\s*' +
  '|(?<!(?:image|port|network|volume|flavor|host|project|user|request|snapshot|server_group)[ _-]?)\\buuid["\']?\\s*[:=]?\\s*["\']?\\s*' +
  '|\\/servers\\/|\\/instances\\/)' +
  '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})',
  'gi',
);

/** Instance ids a text names in an instance context (lower case, de-duplicated, in order). */
export function instanceIdsNamed(text: string): string[] {
  const ids = new Set<string>();
  for (const match of text.matchAll(INSTANCE_CONTEXT)) {
    const uuid = match[1]?.toLowerCase();
    if (uuid !== undefined) ids.add(uuid);
  }
  return [...ids];
}

/** Instance ids other than `id` that a record carries as its tag or names in an instance context. */
export function otherInstances(found: FoundRecord, id: string): string[] {
  const others = new Set<string>();
  const tag = found.record.instanceId?.toLowerCase() ?? null;
  if (tag !== null && tag !== id) others.add(tag);
  for (const text of textsOf(found)) {
    for (const uuid of instanceIdsNamed(text)) if (uuid !== id) others.add(uuid);
  }
  return [...others];
}

function textsOf({ record, text }: FoundRecord): string[] {
  return text === '' ? [record.message, ...record.traceback] : [text];
}

/** A record whose raw text is unknown (hand-built, or assembled without it) stands for itself. */
export function foundOf(record: LogRecord, text?: string): FoundRecord {
  return { record, text: text ?? [record.message, ...record.traceback].join('\n') };
}

/** Is this record written by a service that runs instances (where "lived on" is decided)? */
export function isComputeRecord(record: LogRecord): boolean {
  if (record.service !== null) return /compute/i.test(record.service);
  // No service from the file name: fall back to the loggers only nova-compute uses.
  return record.logger !== null && /^nova\.(virt|compute\.(manager|claims|resource_tracker))\b/.test(record.logger);
}
