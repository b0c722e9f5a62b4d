/**
 * Where a trace goes. The trace decides; a sink (src/render: text, JSON) shows. The summary comes
 * first so a sink can print it above the timeline, then every record in timeline order.
 */
import type { TracedRecord } from './types.js';
import type { TraceSummary } from './summary.js';

export interface TraceSink {
  summary(summary: TraceSummary): void;
  record(traced: TracedRecord): void;
  end(): void;
}
