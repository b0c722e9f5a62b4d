/**
 * Entry of a search pool worker (src/trace/search-pool.ts): runs the trace's search jobs, one at
 * a time, and posts each whole outcome (parsed records, warnings, counts, checkpoints) back.
 */
import { serveJobs } from '../sources/worker-pool.js';
import { parseTimeZone } from '../records/index.js';
import { collectSearchJob, type SearchJob } from './search-job.js';
import type { WireSearchJob } from './search-pool.js';

serveJobs(collectSearchJob, (wire): SearchJob => {
  // A zone travels by name (its conversion function cannot be cloned).
  const job = wire as WireSearchJob;
  return { ...job, parse: { ...job.parse, tz: job.parse.tz === undefined ? undefined : parseTimeZone(job.parse.tz) } };
});
