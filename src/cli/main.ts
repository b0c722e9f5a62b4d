/**
 * The command line: `instance-trace <instance-id> <paths..>` (the default command),
 * `instance-trace filter …` (the streaming stage, src/cli/filter.ts) and `instance-trace images …`
 * (the image cache view, src/cli/images.ts). Errors a user can cause are
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
  if (argv.length === 0) {
    io.stderr.write(USAGE);
    return 2;
  }
  const [{ default: yargs }, { TRACE_EXAMPLES, traceCommand }, { filterCommand }, { imagesCommand }, { ingestCommand }, { storeCommand }] = await Promise.all([
    import('yargs'), import('./trace.js'), import('./filter.js'), import('./images.js'), import('./ingest.js'), import('./store.js'),
  ]);
  let status = 0;
  const setStatus = (s: number): void => { status = s; };
  argv = attachColorValue(attachDashedValues(argv));
  const trace = traceCommand(io, setStatus);
  const filter = filterCommand(io, setStatus);
  const images = imagesCommand(io, setStatus);
  // The command a usage error belongs to, for its own --help.
  const named = [filter, images].map((c) => String(c.command).split(' ')[0]!).find((name) => name === argv[0]);
  const helpHint = named === undefined ? 'instance-trace --help' : `instance-trace ${named} --help`;
  let parser = yargs(argv)
    .scriptName('instance-trace')
    .command(trace)
    .command(filter)
    .command(images)
    .command(ingestCommand(io, setStatus))
    .command(storeCommand(io, setStatus));
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
    if (error instanceof CliFailure && error.usage && message.startsWith('Not enough non-option arguments') && named === undefined) {
      // No instance id given (only flags): what to type, not yargs' argument count.
      io.stderr.write(USAGE);
      return 2;
    }
    printError(io, error instanceof CliFailure && error.usage ? `${message} (see ${helpHint})` : message);
    return 2;
  }
  return status;
}

const USAGE = [
  'usage: instance-trace <instance-id> [paths..]     one instance\'s history across every host\'s logs',
  '       instance-trace filter -i <id> [paths..]    the same matching as a pipeline stage',
  '       instance-trace images [paths..]           what every host\'s image cache holds',
  'example: instance-trace 9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11 /var/log/collected/',
  'more: instance-trace --help, man instance-trace',
  '',
].join('\n');

/** Values `--color` takes; any other next word is not its value (a path, the next flag). */
const COLOR_VALUES = new Set(['auto', 'always', 'never', 'yes', 'no', 'none', 'force']);

/**
 * A bare `--color` means always, as in grep and git; `--color never` and `--color=never` give
 * the value. Up to a `--`.
 */
export function attachColorValue(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return [...out, ...argv.slice(i)];
    if (arg !== '--color') {
      out.push(arg);
      continue;
    }
    const value = argv[i + 1];
    if (value !== undefined && COLOR_VALUES.has(value)) {
      out.push(`--color=${value}`);
      i++;
    } else {
      out.push('--color=always');
    }
  }
  return out;
}

/**
 * Flags whose value may begin with a dash (`--offset cp-3=-2s`, `--tz -05:00`, a mistaken
 * `--since -1h`). yargs first parses the command line before it knows a command's options, and
 * reads `-1h` as the flags `-1 -h` (help, exit 0); written `--since=-1h` it is a value.
 */
const DASHED_VALUE_FLAGS = new Set(['--since', '--until', '--offset', '--tz', '--request-window', '--idle-flush']);

/** `--since -1h` → `--since=-1h`, up to a `--` (after which every argument is a path). */
export function attachDashedValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return [...out, ...argv.slice(i)];
    const value = argv[i + 1];
    if (DASHED_VALUE_FLAGS.has(arg) && value !== undefined && value.startsWith('-') && value !== '-' && value !== '--') {
      out.push(`${arg}=${value}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

class CliFailure extends Error {
  readonly usage: boolean;
  constructor(message: string, cause: Error | undefined) {
    super(message);
    this.usage = cause === undefined;
  }
}
