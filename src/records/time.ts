/**
 * Timestamps → epoch milliseconds UTC. Log lines mostly carry wall-clock time with no zone;
 * `--tz` says which zone that was (UTC unless told), and `--offset host=±N<unit>` corrects a
 * host's drifting clock.
 */

/** A user-supplied zone or offset spec is wrong; the message says what to write instead. */
export class TimeSpecError extends Error {
  override name = 'TimeSpecError';
}

/** Converts wall-clock time in one zone to epoch milliseconds. */
export interface TimeZone {
  /** As the user wrote it, normalised (`UTC`, `+05:30`, `Europe/Berlin`). */
  readonly name: string;
  /** `wallMs` is the wall-clock time encoded as if it were UTC (Date.UTC of its fields). */
  toEpoch(wallMs: number): number;
  /**
   * Whether the clocks showed `wallMs` twice (the hour a fall-back repeats: both instants, in
   * order) or never (the hour a spring-forward skips); null for an ordinary time. Zones without
   * daylight saving leave it out.
   */
  transitionAt?(wallMs: number): WallTransition | null;
}

export type WallTransition = { kind: 'repeated'; first: number; second: number } | { kind: 'skipped' };

export const UTC: TimeZone = { name: 'UTC', toEpoch: (wallMs) => wallMs };

class FixedZone implements TimeZone {
  constructor(readonly name: string, private readonly offsetMs: number) {}
  toEpoch(wallMs: number): number {
    return wallMs - this.offsetMs;
  }
}

const QUARTER_HOUR = 15 * 60 * 1000;

/** An IANA zone; offsets are looked up with Intl once per quarter hour and cached (bounded). */
class IanaZone implements TimeZone {
  private readonly format: Intl.DateTimeFormat;
  private readonly offsets = new Map<number, number>();

  constructor(readonly name: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: name, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
  }

  /** Offset (zone − UTC) in ms at instant `t`. Zone transitions fall on quarter hours. */
  offsetAt(t: number): number {
    const bucket = Math.floor(t / QUARTER_HOUR);
    const cached = this.offsets.get(bucket);
    if (cached !== undefined) return cached;
    const probe = bucket * QUARTER_HOUR;
    const f: Record<string, number> = {};
    for (const p of this.format.formatToParts(probe)) if (p.type !== 'literal') f[p.type] = Number(p.value);
    const wall = Date.UTC(f.year ?? 1970, (f.month ?? 1) - 1, f.day ?? 1, f.hour ?? 0, f.minute ?? 0, f.second ?? 0);
    const offset = wall - probe;
    if (this.offsets.size > 4096) this.offsets.clear();
    this.offsets.set(bucket, offset);
    return offset;
  }

  toEpoch(wallMs: number): number {
    const first = this.offsetAt(wallMs);
    const guess = wallMs - first;
    const second = this.offsetAt(guess);
    return second === first ? guess : wallMs - second;
  }

  transitionAt(wallMs: number): WallTransition | null {
    // Transitions are months apart: the offsets a day either side are the two in play.
    const before = this.offsetAt(wallMs - DAY);
    const after = this.offsetAt(wallMs + DAY);
    if (before === after) return null;
    const early = wallMs - before;
    const late = wallMs - after;
    const earlyHolds = this.offsetAt(early) === before;
    const lateHolds = this.offsetAt(late) === after;
    if (earlyHolds && lateHolds) return { kind: 'repeated', first: Math.min(early, late), second: Math.max(early, late) };
    return earlyHolds || lateHolds ? null : { kind: 'skipped' };
  }
}

const DAY = 24 * 3600 * 1000;

/**
 * How far a file's times may step back and still be read as going on (lines of several
 * processes interleave out of order by seconds); a repeated wall time further back than this
 * from the latest time of the file is the second occurrence.
 */
const FOLD_TOLERANCE_MS = 10 * 60 * 1000;

/**
 * A zone as one file's reader sees it. Wall times the clocks showed twice (the fall-back hour)
 * are resolved by file order: the first occurrence while the file's times go on, the second
 * once they have stepped back. Times in a skipped hour keep the zone's reading (the offset
 * before the change). The first such time of the file is reported once through `onAmbiguous`.
 */
export class FileClock implements TimeZone {
  readonly name: string;
  /** Latest instant read so far in the file (or seeded from a known record's time). */
  private latest = -Infinity;
  private reported = false;

  constructor(readonly zone: TimeZone, private readonly onAmbiguous?: (message: string) => void) {
    this.name = zone.name;
  }

  /** A file read from the middle: the time of the record it starts at, known from an earlier pass. */
  seed(epochMs: number | null | undefined): void {
    if (epochMs !== null && epochMs !== undefined && Number.isFinite(epochMs)) this.latest = epochMs;
  }

