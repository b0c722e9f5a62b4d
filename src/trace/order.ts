/**
 * Timeline order. Records are sorted by time; one without a time keeps its place after the record
 * before it in its source (it inherits that record's time for sorting); ties keep source order.
 */
import type { LogRecord } from '../records/record.js';
import type { TracedRecord } from './types.js';

/** Identity of a record: the same physical line found by both passes is one record. */
export function recordKey(record: LogRecord): string {
  return `${record.source.file}\0${record.source.line}`;
}

/** Sorting time of each record: its own, else that of the nearest earlier record of its source. */
export function effectiveTimes(records: readonly LogRecord[]): Map<LogRecord, number> {
  const bySource = new Map<string, LogRecord[]>();
  for (const record of records) {
    const list = bySource.get(record.source.file);
    if (list === undefined) bySource.set(record.source.file, [record]);
    else list.push(record);
  }
  const times = new Map<LogRecord, number>();
  for (const list of bySource.values()) {
    list.sort((a, b) => a.source.line - b.source.line);
    let carried = -Infinity;
    for (const record of list) {
      if (record.time !== null) carried = record.time;
      times.set(record, carried);
    }
  }
  return times;
}

/** The timeline: traced records in time order (see module comment), stable and deterministic. */
export function sortTimeline(traced: readonly TracedRecord[]): TracedRecord[] {
  const times = effectiveTimes(traced.map((t) => t.record));
  return [...traced].sort((a, b) => {
    const ta = times.get(a.record) as number;
    const tb = times.get(b.record) as number;
    if (ta !== tb) return ta < tb ? -1 : 1;
    const fa = a.record.source.file;
    const fb = b.record.source.file;
    if (fa !== fb) return fa < fb ? -1 : 1;
    return a.record.source.line - b.record.source.line;
  });
}
