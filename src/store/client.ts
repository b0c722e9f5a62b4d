/**
 * Talking to ClickHouse over HTTP through the official client (@clickhouse/client: keep-alive
 * sockets, streaming inserts, the server's errors as errors). Every failure becomes a StoreError
 * with one line a user can act on, never holding the password.
 */
import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import type { StoreUrl } from './url.js';
import { parseTsv } from './sql.js';

export type StoreErrorKind = 'unreachable' | 'auth' | 'no-database' | 'no-table' | 'schema' | 'server';

/** A store failure, one line, credentials removed. */
export class StoreError extends Error {
  override name = 'StoreError';
  constructor(message: string, readonly kind: StoreErrorKind) {
    super(message);
  }
}

export type Settings = Record<string, string | number>;

/** The client library, loaded on first use: only the store commands pay for it. */
let library: Promise<typeof import('@clickhouse/client')> | null = null;

export class StoreClient {
  #made: Promise<ClickHouseClient> | null = null;

  constructor(readonly url: StoreUrl) {}

  get #client(): Promise<ClickHouseClient> {
    this.#made ??= (library ??= import('@clickhouse/client')).then(({ ClickHouseLogLevel, createClient }) => createClient({
      url: this.url.http,
      username: this.url.username,
      password: this.url.password,
      request_timeout: 60_000,
      log: { level: ClickHouseLogLevel.OFF },
      // 18.16 knows no newer settings: send none we do not name.
      clickhouse_settings: {},
    }));
    return this.#made;
  }

  /** Runs a statement that returns nothing (DDL). */
  async command(query: string, settings: Settings = {}): Promise<void> {
    await this.#wrap(async () => {
      await (await this.#client).command({ query, clickhouse_settings: settings as never });
    });
  }

  /** Runs a query; its rows as objects (JSONEachRow: 64-bit integers come as strings). */
  async rows<T>(query: string, settings: Settings = {}): Promise<T[]> {
    return this.#wrap(async () => {
      const result = await (await this.#client).query({ query, format: 'JSONEachRow', clickhouse_settings: settings as never });
      return (await result.json()) as T[];
    });
  }

  /**
   * Runs a query; its rows as TabSeparated fields, unescaped (wide rows: one parse instead of
   * JSON's two). The answer's bytes are decoded once, whole (the client's text() decodes chunk by
   * chunk into a rope: slower, and more garbage, on answers of tens of MB).
   */
  async tsv(query: string, settings: Settings = {}): Promise<string[][]> {
    return this.#wrap(async () => {
      const { stream } = await (await this.#client).exec({ query: `${query} FORMAT TabSeparated`, clickhouse_settings: settings as never });
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return parseTsv(Buffer.concat(chunks).toString('utf8'));
    });
  }

  /** Inserts TabSeparated lines (each ending in \n; UTF-8 bytes, in pieces) into a table, in one INSERT. */
  async insertTsv(table: string, columns: readonly string[], body: string | readonly Uint8Array[], settings: Settings = {}): Promise<void> {
    const pieces = typeof body === 'string' ? [Buffer.from(body)] : body.filter((b) => b.byteLength > 0).map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    if (pieces.length === 0 || pieces.every((b) => b.length === 0)) return;
    await this.#wrap(async () => {
      await (await this.#client).insert({ table, columns: [...columns] as [string, ...string[]], values: Readable.from(pieces, { objectMode: false }), format: 'TabSeparated', clickhouse_settings: settings as never });
    });
  }

  async close(): Promise<void> {
    if (this.#made !== null) await (await this.#made).close().catch(() => undefined);
  }

  async #wrap<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw describeStoreError(error, this.url);
    }
  }
}

/** The one line for a failure: unreachable, refused credentials, missing database or table, or the server's own words. */
export function describeStoreError(error: unknown, url: StoreUrl): StoreError {
  const where = url.display;
  const text = redact(error instanceof Error ? error.message : String(error), url);
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|EPIPE)$/.test(code)) {
    return new StoreError(`cannot reach the store at ${where} (${code})`, 'unreachable');
  }
  if (/Timeout error|socket hang up|other side closed/i.test(text)) return new StoreError(`cannot reach the store at ${where} (${firstLine(text)})`, 'unreachable');
  const server = /Code: (\d+)/.exec(text);
  const number = server === null ? null : Number(server[1]);
  if (number === 192 || number === 193 || number === 194 || number === 516) {
    return new StoreError(`the store at ${where} refused user ${JSON.stringify(url.username)}: wrong user or password`, 'auth');
  }
  if (number === 81) return new StoreError(`the store at ${where} has no database ${url.database}: run \`instance-trace store init\` first`, 'no-database');
  if (number === 60) return new StoreError(`the store at ${where} has no trace tables: run \`instance-trace store init\` first`, 'no-table');
  return new StoreError(`the store at ${where} failed: ${serverMessage(text)}`, 'server');
}

/** The server's message without its stack or repetition: `Code: N, e.displayText() = DB::Exception: …`. */
function serverMessage(text: string): string {
  const m = /Code: (\d+), e\.displayText\(\) = (?:DB::Exception: )?(.*?)(?:, e\.what\(\) = .*)?$/s.exec(text);
  const line = m === null ? firstLine(text) : `${firstLine(m[2]!)} (code ${m[1]})`;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown error';
}

function redact(text: string, url: StoreUrl): string {
  if (url.password === '') return text;
  return text.split(url.password).join('***').split(encodeURIComponent(url.password)).join('***');
}