  toEpoch(wallMs: number): number {
    const transition = this.zone.transitionAt?.(wallMs) ?? null;
    let t: number;
    if (transition?.kind === 'repeated') {
      t = transition.first >= this.latest - FOLD_TOLERANCE_MS ? transition.first : transition.second;
      this.report(`local times in the hour repeated when ${this.name}'s clocks went back are ambiguous: read in file order (the first occurrence until the times step back, then the second)`);
    } else {
      t = this.zone.toEpoch(wallMs);
      if (transition?.kind === 'skipped') this.report(`local times in the hour skipped when ${this.name}'s clocks went forward do not exist: read with the offset before the change`);
    }
    if (t > this.latest) this.latest = t;
    return t;
  }

  private report(message: string): void {
    if (this.reported) return;
    this.reported = true;
    this.onAmbiguous?.(message);
  }
}

/**
 * A job with its zone as plain data, for a worker thread (a TimeZone's conversion function cannot
 * be cloned): its spec or name, which fileClock reads again on the other side.
 */
export function withPlainZone<T extends { parse: { tz?: string | TimeZone } }>(job: T): T {
  const { tz } = job.parse;
  return typeof tz === 'object' ? { ...job, parse: { ...job.parse, tz: tz.name } } : job;
}

/**
 * A file's own clock over `zone`, given as `--tz` or a parsed zone (itself when it is one already,
 * or when the zone never changes offset).
 */
export function fileClock(spec: string | TimeZone | undefined, onAmbiguous?: (message: string) => void): TimeZone | undefined {
  const zone = typeof spec === 'string' ? parseTimeZone(spec) : spec;
  if (zone === undefined || zone instanceof FileClock || zone.transitionAt === undefined) return zone;
  return new FileClock(zone, onAmbiguous);
}

const FIXED_OFFSET = /^([+-])(\d{1,2})(?::?(\d{2}))?$/;

