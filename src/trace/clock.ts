/**
 * Clock offsets estimated from cause and effect. Every causal pair in the trace (an event on host
 * A that must precede one on host B, src/trace/causal-pairs.ts) bounds the hosts' offsets:
 * with θ a host's clock minus the true time, B's record written after A's means
 * θB − θA ≤ tB − tA (as logged). Over all pairs this is a system of difference constraints; its
 * shortest paths give each host's interval against the reference host (the API's):
 * θH ∈ [−d(H→ref), d(ref→H)]. The estimate is the interval's midpoint. A negative cycle means the
 * pairs contradict each other (a clock that jumped, or a pair that was not causal). Pure: records in,
 * report out; applying it is src/trace/run.ts's business.
 */
import type { LogRecord } from '../records/record.js';
import { CAUSAL_PAIRS, type CausalPair } from './causal-pairs.js';
import type { TracedRecord } from './types.js';
import { sortTimeline } from './order.js';

/** A cause and its effect are at most this far apart in logged time (clock errors included). */
export const MAX_PAIR_GAP_MS = 10 * 60 * 1000;

export interface CausalInstance {
  pair: string;
  cause: LogRecord;
  effect: LogRecord;
}

export interface HostClock {
  host: string;
  /** The host's clock minus the reference's (ms; positive: fast); null when a side is unbounded. */
  offsetMs: number | null;
  lowMs: number | null;
  highMs: number | null;
  /** Causal pairs with one end on this host. */
  pairs: number;
  /** Its pairs contradict each other (a negative cycle through it): no estimate applied. */
  contradiction: boolean;
  /** Whether the estimate was applied (false: an explicit --offset for the host wins, or no estimate). */
  applied: boolean;
}

export interface ClockReport {
  /** The host every offset is against: nova-api's, else the host in most pairs. */
  reference: string | null;
  hosts: HostClock[];
  pairs: CausalInstance[];
}

interface Hit { record: LogRecord; groups: Record<string, string | undefined> }

function firstLine(message: string): string {
  const end = message.indexOf('\n');
  return end === -1 ? message : message.slice(0, end);
}

function hits(records: readonly LogRecord[], pattern: RegExp): Hit[] {
  const found: Hit[] = [];
  for (const record of records) {
    if (record.time === null || record.host === null) continue;
    const match = pattern.exec(firstLine(record.message));
    if (match !== null) found.push({ record, groups: { ...match.groups } });
  }
  return found;
}

function joined(pair: CausalPair, cause: Hit, effect: Hit): boolean {
  const c = cause.record;
  const e = effect.record;
  if (pair.join === 'request' && (c.requestId === null || e.requestId !== c.requestId)) return false;
  if (pair.join === 'global' && (c.globalRequestId === null || e.requestId !== c.globalRequestId)) return false;
  const ck = cause.groups.key;
  const ek = effect.groups.key;
  if (ck !== undefined && ek !== undefined) return ck === ek;
  if (ck !== undefined) return e.message.includes(ck);
  if (ek !== undefined) return c.message.includes(ek);
  return pair.join !== 'key';
}

/** The causal pairs among records (each cause with its nearest effect on another host). */
export function findCausalPairs(records: readonly LogRecord[]): CausalInstance[] {
  const found: CausalInstance[] = [];
  for (const pair of CAUSAL_PAIRS) {
    const causes = hits(records, pair.cause);
    if (causes.length === 0) continue;
    const effects = pair.effect === null ? null : hits(records, pair.effect);
    for (const cause of causes) {
      const c = cause.record;
      const to = cause.groups.host;
      let best: LogRecord | null = null;
      if (effects === null) {
        // The selected host's first record of the request.
        for (const r of records) {
          if (r.host !== to || r.host === c.host || r.requestId === null || r.requestId !== c.requestId || r.time === null) continue;
          if (best === null || r.time < best.time!) best = r;
        }
      } else {
        for (const effect of effects) {
          const e = effect.record;
          if (e.host === c.host || (to !== undefined && e.host !== to) || !joined(pair, cause, effect)) continue;
          const gap = Math.abs(e.time! - c.time!);
          if (gap <= MAX_PAIR_GAP_MS && (best === null || gap < Math.abs(best.time! - c.time!))) best = e;
        }
      }
      if (best !== null && (effects !== null || Math.abs(best.time! - c.time!) <= MAX_PAIR_GAP_MS)) found.push({ pair: pair.name, cause: c, effect: best });
    }
  }
  return found;
}

