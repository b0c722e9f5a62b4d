/// <reference lib="dom" />
/**
 * The --html report in a real browser: Debian's Chromium driven by playwright-core (no browser
 * download). The fixture instance's report and a report of hostile messages are opened from disk.
 */
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CLOUD, ID, runMain } from '../cli/fixture/run.js';

const root = mkdtempSync(path.join(tmpdir(), 'it-html-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];

let browser: Browser;
t.before(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, chromiumSandbox: false });
});
t.teardown(async () => { await browser?.close(); });

interface Opened { page: Page; consoleErrors: string[]; requests: string[]; dialogs: string[] }

/** Opens a report from disk, counting every request beyond the file itself and every dialog. */
async function open(file: string): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const opened: Opened = { page, consoleErrors: [], requests: [], dialogs: [] };
  const url = `file://${file}`;
  await context.route('**/*', async (route) => {
    if (route.request().url() !== url) opened.requests.push(route.request().url());
    await (route.request().url() === url ? route.continue() : route.abort());
  });
  page.on('console', (m) => { if (m.type() === 'error') opened.consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => opened.consoleErrors.push(String(e)));
  page.on('dialog', async (d) => { opened.dialogs.push(d.message()); await d.dismiss(); });
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  return opened;
}

t.test("the fixture instance's report: every record, a working axis, no error, no request", async (t) => {
  const file = path.join(root, 'report.html');
  const r = await runMain([ID, CLOUD, '--offset', 'cp-3=-4s', '--html', file]);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stderr, `report written to ${file} (42 records)`);
  const { page, consoleErrors, requests } = await open(file);
  const counts = await page.evaluate(() => ({
    json: (JSON.parse(document.getElementById('trace-data')!.textContent!) as unknown[]).length,
    elements: document.querySelectorAll('#records li[data-source]').length,
    marks: document.querySelectorAll('.vis-item.mark').length,
    lanes: [...document.querySelectorAll('.vis-label')].map((l) => l.textContent),
    firstSource: document.querySelector('#records li')!.getAttribute('data-source'),
  }));
  t.equal(counts.json, 42, 'the JSON holds the records');
  t.equal(counts.elements, counts.json, 'one element per record');
  t.ok(counts.marks > 0, `${counts.marks} marks on the axis`);
  t.same(counts.lanes.slice(0, 3), ['controller nova-api', 'controller nova-scheduler', 'cp-1 nova-compute'], 'a lane per host and service');
  t.ok(counts.lanes.includes('cp-2 image cache'), "the cache manager's lane");
  t.equal(counts.firstSource, 'fixtures/cloud/controller/nova-api.log:2');
  const width = await page.evaluate(() => {
    const span = document.querySelector('#records li .msg') as HTMLElement;
    return span.getBoundingClientRect().width;
  });
  t.ok(width > 100, `rendered text has width (${Math.round(width)} px): fonts are present`);

  // A click on a mark selects its record in the list.
  // A click on a mark's dot selects the record that mark stands for (its axis item 'r<index>').
  const dot = page.locator('.vis-point.mark .vis-dot').nth(5);
  await dot.scrollIntoViewIfNeeded(); // the summary above may push the axis below the fold
  const box = (await dot.boundingBox())!;
  const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
  const markOf = await page.evaluate(([px, py]) => {
    const point = document.elementFromPoint(px!, py!)?.closest('.vis-point') as (Element & { 'vis-item'?: { id: string } }) | null;
    return point?.['vis-item']?.id ?? null;
  }, [x, y]);
  t.match(markOf, /^r\d+$/, 'a mark is under the pointer');
  await page.mouse.click(x, y);
  // vis-timeline reports a tap once its gesture recogniser has seen the pointer go up: wait for it.
  await page.waitForSelector('#records li.selected', { timeout: 10_000 }).catch(() => undefined);
  const chosen = await page.evaluate(() => {
    const selected = document.querySelector('#records li.selected');
    return { index: document.body.getAttribute('data-selected'), li: selected?.getAttribute('data-index') ?? null, marked: document.querySelectorAll('.vis-point.vis-selected').length };
  });
  t.equal(chosen.li, markOf!.slice(1), "the clicked mark's record is selected in the list");
  t.equal(chosen.index, chosen.li);
  t.equal(chosen.marked, 1, 'and the mark is shown selected on the axis');

  // Keyboard: j moves to the next record, Enter opens a traceback.
  await page.locator('#records li').first().click();
  await page.keyboard.press('j');
  t.equal(await page.evaluate(() => document.body.getAttribute('data-selected')), '1', 'j: the next record');
  const withTraceback = await page.evaluate(() => [...document.querySelectorAll('#records li')].findIndex((li) => li.querySelector('details') !== null));
  await page.locator('#records li').nth(withTraceback).click();
  await page.keyboard.press('Enter');
  t.ok(await page.evaluate((i) => (document.querySelectorAll('#records li')[i]!.querySelector('details') as HTMLDetailsElement).open, withTraceback), 'Enter: the traceback unfolds');

  // Search and filters hide records; the count says so.
  await page.fill('#search', 'failed to spawn');
  const shown = await page.evaluate(() => document.querySelectorAll('#records li:not(.hidden)').length);
  t.ok(shown >= 1 && shown < 42, `search keeps ${shown} records`);
  await page.fill('#search', '');

  t.same(consoleErrors, [], 'no console error');
  t.same(requests, [], 'no network request');
  const png = path.join(root, 'report.png');
  await page.screenshot({ path: png, fullPage: true });
  t.ok(statSync(png).size > 10_000, 'a screenshot of the report');
});

