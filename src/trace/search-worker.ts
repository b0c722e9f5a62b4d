/**
 * Entry of a search pool worker (src/trace/search-pool.ts): runs one job at a time, posting its
 * progress now and then and its whole outcome (parsed records, warnings, counts, checkpoints) in
 * one message at the end, so the main thread only correlates.
 */
import { parentPort } from 'node:worker_threads';
import { parseTimeZone } from '../records/index.js';
import { collectSearchJob, type SearchJob } from './search-job.js';
import type { PoolReply, PoolRequest } from './search-pool.js';

/** Bytes between progress messages: cheap (a few hundred messages per GiB), smooth enough for a bar. */
const PROGRESS_STEP = 8 * 1024 * 1024;

const port = parentPort;
if (port === null) throw new Error('search-worker.js runs only as a worker thread');

port.on('message', ({ job: wire }: PoolRequest) => {
  // A zone travels by name (its conversion function cannot be cloned).
  const job: SearchJob = { ...wire, parse: { ...wire.parse, tz: wire.parse.tz === undefined ? undefined : parseTimeZone(wire.parse.tz) } };
  let posted = 0;
  collectSearchJob(job, (bytes) => {
    if (bytes - posted < PROGRESS_STEP) return;
    posted = bytes;
    post({ type: 'progress', bytes });
  }).then(
    (result) => post({ type: 'done', result }),
    (error: unknown) => post({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
  );
});

function post(reply: PoolReply): void {
  port!.postMessage(reply);
}
