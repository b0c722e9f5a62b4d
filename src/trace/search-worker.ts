/**
 * Entry of a search pool worker (src/trace/search-pool.ts): runs one job at a time, posting its
 * progress now and then and its whole outcome (parsed records, warnings, counts, checkpoints) in
 * one message at the end, so the main thread only correlates.
 */
import { parseTimeZone } from '../records/index.js';
import { collectSearchJob, type JobResult, type SearchJob } from './search-job.js';
import { servePool, type SearchWire } from './search-pool.js';

servePool<SearchWire, JobResult, never>((wire, hooks) => {
  // A zone travels by name (its conversion function cannot be cloned).
  const job: SearchJob = { ...wire, parse: { ...wire.parse, tz: wire.parse.tz === undefined ? undefined : parseTimeZone(wire.parse.tz) } };
  return collectSearchJob(job, hooks.onProgress);
});
