/** The process's streams and environment, injectable so the CLI can be tested in-process. */
import type { Readable, Writable } from 'node:stream';
import { sanitize } from '../render/sanitize.js';

export interface CliIO {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  now(): number;
}

let pipeGuarded = false;

export function processIO(): CliIO {
  if (!pipeGuarded) {
    pipeGuarded = true;
    // `instance-trace … | head`: the reader left; stop quietly like other Unix filters. Temporary
    // folders go too: process.exit runs the 'exit' handler of src/trace/spool.ts.
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
      process.stderr.write(errorLine(`cannot write output: ${error.message}`));
      process.exit(2);
    });
  }
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, now: () => Date.now() };
}

/**
 * One clear line on stderr, prefixed with the program name. Every stderr line of every command
 * goes through here: messages carry file names and flag values, which are untrusted, so their
 * control characters (ESC, BEL, C1, bidi) are shown escaped and never reach the terminal.
 */
export function printError(io: CliIO, message: string): void {
  io.stderr.write(errorLine(message));
}

function errorLine(message: string): string {
  return `instance-trace: ${sanitize(message)}\n`;
}
