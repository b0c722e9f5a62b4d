/**
 * The package as a user installs it: packed from a clean checkout of the committed tree (its
 * `prepare` builds dist/), unpacked into a project's node_modules, then imported from ESM,
 * required from CommonJS (Node ≥ 20.19 loads ES modules with require()), type-checked from a
 * .cts file, and its command run. The scratch project sits inside the repository so that the
 * package's own dependencies resolve from our node_modules: no network needed.
 */
import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';

const repo = process.cwd();
mkdirSync(path.join(repo, '.pack-test'), { recursive: true });
const root = mkdtempSync(path.join(repo, '.pack-test', 'run-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(_?TAP|NODE_OPTIONS$|NODE_V8_COVERAGE$)/.test(k)));

t.test('npm pack of a clean checkout holds a built package that ESM, CommonJS and TypeScript callers can use', async (t) => {
  // A clean checkout: the committed tree only (no dist/), with our node_modules for the build.
  const checkout = path.join(root, 'checkout');
  mkdirSync(checkout);
  execFileSync('/bin/sh', ['-c', `git archive HEAD | tar -x -C "${checkout}"`], { cwd: repo });
  t.notOk(existsSync(path.join(checkout, 'dist')), 'the checkout has no dist/');
  symlinkSync(path.join(repo, 'node_modules'), path.join(checkout, 'node_modules'));
  execFileSync('npm', ['pack', '--silent', '--pack-destination', root], { cwd: checkout, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const tarball = readdirSync(root).find((f) => f.endsWith('.tgz'));
  t.ok(tarball, 'a tarball');

  const project = path.join(root, 'project');
  const installed = path.join(project, 'node_modules', 'instance-trace');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', path.join(root, tarball!), '-C', installed, '--strip-components=1']);
  const files = execFileSync('tar', ['-tzf', path.join(root, tarball!)], { encoding: 'utf8' });
  t.match(files, /package\/dist\/index\.js/, 'dist/ is in the package');
  t.match(files, /package\/LICENSE/, 'the licence too');
  t.notMatch(files, /package\/(src|test)\//, 'sources and tests are not');

  writeFileSync(path.join(project, 'package.json'), '{"name":"scratch","private":true}\n');
  writeFileSync(path.join(project, 'esm.mjs'),
    "import { createLogger } from 'instance-trace';\nconst log = createLogger({ name: 'esm' });\nlog.info({ instance: '96abccce-8d1f-4e07-b6d1-4b2ab87e23b4' }, 'from esm');\n");
  writeFileSync(path.join(project, 'cjs.cjs'),
    "const { createLogger } = require('instance-trace');\nconst log = createLogger({ name: 'cjs' });\nlog.info({ instance: '96abccce-8d1f-4e07-b6d1-4b2ab87e23b4' }, 'from cjs');\n");
  for (const [file, message] of [['esm.mjs', 'from esm'], ['cjs.cjs', 'from cjs']] as const) {
    const r = spawnSync(process.execPath, [file], { cwd: project, env, encoding: 'utf8' });
    t.equal(r.status, 0, `${file} runs: ${r.stderr}`);
    const line = JSON.parse(r.stdout) as { msg: string; instance_uuid: string };
    t.equal(line.msg, message);
    t.equal(line.instance_uuid, '96abccce-8d1f-4e07-b6d1-4b2ab87e23b4', `${file}: the instance tag`);
    t.equal(r.stderr, '', `${file}: no warning`);
  }

  // The types serve both kinds of caller: a .cts that requires it type-checks, and a wrong use does not.
  writeFileSync(path.join(project, 'ok.cts'), "import it = require('instance-trace');\nit.createLogger({ name: 'x' }).info('typed');\n");
  writeFileSync(path.join(project, 'bad.cts'), "import it = require('instance-trace');\nconst n: number = it.createLogger;\nexport { n };\n");
  // One tsc run over both (lib checks skipped: the declarations are the package's own, checked
  // by its build; what is tested is what a caller's require() resolves to).
  const tsc = path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
  const check = spawnSync(process.execPath, [tsc, '--ignoreConfig', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--strict', '--noEmit', '--skipLibCheck', '--types', 'node', '--typeRoots', path.join(repo, 'node_modules', '@types'), 'ok.cts', 'bad.cts'], { cwd: project, encoding: 'utf8' });
  t.not(check.status, 0, 'a wrong use is a type error');
  const errors = check.stdout.split('\n').filter((line) => /error TS\d+/.test(line));
  t.equal(errors.length, 1, `one error only: ${check.stdout}`);
  t.match(errors[0], /^bad\.cts\(2,7\): error TS2322/, 'in the wrong use; a CommonJS caller that uses it right type-checks');

  // The command, as npm links it.
  const cli = spawnSync('/bin/sh', ['-c', 'unset NODE_OPTIONS; exec "$@"', 'sh', process.execPath, path.join(installed, 'bin', 'instance-trace'), '--version'], { cwd: project, env, encoding: 'utf8' });
  t.equal(cli.status, 0, cli.stderr);
  t.match(cli.stdout, /^\d+\.\d+\.\d+\n$/);
});
