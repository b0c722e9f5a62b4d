/**
 * The store's tables. Works on Debian's ClickHouse 18.16 and on current releases, so it avoids
 * what 18.16 lacks or gates: DateTime64 (a record's time is epoch seconds plus a milliseconds
 * column), data-skipping indexes (lookups go through the id table instead), LowCardinality
 * (experimental there), query parameters (literals are escaped in src/store/sql.ts).
 *
 * - `records`: one row a record, ordered by (source, cluster, line): within a source, the records
 *   tagged with one instance, or naming one UUID alone (an instance, an image), lie together, and
 *   so do the cache manager's (`cluster`, src/store/rows.ts), so that a trace, which reads an
 *   instance's records and its image's cache lines, reads few granules. `text` holds its
 *   physical lines as read: the trace parses them again (src/store/rows.ts foundOfRow), as the
 *   file trace parses each framed record, so no copy of the parsed record is stored (it was two
 *   thirds of a row's bytes and half the server's time of an ingest). `time`/`ms`/`has_time`
 *   keep the time read at ingest (its zone and offsets); the other columns are for people
 *   querying by hand, the lookups' tests and the ingest's bookkeeping (end_offset, identity).
 * - `ids`: one row per id a record carries or names (instance UUIDs, request and global request
 *   ids, image ids, base-file names, and the mark `#cache-cue` of records holding a cache
 *   manager's wording), ordered by id, with the record's key (source, cluster, line): a trace's
 *   passes are point lookups in it, then in `records` by its primary key. `carried` is 1 when the
 *   id is the record's own request id: a request's size is counted here, without reading records.
 *   The source's host and the record's time (as in `records`) let a lookup of an image's cache
 *   lines keep only those of the instance's hosts since it came there, before `records` is read
 *   (measured on an 11 M-record store: the cache manager's lines of a host, 32,053 of them, were
 *   4,054 since the typical instance came, and their lookup took 27 ms instead of 54).
 *
 * On a cluster the rows live in `records_local` and `ids_local` on each shard, and `records`
 * and `ids` are Distributed tables over them on each shard, sharded by source, so a record and
 * its ids are on one shard and a source's bookkeeping is on one shard.
 */
import { quoteName, quoteString, stringList } from './sql.js';
import { StoreError, type StoreClient } from './client.js';

export const RECORD_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['source', 'String'], ['line', 'UInt32'], ['lines', 'UInt32'], ['end_offset', 'UInt64'], ['identity', 'String'],
  ['source_host', 'String'], ['source_host_known', 'UInt8'], ['source_service', 'String'],
  ['host', 'String'], ['service', 'String'], ['time', 'DateTime'], ['ms', 'UInt16'], ['has_time', 'UInt8'],
  ['level', 'String'], ['request_id', 'String'], ['instance_id', 'String'], ['text', 'String'], ['cluster', 'String'],
];

export const ID_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['id', 'String'], ['source', 'String'], ['line', 'UInt32'], ['cluster', 'String'], ['carried', 'UInt8'],
  ['source_host', 'String'], ['source_host_known', 'UInt8'], ['time', 'DateTime'], ['has_time', 'UInt8'],
];

/**
 * Rows of `records` a granule: small, because a trace reads records one here and one there, and
 * ClickHouse reads (and decompresses) a whole granule of every column asked for each. 1,024 rows
 * of `text` and of the parsed record as JSON (stored then; about 1 MiB) for each record found
 * made the trace's reads a thousand times its records' bytes.
 */
export const RECORDS_GRANULARITY = 128;

/** The tables a store's queries name: local ones for the id lookups inside a distributed query. */
export interface Layout {
  database: string;
  records: string;
  ids: string;
  /** The id table each shard looks up by itself (the local one on a cluster). */
  localIds: string;
  distributed: boolean;
}

function columnsSql(columns: ReadonlyArray<readonly [string, string]>): string {
  return columns.map(([name, type]) => `${quoteName(name)} ${type}`).join(', ');
}

