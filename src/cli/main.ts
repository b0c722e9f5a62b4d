/**
 * The command line: `instance-trace <instance-id> <paths..>` (the default command) and
 * `instance-trace filter …` (the streaming stage, src/cli/filter.ts). Errors a user can cause are
 * one line on stderr and exit status 2, never a stack trace.
 */
import { readFileSync } from 'node:fs';
import { printError, processIO, type CliIO } from './io.js';

function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

const EPILOGUE = [
  'A record is in the trace because it carries the instance as its tag (T), names it (M), shares',
  "a request that is the instance's own (R), or is the image cache manager acting on its base file on",
  'a host where it lived, from its arrival until the file is removed (C; C? when the image is unknown).',
  '',
  'Exit status: 0 records found, 1 nothing found, 2 an error (bad flag or id, no readable input,',
  'some input skipped or damaged).',
].join('\n');

/** Runs the CLI and resolves to the process exit status (0 found, 1 nothing found, 2 error). */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  // Loading yargs and the layers is most of start-up time; the version alone needs neither.
  if (argv.length === 1 && argv[0] === '--version') {
    io.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const [{ default: yargs }, { TRACE_EXAMPLES, traceCommand }, { filterCommand }] = await Promise.all([
    import('yargs'), import('./trace.js'), import('./filter.js'),
  ]);
  let status = 0;
  const setStatus = (s: number): void => { status = s; };
  let parser = yargs(argv)
    .scriptName('instance-trace')
    .command(traceCommand(io, setStatus))
    .command(filterCommand(io, setStatus));
  for (const [command, description] of TRACE_EXAMPLES) parser = parser.example(command, description);
  try {
    await parser
      .epilogue(EPILOGUE)
      .version(packageVersion())
      .help()
      .alias('h', 'help')
      .strict()
      .exitProcess(false)
      .wrap(Math.min(100, process.stdout.columns ?? 100))
      .fail((msg, err) => {
        // yargs reports its own usage errors as msg; anything else is a bug or an I/O failure.
        throw new CliFailure(msg ?? err?.message ?? 'unknown error', err);
      })
      .parseAsync(argv, {}, (error: Error | null | undefined, _args: unknown, output: string) => {
        // --help and --version text: written to our stdout, not console.log.
        if (!error && output) io.stdout.write(`${output}\n`);
      });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    printError(io, error instanceof CliFailure && error.usage ? `${message} (see instance-trace --help)` : message);
    return 2;
  }
  return status;
}

class CliFailure extends Error {
  readonly usage: boolean;
  constructor(message: string, cause: Error | undefined) {
    super(message);
    this.usage = cause === undefined;
  }
}
