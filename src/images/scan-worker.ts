/**
 * Entry of an image-scan pool worker (src/images/run.ts): scans one source at a time for the
 * image cache managers' records and posts what the inventory reads of them back.
 */
import { serveJobs } from '../sources/worker-pool.js';
import { collectImageScan, type ImageScanJob } from './scan-job.js';

serveJobs((job: ImageScanJob, onProgress) => collectImageScan(job, { onProgress }));
