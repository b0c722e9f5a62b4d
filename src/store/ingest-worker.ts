/**
 * Entry of an ingest pool worker (src/trace/search-pool.ts): runs one source's ingest at a time
 * (src/store/ingest-job.ts), handing its rows' bytes over part by part, its warnings with its
 * outcome.
 */
import { servePool } from '../trace/search-pool.js';
import { runIngestJob, type IngestJob, type IngestPart, type IngestResult } from './ingest-job.js';

servePool<IngestJob, IngestResult, IngestPart>(async (job, hooks) => {
  const warnings: IngestResult['warnings'] = [];
  const result = await runIngestJob(job, { onPart: hooks.onPart, onProgress: hooks.onProgress, onWarning: (w) => warnings.push(w) });
  return { ...result, warnings };
}, (part) => [part.ids.buffer as ArrayBuffer, part.records.buffer as ArrayBuffer]);
