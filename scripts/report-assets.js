#!/usr/bin/env node
// Gathers what the --html report inlines into one file, dist/report-assets.json: vis-timeline's
// standalone build and stylesheet (from node_modules, a devDependency: the installed package
// carries only this file) and the page's own script and stylesheet (src/render/report/). Run by
// `npm run build` after tsc. Source-map comments are dropped: the page must make no request.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (...parts) => readFileSync(path.join(root, ...parts), 'utf8').replace(/\n?\/[/*]# sourceMappingURL=\S+( \*\/)?\s*$/, '\n');
const vis = path.join('node_modules', 'vis-timeline');
const assets = {
  visVersion: JSON.parse(readFileSync(path.join(root, vis, 'package.json'), 'utf8')).version,
  visJs: read(vis, 'standalone', 'umd', 'vis-timeline-graph2d.min.js'),
  visCss: read(vis, 'styles', 'vis-timeline-graph2d.min.css'),
  appJs: read('src', 'render', 'report', 'app.js'),
  appCss: read('src', 'render', 'report', 'app.css'),
};
mkdirSync(path.join(root, 'dist'), { recursive: true });
writeFileSync(path.join(root, 'dist', 'report-assets.json'), JSON.stringify(assets));
