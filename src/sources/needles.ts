/**
 * The byte strings a scan looks for, found over whole stretches of input, never line by line:
 * one needle with Buffer.indexOf (a native memmem), several at once in one pass with the
 * multi-needle kernel (multi-needle.ts), or one indexOf pass each where that kernel cannot run.
 * One place for what every driver of the scanning engine needs: the first hit, every hit,
 * whether there is one.
 */
import { MultiNeedleMatcher } from './multi-needle.js';

export interface NeedleSetOptions {
  /** `indexOf`: one native pass per needle even for several (the reference the tests compare with). */
  engine?: 'auto' | 'indexOf';
}

export class NeedleSet {
  readonly #needles: Buffer[];
  readonly #matcher: MultiNeedleMatcher | null;
  /** Bytes a needle can reach back over a cut in a stream: the longest needle's length minus one. */
  readonly overlap: number;

  /** Empty strings and strings with a newline are dropped: a needle never spans lines. */
  constructor(texts: readonly string[], options: NeedleSetOptions = {}) {
    this.#needles = [...new Set(texts)].filter((n) => n !== '' && !n.includes('\n')).map((n) => Buffer.from(n, 'utf8'));
    this.overlap = Math.max(0, ...this.#needles.map((n) => n.length - 1));
    this.#matcher = this.#needles.length > 1 && options.engine !== 'indexOf' ? MultiNeedleMatcher.create(this.#needles) : null;
  }

  get size(): number {
    return this.#needles.length;
  }

  /** Position of the first hit in buf[from, to), or -1. */
  first(buf: Buffer, from: number, to: number): number {
    if (to <= from) return -1;
    if (this.#matcher !== null) return this.#matcher.hits(buf, from, to, true)[0]?.at ?? -1;
    const view = buf.subarray(from, to);
    let first = -1;
    for (const needle of this.#needles) {
      const i = first === -1 ? view.indexOf(needle) : view.subarray(0, first + needle.length - 1).indexOf(needle);
      if (i !== -1 && (first === -1 || i < first)) first = i;
    }
    return first === -1 ? -1 : from + first;
  }

  /** Positions of every hit in buf[from, to), ascending (a position once however many needles begin there). */
  all(buf: Buffer, from: number, to: number): number[] {
    if (to <= from) return [];
    let hits: number[];
    if (this.#matcher !== null) {
      hits = this.#matcher.hits(buf, from, to).map((hit) => hit.at);
    } else {
      hits = [];
      const view = buf.subarray(from, to);
      for (const needle of this.#needles) {
        for (let i = view.indexOf(needle); i !== -1; i = view.indexOf(needle, i + 1)) hits.push(from + i);
      }
    }
    if (this.#needles.length > 1) {
      hits.sort((a, b) => a - b);
      hits = hits.filter((at, i) => i === 0 || at !== hits[i - 1]);
    }
    return hits;
  }

  has(buf: Buffer, from: number, to: number): boolean {
    if (to <= from) return false;
    if (this.#matcher !== null) return this.#matcher.hits(buf, from, to, true).length > 0;
    const view = buf.subarray(from, to);
    for (const needle of this.#needles) if (view.indexOf(needle) !== -1) return true;
    return false;
  }
}
