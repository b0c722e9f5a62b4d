/**
 * What the sources layer saw that an operator should know: warnings (first of each kind per
 * file; repeats are counted, not repeated) and totals, summarised in a few lines for stderr.
 */
import type { SourceWarning } from './source.js';
import { describeSize, formatBytes } from './sizes.js';

export { formatBytes } from './sizes.js';

/** Counts a search or a framer reports when a source has been read to its end. */
export interface SourceCounts {
  /** Decompressed bytes read. */
  bytes: number;
  /** Lines longer than the kept maximum, cut in what was emitted. */
  cutLines: number;
  /** Records longer than the limits, cut (or framed from the middle). */
  longRecords: number;
  /** Damaged stretches skipped inside the text, and their bytes. */
  damagedStretches: number;
  damagedBytes: number;
}

/** Only the counts of a search's stats: plain data to post from a worker. */
export function sourceCounts({ bytes, cutLines, longRecords, damagedStretches, damagedBytes }: SourceCounts): SourceCounts {
  return { bytes, cutLines, longRecords, damagedStretches, damagedBytes };
}

export class SourceReport {
  readonly warnings: SourceWarning[] = [];
  filesRead = 0;
  bytesRead = 0;
  /** Inputs not read at all: missing, unreadable, binary. */
  skippedFiles = 0;
  /** Gzip inputs read only up to damage (truncated or corrupt). */
  damagedFiles = 0;
  cutLines = 0;
  longRecords = 0;
  damagedStretches = 0;
  damagedBytes = 0;
  /** Warnings not stored because the same file already had one of that kind. */
  repeatedWarnings = 0;
  readonly #seen = new Set<string>();

  /** Records a warning once per file and kind; counts skips and damage. */
  warn(warning: SourceWarning): void {
    const key = `${warning.kind}\0${warning.file}`;
    if (this.#seen.has(key)) {
      this.repeatedWarnings++;
      return;
    }
    this.#seen.add(key);
    this.warnings.push(warning);
    if (warning.kind === 'missing' || warning.kind === 'unreadable' || warning.kind === 'not-a-file' || warning.kind === 'binary') this.skippedFiles++;
    if (warning.kind === 'corrupt-gzip' || warning.kind === 'truncated-gzip') this.damagedFiles++;
  }

  /** Adds what one source's read counted. */
  addCounts(counts: SourceCounts): void {
    this.filesRead++;
    this.bytesRead += counts.bytes;
    this.cutLines += counts.cutLines;
    this.longRecords += counts.longRecords;
    this.damagedStretches += counts.damagedStretches;
    this.damagedBytes += counts.damagedBytes;
  }

  /** True when some input was skipped or lost, which the command's exit status must say. */
  get hadSkips(): boolean {
    return this.skippedFiles > 0 || this.damagedFiles > 0;
  }

  /** One line a warning, then one line of totals when anything was odd; empty when all was well. */
  summaryLines(): string[] {
    const lines = this.warnings.map((w) => `warning: ${w.file}: ${w.message}`);
    const odd: string[] = [];
    if (this.skippedFiles > 0) odd.push(`${this.skippedFiles} skipped`);
    if (this.damagedFiles > 0) odd.push(`${this.damagedFiles} damaged gzip read up to the damage`);
    if (this.cutLines > 0) odd.push(`${this.cutLines} long line${this.cutLines === 1 ? '' : 's'} cut`);
    if (this.longRecords > 0) odd.push(`${this.longRecords} long record${this.longRecords === 1 ? '' : 's'} cut`);
    if (this.damagedStretches > 0) {
      odd.push(`${this.damagedStretches} damaged stretch${this.damagedStretches === 1 ? '' : 'es'} skipped (${describeSize(this.damagedBytes)})`);
    }
    if (odd.length > 0) {
      lines.push(`sources: ${this.filesRead} read (${formatBytes(this.bytesRead)}), ${odd.join(', ')}`);
    }
    return lines;
  }
}
