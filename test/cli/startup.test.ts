/**
 * How bin/instance-trace starts: one clear line when nothing is built; `--version` without yargs;
 * and the one-file bundle (dist/instance-trace.js, made by `npm run build` when esbuild is
 * installed) behaving exactly like the modules it packs.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLOUD, ID, ensureBuilt, runMain, spawnCli } from './fixture/run.js';

ensureBuilt();

const NOT_BUILT = 'instance-trace: not built — run npm run build (or npm ci)\n';
const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

const root = mkdtempSync(path.join(tmpdir(), 'it-startup-'));
const cloud = path.resolve(CLOUD);
t.teardown(() => rmSync(root, { recursive: true, force: true }));

/**
 * Runs `node <launcher> args` with a clean environment (no tap loaders, see fixture/run.ts), from a
 * folder of its own so that nothing is found through the working directory by chance.
 */
function run(launcher: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', 'unset NODE_OPTIONS; exec "$0" "$@"', process.execPath, launcher, ...args], {
      env: { PATH: process.env.PATH, ...env }, cwd: root, timeout: 30_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A copy of the package with only the parts named: bin/ and package.json always. */
function checkout(name: string, parts: { dist?: boolean; nodeModules?: boolean }): string {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'bin'), { recursive: true });
  cpSync('bin/instance-trace', path.join(dir, 'bin', 'instance-trace'));
  cpSync('package.json', path.join(dir, 'package.json'));
  if (parts.dist) cpSync('dist', path.join(dir, 'dist'), { recursive: true, preserveTimestamps: true });
  if (parts.nodeModules) symlinkSync(path.resolve('node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

t.test('not built: one line that says what to do, exit 2, no stack trace', async (t) => {
  const dir = checkout('unbuilt', {});
  for (const args of [['--help'], ['--version'], [ID, cloud]]) {
    const r = await run(path.join(dir, 'bin', 'instance-trace'), args);
    t.equal(r.status, 2, args.join(' '));
    t.equal(r.stderr, NOT_BUILT, args.join(' '));
    t.equal(r.stdout, '');
  }
});

t.test('built but its dependencies not installed: the same line', async (t) => {
  const dir = checkout('no-deps', { dist: true });
  rmSync(path.join(dir, 'dist', 'instance-trace.js'), { force: true }); // the modules, which import yargs
  const r = await run(path.join(dir, 'bin', 'instance-trace'), ['--help']);
  t.equal(r.status, 2);
  t.equal(r.stderr, NOT_BUILT);
});

t.test('--version: the package version, in-process and through the launcher', async (t) => {
  t.equal((await runMain(['--version'])).stdout, `${VERSION}\n`);
  const r = spawnCli(['--version']);
  t.equal(r.status, 0);
  t.equal(r.stdout, `${VERSION}\n`);
  t.equal(r.stderr, '');
});

function builtAt(file: string): number {
  return statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? -1;
}

const noFreshBundle = builtAt('dist/instance-trace.js') < builtAt('dist/cli/main.js')
  && 'no bundle as new as dist/cli/main.js (npm run build makes one when esbuild is installed)';

t.test('the bundle behaves exactly like the modules it packs', { skip: noFreshBundle }, async (t) => {
  // Each copy holds one way to start: only the bundle when it is the newer file, only the modules when it is gone.
  const bundled = checkout('bundled', { dist: true, nodeModules: true });
  const modules = checkout('modules', { dist: true, nodeModules: true });
  rmSync(path.join(modules, 'dist', 'instance-trace.js'));
  const cases: ReadonlyArray<[string[], NodeJS.ProcessEnv, string]> = [
    [['--help'], {}, 'Examples:'],
    [['filter', '--help'], {}, '--idle-flush'],
    [['--help'], { LANG: 'de_DE.UTF-8' }, 'Beispiele:'], // yargs' translations are found from the bundle too
    [['--no-such-flag', ID, cloud], {}, 'Unknown argument'],
    [[ID, cloud, '--json', '--offset', 'cp-3=-4s'], { INSTANCE_TRACE_WORKERS: '2' }, '"why":"cache"'], // the search workers load beside the bundle
    [['filter', '-i', ID, path.join(cloud, 'cp-1', 'nova-compute.log')], {}, 'Claim successful'],
  ];
  for (const [args, env, shows] of cases) {
    const name = `${Object.entries(env).map(([k, v]) => `${k}=${v} `).join('')}${args.join(' ')}`;
    const [a, b] = await Promise.all([
      run(path.join(bundled, 'bin', 'instance-trace'), args, env),
      run(path.join(modules, 'bin', 'instance-trace'), args, env),
    ]);
    t.same(a, b, name);
    t.match(a.stdout + a.stderr, shows, name);
  }
  // And the copy that runs the bundle really runs it: without the modules' entry it still works.
  rmSync(path.join(bundled, 'dist', 'cli', 'main.js'));
  t.equal((await run(path.join(bundled, 'bin', 'instance-trace'), [ID, cloud])).status, 0);
});
