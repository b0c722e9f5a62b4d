/**
 * What every host's image cache holds, as a pure state machine over records (like the trace's
 * correlator, nothing here reads a file): each cache-manager record moves one base file of one
 * host between `present`, `removed` and `absent`, counts its fetches, notes the instances seen
 * using it, and raises the anomalies the lines prove. Memory holds one entry per base file and
 * host, a few proving lines per anomaly, and the pre-cache steps (a handful per operation),
 * never the lines themselves. A host's cache lines are taken in the order its log holds them
 * (one compute log per host, rotated sets oldest first, as the sources layer reads them).
 */
import type { CacheFact, LogRecord, PrecacheStep } from '../records/record.js';
import { baseFileNameForImage, ImageIdByBaseFile, parseBaseFileName, type BaseFileName } from '../records/cache-wording.js';
import { normaliseId } from '../records/ids.js';

export type BaseFileState = 'present' | 'removed' | 'absent';
export type AnomalyType = 'removed_in_use' | 'refetched' | 'precache_failed' | 'unknown_base' | 'removal_failed';

/** Anomalies in the order they are shown: the costliest first. */
export const ANOMALY_TYPES: readonly AnomalyType[] = ['removed_in_use', 'refetched', 'precache_failed', 'removal_failed', 'unknown_base'];

/** Where records whose host no line or folder names are placed (as the trace places them). */
export const UNKNOWN_HOST = '(unknown host)';

/**
 * A cache manager's pass over one host logs its lines within moments of each other: a verdict
 * of "in use" and a removal of the same file at most this far apart (and under one request id)
 * are one pass contradicting itself.
 */
export const PASS_GAP_MS = 2000;

/** Builds whose request is remembered (a build fetches within moments of its `Creating image`). */
export const MAX_REQUESTS = 4096;

/** Proving lines kept per anomaly: the first ones (the later ones are counted). */
export const MAX_PROOF_LINES = 6;

/** One line of a log, as shown to prove an anomaly. */
export interface ProofLine {
  file: string;
  line: number;
  time: number | null;
  /** The message's first line, as written (untrusted: renderers sanitise it). */
  text: string;
}

export interface BaseFileView {
  host: string;
  imageId: string | null;
  /** The base file as the lines name it (a full path when any line gave one). */
  baseFile: string;
  /** A resized copy's size in GB (`<sha1>_<GB>`). */
  resizedGb: number | null;
  kind: 'image' | 'swap' | 'ephemeral';
  state: BaseFileState;
  firstSeen: number | null;
  lastSeen: number | null;
  removedAt: number | null;
  /** Present: since when it has been there without a removal (its last fetch, or when first seen). */
  presentSince: number | null;
  fetches: number;
  instances: string[];
  /** The cache manager's last verdict was "not in use" (removable, kept until old enough). */
  removable: boolean;
}

export interface Anomaly {
  type: AnomalyType;
  host: string;
  imageId: string | null;
  baseFile: string | null;
  instances: string[];
  detail: string;
  /** How many times the lines showed it. */
  count: number;
  source: ProofLine[];
}

/** One pre-cache operation's outcome for one image: host lists. */
export interface PrecacheView {
  imageId: string;
  /** When the conductor asked (or, without its line, the first compute line seen). */
  time: number | null;
  completedAt: number | null;
  cached: string[];
  existing: string[];
  failed: string[];
  skipped: string[];
  /** Computes whose virt driver keeps no image cache (they ignored the request). */
  unsupported: string[];
}

export interface ImagesResult {
  baseFiles: BaseFileView[];
  anomalies: Anomaly[];
  precache: PrecacheView[];
  /** Hosts whose lines say something about their own cache (compute hosts), sorted. */
  hosts: string[];
  /** Cache-manager records read. */
  cacheLines: number;
}

/** Actions saying the file is on the disk when the line is written. */
const PRESENCE: ReadonlySet<string> = new Set(['check', 'in_use', 'unused', 'too_young', 'active', 'unknown', 'corrupt', 'resize']);
/** Actions whose record, when tagged with an instance, says that instance uses the file. */
const USING: ReadonlySet<string> = new Set(['fetch', 'convert', 'resize', 'in_use', 'check']);

interface Verdict { inUse: boolean; time: number | null; request: string | null; proof: ProofLine }

