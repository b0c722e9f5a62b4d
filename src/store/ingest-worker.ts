/**
 * Entry of an ingest worker (src/sources/worker-pool.ts): runs one source's ingest at a time
 * (src/store/ingest-job.ts), handing its rows' bytes over part by part without a copy, its
 * warnings with its outcome.
 */
import { serveJobs } from '../sources/worker-pool.js';
import { runIngestJob, type IngestJob, type IngestPart, type IngestResult } from './ingest-job.js';

serveJobs<IngestJob, IngestResult, IngestPart>(async (job, onProgress, onPart) => {
  const warnings: IngestResult['warnings'] = [];
  const result = await runIngestJob(job, { onPart: onPart!, onProgress, onWarning: (w) => warnings.push(w) });
  return { ...result, warnings };
}, undefined, (part) => [part.ids.buffer as ArrayBuffer, part.records.buffer as ArrayBuffer]);
