/**
 * `--json`: one JSON object per record (NDJSON), the record's facts under stable snake_case names,
 * plus why it is in the trace. With `--summary` the summary alone, as one object.
 */
import type { TraceSink } from '../trace/sink.js';
import type { TraceSummary } from '../trace/summary.js';
import type { TracedRecord } from '../trace/types.js';
import { escapeJsonText } from './sanitize.js';

export interface JsonRecord {
  time: string | null;
  time_text: string;
  host: string | null;
  service: string | null;
  pid: number | null;
  level: string | null;
  level_text: string | null;
  logger: string | null;
  request_id: string | null;
  global_request_id: string | null;
  user: string | null;
  project: string | null;
  instance_uuid: string | null;
  image_id: string | null;
  message: string;
  why: string;
  unattributed?: true;
  traceback: string[];
  cache?: { action: string; image_id: string | null; base_file: string | null; base_files?: string[] };
  format: string;
  source: { file: string; line: number; lines: number };
}

export function toJsonRecord({ record, why, unattributed }: TracedRecord): JsonRecord {
  const out: JsonRecord = {
    time: record.time === null ? null : new Date(record.time).toISOString(),
    time_text: record.timeText,
    host: record.host,
    service: record.service,
    pid: record.pid,
    level: record.level,
    level_text: record.levelText,
    logger: record.logger,
    request_id: record.requestId,
    global_request_id: record.globalRequestId,
    user: record.user,
    project: record.project,
    instance_uuid: record.instanceId,
    image_id: record.imageId,
    message: record.message,
    why,
    traceback: record.traceback,
    format: record.format,
    source: { file: record.source.file, line: record.source.line, lines: record.source.lines },
  };
  if (unattributed) out.unattributed = true;
  if (record.cache !== null) {
    out.cache = { action: record.cache.action, image_id: record.cache.imageId, base_file: record.cache.baseFile };
    if (record.cache.baseFiles !== undefined) out.cache.base_files = record.cache.baseFiles;
  }
  return out;
}

export function summaryToJson(s: TraceSummary): object {
  const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());
  return {
    instance_uuid: s.instanceId,
    records: s.total,
    why: s.byWhy,
    unattributed: s.unattributed,
    hosts: s.stays.map((st) => ({ host: st.host, first: iso(st.first), last: iso(st.last) })),
    images: s.images.map((i) => ({
      host: i.host, image_ids: i.imageIds, base_files: i.baseFiles, unattributed: i.unattributed,
      last_action: i.lastAction === null ? null : { action: i.lastAction.action, time: iso(i.lastAction.time), base_file: i.lastAction.baseFile },
    })),
    requests: s.requests.map((r) => ({
      request_id: r.requestId, time: iso(r.time), host: r.host, service: r.service, first_message: r.firstMessage, records: r.records,
    })),
    shared_requests: s.sharedRequestIds,
    levels: s.levels,
    errors: s.errors.map((e) => ({ ...e, time: iso(e.time) })),
  };
}

export class JsonSink implements TraceSink {
  readonly #write: (text: string) => void;
  readonly #summaryOnly: boolean;

  constructor(write: (text: string) => void, opts: { summaryOnly: boolean }) {
    this.#write = write;
    this.#summaryOnly = opts.summaryOnly;
  }

  summary(summary: TraceSummary): void {
    if (this.#summaryOnly) this.#write(escapeJsonText(JSON.stringify(summaryToJson(summary))) + '\n');
  }

  record(traced: TracedRecord): void {
    if (!this.#summaryOnly) this.#write(escapeJsonText(JSON.stringify(toJsonRecord(traced))) + '\n');
  }

  end(): void {
    // Each record was written whole as it came.
  }
}
