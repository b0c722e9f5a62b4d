/** The report page as text: log text only as escaped JSON data, assets inlined, no request possible. */
import t from 'tap';
import { escapeHtml, renderReport, scriptJson, loadReportAssets } from '../../src/render/html.js';
import { summarize } from '../../src/trace/summary.js';
import { toJsonRecord } from '../../src/render/json.js';
import { emptyRecord } from '../../src/records/record.js';
import type { TraceResult } from '../../src/trace/correlate.js';
import type { TracedRecord } from '../../src/trace/types.js';

const ID = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';
export const HOSTILE = ['<script>alert(1)</script>', '"onload="alert(2)', '</script><script>alert(3)</script>', 'javascript:alert(4)', '<!-- x', '<img src=x onerror=alert(5)>', 'line\u2028sep'];

function traced(message: string, i: number): TracedRecord {
  const record = { ...emptyRecord({ file: `logs/<b>${i}</b>.log`, line: i + 1, lines: 1 }, message), time: Date.parse('2026-03-02T09:00:00Z') + i * 1000, host: 'cp-1', service: 'nova-compute', level: 'info' as const, instanceId: ID };
  return { record, why: 'tagged', unattributed: false };
}

const records = HOSTILE.map(traced);
const result: TraceResult = { instanceId: ID, records, stays: [], images: [], requestIds: [], sharedRequestIds: [], outsideWindow: { records: 0, first: null, last: null } };
const page = renderReport(summarize(result), records.map(toJsonRecord));

t.test('log text appears only inside the JSON data, escaped so it cannot end the element', async (t) => {
  const data = /<script type="application\/json" id="trace-data">(.*?)<\/script>/s.exec(page);
  t.ok(data, 'the data element');
  t.notMatch(data![1]!, /[<>]/, 'no angle bracket inside the data');
  const parsed = JSON.parse(data![1]!) as Array<{ message: string; source: { file: string } }>;
  t.same(parsed.map((r) => r.message), HOSTILE, 'the messages round-trip exactly');
  t.equal(parsed[0]!.source.file, 'logs/<b>0</b>.log');
  const outside = page.replace(data![0], '');
  for (const text of ['alert(1)', 'alert(2)', 'alert(3)', 'onerror=']) t.notOk(outside.includes(text), `${text} nowhere else in the page`);
});

t.test('one document, every script and style inlined, a policy that forbids every request', async (t) => {
  t.match(page, /^<!doctype html>/);
  t.match(page, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; /);
  t.notMatch(page, /<(script|link|img)[^>]+(src|href)=/i, 'no external script, stylesheet or image');
  t.notMatch(page, /sourceMappingURL/, 'no source map a browser would fetch');
  t.equal((page.match(/<\/script>/g) ?? []).length, 4, 'four script elements, each ended once');
  const bytesWithoutData = Buffer.byteLength(renderReport(summarize({ ...result, records: [] }), []));
  t.ok(bytesWithoutData < 1.5 * 1024 * 1024, `the page without data is ${Math.round(bytesWithoutData / 1024)} KiB, under 1.5 MB`);
});

t.test('helpers', async (t) => {
  t.equal(scriptJson({ a: '</script><!--\u2028&' }), '{"a":"\\u003c/script\\u003e\\u003c!--\\u2028\\u0026"}');
  t.same(JSON.parse(scriptJson({ a: '</script><!--\u2028&' })), { a: '</script><!--\u2028&' });
  t.equal(escapeHtml(`<a href="x">'&`), '&#60;a href=&#34;x&#34;&#62;&#39;&#38;');
  t.match(loadReportAssets().visVersion, /^\d+\.\d+\.\d+$/);
});
