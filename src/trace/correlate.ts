/**
 * The decisions of a trace, as a pure state machine over records: pass 1 feeds the records that
 * contain the instance id, pass 2 the records of the candidate requests and global ids and the
 * cache-manager records of the hosts the instance lived on, pass 3 the records of other
 * services' requests found under a global id in pass 2. Nothing here reads files, so every rule can be
 * tested with hand-built records; src/trace/run.ts drives it over real sources.
 */
import type { LogRecord } from '../records/record.js';
import type { FoundRecord, HostImage, HostStay, TracedRecord } from './types.js';
import { matchInstance } from './match.js';
import { RequestScope } from './requests.js';
import { computeStays, placeOf } from './stays.js';
import { ImageLinks, InstanceImage, selectCacheRecords } from './cache.js';
import { effectiveTimes, recordKey, sortTimeline } from './order.js';
import type { ClockReport } from './clock.js';

export interface CorrelateOptions {
  /** Canonical (lower-case) instance id. */
  instanceId: string;
  /** Image ids given by the operator (`--image`). */
  imageIds?: readonly string[];
  /** Expand the instance's own requests (default true; `--no-requests`). */
  requests?: boolean;
  /** Link image-cache-manager actions (default true; `--no-cache`). */
  cache?: boolean;
  /** Keep only records whose (effective) time is within [since, until], epoch ms. */
  since?: number | null;
  until?: number | null;
}

/** What pass 2 must look for. */
export interface Pass2Plan {
  requestIds: string[];
  /** Image ids and base-file stems known after pass 1 (needles for the cache manager's lines). */
  imageNeedles: string[];
  /** Hosts whose cache-manager lines can matter, with the earliest time they can matter from. */
  cacheHosts: Map<string, number>;
}

export interface TraceResult {
  instanceId: string;
  records: TracedRecord[];
  stays: HostStay[];
  images: HostImage[];
  /** The instance's own requests (shared ones excluded), id → its records in the trace. */
  requestIds: string[];
  /** Request ids seen on the instance's records but shared with other instances (not expanded). */
  sharedRequestIds: string[];
  /** Global request ids of the instance's records that were expanded (other services' work under them). */
  globalIds: string[];
  /** Global request ids of the instance's records that other instances' requests carry too (not expanded). */
  sharedGlobalIds: string[];
  /** Clock offsets estimated from causal pairs (`--auto-offset`), else null. */
  clock: ClockReport | null;
  /** The instance's records that --since/--until left out, and the times they span (null when none). */
  outsideWindow: { records: number; first: number | null; last: number | null };
}

export class InstanceTrace {
  readonly #opts: Required<Omit<CorrelateOptions, 'since' | 'until'>> & Pick<CorrelateOptions, 'since' | 'until'>;
  readonly #hits = new Map<string, TracedRecord>();
  readonly #scope: RequestScope;
  readonly #links = new ImageLinks();
  readonly #image: InstanceImage;
  readonly #cacheCandidates: LogRecord[] = [];
  #stays: HostStay[] | null = null;

  constructor(opts: CorrelateOptions) {
    this.#opts = { imageIds: [], requests: true, cache: true, ...opts };
    this.#image = new InstanceImage(opts.instanceId);
    this.#scope = new RequestScope(opts.instanceId);
    for (const image of this.#opts.imageIds) {
      this.#image.addImage(image);
      this.#links.noteImage(image);
    }
  }