/** CREATE statements of one server's tables (`local` names on a cluster). */
function tableStatements(database: string, suffix: string): string[] {
  const db = quoteName(database);
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.${quoteName(`records${suffix}`)} (${columnsSql(RECORD_COLUMNS)}) ENGINE = MergeTree ORDER BY (source, cluster, line) SETTINGS index_granularity = ${RECORDS_GRANULARITY}`,
    `CREATE TABLE IF NOT EXISTS ${db}.${quoteName(`ids${suffix}`)} (${columnsSql(ID_COLUMNS)}) ENGINE = MergeTree ORDER BY (id, source, line)`,
  ];
}

function distributedStatements(database: string, cluster: string): string[] {
  const db = quoteName(database);
  return ['records', 'ids'].map((table) =>
    `CREATE TABLE IF NOT EXISTS ${db}.${quoteName(table)} (${columnsSql(table === 'records' ? RECORD_COLUMNS : ID_COLUMNS)}) ` +
    `ENGINE = Distributed(${quoteName(cluster)}, ${quoteName(database)}, ${quoteName(`${table}_local`)}, cityHash64(source))`);
}

/** Creates the database (where the user may) and the tables of one server; on a cluster, local and Distributed ones. */
export async function initSchema(client: StoreClient, cluster: string | null): Promise<void> {
  const database = client.url.database;
  try {
    await client.command(`CREATE DATABASE IF NOT EXISTS ${quoteName(database)}`);
  } catch (error) {
    // A user who may not create databases may still own an existing one: go on if it is there.
    if (!(await databaseExists(client))) throw error;
  }
  if (cluster !== null) {
    const clusters = await client.rows<{ n: string }>(`SELECT count() AS n FROM system.clusters WHERE cluster = ${quoteString(cluster)}`);
    if (Number(clusters[0]?.n ?? 0) === 0) throw new StoreError(`the store at ${client.url.display} has no cluster ${JSON.stringify(cluster)} in its remote_servers config`, 'schema');
  }
  const statements = cluster === null ? tableStatements(database, '') : [...tableStatements(database, '_local'), ...distributedStatements(database, cluster)];
  for (const sql of statements) await client.command(sql);
  await checkSchema(client);
}

async function databaseExists(client: StoreClient): Promise<boolean> {
  const rows = await client.rows<{ n: string }>(`SELECT count() AS n FROM system.databases WHERE name = ${quoteString(client.url.database)}`);
  return Number(rows[0]?.n ?? 0) > 0;
}

/** The trace tables a store may hold: single-server (`records`, `ids`) or a cluster's local ones beside them. */
const TABLES = ['records', 'ids', 'records_local', 'ids_local'];

/** The store's tables and their columns in order, in one round trip (two queries at once); null when the database is not there. */
async function readTables(client: StoreClient): Promise<Map<string, { engine: string; columns: string }> | null> {
  const database = quoteString(client.url.database);
  const tables = stringList(TABLES);
  const [engines, columns] = await Promise.all([
    client.rows<{ name: string; engine: string }>(`SELECT name, engine FROM system.tables WHERE database = ${database} AND name IN (${tables})`),
    client.rows<{ table: string; name: string; type: string }>(`SELECT table, name, type FROM system.columns WHERE database = ${database} AND table IN (${tables})`),
  ]);
  // No table: tell a missing database from an empty one (a third query, only then).
  if (engines.length === 0 && !(await databaseExists(client))) return null;
  const found = new Map(engines.map((t) => [t.name, { engine: t.engine, columns: [] as string[] }]));
  // system.columns lists a table's columns in their order.
  for (const c of columns) found.get(c.table)?.columns.push(`${c.name} ${c.type}`);
  return new Map([...found].map(([name, t]) => [name, { engine: t.engine, columns: t.columns.join(', ') }]));
}

function layoutOf(database: string, tables: ReadonlyMap<string, unknown>, distributed: boolean): Layout | null {
  if (!tables.has('records') || !tables.has('ids')) return null;
  return { database, records: 'records', ids: 'ids', localIds: distributed ? 'ids_local' : 'ids', distributed };
}

function noDatabase(client: StoreClient): StoreError {
  return new StoreError(`the store at ${client.url.display} has no database ${client.url.database}: run \`instance-trace store init\` first`, 'no-database');
}

/**
 * The store's layout: single-server or Distributed. Null when the tables are not there yet;
 * throws when the database is not.
 */
export async function readLayout(client: StoreClient): Promise<Layout | null> {
  const tables = await readTables(client);
  if (tables === null) throw noDatabase(client);
  return layoutOf(client.url.database, tables, tables.get('records')?.engine === 'Distributed');
}

/**
 * The store's layout, checked in one round trip: its tables hold the columns this version writes
 * (another schema is one clear error naming the first table that differs).
 */
export async function checkSchema(client: StoreClient): Promise<Layout> {
  const tables = await readTables(client);
  if (tables === null) throw noDatabase(client);
  const distributed = tables.get('records')?.engine === 'Distributed';
  const layout = layoutOf(client.url.database, tables, distributed);
  if (layout === null) throw new StoreError(`the store at ${client.url.display} has no trace tables: run \`instance-trace store init\` first`, 'no-table');
  const expected: Array<[string, ReadonlyArray<readonly [string, string]>]> = [['records', RECORD_COLUMNS], ['ids', ID_COLUMNS]];
  if (distributed) expected.push(['records_local', RECORD_COLUMNS], ['ids_local', ID_COLUMNS]);
  for (const [table, columns] of expected) {
    const want = columns.map(([n, t]) => `${n} ${t}`).join(', ');
    if (tables.get(table)?.columns !== want) {
      throw new StoreError(`the store at ${client.url.display} has a table ${layout.database}.${table} of another schema (not made by instance-trace store init, or by another version)`, 'schema');
    }
  }
  return layout;
}
