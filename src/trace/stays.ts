/**
 * Where the instance lived. A host counts when its compute service logged records tagged with
 * the instance (an API or scheduler host only talks about it). A visit to a host runs from the
 * first to the last such record there. The instance has left a host, and a later record there is
 * a new visit (a reschedule returning, a migration back), only when another host logged it at
 * least VISIT_GAP_MS before that record: during a migration the source and destination log in
 * turns, and an idle instance logs nothing for days, neither of which is a departure.
 * Records without a time cannot place the instance; records without a host are placed on UNKNOWN_HOST.
 */
import type { LogRecord } from '../records/record.js';
import type { HostStay } from './types.js';
import { isComputeRecord } from './match.js';

/**
 * Where records whose host no line or folder names are placed: one host, so a single compute
 * log given as a bare file (`instance-trace X /var/log/nova/nova-compute.log`) still has a stay,
 * and its cache-manager lines still link. Logs of several unnamed hosts fall together here;
 * the `<root>/<host>/` layout keeps them apart.
 */
export const UNKNOWN_HOST = '(unknown host)';

/** The host a record is placed on: its own, else UNKNOWN_HOST. */
export function placeOf(record: LogRecord): string {
  return record.host ?? UNKNOWN_HOST;
}

/** How long another host must have had the instance before a record here counts as a return. */
export const VISIT_GAP_MS = 15 * 60 * 1000;

interface Placement { host: string; time: number }

/** Visits from the records tagged with the instance, ordered by their start. */
export function computeStays(tagged: readonly LogRecord[]): HostStay[] {
  const placements: Placement[] = [];
  for (const record of tagged) {
    if (record.time === null || !isComputeRecord(record)) continue;
    placements.push({ host: placeOf(record), time: record.time });
  }
  placements.sort((a, b) => a.time - b.time);

  const visits: HostStay[] = [];
  /** Per host: its open visit and the index of its latest placement. */
  const open = new Map<string, { visit: HostStay; lastIndex: number }>();
  placements.forEach(({ host, time }, index) => {
    const current = open.get(host);
    // Placements between this host's latest and now are all on other hosts: the first decides.
    const next = current === undefined ? undefined : placements[current.lastIndex + 1];
    const returned = next !== undefined && next.host !== host && next.time <= time - VISIT_GAP_MS;
    if (current !== undefined && !returned) {
      current.visit.last = time;
      current.lastIndex = index;
      return;
    }
    const visit = { host, first: time, last: time };
    visits.push(visit);
    open.set(host, { visit, lastIndex: index });
  });
  return visits.sort((a, b) => a.first - b.first);
}
