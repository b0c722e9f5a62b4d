import yargs from 'yargs';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Runs the CLI and resolves to the process exit status (0 found, 1 nothing found, 2 error). */
export async function main(argv: string[]): Promise<number> {
  let status = 0;
  await yargs(argv)
    .scriptName('instance-trace')
    .usage('$0 <instance-id> <paths...>')
    .version(pkg.version)
    .strict()
    .fail((msg, err) => {
      process.stderr.write(`instance-trace: ${msg ?? err?.message}\n`);
      status = 2;
    })
    .parseAsync();
  return status;
}