class Accumulated {
  count = 0;
  detail = '';
  readonly source: ProofLine[] = [];
  readonly instances = new Set<string>();

  note(detail: string, proofs: readonly ProofLine[], instances: Iterable<string> = []): void {
    this.count++;
    this.detail = detail;
    for (const p of proofs) {
      if (this.source.length >= MAX_PROOF_LINES) break;
      if (!this.source.some((q) => q.file === p.file && q.line === p.line)) this.source.push(p);
    }
    for (const i of instances) this.instances.add(i);
  }
}

class Entry {
  path: string;
  state: BaseFileState = 'present';
  firstSeen: number | null = null;
  lastSeen: number | null = null;
  removedAt: number | null = null;
  /** Since when the file has been there without a removal (its last fetch, or when first seen). */
  presentSince: number | null = null;
  fetches = 0;
  /** Fetches inferred from the file being present again after a removal with no fetch line. */
  inferred = 0;
  removals = 0;
  /** Request of the last fetch counted (undefined: none yet). */
  lastFetchRequest: string | null | undefined = undefined;
  readonly instances = new Set<string>();
  /** The instances known to use the file when it was last removed. */
  usersAtRemoval = new Set<string>();
  removable = false;
  verdict: Verdict | null = null;
  lastRemoval: ProofLine | null = null;
  readonly anomalies = new Map<AnomalyType, Accumulated>();

  constructor(readonly host: string, readonly name: string, path: string, readonly info: BaseFileName) {
    this.path = path;
  }

  anomaly(type: AnomalyType): Accumulated {
    let a = this.anomalies.get(type);
    if (a === undefined) this.anomalies.set(type, (a = new Accumulated()));
    return a;
  }

  /** The file is there; `anew`: it was just fetched (again). */
  becomePresent(time: number | null, anew: boolean): void {
    if (anew || this.state !== 'present' || this.presentSince === null) this.presentSince = time;
    this.state = 'present';
  }

  seen(time: number | null, path: string): void {
    if (!this.path.includes('/') && path.includes('/')) this.path = path;
    if (time === null) return;
    if (this.firstSeen === null || time < this.firstSeen) this.firstSeen = time;
    if (this.lastSeen === null || time > this.lastSeen) this.lastSeen = time;
  }
}

interface PrecacheEvent {
  step: PrecacheStep;
  host: string;
  time: number | null;
  imageIds: string[];
  named: string | null;
  error: string | null;
  /** `failures`: how many computes the conductor counted failing the image. */
  count: number;
  proof: ProofLine;
}

/** What the inventory reads of a record: a LogRecord is one. */
export type CacheRecord = Pick<LogRecord, 'cache' | 'format' | 'message' | 'source' | 'time' | 'host' | 'instanceId' | 'requestId' | 'imageId'>;

export function proofOf(record: CacheRecord): ProofLine {
  const nl = record.message.indexOf('\n');
  return { file: record.source.file, line: record.source.line, time: record.time, text: nl === -1 ? record.message : record.message.slice(0, nl) };
}

export class ImageCacheInventory {
  readonly #entries = new Map<string, Entry>();
  readonly #links = new ImageIdByBaseFile();
  readonly #precache: PrecacheEvent[] = [];
  readonly #hosts = new Set<string>();
  /** Per host, instance → entries it was using when they were removed. */
  readonly #removedUnder = new Map<string, Map<string, Set<Entry>>>();
  #cacheLines = 0;
  /** Request id → the instance its tagged records name; the latest MAX_REQUESTS kept. */
  readonly #requestInstance = new Map<string, string>();