/** The reference host: one whose records come from nova-api, else the host in most pairs. */
function referenceHost(records: readonly LogRecord[], pairs: readonly CausalInstance[]): string | null {
  for (const r of records) if (r.host !== null && r.service !== null && /nova-api|osapi/.test(r.service)) return r.host;
  const counts = new Map<string, number>();
  for (const p of pairs) for (const h of [p.cause.host!, p.effect.host!]) counts.set(h, (counts.get(h) ?? 0) + 1);
  let best: string | null = null;
  for (const [host, n] of counts) if (best === null || n > counts.get(best)! || (n === counts.get(best)! && host < best)) best = host;
  return best;
}

/** Estimates each host's offset against the reference; hosts in `fixed` are reported, not applied. */
export function estimateClock(records: readonly LogRecord[], fixed: ReadonlySet<string> = new Set()): ClockReport {
  const pairs = findCausalPairs(records);
  const reference = referenceHost(records, pairs);
  const hosts = [...new Set(pairs.flatMap((p) => [p.cause.host!, p.effect.host!]))].sort();
  if (reference === null || !hosts.includes(reference)) return { reference, hosts: [], pairs };
  const index = new Map(hosts.map((h, i) => [h, i]));
  const n = hosts.length;
  const dist = hosts.map((_, i) => hosts.map((__, j) => (i === j ? 0 : Infinity)));
  const counts = new Map<string, number>();
  for (const p of pairs) {
    const a = index.get(p.cause.host!)!;
    const b = index.get(p.effect.host!)!;
    dist[a]![b] = Math.min(dist[a]![b]!, p.effect.time! - p.cause.time!);
    for (const h of [p.cause.host!, p.effect.host!]) counts.set(h, (counts.get(h) ?? 0) + 1);
  }
  for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const via = dist[i]![k]! + dist[k]![j]!;
    if (via < dist[i]![j]!) dist[i]![j] = via;
  }
  const r = index.get(reference)!;
  const report: HostClock[] = [];
  for (const host of hosts) {
    if (host === reference) continue;
    const h = index.get(host)!;
    const high = dist[r]![h]!;
    const low = -dist[h]![r]!;
    const contradiction = dist[h]![h]! < 0 || dist[r]![r]! < 0 || low > high;
    const bounded = Number.isFinite(high) && Number.isFinite(low);
    const offsetMs = bounded && !contradiction ? (low + high) / 2 : null;
    report.push({
      host, offsetMs, contradiction,
      lowMs: Number.isFinite(low) ? low : null,
      highMs: Number.isFinite(high) ? high : null,
      pairs: counts.get(host) ?? 0,
      applied: offsetMs !== null && offsetMs !== 0 && !fixed.has(host),
    });
  }
  return { reference, hosts: report, pairs };
}

/** The records with each applied host's estimate taken off their times, in timeline order again. */
export function applyClock(records: readonly TracedRecord[], report: ClockReport): TracedRecord[] {
  const shift = clockShifts(report);
  if (shift.size === 0) return [...records];
  return sortTimeline(records.map((t) => {
    const by = t.record.host === null ? undefined : shift.get(t.record.host);
    return by === undefined || t.record.time === null ? t : { ...t, record: { ...t.record, time: t.record.time - by } };
  }));
}

/** Host → ms to take off its times (the applied estimates). */
export function clockShifts(report: ClockReport): Map<string, number> {
  return new Map(report.hosts.filter((h) => h.applied).map((h) => [h.host, h.offsetMs!]));
}
