/**
 * Where the store is: `clickhouse://[user[:password]@]host[:port]/database` (port: ClickHouse's
 * HTTP port, default 8123). The password never leaves this object except towards the server: it
 * is not in `display`, in errors, or in anything printed. So that it is not in `ps` either, the
 * URL may come from INSTANCE_TRACE_STORE, or `--store` may name a file that holds it.
 */
import { readFileSync } from 'node:fs';

export interface StoreUrl {
  /** http://host:port, no credentials. */
  http: string;
  username: string;
  password: string;
  database: string;
  /** clickhouse://user@host:port/database: the password never shown. */
  display: string;
}

/** A store location that cannot be used; its message never holds a password. */
export class StoreUrlError extends Error {
  override name = 'StoreUrlError';
}

const DATABASE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Parses a store URL; a database may be left empty only when `allowNoDatabase` (tests, `store init` of a server). */
export function parseStoreUrl(text: string): StoreUrl {
  const value = text.trim();
  const match = /^clickhouse:\/\/(?:([^@/]*)@)?([^/@]+)\/([^/?#]*)$/.exec(value);
  if (match === null) throw new StoreUrlError('not a store URL (expected clickhouse://[user[:password]@]host[:port]/database)');
  const [, auth, hostPort, db] = match as unknown as [string, string | undefined, string, string];
  let username = 'default';
  let password = '';
  if (auth !== undefined) {
    const colon = auth.indexOf(':');
    try {
      username = decodeURIComponent(colon === -1 ? auth : auth.slice(0, colon));
      password = colon === -1 ? '' : decodeURIComponent(auth.slice(colon + 1));
    } catch {
      throw new StoreUrlError('store URL: bad %-escape in the user or password');
    }
    if (username === '') username = 'default';
  }
  const hp = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(hostPort);
  if (hp === null) throw new StoreUrlError(`store URL: bad host ${JSON.stringify(hostPort)}`);
  const port = hp[2] === undefined ? 8123 : Number(hp[2]);
  if (port < 1 || port > 65535) throw new StoreUrlError(`store URL: bad port ${hp[2]}`);
  let database: string;
  try {
    database = decodeURIComponent(db);
  } catch {
    throw new StoreUrlError('store URL: bad %-escape in the database');
  }
  if (!DATABASE_NAME.test(database)) {
    throw new StoreUrlError(`store URL: ${database === '' ? 'no database (…/database at the end)' : `bad database name ${JSON.stringify(database)}`} (letters, digits, _)`);
  }
  const host = hp[1]!;
  return {
    http: `http://${host}:${port}`,
    username,
    password,
    database,
    display: `clickhouse://${encodeURIComponent(username)}@${host}:${port}/${database}`,
  };
}

/**
 * The store to use: `--store` (a URL, or the path of a file whose first line is one), else
 * INSTANCE_TRACE_STORE (the same forms); null when neither is given.
 */
export function resolveStore(flag: string | undefined, env: NodeJS.ProcessEnv): StoreUrl | null {
  const given = flag ?? env.INSTANCE_TRACE_STORE;
  if (given === undefined || given.trim() === '') return null;
  if (given.trim().startsWith('clickhouse://')) return parseStoreUrl(given);
  let text: string;
  try {
    text = readFileSync(given.trim(), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new StoreUrlError(`store: neither a clickhouse:// URL nor a readable file (${code})`);
  }
  return parseStoreUrl(text.split('\n')[0] ?? '');
}
