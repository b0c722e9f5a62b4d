#!/usr/bin/env node
// Packs the built command (dist/cli/main.js, from tsc) and its dependencies into one file,
// dist/instance-trace.js: node then loads 1 module instead of about 80, which is most of the
// command's start-up time. bin/instance-trace uses it only when it is at least as new as
// dist/cli/main.js. Run by `npm run build` after tsc; without esbuild (a devDependency) it
// removes any old bundle and says so, and the launcher loads dist/cli/main.js.
//
// Two things must mean what they meant unbundled:
// - `import.meta.url` in our modules: each keeps its own dist/ location, so what they find beside
//   themselves (package.json, the search worker dist/trace/search-worker.js) stays where it was;
// - yargs' translations: yargs looks for its locales/ beside its own file; in the bundle that
//   folder is found through node's resolution of the yargs package instead.

import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const entry = path.join(dist, 'cli', 'main.js');
const outfile = path.join(dist, 'instance-trace.js');

let esbuild;
try {
  esbuild = await import('esbuild');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  rmSync(outfile, { force: true });
  process.stderr.write('bundle-cli: esbuild is not installed (npm ci installs it): dist/instance-trace.js not made; the command loads dist/cli/main.js and starts slower\n');
  process.exit(0);
}

const YARGS_LOCALES = "resolve(__dirname, '../../../locales')";

/** @type {import('esbuild').Plugin} */
const keepLocations = {
  name: 'keep-locations',
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(dist + path.sep)) return undefined;
      const own = `./${path.relative(path.dirname(outfile), args.path).split(path.sep).join('/')}`;
      const text = await readFile(args.path, 'utf8');
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(own)}, import.meta.url).href`), loader: 'js' };
    });
    build.onLoad({ filter: /[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes(YARGS_LOCALES)) throw new Error(`${args.path}: no ${YARGS_LOCALES} to redirect (yargs changed: update scripts/bundle-cli.js)`);
      return { contents: text.replace(YARGS_LOCALES, "resolve(dirname(require.resolve('yargs/package.json')), 'locales')"), loader: 'js' };
    });
  },
};

await esbuild.build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  // No lowering: every input already runs unbundled on the Node versions we support. (With
  // target node20, esbuild turns string-width's /\p{RGI_Emoji}/v literals into `new RegExp(…)`,
  // which V8 compiles at once instead of at first use: 20-40 ms more at every start.)
  target: 'esnext',
  logLevel: 'warning',
  // CommonJS that requires node's modules at run time (a bundled ESM file cannot), and loaded only
  // by the store commands: node loads it from node_modules when one runs.
  external: ['@clickhouse/client'],
  plugins: [keepLocations],
});
