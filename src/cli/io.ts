/** The process's streams and environment, injectable so the CLI can be tested in-process. */
import type { Readable, Writable } from 'node:stream';

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
      process.stderr.write(`instance-trace: cannot write output: ${error.message}\n`);
      process.exit(2);
    });
  }
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, now: () => Date.now() };
}

/** One clear line on stderr, prefixed with the program name; control characters shown escaped. */
export function printError(io: CliIO, message: string): void {
  io.stderr.write(`instance-trace: ${message.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}\n`);
}