  /** Pass 1: a record the byte search found for the instance id. Returns whether it was kept. */
  addPass1(found: FoundRecord): boolean {
    const why = matchInstance(found, this.#opts.instanceId);
    if (why === null) return false;
    const key = recordKey(found.record);
    if (this.#hits.has(key)) return true;
    this.#hits.set(key, { record: found.record, why, unattributed: false });
    this.#links.noteRecord(found.record);
    this.#image.noteOwnRecord(found.record);
    this.#scope.noteInstanceRecord(found);
    return true;
  }

  /** Where the instance lived, from pass 1's tagged records. */
  stays(): HostStay[] {
    this.#stays ??= computeStays([...this.#hits.values()].filter((t) => t.why === 'tagged').map((t) => t.record));
    return this.#stays;
  }

  /** Candidate request ids not (yet) found shared: what pass 2 still follows. */
  liveRequestIds(): ReadonlySet<string> {
    return this.#opts.requests ? this.#scope.live() : new Set();
  }

  planPass2(): Pass2Plan {
    const cacheHosts = new Map<string, number>();
    // Stays come by start: a host's first visit is when its cache lines begin to matter.
    if (this.#opts.cache) for (const stay of this.stays()) if (!cacheHosts.has(stay.host)) cacheHosts.set(stay.host, stay.first);
    return {
      requestIds: [...this.liveRequestIds()],
      imageNeedles: this.#opts.cache ? [...this.#image.imageIds, ...this.#image.stems] : [],
      cacheHosts,
    };
  }

  /**
   * After pass 2: requests of other services found under a global id whose own id was not yet a
   * needle (their records that do not carry the global id); each is returned once.
   */
  planPass3(): string[] {
    return this.#opts.requests ? this.#scope.takeUnsearched() : [];
  }

  /** Before pass 2, from a finder that counts (the store): how many records carry a candidate request's id. */
  noteRequestSize(requestId: string, records: number): void {
    if (this.#opts.requests) this.#scope.noteSize(requestId, records);
  }

  /** Pass 2 (and 3): a record found for a request id or global id, or as a cache-manager line. */
  addPass2(found: FoundRecord): void {
    const { record } = found;
    this.#links.noteRecord(record);
    if (this.#opts.requests) this.#scope.add(found);
    if (this.#opts.cache && record.cache !== null && record.time !== null) {
      const from = this.#cacheFrom(placeOf(record));
      if (from !== null && record.time >= from) this.#cacheCandidates.push(record);
    }
  }

  #cacheFrom(host: string): number | null {
    return this.stays().find((s) => s.host === host)?.first ?? null;
  }

  finish(): TraceResult {
    const traced = new Map(this.#hits);
    const requestIds: string[] = [];
    if (this.#opts.requests) {
      for (const [requestId, records] of this.#scope.ownRequests()) {
        requestIds.push(requestId);
        for (const record of records) {
          this.#image.noteOwnRecord(record);
          const key = recordKey(record);
          if (!traced.has(key)) traced.set(key, { record, why: 'request', unattributed: false });
        }
      }
      for (const records of this.#scope.globalRequests().values()) {
        for (const record of records) {
          const key = recordKey(record);
          if (!traced.has(key)) traced.set(key, { record, why: 'global', unattributed: false });
        }
      }
    } else {
      for (const t of this.#hits.values()) if (t.record.requestId !== null) requestIds.push(t.record.requestId);
    }
    this.#image.resolve(this.#links);

    let images: HostImage[] = [];
    if (this.#opts.cache) {
      const selection = selectCacheRecords(this.#cacheCandidates, this.stays(), this.#image, this.#links);
      images = selection.hosts;
      for (const t of selection.records) {
        const key = recordKey(t.record);
        if (!traced.has(key)) traced.set(key, t);
      }
    }

    const annotated = [...traced.values()].map((t) => ({ ...t, record: this.#links.annotate(t.record) }));
    const timeline = sortTimeline(annotated);
    const records = this.#withinTime(timeline);
    const kept = new Set(records);
    let first: number | null = null;
    let last: number | null = null;
    for (const t of timeline) {
      const time = t.record.time;
      if (kept.has(t) || time === null) continue;
      if (first === null || time < first) first = time;
      if (last === null || time > last) last = time;
    }
    const shared = new Set<string>();
    for (const t of this.#hits.values()) {
      const id = t.record.requestId;
      if (id !== null && this.#scope.isShared(id)) shared.add(id);
    }
    return {
      instanceId: this.#opts.instanceId,
      records,
      stays: this.stays(),
      images,
      requestIds: [...new Set(requestIds)].filter((id) => !shared.has(id)),
      sharedRequestIds: [...shared],
      globalIds: this.#opts.requests ? this.#scope.ownGlobalIds() : [],
      sharedGlobalIds: this.#opts.requests ? this.#scope.sharedGlobalIds() : [],
      outsideWindow: { records: timeline.length - records.length, first, last },
      clock: null,
    };
  }

  #withinTime(records: TracedRecord[]): TracedRecord[] {
    const { since, until } = this.#opts;
    if ((since ?? null) === null && (until ?? null) === null) return records;
    const times = effectiveTimes(records.map((t) => t.record));
    return records.filter((t) => {
      const time = times.get(t.record) as number;
      if (since != null && time < since) return false;
      if (until != null && time > until) return false;
      return true;
    });
  }
}
