/** The trace layer: decides which records belong to one instance's history, and why. */
export { InstanceTrace } from './correlate.js';
export type { CorrelateOptions, Pass2Plan, TraceResult } from './correlate.js';
export { runTrace, traceToSink } from './run.js';
export type { RunOptions } from './run.js';
export { summarize } from './summary.js';
export type { TraceSummary, RequestSummary, ErrorSummary } from './summary.js';
export type { TraceSink } from './sink.js';
export type { FoundRecord, HostImage, HostStay, TracedRecord, Why } from './types.js';
export { normalizeInstanceId } from './match.js';
