/**
 * `instance-trace store init --store <url> [--cluster <name> --shard <url>…]`: the database and
 * tables of a store; with --cluster, local tables on every shard and Distributed tables over them
 * on each (no ON CLUSTER: that needs ZooKeeper).
 */
import type { Argv, ArgumentsCamelCase, CommandModule } from 'yargs';
import { initSchema } from '../store/schema.js';
import { parseStoreUrl, StoreUrlError } from '../store/url.js';
import { StoreClient } from '../store/client.js';
import { listOf, settleFlags, UsageError } from './options.js';
import { type CliIO } from './io.js';
import { openStore, STORE_OPTION, withStore } from './store-io.js';

export interface StoreInitArgs {
  store?: string;
  cluster?: string;
  shard?: string | string[];
}

export function storeCommand(io: CliIO, setStatus: (status: number) => void): CommandModule<object, object> {
  return {
    command: 'store <action>',
    describe: 'manage a ClickHouse store (init: create its database and tables)',
    builder: (y: Argv) => y.command({
      command: 'init',
      describe: 'create the database (where the user may) and the tables; with --cluster, on every shard',
      builder: (z: Argv) => z
        .option('store', STORE_OPTION)
        .option('cluster', { type: 'string', nargs: 1, describe: "a cluster of the servers' remote_servers config: local and Distributed tables on each shard" })
        .option('shard', { type: 'string', nargs: 1, describe: 'with --cluster: the URL of another shard (repeatable; same database)' }) as unknown as Argv<StoreInitArgs>,
      handler: async (args: ArgumentsCamelCase<StoreInitArgs>) => {
        setStatus(await runStoreInit(args, io));
      },
    }).demandCommand(1, 'store: say what to do (init)') as Argv,
    handler: () => undefined,
  };
}

export async function runStoreInit(args: StoreInitArgs, io: CliIO): Promise<number> {
  const settings = settleFlags(() => {
    const main = openStore(args.store, io);
    const cluster = args.cluster === undefined ? null : String(args.cluster);
    if (cluster !== null && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(cluster)) throw new UsageError(`bad --cluster name ${JSON.stringify(cluster)}`);
    const shards = listOf(args.shard).map((text) => {
      try {
        return parseStoreUrl(text);
      } catch (error) {
        throw new UsageError(`--shard: ${(error as StoreUrlError).message}`);
      }
    });
    if (shards.length > 0 && cluster === null) throw new UsageError('--shard needs --cluster');
    for (const shard of shards) if (shard.database !== main.url.database) throw new UsageError(`--shard ${shard.display}: not the database of --store (${main.url.database})`);
    return { main, cluster, shards };
  }, io);
  if (settings === null) return 2;
  const { main, cluster } = settings;
  const others = settings.shards.filter((s) => s.display !== main.url.display).map((url) => new StoreClient(url));
  return withStore(main, io, async () => {
    try {
      for (const client of [main, ...others]) {
        await initSchema(client, cluster);
        io.stderr.write(`instance-trace: store ready: ${client.url.display}${cluster === null ? '' : ` (cluster ${cluster})`}\n`);
      }
    } finally {
      for (const client of others) await client.close();
    }
    return 0;
  });
}