/** Parses `--tz`: `UTC`/`Z`, `±HH:MM` (or `±HHMM`, `±H`), or an IANA zone name. */
export function parseTimeZone(spec: string): TimeZone {
  const s = spec.trim();
  if (s === '' ) throw new TimeSpecError('empty time zone: use UTC, an offset like +02:00, or a zone name like Europe/Berlin');
  const upper = s.toUpperCase();
  if (upper === 'UTC' || upper === 'Z' || upper === 'GMT' || upper === 'ETC/UTC') return UTC;
  const m = FIXED_OFFSET.exec(s);
  if (m) {
    const hours = Number(m[2]);
    const minutes = Number(m[3] ?? '0');
    if (hours > 14 || minutes > 59) throw new TimeSpecError(`time zone offset out of range: ${s} (use -12:00 … +14:00)`);
    const sign = m[1] === '-' ? -1 : 1;
    const name = `${m[1]}${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
    const ms = sign * (hours * 60 + minutes) * 60_000;
    return ms === 0 ? UTC : new FixedZone(name, ms);
  }
  try {
    return new IanaZone(new Intl.DateTimeFormat('en-US', { timeZone: s }).resolvedOptions().timeZone);
  } catch {
    throw new TimeSpecError(`unknown time zone: ${s} (use UTC, an offset like +02:00, or a zone name like Europe/Berlin)`);
  }
}

/** Milliseconds in one unit of a duration. */
const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^([+-]?)(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)$/;

/**
 * The longest duration taken: 100 years. Times shifted by more would leave what a Date can show
 * (`Invalid time value`), and no clock, window or age of logs is that far off.
 */
export const MAX_DURATION_MS = 876_600 * 3_600_000;

/** `-2.5s`, `300ms`, `+1m`, `2h` → milliseconds (rounded). */
export function parseDuration(text: string): number {
  const m = DURATION.exec(text.trim());
  if (!m) throw new TimeSpecError(`bad duration: ${JSON.stringify(text)} (write a number and a unit: ms, s, m or h, e.g. -2.5s)`);
  const ms = Math.round(Number(m[2]) * (DURATION_UNITS[m[3] as string] as number));
  if (!(ms <= MAX_DURATION_MS)) throw new TimeSpecError(`duration out of range: ${JSON.stringify(text)} (at most 876600h, 100 years)`);
  return m[1] === '-' ? -ms : ms;
}

export interface HostOffset {
  host: string;
  /** Added to every time that host wrote. */
  ms: number;
}

/** `cp-3=-2.5s` → { host: 'cp-3', ms: -2500 }: shift cp-3's times by −2.5 s. */
export function parseOffsetSpec(spec: string): HostOffset {
  const eq = spec.lastIndexOf('=');
  const host = eq > 0 ? spec.slice(0, eq).trim() : '';
  if (eq <= 0 || host === '') {
    throw new TimeSpecError(`bad clock offset: ${JSON.stringify(spec)} (write HOST=±N<unit>, e.g. cp-3=-2.5s)`);
  }
  try {
    return { host, ms: parseDuration(spec.slice(eq + 1)) };
  } catch (err) {
    throw new TimeSpecError(`bad clock offset for ${host}: ${(err as Error).message}`);
  }
}

/** Several `--offset` specs → a map; the last one for a host wins. */
export function parseOffsetSpecs(specs: readonly string[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const s of specs) {
    const o = parseOffsetSpec(s);
    map.set(o.host, o.ms);
  }
  return map;
}

/** Whether a character code is an ASCII digit. */
export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

/** Reads `n` decimal digits at `i`; -1 when any is not a digit. */
export function readDigits(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const d = digit(s, i + k);
    if (d < 0) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Whether `YYYY-MM-DD?HH:MM:SS` (any one separator char at 10) starts at `i`. */
export function looksLikeDateTime(s: string, i: number): boolean {
  return s.length >= i + 19
    && s.charCodeAt(i + 4) === 45 && s.charCodeAt(i + 7) === 45
    && s.charCodeAt(i + 13) === 58 && s.charCodeAt(i + 16) === 58
    && digit(s, i) >= 0 && digit(s, i + 1) >= 0 && digit(s, i + 2) >= 0 && digit(s, i + 3) >= 0
    && digit(s, i + 5) >= 0 && digit(s, i + 6) >= 0 && digit(s, i + 8) >= 0 && digit(s, i + 9) >= 0
    && digit(s, i + 11) >= 0 && digit(s, i + 12) >= 0 && digit(s, i + 14) >= 0 && digit(s, i + 15) >= 0
    && digit(s, i + 17) >= 0 && digit(s, i + 18) >= 0;
}

export interface ParsedDateTime {
  /** Wall-clock fields as if UTC (Date.UTC); NaN when a field is out of range. */
  wallMs: number;
  /** Index just past what was read (date, time, fraction, and zone if any). */
  end: number;
  /** Zone offset written in the text in ms, or null when the text has none (then --tz applies). */
  offsetMs: number | null;
}

/**
 * Reads `YYYY-MM-DD[ T]HH:MM:SS[.,fraction][Z|±HH[:MM]]` at `i` (call looksLikeDateTime first).
 * A fraction of up to three digits is a millisecond count (`%(msecs)d` writes `.5` for 5 ms);
 * longer fractions are decimal fractions of a second.
 */
export function readDateTime(s: string, i: number, allowZone: boolean): ParsedDateTime {
  const y = readDigits(s, i, 4), mo = readDigits(s, i + 5, 2), d = readDigits(s, i + 8, 2);
  const h = readDigits(s, i + 11, 2), mi = readDigits(s, i + 14, 2), sec = readDigits(s, i + 17, 2);
  let end = i + 19;
  let ms = 0;
  const sep = s.charCodeAt(end);
  if ((sep === 46 || sep === 44) && digit(s, end + 1) >= 0) {
    let k = end + 1;
    while (digit(s, k) >= 0) k++;
    const n = k - end - 1;
    ms = n <= 3 ? readDigits(s, end + 1, n) : readDigits(s, end + 1, 3);
    end = k;
  }
  let offsetMs: number | null = null;
  if (allowZone) {
    const c = s.charCodeAt(end);
    if (c === 90 /* Z */) {
      offsetMs = 0;
      end += 1;
    } else if ((c === 43 || c === 45) && digit(s, end + 1) >= 0 && digit(s, end + 2) >= 0) {
      const oh = readDigits(s, end + 1, 2);
      let om = 0;
      let k = end + 3;
      if (s.charCodeAt(k) === 58 && readDigits(s, k + 1, 2) >= 0) { om = readDigits(s, k + 1, 2); k += 3; }
      else if (readDigits(s, k, 2) >= 0) { om = readDigits(s, k, 2); k += 2; }
      offsetMs = (c === 45 ? -1 : 1) * (oh * 60 + om) * 60_000;
      end = k;
    }
  }
  const valid = mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && sec <= 60;
  return { wallMs: valid ? minuteStart(y, mo, d, h, mi) + sec * 1000 + ms : NaN, end, offsetMs };
}

// Consecutive lines mostly share their minute: Date.UTC once per minute.
let lastDay = -1;
let lastMinuteOfDay = -1;
let lastMinuteMs = 0;

function minuteStart(y: number, mo: number, d: number, h: number, mi: number): number {
  const day = y * 10000 + mo * 100 + d;
  const minute = h * 60 + mi;
  if (day !== lastDay || minute !== lastMinuteOfDay) {
    lastMinuteMs = Date.UTC(y, mo - 1, d, h, mi);
    lastDay = day;
    lastMinuteOfDay = minute;
  }
  return lastMinuteMs;
}

/** Epoch ms of a parsed date-time: its own zone when written, else `zone`. Null when invalid. */
export function toEpoch(p: ParsedDateTime, zone: TimeZone): number | null {
  if (Number.isNaN(p.wallMs)) return null;
  return p.offsetMs === null ? zone.toEpoch(p.wallMs) : p.wallMs - p.offsetMs;
}

/** An ISO-8601 string (`2026-03-02T09:00:09.123Z`, `… +01:00`, or zone-less) → epoch ms, or null. */
export function parseIsoTime(text: string, zone: TimeZone = UTC): number | null {
  const s = text.trim();
  if (!looksLikeDateTime(s, 0)) {
    const t = Date.parse(s);
    return Number.isNaN(t) ? null : t;
  }
  const p = readDateTime(s, 0, true);
  return toEpoch(p, zone);
}

export const MONTHS: Readonly<Record<string, number>> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};
