/** What the store commands share: the store from --store or INSTANCE_TRACE_STORE, and its failures as one line. */
import { StoreClient, StoreError } from '../store/client.js';
import { resolveStore, StoreUrlError } from '../store/url.js';
import { UsageError } from './options.js';
import { printError, type CliIO } from './io.js';

export const STORE_OPTION = {
  type: 'string',
  nargs: 1,
  describe: 'the store: clickhouse://[user[:password]@]host[:port]/database, or a file holding it (default $INSTANCE_TRACE_STORE; a password is safer there or in a file than on the command line)',
} as const;

/** A client for the store given, or a UsageError when none is given or it is malformed. */
export function openStore(flag: string | undefined, io: CliIO): StoreClient {
  let url;
  try {
    url = resolveStore(flag, io.env);
  } catch (error) {
    if (error instanceof StoreUrlError) throw new UsageError(error.message);
    throw error;
  }
  if (url === null) throw new UsageError('no store: give --store or set INSTANCE_TRACE_STORE');
  return new StoreClient(url);
}

/** Runs store work; a StoreError is one line and status 2. */
export async function withStore(client: StoreClient, io: CliIO, work: () => Promise<number>): Promise<number> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof StoreError) {
      printError(io, error.message);
      return 2;
    }
    throw error;
  } finally {
    await client.close();
  }
}
