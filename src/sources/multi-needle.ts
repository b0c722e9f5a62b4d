/**
 * Many needles in one pass: the WebAssembly kernel of multi-needle.wat (Teddy's fingerprint step)
 * behind a small driver. Native indexOf makes one pass over the bytes per needle; this makes one
 * pass for all of them, so a search for the image cache managers' dozen wordings costs about what
 * a search for one does.
 *
 * The driver chooses each needle's fingerprint (the 4 bytes of it that are rarest in OpenStack
 * logs, by BYTE_RANKS) and puts needles with like fingerprints in one of 8 buckets, copies the
 * bytes to search into the kernel's memory a piece at a time, and reads the hits back. One kernel
 * instance per thread serves every matcher in turn: a matcher loads its tables when it is not the
 * one loaded.
 */
import { BYTE_RANKS } from './byte-ranks.js';
import { MULTI_NEEDLE_WASM } from './multi-needle-wasm.js';

/** Fingerprint bytes per needle (the kernel's width). */
const FINGERPRINT = 4;
const BUCKETS = 8;

// The kernel's memory, as multi-needle.wat lays it out, and the driver's areas after it.
const COUNT_AT = 132;
const HITS_END_AT = 136;
const TABLE_AT = 256;
const TABLE_ENTRY = 16;
const NEEDLE_BYTES_AT = 8192;
const HITS_AT = 65_536;
const HITS_END = HITS_AT + 65_536;
const DATA_AT = HITS_END;
/** Bytes copied in and searched at a time. */
const PIECE = 1024 * 1024;
/** Bytes after the data the kernel may read past its end (a block and its fingerprint). */
const SLACK = 64;
const PAGE = 65_536;

/** Needles at most, and their bytes at most: beyond, NeedleSet searches with indexOf. */
export const MAX_NEEDLES = (NEEDLE_BYTES_AT - TABLE_AT) / TABLE_ENTRY;
export const MAX_NEEDLE_BYTES = HITS_AT - NEEDLE_BYTES_AT;

interface Kernel {
  scan(qFrom: number, qTo: number, from: number, to: number, out: number, outEnd: number): number;
  bytes: Uint8Array;
  words: Int32Array;
  /** The matcher whose tables are loaded. */
  owner: MultiNeedleMatcher | null;
}

let kernel: Kernel | null | undefined;

/** The little of the WebAssembly API used here (Node's types do not declare the global in every lib setting). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** This thread's kernel; null when this runtime lacks WebAssembly SIMD. */
function loadKernel(): Kernel | null {
  if (kernel !== undefined) return kernel;
  try {
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const instance = new wasm.Instance(new wasm.Module(Buffer.from(MULTI_NEEDLE_WASM, 'base64')), {});
    const memory = instance.exports['memory'] as WasmMemory;
    const pages = Math.ceil((DATA_AT + PIECE + MAX_NEEDLE_BYTES + SLACK) / PAGE);
    memory.grow(pages - memory.buffer.byteLength / PAGE);
    kernel = {
      scan: instance.exports['scan'] as Kernel['scan'],
      bytes: new Uint8Array(memory.buffer),
      words: new Int32Array(memory.buffer),
      owner: null,
    };
  } catch {
    kernel = null;
  }
  return kernel;
}

/** Whether this runtime can run the kernel. */
export function multiNeedleAvailable(): boolean {
  return loadKernel() !== null;
}

interface Needle {
  bytes: Buffer;
  /** Where its fingerprint begins in it. */
  anchor: number;
  /** Its fingerprint's length: FINGERPRINT, or the needle's when shorter. */
  width: number;
  bucket: number;
}

/** The fingerprint of a needle: the FINGERPRINT bytes of it whose ranks add up least (the first such). */
export function fingerprintAnchor(bytes: Uint8Array): number {
  let best = 0;
  let bestScore = Infinity;
  for (let at = 0; at + FINGERPRINT <= bytes.length; at++) {
    let score = 0;
    for (let k = 0; k < FINGERPRINT; k++) score += BYTE_RANKS[bytes[at + k]!]!;
    if (score < bestScore) {
      bestScore = score;
      best = at;
    }
  }
  return best;
}

/** A hit: where a needle begins, and which (its index in the list given). */
export interface NeedleHit {
  at: number;
  needle: number;
}

export class MultiNeedleMatcher {
  readonly #needles: Needle[];
  readonly #kernel: Kernel;
  /** The nibble tables (128 bytes) and needle table, ready to load. */
  readonly #masks = new Uint8Array(128);
  readonly #maxLength: number;
  readonly #maxAnchor: number;

