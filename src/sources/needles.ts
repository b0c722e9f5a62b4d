/**
 * The byte strings a scan looks for, found with Buffer.indexOf (a native memmem) over whole
 * stretches of input, never line by line. One place for what every driver of the scanning engine
 * needs: the first hit, every hit, whether there is one.
 */

export class NeedleSet {
  readonly #needles: Buffer[];
  /** Bytes a needle can reach back over a cut in a stream: the longest needle's length minus one. */
  readonly overlap: number;

  /** Empty strings and strings with a newline are dropped: a needle never spans lines. */
  constructor(texts: readonly string[]) {
    this.#needles = [...new Set(texts)].filter((n) => n !== '' && !n.includes('\n')).map((n) => Buffer.from(n, 'utf8'));
    this.overlap = Math.max(0, ...this.#needles.map((n) => n.length - 1));
  }

  get size(): number {
    return this.#needles.length;
  }

  /** Position of the first hit in buf[from, to), or -1. */
  first(buf: Buffer, from: number, to: number): number {
    if (to <= from) return -1;
    const view = buf.subarray(from, to);
    let first = -1;
    for (const needle of this.#needles) {
      const i = first === -1 ? view.indexOf(needle) : view.subarray(0, first + needle.length - 1).indexOf(needle);
      if (i !== -1 && (first === -1 || i < first)) first = i;
    }
    return first === -1 ? -1 : from + first;
  }

  /** Positions of every hit in buf[from, to), ascending. */
  all(buf: Buffer, from: number, to: number): number[] {
    const hits: number[] = [];
    if (to <= from) return hits;
    const view = buf.subarray(from, to);
    for (const needle of this.#needles) {
      for (let i = view.indexOf(needle); i !== -1; i = view.indexOf(needle, i + 1)) hits.push(from + i);
    }
    if (this.#needles.length > 1) hits.sort((a, b) => a - b);
    return hits;
  }

  has(buf: Buffer, from: number, to: number): boolean {
    if (to <= from) return false;
    const view = buf.subarray(from, to);
    for (const needle of this.#needles) if (view.indexOf(needle) !== -1) return true;
    return false;
  }
}
