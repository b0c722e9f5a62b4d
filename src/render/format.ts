/** Small formatting helpers shared by the text sink. */

/** `2017-05-16 00:00:31.092` (UTC). */
export function formatDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 23);
}

/** `2017-05-16` (UTC). */
export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `00:00:31.092` (UTC). */
export function formatClock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

/** `first → last`, the date written once when both fall on one day. */
export function formatSpan(first: number, last: number): string {
  const to = formatDate(first) === formatDate(last) ? formatClock(last) : formatDateTime(last);
  return `${formatDateTime(first)} → ${to}`;
}

/** `req-6a763803-4838-…` → `6a763803`: enough to tell a trace's few requests apart. */
export function shortRequestId(requestId: string | null): string {
  if (requestId === null) return '-';
  const bare = requestId.startsWith('req-') ? requestId.slice(4) : requestId;
  return bare.slice(0, 8);
}

/** `…/_base/a489c868f0c37da93b76227c91bb03908ac0e742` → `a489c868f0c3…` for summary lines. */
export function shortBaseFile(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return name.length > 16 ? `${name.slice(0, 12)}…` : name;
}

/** `850 ms`, `4.120 s`, `4 min 50.000 s`: a duration to the millisecond (fractions of one kept as given). */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${Number.isInteger(abs) ? abs : abs.toFixed(3)} ms`;
  if (abs < 60_000) return `${sign}${(abs / 1000).toFixed(3)} s`;
  const min = Math.floor(abs / 60_000);
  return `${sign}${min} min ${((abs - min * 60_000) / 1000).toFixed(3)} s`;
}
