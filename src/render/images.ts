/**
 * The image cache view, for a terminal (per host: anomalies first with the lines that prove
 * them, then each base file; then pre-cache operations and the plan) and as NDJSON (one object
 * per line, `kind` base_file / anomaly / precache / plan). Every string from a log passes through
 * sanitize() (text) or escapeJsonText() (JSON); colour is decided by the caller.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { Anomaly, BaseFileView, ImagesResult, PlanView, PrecacheView } from '../images/inventory.js';
import { escapeJsonText, sanitize } from './sanitize.js';
import { formatDateTime, formatSpan, shortBaseFile } from './format.js';
import { parseBaseFileName } from '../records/cache-wording.js';

/** `_base/a489c868f0c3…`, with a resized copy's size kept visible: `_base/a489c868f0c3…_20`. */
function shortBase(path: string): string {
  const gb = parseBaseFileName(path).resizedGb;
  const stem = gb === null ? path : path.slice(0, path.lastIndexOf('_'));
  return `_base/${shortBaseFile(sanitize(stem))}${gb === null ? '' : `_${gb}`}`;
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

/** The NDJSON lines of a result and a plan: anomalies, base files, pre-cache operations, plan. */
export function imagesToNdjson(result: ImagesResult, plan: readonly PlanView[] = []): string {
  const objects: object[] = [
    ...result.anomalies.map((a) => ({
      kind: 'anomaly', type: a.type, host: a.host, image_id: a.imageId, instances: a.instances, detail: anomalyDetail(a),
      source: a.source.map((p) => ({ file: p.file, line: p.line, time: iso(p.time), text: p.text })),
    })),
    ...result.baseFiles.map((b) => ({
      kind: 'base_file', host: b.host, image_id: b.imageId, base_file: b.baseFile, state: b.state, first_seen: iso(b.firstSeen),
      last_seen: iso(b.lastSeen), removed_at: iso(b.removedAt), fetches: b.fetches, instances: b.instances,
    })),
    ...result.precache.map((p) => ({
      kind: 'precache', image_id: p.imageId, cached: p.cached, existing: p.existing, failed: p.failed, skipped: p.skipped, unsupported: p.unsupported, time: iso(p.time),
    })),
    ...plan.map((p) => ({ kind: 'plan', image_id: p.imageId, missing_on: p.missingOn, command: p.command })),
  ];
  return objects.map((o) => escapeJsonText(JSON.stringify(o)) + '\n').join('');
}

/** An anomaly's detail with its base file and how often the lines showed it. */
function anomalyDetail(a: Anomaly): string {
  const file = a.baseFile === null ? '' : `${a.baseFile}: `;
  const times = a.count > 1 && a.type !== 'refetched' ? ` (seen ${a.count} times)` : '';
  return `${file}${a.detail}${times}`;
}

export interface ImagesTextOptions {
  color: boolean;
  /** Images asked about (`--image`): a line each, where it is cached now and since when, where it was removed. */
  images?: readonly string[];
}

/** The readable view: a header, then per host anomalies and base files, then pre-cache and plan. */
export function renderImagesText(result: ImagesResult, plan: readonly PlanView[], opts: ImagesTextOptions): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const lines: string[] = [];
  const states = countStates(result.baseFiles);
  lines.push(c.bold('image cache') + `: ${result.hosts.length} host${plural(result.hosts.length)}, ${result.baseFiles.length} base file${plural(result.baseFiles.length)} `
    + `(${states}), ${result.anomalies.length} anomal${result.anomalies.length === 1 ? 'y' : 'ies'}; times UTC`);
  for (const image of opts.images ?? []) lines.push(whereIs(image, result.baseFiles));
  const hosts = [...new Set([...result.hosts, ...result.baseFiles.map((b) => b.host), ...result.anomalies.map((a) => a.host)])].sort();
  for (const host of hosts) {
    const files = result.baseFiles.filter((b) => b.host === host);
    const anomalies = result.anomalies.filter((a) => a.host === host);
    if (files.length === 0 && anomalies.length === 0) continue;
    lines.push('', c.bold(sanitize(host)) + `  ${files.length} base file${plural(files.length)}: ${countStates(files)}`);
    for (const a of anomalies) lines.push(...anomalyLines(a, c));
    const width = Math.max(...files.map((b) => (b.imageId ?? '-').length), 5);
    for (const b of files) lines.push(baseFileLine(b, width, c));
  }
  if (result.precache.length > 0) {
    lines.push('', c.bold('pre-cache operations:'));
    for (const p of result.precache) lines.push(precacheLine(p, c));
  }
  if (plan.length > 0) {
    lines.push('', c.bold('pre-cache plan:'));
    for (const p of plan) {
      if (p.command === null) {
        lines.push(`  image ${sanitize(p.imageId)}: every host holds it; nothing to do`);
      } else {
        lines.push(`  image ${sanitize(p.imageId)}: missing on ${p.missingOn.map(sanitize).join(', ')}`);
        lines.push(`    ${c.cyan(sanitize(p.command))}`);
      }
    }
  }
  if (result.baseFiles.length > 0) lines.push('', c.gray(IMAGES_LEGEND));
  return lines.join('\n') + '\n';
}