  /** Null when the kernel is missing or the needles do not fit it (the caller falls back to indexOf). */
  static create(needles: readonly Buffer[]): MultiNeedleMatcher | null {
    const k = loadKernel();
    if (k === null || needles.length === 0 || needles.length > MAX_NEEDLES) return null;
    if (needles.some((n) => n.length === 0) || needles.reduce((sum, n) => sum + n.length, 0) > MAX_NEEDLE_BYTES) return null;
    return new MultiNeedleMatcher(needles, k);
  }

  private constructor(needles: readonly Buffer[], k: Kernel) {
    this.#kernel = k;
    this.#needles = needles.map((bytes) => ({ bytes, anchor: fingerprintAnchor(bytes), width: Math.min(FINGERPRINT, bytes.length), bucket: 0 }));
    // Like fingerprints share a bucket (fewer false candidates); short ones go together, as
    // their missing fingerprint bytes let anything through for their whole bucket.
    const order = [...this.#needles].sort((a, b) => a.width - b.width || Buffer.compare(fp(a), fp(b)));
    const buckets = Math.min(BUCKETS, order.length);
    order.forEach((needle, i) => { needle.bucket = Math.floor((i * buckets) / order.length); });
    for (const needle of this.#needles) {
      const bit = 1 << needle.bucket;
      for (let k = 0; k < FINGERPRINT; k++) {
        if (k < needle.width) {
          const byte = needle.bytes[needle.anchor + k]!;
          this.#masks[32 * k + (byte & 15)]! |= bit;
          this.#masks[32 * k + 16 + (byte >> 4)]! |= bit;
        } else {
          for (let j = 0; j < 32; j++) this.#masks[32 * k + j]! |= bit;
        }
      }
    }
    this.#maxLength = Math.max(...needles.map((n) => n.length));
    this.#maxAnchor = Math.max(...this.#needles.map((n) => n.anchor));
  }

  #load(): void {
    const k = this.#kernel;
    if (k.owner === this) return;
    k.bytes.set(this.#masks, 0);
    k.words[COUNT_AT / 4] = this.#needles.length;
    let at = NEEDLE_BYTES_AT;
    this.#needles.forEach((needle, i) => {
      k.bytes.set(needle.bytes, at);
      const entry = (TABLE_AT + i * TABLE_ENTRY) / 4;
      k.words[entry] = at;
      k.words[entry + 1] = needle.bytes.length;
      k.words[entry + 2] = needle.anchor;
      k.words[entry + 3] = 1 << needle.bucket;
      at += needle.bytes.length;
    });
    k.owner = this;
  }

  /**
   * Hits in buf[from, to), in the order found (by fingerprint position, piece by piece: not
   * sorted by start). With `first`, stops at the earliest hit and returns it alone.
   */
  hits(buf: Uint8Array, from: number, to: number, first = false): NeedleHit[] {
    const found: NeedleHit[] = [];
    if (to <= from) return found;
    this.#load();
    const k = this.#kernel;
    const room = this.#needles.length * 8;
    for (let base = from; base < to; base += PIECE) {
      const pieceEnd = Math.min(to, base + PIECE);
      // A needle that begins in this piece may end in the next: copy its overlap too.
      const end = Math.min(to, pieceEnd + this.#maxLength - 1);
      k.bytes.set(buf.subarray(base, end), DATA_AT);
      const dataEnd = DATA_AT + (end - base);
      const startLimit = DATA_AT + (pieceEnd - base);
      let q = DATA_AT;
      let stopAt = dataEnd;
      let earliest = -1;
      while (q < stopAt) {
        q = k.scan(q, stopAt, DATA_AT, dataEnd, HITS_AT, first && earliest === -1 ? HITS_AT + room : HITS_END);
        const hitsEnd = k.words[HITS_END_AT / 4]!;
        for (let h = HITS_AT; h < hitsEnd; h += 8) {
          const at = k.words[h / 4]!;
          if (at >= startLimit) continue;
          if (!first) found.push({ at: base + at - DATA_AT, needle: k.words[h / 4 + 1]! });
          else if (earliest === -1 || at < earliest) {
            earliest = at;
            found[0] = { at: base + at - DATA_AT, needle: k.words[h / 4 + 1]! };
          }
        }
        // A needle fingerprinted further in can still begin before the first hit: look that far.
        if (first && earliest !== -1) stopAt = Math.min(stopAt, earliest + this.#maxAnchor + 1);
      }
      if (first && earliest !== -1) return found;
    }
    return found;
  }
}

function fp(needle: Needle): Buffer {
  return needle.bytes.subarray(needle.anchor, needle.anchor + needle.width);
}
