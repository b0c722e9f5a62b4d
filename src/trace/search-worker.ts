/**
 * Entry of a search pool worker (src/trace/search-pool.ts): runs the trace's search jobs, one at
 * a time, and posts each whole outcome (parsed records, warnings, counts, checkpoints) back. A
 * job's zone comes by name (withPlainZone), which the job's file clock reads.
 */
import { serveJobs } from '../sources/worker-pool.js';
import { collectSearchJob } from './search-job.js';

serveJobs(collectSearchJob);
