/**
 * `--html <file>`: the trace as one self-contained page — the summary, a zoomable time axis with a
 * lane per host and service (vis-timeline, inlined), and every record below it. Works offline
 * from disk: a Content-Security-Policy of `default-src 'none'` forbids every request. Log text
 * travels only as JSON inside `<script type="application/json">` and reaches the page through
 * textContent (src/render/report/app.js), so no log line can become markup or script.
 */
import { readFileSync } from 'node:fs';
import type { TraceSink } from '../trace/sink.js';
import type { TraceSummary } from '../trace/summary.js';
import type { TracedRecord } from '../trace/types.js';
import { summaryToJson, toJsonRecord, type JsonRecord } from './json.js';

export interface ReportAssets {
  visVersion: string;
  visJs: string;
  visCss: string;
  appJs: string;
  appCss: string;
}

/** The assets `npm run build` gathered (scripts/report-assets.js), beside dist/ or, from src/, in dist/. */
export function loadReportAssets(): ReportAssets {
  for (const candidate of ['../report-assets.json', '../../dist/report-assets.json']) {
    try {
      return JSON.parse(readFileSync(new URL(candidate, import.meta.url), 'utf8')) as ReportAssets;
    } catch { /* the next place */ }
  }
  throw new Error('the HTML report\'s assets are missing: run npm run build');
}

/** JSON to sit inside a `<script>` element: nothing in it can close the element or open a comment. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Text for an HTML text node or attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Code or CSS inlined into an element: it must not contain the element's end tag. */
function inlined(text: string, element: 'script' | 'style'): string {
  return text.replace(new RegExp(`</(${element})`, 'gi'), '<\\/$1');
}

const POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

export function renderReport(summary: TraceSummary, records: readonly JsonRecord[], assets: ReportAssets = loadReportAssets()): string {
  const title = `instance-trace — ${summary.instanceId}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="instance-trace (vis-timeline ${escapeHtml(assets.visVersion)})">
<title>${escapeHtml(title)}</title>
<style>${inlined(assets.visCss, 'style')}</style>
<style>${inlined(assets.appCss, 'style')}</style>
</head>
<body>
<header>
<h1 id="headline"></h1>
<div class="counts" id="counts"></div>
<div class="facts" id="facts"></div>
</header>
<div id="timeline"></div>
<div id="controls">
<input type="search" id="search" placeholder="search messages, hosts, requests (/)" aria-label="search">
<span id="filters"></span>
<label><input type="checkbox" id="follow" checked> follow the axis</label>
<span id="shown"></span>
<span class="keys">j/k: next/previous, Enter: expand</span>
</div>
<ol id="records"></ol>
<script type="application/json" id="summary-data">${scriptJson(summaryToJson(summary))}</script>
<script type="application/json" id="trace-data">${scriptJson(records)}</script>
<script>${inlined(assets.visJs, 'script')}</script>
<script>${inlined(assets.appJs, 'script')}</script>
</body>
</html>
`;
}

/** Collects the trace and writes the page once it is complete. */
export class HtmlSink implements TraceSink {
  readonly #write: (text: string) => void;
  #summary: TraceSummary | null = null;
  readonly #records: JsonRecord[] = [];

  readonly #onWritten: ((records: number) => void) | undefined;

  constructor(write: (text: string) => void, onWritten?: (records: number) => void) {
    this.#write = write;
    this.#onWritten = onWritten;
  }

  summary(summary: TraceSummary): void {
    this.#summary = summary;
  }

  record(traced: TracedRecord): void {
    this.#records.push(toJsonRecord(traced));
  }

  end(): void {
    if (this.#summary === null) return;
    this.#write(renderReport(this.#summary, this.#records));
    this.#onWritten?.(this.#records.length);
  }
}
