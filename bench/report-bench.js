#!/usr/bin/env node
// The --html report of a 10,000-record trace in headless Chromium (Debian's, via playwright-core):
// time from navigation to the page's `data-interactive` (axis drawn, first rows, filters live) and
// `data-ready` (every record listed),
// then to a click on a mark selecting its record. argv: <runs> <records>. Prints JSON for run.js.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 5);
const count = Number(process.argv[3] ?? 10000);
const BIN = fileURLToPath(new URL('../bin/instance-trace', import.meta.url));
const ID = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
  statSync(process.env.CHROMIUM ?? '/usr/bin/chromium');
} catch {
  process.stderr.write('report: needs playwright-core (npm ci) and Debian chromium (apt-get install chromium)\n');
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'it-report-bench-'));
try {
  // Five hosts, a record a second, every tenth an error with a traceback.
  const levels = ['INFO', 'INFO', 'DEBUG', 'WARNING', 'INFO', 'INFO', 'INFO', 'INFO', 'INFO', 'ERROR'];
  for (let h = 0; h < 5; h++) {
    const lines = [];
    for (let i = h; i < count; i += 5) {
      const t = new Date(Date.UTC(2026, 2, 2, 9) + i * 1000).toISOString().replace('T', ' ').replace('Z', '');
      const level = levels[i % 10];
      lines.push(`${t} 4242 ${level} nova.compute.manager [req-${String(i % 97).padStart(8, '0')}-1d7a-4c33-9e4b-7a1d2c3b4e5f u p - - -] [instance: ${ID}] step ${i} of the build`);
      if (level === 'ERROR') lines.push(`${t} 4242 ERROR nova.compute.manager [instance: ${ID}] Traceback (most recent call last):`, `${t} 4242 ERROR nova.compute.manager [instance: ${ID}] OSError: [Errno 28] No space left on device`);
    }
    mkdirSync(join(work, `cp-${h}`));
    writeFileSync(join(work, `cp-${h}`, 'nova-compute.log'), `${lines.join('\n')}\n`);
  }
  const report = join(work, 'report.html');
  const t0 = performance.now();
  execFileSync(process.execPath, [BIN, ID, ...[0, 1, 2, 3, 4].map((h) => join(work, `cp-${h}`)), '--html', report], { stdio: ['ignore', 'ignore', 'ignore'] });
  const writeMs = performance.now() - t0;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', chromiumSandbox: false,
    args: ['--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
  const ready = [];
  const listed = [];
  const click = [];
  let records = 0;
  for (let r = 0; r < runs + 1; r++) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const start = performance.now();
    await page.goto(`file://${report}`);
    // Interactive: the axis drawn, the first rows listed, filters and keys live (the remaining rows
    // follow a chunk per frame); listed: every record's row in the page.
    await page.waitForSelector('body[data-interactive="true"]', { timeout: 60_000 });
    const readyMs = performance.now() - start;
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    const listedMs = performance.now() - start;
    const before = performance.now();
    // A click where a mark's dot is drawn (dense slices overlap: the topmost dot there is clicked).
    const box = await page.locator('.vis-point.mark .vis-dot').first().boundingBox();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForSelector('#records li.selected');
    const clickMs = performance.now() - before;
    records = await page.evaluate(() => document.querySelectorAll('#records li[data-source]').length);
    await page.close();
    if (r === 0) continue; // warm-up
    ready.push(readyMs);
    listed.push(listedMs);
    click.push(clickMs);
  }
  await browser.close();
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  process.stdout.write(JSON.stringify({ records, bytes: statSync(report).size, writeMs, readyMs: median(ready), readyMax: Math.max(...ready), listedMs: median(listed), clickMs: median(click), runs }));
} finally {
  rmSync(work, { recursive: true, force: true });
}
