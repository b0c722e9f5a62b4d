/**
 * Byte-level helpers shared by the search and the framer: counting newlines, decoding a line
 * with a cap on what is kept (invalid UTF-8 → U+FFFD; NUL kept), and the visible cut marker.
 */

const NEWLINE = 0x0a;

/** Newlines in bytes[start, end). */
export function countNewlines(bytes: Buffer, start: number, end: number): number {
  if (end <= start) return 0;
  const view = bytes.subarray(start, end);
  let count = 0;
  let i = view.indexOf(NEWLINE);
  while (i !== -1) {
    count++;
    i = view.indexOf(NEWLINE, i + 1);
  }
  return count;
}

/** What replaces the rest of a line longer than the kept maximum. */
export function cutMarker(totalBytes: number, keptBytes: number): string {
  return ` …[line cut: ${totalBytes} bytes, first ${keptBytes} shown]`;
}

/**
 * Decodes bytes[start, end) as one line; when the line had `totalBytes` (its length before any
 * cut, default end - start) over `maxLineBytes`, keeps the first `maxLineBytes` (backed off to a
 * character boundary) and appends the cut marker.
 */
export function decodeLine(bytes: Buffer, start: number, end: number, maxLineBytes: number, totalBytes = end - start): string {
  if (totalBytes <= maxLineBytes) return bytes.toString('utf8', start, end);
  const head = headEnd(bytes, start, end, maxLineBytes);
  return bytes.toString('utf8', start, head) + cutMarker(totalBytes, head - start);
}

/** End of the kept head of a long line: maxLineBytes, backed off so no UTF-8 sequence is split. */
export function headEnd(bytes: Buffer, start: number, end: number, maxLineBytes: number): number {
  let keep = Math.min(end, start + maxLineBytes);
  for (let back = 0; back < 3 && keep > start && keep < end && (bytes[keep]! & 0xc0) === 0x80; back++) keep--;
  return keep;
}

/** Bytes kept of a cut line: enough for decodeLine to find the same character boundary. */
export function keptHeadBytes(maxLineBytes: number): number {
  return maxLineBytes + 4;
}

/**
 * A line as a record-start test sees it: whole, or past maxLineBytes its head and a fixed marker
 * (the same whether the line came whole or was still arriving).
 */
export function lineForStartTest(bytes: Buffer, start: number, end: number, maxLineBytes: number): string {
  if (end - start <= maxLineBytes) return bytes.toString('utf8', start, end);
  return `${bytes.toString('utf8', start, headEnd(bytes, start, end, maxLineBytes))} …[line cut]`;
}