  #noteRequest(requestId: string, instanceId: string): void {
    if (this.#requestInstance.get(requestId) === instanceId) return;
    this.#requestInstance.delete(requestId);
    this.#requestInstance.set(requestId, instanceId);
    if (this.#requestInstance.size > MAX_REQUESTS) this.#requestInstance.delete(this.#requestInstance.keys().next().value as string);
  }

  /** Image ids known from elsewhere (`--image`, `--precache`): their base files are tied to them. */
  noteImage(imageId: string): void {
    this.#links.add(imageId);
  }

  get cacheLines(): number {
    return this.#cacheLines;
  }

  /**
   * Takes one record. A cache-manager record moves its base files; any other record tagged with
   * an instance and a request (a build's `Creating image`) tells whose request that is, so the
   * request's untagged fetch lines (oslo's fetch lock) name the instance using the file.
   */
  add(record: CacheRecord): void {
    const fact = record.cache;
    if (fact === null) {
      // Not proof of use after a removal: a build (re)creates its disk, fetching the file anew.
      if (record.instanceId !== null && record.requestId !== null) this.#noteRequest(record.requestId, record.instanceId);
      return;
    }
    this.#cacheLines++;
    const host = record.host ?? UNKNOWN_HOST;
    for (const id of [fact.imageId, record.imageId, ...(fact.imageIds ?? [])]) if (id) this.#links.add(id);
    const proof = proofOf(record);
    if (fact.precache !== undefined) this.#precache.push(precacheEvent(fact, host, record, proof));
    if (fact.precache === 'request' || fact.precache === 'completed' || fact.precache === 'skipped' || fact.precache === 'failures' || fact.precache === 'unsupported') return;
    this.#hosts.add(host);
    const tagged = record.instanceId ?? (record.requestId !== null ? this.#requestInstance.get(record.requestId) ?? null : null);
    const instance = fact.instance ?? (tagged !== null && USING.has(fact.action) ? tagged : null);
    for (const file of filesOf(fact)) {
      const entry = this.#entry(host, file);
      if (entry !== null) this.#apply(entry, fact, record, proof, instance);
    }
    if (instance !== null && record.time !== null) this.#instanceSeen(host, instance, record.time, proof);
  }

  #entry(host: string, file: string): Entry | null {
    const info = parseBaseFileName(file);
    if (info.kind === 'other') return null;
    const name = file.slice(file.lastIndexOf('/') + 1).replace(/\.(?:part|converted|tmp)$/, '');
    const key = `${host}\u0000${name}`;
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = new Entry(host, name, file, info);
      this.#entries.set(key, entry);
    }
    return entry;
  }

