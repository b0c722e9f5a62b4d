/**
 * The terminal timeline: a summary (where the instance lived and when, its image per host, its
 * requests, levels, errors), then one line per record — time, host, service, level, why mark,
 * short request id, message — with continuation and traceback lines indented beneath. Every
 * string from a log passes through sanitize(); colour is decided by the caller.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { Level } from '../records/record.js';
import type { TraceSink } from '../trace/sink.js';
import type { TraceSummary } from '../trace/summary.js';
import type { TracedRecord, Why } from '../trace/types.js';
import { sanitize } from './sanitize.js';
import { UNKNOWN_HOST } from '../trace/stays.js';
import { formatClock, formatDate, formatDateTime, formatSpan, shortBaseFile, shortRequestId } from './format.js';

export interface TextOptions {
  /** Colour the output (`--color`, NO_COLOR and the TTY test are the caller's business). */
  color: boolean;
  /** Print the summary above the timeline. */
  summary: boolean;
  /** Print the timeline (false for `--summary`). */
  timeline: boolean;
}

/** One-letter marks, explained in the summary's legend. */
export const WHY_MARK: Readonly<Record<Why, string>> = { tagged: 'T', mentioned: 'M', request: 'R', cache: 'C' };

const LEVEL_LABEL: Readonly<Record<Level, string>> = {
  trace: 'TRACE', debug: 'DEBUG', info: 'INFO', audit: 'AUDIT', warn: 'WARN', error: 'ERROR', fatal: 'FATAL',
};

function levelStyle(c: ChalkInstance, level: Level | null): (s: string) => string {
  switch (level) {
    case 'fatal': return c.bold.red;
    case 'error': return c.red;
    case 'warn': return c.yellow;
    case 'audit': return c.cyan;
    case 'info': return c.green;
    case 'debug':
    case 'trace': return c.gray;
    default: return (s) => s;
  }
}

function whyStyle(c: ChalkInstance, traced: TracedRecord): (s: string) => string {
  if (traced.unattributed) return c.dim;
  switch (traced.why) {
    case 'tagged': return c.bold;
    case 'mentioned': return c.cyan;
    case 'request': return c.magenta;
    case 'cache': return c.blue;
  }
}

export class TextSink implements TraceSink {
  readonly #write: (text: string) => void;
  readonly #opts: TextOptions;
  readonly #c: ChalkInstance;
  #hostWidth = 4;
  #serviceWidth = 7;
  #day: string | null = null;

  constructor(write: (text: string) => void, opts: TextOptions) {
    this.#write = write;
    this.#opts = opts;
    this.#c = new Chalk({ level: opts.color ? 1 : 0 });
  }

