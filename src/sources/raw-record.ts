/**
 * One record the scanning engine framed (or one piece of a record the limits cut), exactly as
 * the input held it: the filter passes its bytes on unchanged, the trace decodes its lines.
 */
import { decodeLine } from './lines.js';

export class RawRecord {
  #lines: string[] | null = null;

  constructor(
    /** The input bytes of the record, newlines included (a long line cut in the window: its head only, see cutLines). */
    readonly bytes: Buffer,
    /** 1-based line number of its first line (0 when lines were not counted). */
    readonly firstLine: number,
    /** Physical lines it holds (a piece ending inside a line counts that line). */
    readonly lineCount: number,
    /** The limits cut it here: the rest follows as `continued` records. */
    readonly cut: boolean,
    /** It is the rest of a cut record, or a record whose head was lost (it may begin in the middle of a line). */
    readonly continued: boolean,
    /** A needle of the scan occurs in it (false when every record was asked for). */
    readonly matched: boolean,
    /** Decoded lines longer than this are cut, with a marker. */
    readonly maxLineBytes: number,
    /** Offset of its first byte in the decompressed input. */
    readonly offset: number,
    /** Lines (by index in the record) of which only the head was kept, with their length in the input. */
    readonly cutLines: ReadonlyMap<number, number> | null = null,
  ) {}

  /** Decoded lines without newlines (invalid UTF-8 → U+FFFD, long lines cut with a marker); decoded on first use. */
  get lines(): string[] {
    if (this.#lines === null) this.#lines = splitLines(this.bytes, this.maxLineBytes, this.cutLines);
    return this.#lines;
  }

  /** What to write out for it: its bytes, or its decoded lines when a line of it could not be kept whole. */
  get output(): Buffer {
    if (this.cutLines === null) return this.bytes;
    const text = this.lines.join('\n');
    return Buffer.from(this.bytes.at(-1) === 0x0a ? `${text}\n` : text, 'utf8');
  }
}

function splitLines(bytes: Buffer, maxLineBytes: number, cutLines: ReadonlyMap<number, number> | null): string[] {
  const lines: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline === -1 ? bytes.length : newline;
    lines.push(decodeLine(bytes, start, end, maxLineBytes, cutLines?.get(lines.length) ?? end - start));
    start = end + 1;
  }
  return lines;
}