/** `image X: cached on cp-1 (since …), …; removed from cp-2 (at …)`, its unresized files and resized copies alike. */
function whereIs(image: string, files: readonly BaseFileView[]): string {
  const mine = files.filter((b) => b.imageId === image);
  const list = (state: string, when: (b: BaseFileView) => string): string => mine.filter((b) => b.state === state)
    .map((b) => `${sanitize(b.host)}${b.resizedGb === null ? '' : ` (${b.resizedGb} GB copy)`}${when(b)}`).join(', ');
  const since = (b: BaseFileView): string => (b.presentSince === null ? '' : ` since ${formatDateTime(b.presentSince)}`);
  const at = (b: BaseFileView): string => (b.removedAt === null ? '' : ` at ${formatDateTime(b.removedAt)}`);
  const parts = [
    ['cached on', list('present', since)], ['removed from', list('removed', at)], ['failed to pre-cache on', list('absent', () => '')],
  ].filter(([, hosts]) => hosts !== '').map(([label, hosts]) => `${label} ${hosts}`);
  return `image ${sanitize(image)}: ${parts.length === 0 ? 'in no cache-manager line' : parts.join('; ')}`;
}

function plural(n: number): string {
  return n === 1 ? '' : 's';
}

function countStates(files: readonly BaseFileView[]): string {
  const n = (state: string): number => files.filter((b) => b.state === state).length;
  const removable = files.filter((b) => b.removable).length;
  return `${n('present')} present${removable > 0 ? ` (${removable} removable)` : ''}, ${n('removed')} removed, ${n('absent')} absent`;
}

function anomalyLines(a: Anomaly, c: ChalkInstance): string[] {
  const style = a.type === 'removed_in_use' || a.type === 'precache_failed' || a.type === 'removal_failed' ? c.red : c.yellow;
  const image = a.imageId === null ? 'image unknown' : `image ${sanitize(a.imageId)}`;
  const file = a.baseFile === null ? '' : ` ${shortBase(a.baseFile)}`;
  const instances = a.instances.length > 0 ? `; instances ${a.instances.map(sanitize).join(', ')}` : '';
  const times = a.count > 1 && a.type !== 'refetched' ? ` (seen ${a.count} times)` : '';
  const out = [`  ${style('! ' + a.type)}  ${image}${file}: ${sanitize(a.detail)}${times}${instances}`];
  for (const p of a.source) {
    const when = p.time === null ? '' : `${formatDateTime(p.time)} `;
    out.push(`      ${c.gray(`${sanitize(p.file)}:${p.line}`)} ${when}${sanitize(p.text)}`);
  }
  if (a.count > a.source.length && a.type !== 'refetched') out.push(c.gray('      …'));
  return out;
}

function baseFileLine(b: BaseFileView, width: number, c: ChalkInstance): string {
  const style = b.state === 'present' ? c.green : b.state === 'removed' ? c.gray : c.yellow;
  const state = style((b.state + (b.removable ? '*' : '')).padEnd(8));
  const image = sanitize(b.imageId ?? (b.kind === 'image' ? '-' : b.kind)).padEnd(width);
  const seen = b.firstSeen === null || b.lastSeen === null ? 'never seen' : `seen ${formatSpan(b.firstSeen, b.lastSeen)}`;
  const removed = b.removedAt === null ? '' : `  removed ${formatDateTime(b.removedAt)}`;
  const instances = b.instances.length > 0 ? `  instances ${b.instances.map(sanitize).join(', ')}` : '';
  return `  ${state} ${image}  ${shortBase(b.baseFile)}  ${seen}  fetches ${b.fetches}${removed}${instances}`;
}

function precacheLine(p: PrecacheView, c: ChalkInstance): string {
  const when = p.time === null ? '' : `${formatDateTime(p.time)}  `;
  const part = (label: string, hosts: readonly string[], style: (s: string) => string): string =>
    hosts.length === 0 ? '' : `  ${style(label)} ${hosts.map(sanitize).join(', ')}`;
  const done = p.completedAt === null ? '' : c.gray(`  (completed ${formatDateTime(p.completedAt)})`);
  const none = p.cached.length + p.existing.length + p.failed.length + p.skipped.length + p.unsupported.length === 0 ? '  no host reported' : '';
  return `  ${when}image ${sanitize(p.imageId)}${part('cached:', p.cached, c.green)}${part('existing:', p.existing, (s) => s)}`
    + `${part('failed:', p.failed, c.red)}${part('skipped:', p.skipped, c.yellow)}${part('unsupported:', p.unsupported, c.yellow)}${none}${done}`;
}

/** The legend under the table. */
export const IMAGES_LEGEND = 'state: present (* removable: not in use, kept until old enough), removed, absent (a pre-cache failed and it was never there)';