  summary(summary: TraceSummary): void {
    this.#hostWidth = Math.min(24, Math.max(4, ...summary.hostsSeen.map((h) => sanitize(h).length)));
    this.#serviceWidth = Math.min(24, Math.max(7, ...summary.servicesSeen.map((s) => sanitize(s).length)));
    if (this.#opts.summary) this.#write(renderSummary(summary, this.#c));
    if (this.#opts.summary && this.#opts.timeline && summary.total > 0) this.#write('\n');
  }

  record(traced: TracedRecord): void {
    if (!this.#opts.timeline) return;
    const c = this.#c;
    const { record } = traced;
    let out = '';
    if (record.time !== null) {
      const day = formatDate(record.time);
      if (day !== this.#day) {
        this.#day = day;
        out += c.bold(`── ${day} (UTC) ──`) + '\n';
      }
    }
    const time = record.time === null ? '??:??:??.???' : formatClock(record.time);
    const host = pad(sanitize(record.host ?? UNKNOWN_HOST), this.#hostWidth);
    const service = pad(sanitize(record.service ?? '?'), this.#serviceWidth);
    const levelText = record.level === null ? sanitize(record.levelText ?? '-') : LEVEL_LABEL[record.level];
    const level = levelStyle(c, record.level)(pad(levelText, 5));
    const mark = whyStyle(c, traced)(pad(WHY_MARK[traced.why] + (traced.unattributed ? '?' : ''), 2));
    const request = c.gray(pad(shortRequestId(record.requestId === null ? null : sanitize(record.requestId)), 8));
    const [first = '', ...more] = record.message.split('\n');
    out += `${c.gray(time)} ${host} ${service} ${level} ${mark} ${request} ${sanitize(first)}\n`;
    for (const line of more) out += `    ${c.gray('|')} ${sanitize(line)}\n`;
    for (const line of record.traceback) out += `    ${c.gray('|')} ${levelStyle(c, record.level)(sanitize(line))}\n`;
    this.#write(out);
  }

  end(): void {
    // Nothing buffered: each record was written as it came.
  }
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** The summary block, as text lines (sanitised; coloured when `c` has colour). */
export function renderSummary(s: TraceSummary, c: ChalkInstance = new Chalk({ level: 0 })): string {
  const lines: string[] = [];
  const why = `${s.byWhy.tagged} tagged, ${s.byWhy.mentioned} mentioned, ${s.byWhy.request} request, ${s.byWhy.cache} cache`;
  const unattributed = s.unattributed > 0 ? `, ${s.unattributed} of them unattributed` : '';
  lines.push(c.bold(`instance ${s.instanceId}`) + `: ${s.total} record${s.total === 1 ? '' : 's'} (${why}${unattributed})`);

  if (s.stays.length > 0) {
    lines.push(c.bold('lived on (UTC):'));
    const width = Math.max(...s.stays.map((st) => sanitize(st.host).length));
    for (const stay of s.stays) {
      lines.push(`  ${pad(sanitize(stay.host), width)}  ${formatSpan(stay.first, stay.last)}`);
    }
  } else {
    lines.push('lived on: no compute host logged a record tagged with this instance');
  }

  if (s.images.length > 0) {
    lines.push(c.bold('image and base file per host:'));
    const width = Math.max(...s.images.map((i) => sanitize(i.host).length));
    for (const image of s.images) {
      let what: string;
      if (image.unattributed) {
        const named = image.imageIds.length > 0 ? image.imageIds.map(sanitize).join(', ') : 'no image';
        const files = image.baseFiles.length > 0 ? `, base ${image.baseFiles.map((f) => `_base/${shortBaseFile(sanitize(f))}`).join(', ')}` : '';
        what = `image not known from its own records (use --image); cache lines during the stay (C?) name ${named}${files}`;
      } else {
        const ids = image.imageIds.length > 0 ? image.imageIds.map(sanitize).join(', ') : 'id unknown';
        const files = image.baseFiles.map((f) => `_base/${shortBaseFile(f)}`).join(', ');
        what = `image ${ids}, base ${files}`;
      }
      const last = image.lastAction === null
        ? 'no cache-manager action seen'
        : `cache manager last: ${sanitize(image.lastAction.action)}` +
          (image.lastAction.baseFile !== null ? ` ${shortBaseFile(sanitize(image.lastAction.baseFile))}` : '') +
          (image.lastAction.time !== null ? ` at ${formatDateTime(image.lastAction.time)}` : '');
      lines.push(`  ${pad(sanitize(image.host), width)}  ${what}; ${last}`);
    }
  }

  if (s.requests.length > 0) {
    lines.push(c.bold('requests:'));
    for (const r of s.requests) {
      const when = r.time === null ? '' : `${formatDateTime(r.time)} `;
      const where = `${sanitize(r.host ?? UNKNOWN_HOST)} ${sanitize(r.service ?? '?')}`;
      lines.push(`  ${sanitize(r.requestId)}  ${when}${where}  ${sanitize(r.firstMessage)}  (${r.records} record${r.records === 1 ? '' : 's'})`);
    }
  }
  if (s.sharedRequestIds.length > 0) {
    lines.push(`shared with other instances, not expanded: ${s.sharedRequestIds.map(sanitize).join(', ')}`);
  }

  const levelCounts = (Object.entries(s.levels) as [string, number][])
    .sort((a, b) => levelRank(b[0]) - levelRank(a[0]))
    .map(([level, n]) => `${level} ${n}`);
  if (levelCounts.length > 0) lines.push(`${c.bold('levels:')} ${levelCounts.join(', ')}`);

  if (s.errors.length > 0) {
    lines.push(c.bold(`errors (${s.errors.length}):`));
    for (const e of s.errors) {
      const when = e.time === null ? '' : `${formatDateTime(e.time)} `;
      lines.push(`  ${when}${sanitize(e.host ?? UNKNOWN_HOST)} ${sanitize(e.service ?? '?')}  ${c.red(sanitize(e.line))}`);
    }
  }
  lines.push(c.gray('why: T tagged, M mentioned, R same request, C image cache (C? unattributed)'));
  return lines.join('\n') + '\n';
}

const RANK: readonly string[] = ['none', 'trace', 'debug', 'info', 'audit', 'warn', 'error', 'fatal'];

function levelRank(level: string): number {
  return RANK.indexOf(level);
}
