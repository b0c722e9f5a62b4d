/**
 * How `instance-trace filter` shows the records it keeps: the input bytes as they came (escaped
 * when the output is a terminal), or `instance-trace --json`'s NDJSON record with the filter's
 * own `why` and --enrich's added ids.
 */
import type { LogRecord } from '../records/record.js';
import type { FilterRenderer, FilterWhy } from '../trace/filter.js';
import { toJsonRecord, type JsonRecord } from './json.js';
import { escapeJsonText, sanitize } from './sanitize.js';

/** `instance-trace --json`'s record, with the filter's `why` and --enrich's plural. */
export type FilterJsonRecord = Omit<JsonRecord, 'why'> & { why: FilterWhy; instance_uuids?: string[] };

export interface FilterRendererOptions {
  /**
   * The output is a terminal: log text is untrusted, so control characters are shown escaped
   * instead of passed on (a pipe gets the bytes unchanged).
   */
  terminal?: boolean;
}

export function createFilterRenderer(options: FilterRendererOptions = {}): FilterRenderer {
  return {
    raw: options.terminal === true ? forTerminal : (bytes) => bytes,
    json(record: LogRecord, why: FilterWhy, addedIds: readonly string[]): Buffer {
      const json: FilterJsonRecord = { ...toJsonRecord({ record, why: 'mentioned', unattributed: false }), why };
      if (addedIds.length === 1) json.instance_uuid = addedIds[0]!;
      else if (addedIds.length > 1) json.instance_uuids = [...addedIds];
      return Buffer.from(escapeJsonText(JSON.stringify(json)) + '\n');
    },
  };
}

/** Each line with its control characters shown escaped; the newlines between lines kept. */
function forTerminal(bytes: Buffer): Buffer {
  return Buffer.from(bytes.toString('utf8').split('\n').map(sanitize).join('\n'));
}
