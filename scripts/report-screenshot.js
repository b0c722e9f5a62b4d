#!/usr/bin/env node
// Writes the shipped fixtures' instance report (docs/report.html is not kept: it is rebuilt) and
// its screenshot, docs/report.png, shown in the README. Needs a build (npm run build) and Debian's
// chromium (/usr/bin/chromium, or CHROMIUM=<path>), driven by playwright-core.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(path.join(tmpdir(), 'it-report-'));
try {
  const report = path.join(work, 'report.html');
  execFileSync(process.execPath, [path.join(root, 'bin', 'instance-trace'), '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11', 'fixtures/cloud', '--offset', 'cp-3=-4s', '--html', report], { cwd: root, stdio: 'inherit' });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
    chromiumSandbox: false,
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1150 } });
  await page.goto(`file://${report}`);
  await page.waitForSelector('body[data-ready="true"]');
  // Select the failure so the picture shows a selected mark and record.
  await page.locator('#records li.lvl-error').first().click();
  await page.evaluate(() => window.scrollTo(0, 0));
  mkdirSync(path.join(root, 'docs'), { recursive: true });
  // The viewport itself: rows are painted only within it (content-visibility: auto), so a
  // full-page picture would show the list cut short.
  await page.screenshot({ path: path.join(root, 'docs', 'report.png') });
  await browser.close();
  process.stdout.write('docs/report.png written\n');
} finally {
  rmSync(work, { recursive: true, force: true });
}
