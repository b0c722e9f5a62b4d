/**
 * Linking the image cache manager's lines to the instance. A base file's name is the SHA-1 of
 * its image id (resized copies add `_<GB>`), so once the instance's image is known anywhere, its
 * base file is known on every host. On a host where the instance lived, the cache manager's
 * actions on that base file belong to the trace from the instance's arrival until the base file
 * is removed (or the logs end) — that is how "the cache manager deleted the base file after the
 * instance moved away" shows up. When the image cannot be known, the host's cache actions during
 * the stay are included, marked unattributed.
 */
import type { CacheFact, LogRecord } from '../records/record.js';
import { baseFileNameForImage, ImageIdByBaseFile, parseBaseFileName } from '../records/cache-wording.js';
import type { HostImage, HostStay, TracedRecord } from './types.js';
import { placeOf } from './stays.js';

/** Cache actions that create a base file: when the instance's own request does one, the file is its image's. */
const CREATING_ACTIONS: ReadonlySet<string> = new Set(['fetch', 'convert', 'resize', 'precache']);

/** The SHA-1 part of a base file's name; null for swap and ephemeral files, which belong to no image. */
export function baseFileStem(path: string): string | null {
  return parseBaseFileName(path).hash;
}

function stemsOf(fact: CacheFact): string[] {
  const files = fact.baseFiles ?? (fact.baseFile !== null ? [fact.baseFile] : []);
  const stems: string[] = [];
  for (const file of files) {
    const stem = baseFileStem(file);
    if (stem !== null) stems.push(stem);
  }
  return stems;
}

/**
 * Every base file ↔ image tie the logs reveal: image ids seen anywhere (structured fields, cache
 * lines, `--image`) tie to their base files by the SHA-1 rule, on every host.
 */
export class ImageLinks {
  readonly #index = new ImageIdByBaseFile();

  noteImage(imageId: string): void {
    this.#index.add(imageId);
  }

  /** Learns from any record: a structured image id, a cache line naming an image. */
  noteRecord(record: LogRecord): void {
    if (record.imageId !== null) this.noteImage(record.imageId);
    if (record.cache?.imageId != null) this.noteImage(record.cache.imageId);
  }

  imageForBaseFile(baseFile: string): string | null {
    return this.#index.lookup(baseFile);
  }

  /** The record with its cache fact's image id filled in when its base file ties to a known image. */
  annotate(record: LogRecord): LogRecord {
    const fact = record.cache;
    if (fact === null || fact.imageId !== null) return record;
    for (const file of fact.baseFiles ?? (fact.baseFile !== null ? [fact.baseFile] : [])) {
      const imageId = this.imageForBaseFile(file);
      if (imageId !== null) return { ...record, cache: { ...fact, imageId } };
    }
    return record;
  }
}

/** The images the instance used and their base file stems. */
export class InstanceImage {
  readonly imageIds = new Set<string>();
  readonly stems = new Set<string>();

  /** `instanceId`: the instance traced, whose `Instance <id> is backed by <base file>` lines name its file. */
  constructor(private readonly instanceId: string | null = null) {}

  addImage(imageId: string): void {
    const image = imageId.toLowerCase();
    this.imageIds.add(image);
    this.stems.add(baseFileNameForImage(image));
  }

  /**
   * Learns from one of the instance's own records (tagged, mentioned or of its own requests):
   * a structured image id, a base file its request fetched, converted or resized, or the base
   * file the cache manager says its disk is backed by.
   */
  noteOwnRecord(record: LogRecord): void {
    const fact = record.cache;
    if (fact === null) {
      if (record.imageId !== null) this.addImage(record.imageId);
      return;
    }
    // The cache manager's `Instance <id> is backed by <base file>`: a cache hit names its file too.
    const backing = fact.instance !== undefined && fact.instance === this.instanceId;
    if (!backing && !CREATING_ACTIONS.has(fact.action)) return;
    if (fact.imageId !== null) this.addImage(fact.imageId);
    for (const stem of stemsOf(fact)) this.stems.add(stem);
  }

  /** Image ids for stems learnt from base files alone, once the links can tie them. */
  resolve(links: ImageLinks): void {
    for (const stem of this.stems) {
      const imageId = links.imageForBaseFile(stem);
      if (imageId !== null) this.imageIds.add(imageId);
    }
  }

  get known(): boolean {
    return this.stems.size > 0;
  }

  concerns(fact: CacheFact): boolean {
    if (fact.imageId !== null && this.imageIds.has(fact.imageId.toLowerCase())) return true;
    return stemsOf(fact).some((stem) => this.stems.has(stem));
  }
}

export interface CacheSelection {
  records: TracedRecord[];
  hosts: HostImage[];
}

interface Window { from: number; to: number }

/**
 * Picks, among cache-manager records, those that belong to the instance's history (see the
 * module comment). `candidates` may hold any cache records; only those on the hosts of `stays` count.
 */
export function selectCacheRecords(
  candidates: readonly LogRecord[],
  stays: readonly HostStay[],
  image: InstanceImage,
  links: ImageLinks,
): CacheSelection {
  const records: TracedRecord[] = [];
  const hosts: HostImage[] = [];
  const attributed = image.known;
  for (const host of [...new Set(stays.map((s) => s.host))]) {
    const visits = stays.filter((s) => s.host === host);
    const onHost = candidates
      .filter((r) => r.cache !== null && placeOf(r) === host && r.time !== null)
      .sort((a, b) => (a.time as number) - (b.time as number));
    const windows = attributed ? windowsUntilRemoval(visits, onHost, image) : visits.map((v) => ({ from: v.first, to: v.last }));
    const kept = onHost.filter((r) => {
      if (attributed && !image.concerns(r.cache as CacheFact)) return false;
      return windows.some((w) => (r.time as number) >= w.from && (r.time as number) <= w.to);
    });
    const annotated = kept.map((record) => links.annotate(record));
    for (const record of annotated) records.push({ record, why: 'cache', unattributed: !attributed });
    hosts.push(hostImage(host, annotated, image, attributed));
  }
  return { records, hosts };
}

/** From each arrival on the host until the next removal of the instance's base file there. */
function windowsUntilRemoval(visits: readonly HostStay[], onHost: readonly LogRecord[], image: InstanceImage): Window[] {
  const removals = onHost
    .filter((r) => r.cache?.action === 'remove' && image.concerns(r.cache))
    .map((r) => r.time as number);
  return visits.map(({ first }) => ({ from: first, to: removals.find((t) => t >= first) ?? Infinity }));
}

function hostImage(host: string, kept: readonly LogRecord[], image: InstanceImage, attributed: boolean): HostImage {
  const last = kept[kept.length - 1];
  const stems = attributed ? [...image.stems] : [...new Set(kept.flatMap((r) => stemsOf(r.cache as CacheFact)))];
  let lastAction: HostImage['lastAction'] = null;
  if (last?.cache) {
    const files = last.cache.baseFiles ?? (last.cache.baseFile !== null ? [last.cache.baseFile] : []);
    // A summary line lists several files; name the instance's.
    const own = attributed ? files.find((f) => image.stems.has(baseFileStem(f) ?? '')) : undefined;
    lastAction = { action: last.cache.action, time: last.time, baseFile: own ?? last.cache.baseFile };
  }
  return {
    host,
    // Unattributed: the images those lines name, as candidates for the operator to judge.
    imageIds: attributed ? [...image.imageIds] : [...new Set(kept.flatMap((r) => (r.cache?.imageId ? [r.cache.imageId] : [])))],
    baseFiles: stems,
    lastAction,
    unattributed: !attributed,
  };
}