  #apply(entry: Entry, fact: CacheFact, record: CacheRecord, proof: ProofLine, instance: string | null): void {
    const time = record.time;
    const fresh = entry.firstSeen === null && entry.lastSeen === null && entry.fetches === 0 && entry.removals === 0;
    if (fact.precache === 'failed') {
      if (fresh && entry.state === 'present') entry.state = 'absent';
      entry.anomaly('precache_failed').note(fact.error ?? 'pre-cache failed', [proof]);
      return;
    }
    entry.seen(time, fact.baseFile ?? entry.path);
    if (instance !== null) entry.instances.add(instance);
    if (fact.action === 'error') {
      if (fact.error !== undefined) entry.anomaly('removal_failed').note(fact.error, [proof]);
      return;
    }
    if (fact.action === 'remove') {
      this.#removed(entry, record, proof);
      return;
    }
    if (fact.action === 'in_use' && fact.instance !== undefined) return; // a backing line: used, not proof of presence
    if (fact.action === 'in_use' && fact.baseFile === null) {
      // 15.x and earlier: `image <id> at (None): warning -- an absent base file is in use!`
      if (fresh) entry.state = 'absent';
      const proofs = entry.lastRemoval === null ? [proof] : [entry.lastRemoval, proof];
      entry.anomaly('removed_in_use').note('Nova: an absent base file is in use', proofs);
      return;
    }
    const fetching = fact.action === 'fetch' || fact.action === 'convert' || fact.precache === 'caching';
    if (fetching) {
      // A fetch line on a file already there is the same fetch's next line, or a cache hit; an
      // explicit fetch (a path, a conversion, a pre-cache) by another request fetched it again.
      const explicit = fact.action !== 'fetch' || (fact.baseFile ?? '').includes('/');
      const counts = entry.state !== 'present' || fresh || (explicit && record.requestId !== entry.lastFetchRequest);
      if (counts) {
        const again = entry.state === 'removed';
        entry.fetches++;
        entry.lastFetchRequest = record.requestId;
        entry.becomePresent(time, true);
        if (again) this.#presentAgain(entry, proof);
        else if (entry.fetches > 1) entry.anomaly('refetched').note('', [proof]);
      }
      return;
    }
    if (!PRESENCE.has(fact.action) && fact.precache !== 'existing') return;
    if (entry.state === 'removed') {
      entry.fetches++;
      entry.inferred++;
      this.#presentAgain(entry, proof);
    }
    entry.becomePresent(time, false);
    if (fact.action === 'unknown') entry.anomaly('unknown_base').note('Nova calls it an unknown base file: no instance on this host is known to use it', [proof]);
    const inUse = fact.action === 'in_use' || fact.action === 'active';
    if (inUse || fact.action === 'unused' || fact.action === 'too_young') {
      entry.removable = !inUse;
      entry.verdict = { inUse, time, request: record.requestId, proof };
    }
  }

  #removed(entry: Entry, record: CacheRecord, proof: ProofLine): void {
    const time = record.time;
    const v = entry.verdict;
    if (v !== null && v.inUse && v.request === record.requestId && time !== null && v.time !== null && time - v.time <= PASS_GAP_MS) {
      entry.anomaly('removed_in_use').note('removed in the same cache-manager pass that called it in use', [v.proof, proof], entry.instances);
    }
    entry.state = 'removed';
    entry.presentSince = null;
    entry.removedAt = time;
    entry.removals++;
    entry.removable = false;
    entry.lastRemoval = proof;
    entry.usersAtRemoval = new Set(entry.instances);
    let byInstance = this.#removedUnder.get(entry.host);
    if (byInstance === undefined) this.#removedUnder.set(entry.host, (byInstance = new Map()));
    for (const instance of entry.instances) {
      let set = byInstance.get(instance);
      if (set === undefined) byInstance.set(instance, (set = new Set()));
      set.add(entry);
    }
  }

  /**
   * A cache record of `instance` on `host` (it is backed by a file, its request fetched one, its
   * tagged cache event): a file removed while the instance used it, and not fetched again since,
   * was removed in use.
   */
  #instanceSeen(host: string, instance: string, time: number, proof: ProofLine): void {
    const entries = this.#removedUnder.get(host)?.get(instance);
    if (entries === undefined) return;
    for (const entry of entries) {
      if (entry.state !== 'removed' || entry.removedAt === null || time <= entry.removedAt || !entry.usersAtRemoval.has(instance)) continue;
      const proofs = entry.lastRemoval === null ? [proof] : [entry.lastRemoval, proof];
      entry.anomaly('removed_in_use').note(`instance ${instance} still used it after its removal`, proofs, [instance]);
    }
    this.#removedUnder.get(host)?.delete(instance);
  }

  #presentAgain(entry: Entry, proof: ProofLine): void {
    entry.anomaly('refetched').note('', entry.lastRemoval === null ? [proof] : [entry.lastRemoval, proof]);
  }

  finish(): ImagesResult {
    const baseFiles: BaseFileView[] = [];
    const anomalies: Anomaly[] = [];
    for (const entry of this.#entries.values()) {
      const imageId = this.#links.lookup(entry.name);
      baseFiles.push({
        host: entry.host, imageId, baseFile: entry.path, resizedGb: entry.info.resizedGb,
        kind: entry.info.kind as BaseFileView['kind'], state: entry.state, firstSeen: entry.firstSeen,
        lastSeen: entry.lastSeen, removedAt: entry.state === 'removed' ? entry.removedAt : null,
        presentSince: entry.state === 'present' ? entry.presentSince : null,
        fetches: entry.fetches, instances: [...entry.instances].sort(), removable: entry.state === 'present' && entry.removable,
      });
      for (const [type, a] of entry.anomalies) {
        const detail = type === 'refetched' ? refetchDetail(entry) : a.detail;
        anomalies.push({
          type, host: entry.host, imageId, baseFile: entry.path,
          instances: [...new Set([...a.instances, ...(type === 'removed_in_use' ? entry.usersAtRemoval : [])])].sort(),
          detail, count: a.count, source: a.source,
        });
      }
    }
    const precache = resolvePrecache(this.#precache);
    anomalies.push(...precache.anomalies);
    baseFiles.sort((a, b) => compare(a.host, b.host) || compare(a.imageId ?? '~', b.imageId ?? '~') || compare(a.baseFile, b.baseFile));
    anomalies.sort((a, b) => compare(a.host, b.host) || ANOMALY_TYPES.indexOf(a.type) - ANOMALY_TYPES.indexOf(b.type) || compare(a.baseFile ?? '', b.baseFile ?? ''));
    return { baseFiles, anomalies, precache: precache.views, hosts: [...this.#hosts].sort(compare), cacheLines: this.#cacheLines };
  }
}

function refetchDetail(entry: Entry): string {
  const inferred = entry.inferred > 0 ? ` (${entry.inferred} inferred: present again after a removal, no fetch line)` : '';
  const removed = entry.removals > 0 ? `; removed ${entry.removals} time${entry.removals === 1 ? '' : 's'}` : '';
  return `fetched ${entry.fetches} time${entry.fetches === 1 ? '' : 's'}${inferred}${removed}: the cache is thrashing (manager interval or removal age too short?)`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The base files a fact is about; a fact naming only an image is about its unresized file. */
function filesOf(fact: CacheFact): string[] {
  const files = fact.baseFiles ?? (fact.baseFile !== null ? [fact.baseFile] : []);
  if (files.length > 0) return files;
  if (fact.imageId !== null && (fact.action === 'convert' || fact.action === 'fetch' || fact.action === 'in_use' || fact.precache !== undefined)) {
    return [baseFileNameForImage(fact.imageId)];
  }
  return [];
}

function precacheEvent(fact: CacheFact, host: string, record: CacheRecord, proof: ProofLine): PrecacheEvent {
  const ids = fact.imageIds ?? (fact.imageId !== null ? [fact.imageId] : []);
  return { step: fact.precache as PrecacheStep, host, time: record.time, imageIds: ids.map(normaliseId), named: fact.host ?? null, error: fact.error ?? null, count: fact.count ?? 0, proof };
}

type Outcome = 'cached' | 'existing' | 'failed' | 'skipped' | 'unsupported';

interface Operation {
  time: number | null;
  imageIds: string[];
  completedAt: number | null;
  hosts: Map<string, Map<string, Outcome>>;
  /** Per image, the conductor's count of failed computes (its WARNING after completion). */
  failures: Map<string, PrecacheEvent>;
}

/**
 * Pre-cache operations from their steps, in any order read: each compute step joins the latest
 * request for its image made before it (or one of its own when the conductor's log is not read);
 * a skipped host, or a compute that does not support pre-caching, joins the latest request
 * before it, for each of its images. When the conductor
 * counted more failed computes for an image than the compute logs read name, that is an anomaly
 * of the conductor's host: failures somewhere the logs do not show.
 */
function resolvePrecache(events: readonly PrecacheEvent[]): { views: PrecacheView[]; anomalies: Anomaly[] } {
  const byTime = [...events].sort((a, b) => (a.time ?? -Infinity) - (b.time ?? -Infinity));
  const ops: Operation[] = byTime.filter((e) => e.step === 'request').map((e) => ({ time: e.time, imageIds: e.imageIds, completedAt: null, hosts: new Map(), failures: new Map() }));
  const latest = (time: number | null, image: string | null): Operation | undefined => {
    for (let i = ops.length - 1; i >= 0; i--) {
      const op = ops[i]!;
      if ((op.time ?? -Infinity) <= (time ?? Infinity) && (image === null || op.imageIds.includes(image))) return op;
    }
    return undefined;
  };
  const mark = (op: Operation, image: string, host: string, outcome: Outcome): void => {
    let hosts = op.hosts.get(image);
    if (hosts === undefined) op.hosts.set(image, (hosts = new Map()));
    // A failure is final for the host; a later line does not turn it into a success.
    if (hosts.get(host) !== 'failed') hosts.set(host, outcome);
  };
  for (const e of byTime) {
    if (e.step === 'request') continue;
    if (e.step === 'completed') {
      const op = latest(e.time, e.imageIds[0] ?? null);
      if (op !== undefined) op.completedAt = e.time;
      continue;
    }
    if (e.step === 'failures') {
      const image = e.imageIds[0];
      const op = image === undefined ? undefined : latest(e.time, image);
      if (op !== undefined) op.failures.set(image as string, e);
      continue;
    }
    if (e.step === 'skipped' || e.step === 'unsupported') {
      // Lines about a whole request: the conductor skipped a host it names, or a compute ignored it.
      const op = latest(e.time, null);
      const host = e.step === 'skipped' ? e.named : e.host;
      if (op !== undefined && host !== null) for (const image of op.imageIds) mark(op, image, host, e.step);
      continue;
    }
    for (const image of e.imageIds) {
      let op = latest(e.time, image);
      if (op === undefined) {
        op = { time: e.time, imageIds: [image], completedAt: null, hosts: new Map(), failures: new Map() };
        ops.push(op);
        ops.sort((a, b) => (a.time ?? -Infinity) - (b.time ?? -Infinity));
      }
      mark(op, image, e.host, e.step === 'caching' ? 'cached' : e.step === 'existing' ? 'existing' : 'failed');
    }
  }
  const views: PrecacheView[] = [];
  const anomalies: Anomaly[] = [];
  for (const op of ops) {
    for (const image of op.imageIds) {
      const hosts = op.hosts.get(image) ?? new Map<string, string>();
      const list = (outcome: string): string[] => [...hosts].filter(([, o]) => o === outcome).map(([h]) => h).sort(compare);
      const failed = list('failed');
      views.push({ imageId: image, time: op.time, completedAt: op.completedAt, cached: list('cached'), existing: list('existing'), failed, skipped: list('skipped'), unsupported: list('unsupported') });
      const counted = op.failures.get(image);
      if (counted !== undefined && counted.count > failed.length) anomalies.push(unseenFailures(counted, failed));
    }
  }
  return { views, anomalies };
}

/** The conductor's count of failed computes, beyond those whose own `Failed to cache image` was read. */
function unseenFailures(counted: PrecacheEvent, failed: readonly string[]): Anomaly {
  const named = failed.length === 0 ? 'the compute logs read name none' : `the compute logs read name ${failed.length} (${failed.join(', ')})`;
  return {
    type: 'precache_failed', host: counted.host, imageId: counted.imageIds[0] ?? null, baseFile: null, instances: [],
    detail: `the conductor counted ${counted.count} compute${counted.count === 1 ? '' : 's'} failing its pre-cache; ${named}: read the others' compute logs for the error`,
    count: 1, source: [counted.proof],
  };
}

/** What `--image` and `--host` keep of a result. */
export function selectImages(result: ImagesResult, select: { images?: readonly string[]; hosts?: readonly string[] }): ImagesResult {
  const images = (select.images ?? []).map(normaliseId);
  const hashes = new Set(images.map((id) => baseFileNameForImage(id)));
  const hosts = new Set(select.hosts ?? []);
  const imageOk = (imageId: string | null, baseFile: string | null): boolean => images.length === 0
    || (imageId !== null && images.includes(imageId)) || (baseFile !== null && hashes.has(parseBaseFileName(baseFile).hash ?? ''));
  const hostOk = (host: string): boolean => hosts.size === 0 || hosts.has(host);
  return {
    ...result,
    baseFiles: result.baseFiles.filter((b) => hostOk(b.host) && imageOk(b.imageId, b.baseFile)),
    anomalies: result.anomalies.filter((a) => hostOk(a.host) && imageOk(a.imageId, a.baseFile)),
    precache: result.precache.filter((p) => imageOk(p.imageId, null)
      && (hosts.size === 0 || [...p.cached, ...p.existing, ...p.failed, ...p.skipped, ...p.unsupported].some(hostOk))),
    hosts: result.hosts.filter(hostOk),
  };
}

export interface PlanView {
  imageId: string;
  missingOn: string[];
  command: string | null;
}

/** The placeholder for `--aggregate` when it is not given. */
export const AGGREGATE_PLACEHOLDER = '<aggregate>';

/**
 * The pre-cache plan: for each image, the hosts (given, else every host seen) that do not hold
 * its base file now, and the command that asks Nova (API 2.81) to pre-cache it on an aggregate.
 */
export function precachePlan(result: ImagesResult, imageIds: readonly string[], opts: { hosts?: readonly string[]; aggregate?: string } = {}): PlanView[] {
  const hosts = opts.hosts !== undefined && opts.hosts.length > 0 ? [...opts.hosts] : result.hosts;
  return imageIds.map(normaliseId).map((imageId) => {
    const name = baseFileNameForImage(imageId);
    const holding = new Set(result.baseFiles
      .filter((b) => b.state === 'present' && b.resizedGb === null && b.baseFile.slice(b.baseFile.lastIndexOf('/') + 1) === name)
      .map((b) => b.host));
    const missingOn = hosts.filter((h) => !holding.has(h));
    const aggregate = opts.aggregate === undefined ? AGGREGATE_PLACEHOLDER : shellWord(opts.aggregate);
    const command = missingOn.length === 0 ? null : `openstack --os-compute-api-version 2.81 aggregate cache image ${aggregate} ${imageId}`;
    return { imageId, missingOn, command };
  });
}

/** A word safe to paste into a shell: as is when plain, else single-quoted. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
