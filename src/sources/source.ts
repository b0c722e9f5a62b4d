/**
 * What the sources layer hands on: a readable input (file, gzip member, stdin) with what its
 * place tells about it, and blocks of physical lines framed around what matters.
 */

export interface SourceFile {
  /** Path to open, or '-' for stdin. */
  path: string;
  /** Name to show: the path as given on the command line joined with the path found under it. */
  display: string;
  /** Host from the folder layout of collected logs (`<root>/<host>/<file>`), else null. */
  host: string | null;
  /** Service from the file name (`nova-compute.log.2.gz` → `nova-compute`), else null. */
  service: string | null;
  gzip: boolean;
  /** Size in bytes on disk when known (compressed size for gzip). */
  size: number | null;
}

/** Consecutive physical lines of one source, decoded (invalid UTF-8 → U+FFFD), without newlines. */
export interface LineBlock {
  source: SourceFile;
  /** 1-based line number of lines[0] in the decompressed input. */
  firstLine: number;
  lines: string[];
  /** Byte offset of lines[0] in the decompressed input, when the reader knows it (the trace's searches do). */
  offset?: number;
}

/** Decides whether a physical line begins a new record; supplied by the records layer. */
export type RecordStartTest = (line: string) => boolean;

/** Something odd about the input, reported once on stderr and counted; never fatal. */
export interface SourceWarning {
  file: string;
  kind: 'missing' | 'unreadable' | 'not-a-file' | 'corrupt-gzip' | 'truncated-gzip' | 'long-line' | 'binary' | 'long-record' | 'damaged' | 'stopped' | 'ambiguous-time';
  message: string;
}

/**
 * A place in a decompressed source where a record starts, with its time: pass 1 notes one about
 * every MiB so that pass 2 can skip the stretches of a file whose times cannot matter.
 */
export interface Checkpoint {
  /** Byte offset of the record's first line in the decompressed input. */
  offset: number;
  /** 1-based line number of that line. */
  line: number;
  /** Time of the record (epoch ms, zone and clock offset applied), null when it has none. */
  time: number | null;
}

/**
 * Part of a plain (seekable) file to search: from a record start (`offset`/`line`, e.g. a
 * checkpoint, or 0/1) up to `end`, another record start or null for the end of the file, so
 * that no record is split.
 */
export interface ByteRange {
  offset: number;
  line: number;
  end: number | null;
  /** Time of the record at `offset` when an earlier pass learnt it (a reader starting there needs the clock's context). */
  time?: number | null;
}
