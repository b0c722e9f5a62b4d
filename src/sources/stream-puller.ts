/** A Readable's pushed chunks turned into pulls into the caller's buffer, with backpressure. */
import type { Readable } from 'node:stream';

/** Queue limit of a stream before it is paused. */
const STREAM_HIGH_WATER = 4 * 1024 * 1024;

export class StreamPuller {
  readonly #queue: Buffer[] = [];
  #head = 0;
  #queued = 0;
  #ended = false;
  #error: Error | null = null;
  #wake: (() => void) | null = null;

  constructor(private readonly stream: Readable) {
    // A stream that already ended (empty stdin from /dev/null, read to its end by a peek) emits
    // 'end' no more: waiting for it would leave the read pending forever.
    this.#ended = stream.readableEnded || stream.destroyed;
    stream.on('data', (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      this.#queue.push(bytes);
      this.#queued += bytes.length;
      if (this.#queued >= STREAM_HIGH_WATER) stream.pause();
      this.#notify();
    });
    stream.on('end', () => { this.#ended = true; this.#notify(); });
    stream.on('close', () => { this.#ended = true; this.#notify(); });
    stream.on('error', (error: Error) => { this.#error ??= error; this.#notify(); });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Copies queued bytes into target; resolves 0 at the end; rejects with the stream's error once the queue is drained. */
  async read(target: Buffer, offset: number, length: number): Promise<number> {
    while (this.#queue.length === 0 && !this.#ended && this.#error === null) {
      await new Promise<void>((resolve) => { this.#wake = resolve; });
    }
    if (this.#queue.length === 0) {
      if (this.#error !== null) throw this.#error;
      return 0;
    }
    let copied = 0;
    while (copied < length && this.#queue.length > 0) {
      const chunk = this.#queue[0]!;
      const n = Math.min(length - copied, chunk.length - this.#head);
      chunk.copy(target, offset + copied, this.#head, this.#head + n);
      copied += n;
      this.#head += n;
      if (this.#head === chunk.length) {
        this.#queue.shift();
        this.#head = 0;
      }
    }
    this.#queued -= copied;
    if (this.#queued < STREAM_HIGH_WATER / 2 && this.stream.isPaused() && !this.#ended) this.stream.resume();
    return copied;
  }

  destroy(): void {
    this.stream.destroy();
  }
}
