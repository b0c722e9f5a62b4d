/**
 * Entry of an image-scan pool worker (src/images/run.ts): scans one source at a time for the
 * image cache managers' records and posts what the inventory reads of them back, in parts.
 */
import { serveJobs } from '../sources/worker-pool.js';
import { collectImageScan, type ImageScanJob, type ImageScanResult } from './scan-job.js';
import type { CacheRecord } from './inventory.js';

serveJobs<ImageScanJob, ImageScanResult, CacheRecord[]>((job, onProgress, onPart) => collectImageScan(job, { onProgress, onPart }));
