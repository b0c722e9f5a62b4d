/**
 * The summary shown above a timeline: where the instance lived and when, its image per host and
 * what the cache manager last did to it, its requests, counts by level and the errors.
 */
import type { Level } from '../records/record.js';
import type { HostImage, HostStay, Why } from './types.js';
import type { TraceResult } from './correlate.js';
import { UNKNOWN_HOST } from './stays.js';

export interface RequestSummary {
  requestId: string;
  time: number | null;
  host: string | null;
  service: string | null;
  /** First line of the request's first message in the timeline. */
  firstMessage: string;
  records: number;
}

export interface ErrorSummary {
  time: number | null;
  host: string | null;
  service: string | null;
  level: Level;
  /** First line of the message (the traceback's last line, the exception, when the message is empty). */
  line: string;
}

export interface TraceSummary {
  instanceId: string;
  total: number;
  byWhy: Record<Why, number>;
  unattributed: number;
  stays: HostStay[];
  images: HostImage[];
  requests: RequestSummary[];
  sharedRequestIds: string[];
  levels: Partial<Record<Level | 'none', number>>;
  errors: ErrorSummary[];
  /** Every host and service the timeline shows (a text sink sizes its columns from them). */
  hostsSeen: string[];
  servicesSeen: string[];
}

export function summarize(result: TraceResult): TraceSummary {
  const byWhy: Record<Why, number> = { tagged: 0, mentioned: 0, request: 0, cache: 0 };
  const levels: Partial<Record<Level | 'none', number>> = {};
  const requests = new Map<string, RequestSummary>();
  const own = new Set(result.requestIds);
  const errors: ErrorSummary[] = [];
  let unattributed = 0;
  const hostsSeen = new Set<string>();
  const servicesSeen = new Set<string>();

  for (const { record, why, unattributed: u } of result.records) {
    byWhy[why] += 1;
    hostsSeen.add(record.host ?? UNKNOWN_HOST);
    if (record.service !== null) servicesSeen.add(record.service);
    if (u) unattributed += 1;
    const level = record.level ?? 'none';
    levels[level] = (levels[level] ?? 0) + 1;
    if (record.requestId !== null && own.has(record.requestId)) {
      const seen = requests.get(record.requestId);
      if (seen === undefined) {
        requests.set(record.requestId, {
          requestId: record.requestId, time: record.time, host: record.host, service: record.service,
          firstMessage: firstLine(record.message), records: 1,
        });
      } else seen.records += 1;
    }
    if (record.level === 'error' || record.level === 'fatal') {
      errors.push({
        time: record.time, host: record.host, service: record.service, level: record.level,
        line: firstLine(record.message) || firstLine(record.traceback[record.traceback.length - 1] ?? ''),
      });
    }
  }
  return {
    instanceId: result.instanceId,
    total: result.records.length,
    byWhy, unattributed,
    stays: result.stays,
    images: result.images,
    requests: [...requests.values()],
    sharedRequestIds: result.sharedRequestIds,
    levels, errors,
    hostsSeen: [...hostsSeen].sort(),
    servicesSeen: [...servicesSeen].sort(),
  };
}

function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return end === -1 ? text : text.slice(0, end);
}