t.test('hostile messages stay inert text', async (t) => {
  const hostile = ['<script>alert(1)</script>', '"onload="alert(2)', '</script><script>alert(3)</script>', 'javascript:alert(4)', '<img src=x onerror=alert(5)>'];
  const log = hostile.map((m, i) => `2026-03-02 09:00:0${i}.000 4242 INFO nova.compute.manager [req-5f0c2b9e-1d7a-4c33-9e4b-7a1d2c3b4e5f u p - - -] [instance: ${ID}] ${m}`).join('\n');
  const input = path.join(root, 'cp-1');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(input, { recursive: true });
  writeFileSync(path.join(input, 'nova-compute.log'), `${log}\n`);
  const file = path.join(root, 'hostile.html');
  const r = await runMain([ID, input, '--html', file]);
  t.equal(r.status, 0, r.stderr);
  const { page, consoleErrors, requests, dialogs } = await open(file);
  const texts = await page.evaluate(() => [...document.querySelectorAll('#records li .msg')].map((s) => s.textContent));
  t.same(texts, hostile, 'each message shown as the text it is');
  t.equal(await page.evaluate(() => document.querySelectorAll('#records img, #records script, [onload], [onerror]').length), 0, 'no element made of a message');
  t.same(dialogs, [], 'no script of a message ran');
  t.same(consoleErrors, []);
  t.same(requests, [], 'no request (an injected <img> would have asked)');
});

t.test('--html - writes the page to standard output; bad uses are one line', async (t) => {
  const r = await runMain([ID, CLOUD, '--html', '-']);
  t.equal(r.status, 0);
  t.match(r.stdout, /^<!doctype html>/);
  const both = await runMain([ID, CLOUD, '--html', 'x.html', '--json']);
  t.equal(both.status, 2);
  t.match(both.stderr, /--html writes the whole page: it does not combine with --json or --summary/);
  const nowhere = await runMain([ID, CLOUD, '--html', path.join(root, 'no', 'such', 'dir', 'r.html')]);
  t.equal(nowhere.status, 2);
  t.match(nowhere.stderr, /cannot write the report to .*r\.html: ENOENT/);
});

t.test('a longer trace: every row listed (the rows after the first come a chunk per frame), long summary lists folded', async (t) => {
  const lines: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const time = new Date(Date.UTC(2026, 2, 2, 9) + i * 1000).toISOString().replace('T', ' ').replace('Z', '');
    lines.push(`${time} 4242 ${i % 100 === 0 ? 'ERROR' : 'INFO'} nova.compute.manager [req-5f0c2b9e-1d7a-4c33-9e4b-7a1d2c3b4e5f u p - - -] [instance: ${ID}] step ${i}`);
  }
  const input = path.join(root, 'long', 'cp-1');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(input, { recursive: true });
  writeFileSync(path.join(input, 'nova-compute.log'), `${lines.join('\n')}\n`);
  const file = path.join(root, 'long.html');
  const r = await runMain([ID, input, '--html', file]);
  t.equal(r.status, 0, r.stderr);
  const { page, consoleErrors, requests } = await open(file);
  const seen = await page.evaluate(() => ({
    rows: document.querySelectorAll('#records li[data-source]').length,
    last: document.querySelector('#records li:last-child .msg')!.textContent,
    errorsTitle: [...document.querySelectorAll('.facts h2')].map((h) => h.textContent).find((h) => h!.startsWith('errors')),
    shownErrors: document.querySelectorAll('.facts section:last-child > ul > li').length,
    folded: document.querySelector('.facts section:last-child details.more-facts summary')?.textContent,
  }));
  t.equal(seen.rows, 2000, 'one element per record');
  t.equal(seen.last, 'step 1999', 'in time order to the last');
  t.equal(seen.errorsTitle, 'errors (20)');
  t.equal(seen.shownErrors, 8, 'the first errors shown');
  t.equal(seen.folded, '12 more', 'the rest folded');
  await page.keyboard.press('/');
  await page.keyboard.type('step 1999');
  t.equal(await page.evaluate(() => document.querySelectorAll('#records li:not(.hidden)').length), 1, 'search reaches the last chunk');
  t.same(consoleErrors, []);
  t.same(requests, []);
});
