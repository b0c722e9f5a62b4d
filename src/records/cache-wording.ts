/**
 * Nova's image cache manager, Essex (2012) to today, as one declarative table. Each row: the
 * action it reports, a literal cue the message must contain (a cheap pre-check), and a pattern
 * whose named groups say where the image id (`image`), one base file (`base`) or a
 * space-separated list of base files (`list`) sit. Supporting a new release's wording is one row.
 *
 * Sources: nova/virt/libvirt/imagecache.py (all releases), nova/virt/images.py,
 * oslo.concurrency processutils command lines, nova conductor/compute image pre-caching.
 */
import { createHash } from 'node:crypto';
import type { CacheAction, CacheFact, PrecacheStep } from './record.js';
import { isUuid, normaliseId } from './ids.js';

export interface CacheWording {
  action: CacheAction;
  /** A literal the message must contain before the pattern is tried. */
  cue: string;
  /** Bounded quantifiers only: messages can be huge and must not make a pattern backtrack for long. */
  pattern: RegExp;
  /** The base file is the first `…/_base/…` path in the message (command lines name several). */
  basePath?: true;
  /** Image pre-cache lines: the step the row reports. */
  precache?: PrecacheStep;
}

const ID = String.raw`(?<image>[^\s()]{1,200})`;
const AT = String.raw`image ${ID} at \((?<base>[^)]{0,4096})\): `;
const UUID = String.raw`(?<image>[0-9a-fA-F-]{36})`;

export const CACHE_WORDINGS: readonly CacheWording[] = [
  { action: 'check', cue: '): checking', pattern: new RegExp(AT + 'checking') },
  { action: 'in_use', cue: '): in use: on this node', pattern: new RegExp(AT + 'in use: on this node') },
  { action: 'in_use', cue: '): image is in use', pattern: new RegExp(AT + 'image is in use') },
  { action: 'in_use', cue: 'an absent base file is in use', pattern: new RegExp(AT + 'warning -- an absent base file is in use') },
  { action: 'unused', cue: '): image is not in use', pattern: new RegExp(AT + 'image is not in use') },
  { action: 'corrupt', cue: '): image verification failed', pattern: new RegExp(AT + 'image verification failed') },
  { action: 'check', cue: '): image verification skipped', pattern: new RegExp(AT + 'image verification skipped') },
  { action: 'check', cue: '): generating checksum', pattern: new RegExp(ID + String.raw` \((?<base>[^)]{0,4096})\): generating checksum`) },
  { action: 'active', cue: 'Active base files:', pattern: /Active base files: (?<list>.*)/ },
  { action: 'unused', cue: 'Removable base files:', pattern: /Removable base files: (?<list>.*)/ },
  { action: 'corrupt', cue: 'Corrupt base files:', pattern: /Corrupt base files: (?<list>.*)/ },
  { action: 'unknown', cue: 'Unknown base file:', pattern: /Unknown base file: (?<base>\S{1,4096})/ },
  { action: 'too_young', cue: 'file too young to remove:', pattern: /Base(?: or swap|, swap or ephemeral)? file too young to remove: (?<base>\S{1,4096})/ },
  { action: 'remove', cue: 'Removing base', pattern: /Removing base(?: or swap|, swap or ephemeral)? file: (?<base>\S{1,4096})/ },
  { action: 'error', cue: 'Failed to remove', pattern: /Failed to remove \S{0,4096}_base\/\S{1,4096}?,? error was (?<error>[^\n]{0,1024})/, basePath: true },
  { action: 'error', cue: 'swap image was used by instance', pattern: /(?<base>swap_\d{1,12}) swap image was used by instance but no back files existing/ },
  // A folder name (the UUID; `instance-0000002a` in Essex) and the backing file's name, not its path.
  { action: 'in_use', cue: ' is backed by ', pattern: /Instance (?<instance>\S{1,255}) is backed by (?<base>\S{1,4096})/ },
  // The same pass, WARNING: the backing file belongs to no image the instances name (still in use).
  { action: 'in_use', cue: ' is using a backing file ', pattern: /Instance (?<instance>\S{1,255}) is using a backing file (?<base>\S{1,4096}) which does not appear in the image service/ },
  { action: 'precache', precache: 'request', cue: 'Preparing to request pre-caching of image(s)', pattern: /Preparing to request pre-caching of image\(s\) (?<list>[0-9a-fA-F, -]{36,})/ },
  { action: 'precache', precache: 'completed', cue: 'Image pre-cache operation for image(s)', pattern: /Image pre-cache operation for image\(s\) (?<list>[0-9a-fA-F, -]{36,}) completed/ },
  // conductor/manager.py cache_images, WARNING after the completion line, per image with errors.
  { action: 'precache', precache: 'failures', cue: 'Image pre-cache operation for image ', pattern: new RegExp(String.raw`Image pre-cache operation for image ${UUID} failed (?<count>\d{1,9}) times`) },
  { action: 'precache', precache: 'skipped', cue: 'Skipping image pre-cache request to compute', pattern: /Skipping image pre-cache request to compute u?['"](?<host>[^'"]{1,255})['"] because it is not up/ },
  { action: 'precache', precache: 'existing', cue: 'already cached; updating timestamp', pattern: new RegExp(String.raw`Image ${UUID} already cached; updating timestamp`) },
  // compute/manager.py cache_images, DEBUG: a virt driver without an image cache ignores the whole request.
  { action: 'precache', precache: 'unsupported', cue: 'Virt driver does not support image pre-caching', pattern: /Virt driver does not support image pre-caching; ignoring request/ },
  { action: 'precache', precache: 'failed', cue: 'Failed to cache image', pattern: new RegExp(String.raw`Failed to cache image ${UUID}: (?<error>[^\n]{0,1024})`) },
  { action: 'convert', cue: 'converting to raw', pattern: new RegExp(UUID + String.raw` was \S{1,64}, converting to raw`) },
  { action: 'convert', cue: 'qemu-img convert', pattern: /qemu-img convert /, basePath: true },
  { action: 'resize', cue: 'qemu-img resize', pattern: /qemu-img resize \//, basePath: true },
  { action: 'fetch', cue: '_base/', pattern: new RegExp(String.raw`[Ff]etch\w{0,16}(?: image)?(?: ${UUID})? (?:to|into) \/`), basePath: true },
  { action: 'fetch', cue: 'fetch_func_sync', pattern: /Lock "(?<base>[0-9a-f]{40}(?:_\d{1,12})?)" acquired by "\S{0,512}fetch_func_sync/ },
  // libvirt's `Caching image <id> by request` (a pre-cache fetch) and our logger's wording.
  { action: 'precache', precache: 'caching', cue: 'Caching image', pattern: new RegExp(String.raw`Caching image ${UUID}`) },
];

/**
 * A cheap gate before the table: short words some cue contains. A message with none of them is
 * no cache message, at the cost of one scan. A new row whose cue contains none of these joins the
 * gate by itself, so adding a wording stays a one-row change.
 */
const GATE_WORDS = ['): ', 'base', 'young', 'remove', 'swap', 'raw', 'qemu', 'fetch', 'image'];
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const ANY_CUE = new RegExp([
  ...GATE_WORDS, ...CACHE_WORDINGS.filter((w) => !GATE_WORDS.some((g) => w.cue.includes(g))).map((w) => w.cue),
].map(escapeRe).join('|'));

/** Only the start of a huge message is examined; cache-manager messages are short. */
const MAX_EXAMINED = 65_536;

/** Temporary names Nova writes next to a base file while fetching or converting it. */
const TEMP_SUFFIX = /\.(?:part|converted|tmp)$/;

function cleanBase(path: string): string {
  return path.replace(TEMP_SUFFIX, '');
}

function isPathBreak(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 39 || c === 34 || c === 44 || c === 40 || c === 41 || c === 61;
}

/** The first whitespace/quote-delimited token containing `_base/`, by scanning (no regex). */
export function firstBasePath(message: string): string | null {
  const at = message.indexOf('_base/');
  if (at === -1) return null;
  let start = at;
  while (start > 0 && !isPathBreak(message.charCodeAt(start - 1))) start--;
  let end = at + 6;
  while (end < message.length && !isPathBreak(message.charCodeAt(end))) end++;
  return end > at + 6 ? cleanBase(message.slice(start, end)) : null;
}

/** The cache fact a message reports, or null when it is no cache-manager message. */
export function parseCacheMessage(text: string): CacheFact | null {
  const message = text.length > MAX_EXAMINED ? text.slice(0, MAX_EXAMINED) : text;
  if (!ANY_CUE.test(message)) return null;
  for (const w of CACHE_WORDINGS) {
    if (!message.includes(w.cue)) continue;
    const m = w.pattern.exec(message);
    if (!m) continue;
    const g = m.groups ?? {};
    const image = g.image && isUuid(g.image) ? normaliseId(g.image) : null;
    if (g.list !== undefined) {
      const items = g.list.split(/[\s,]+/).filter((x) => x !== '');
      if (w.action === 'precache') {
        const ids = items.filter(isUuid).map(normaliseId);
        return { action: w.action, imageId: ids[0] ?? null, baseFile: null, imageIds: ids, ...details(w, g) };
      }
      const files = items.map(cleanBase);
      return { action: w.action, imageId: null, baseFile: files[0] ?? null, baseFiles: files };
    }
    const base = w.basePath ? firstBasePath(message.slice(m.index))
      : g.base !== undefined && g.base !== '' && g.base !== 'None' ? cleanBase(g.base) : null;
    return { action: w.action, imageId: image, baseFile: base, ...details(w, g) };
  }
  return null;
}

/** The optional facts a row's named groups carry: instance, error, host, count, and its pre-cache step. */
function details(w: CacheWording, g: Record<string, string>): Partial<CacheFact> {
  const out: Partial<CacheFact> = {};
  if (w.precache !== undefined) out.precache = w.precache;
  if (g.instance !== undefined) out.instance = isUuid(g.instance) ? normaliseId(g.instance) : g.instance;
  if (g.error !== undefined) out.error = g.error.trim();
  if (g.host !== undefined) out.host = g.host;
  if (g.count !== undefined) out.count = Number(g.count);
  return out;
}

/**
 * Literal cues of every wording above, and the field our JSON logger writes (`cache_action`): a
 * line without any of them cannot be a cache-manager line, so a byte search for them finds them all.
 */
export const CACHE_CUES: readonly string[] = [...new Set([...CACHE_WORDINGS.map((w) => w.cue), '"cache_action"'])];

/** Whether a text holds any of CACHE_CUES: the gate's words first (one scan), the cues only past it. */
export function hasCacheCue(text: string): boolean {
  return (ANY_CUE.test(text) || text.includes('"cache_action"')) && CACHE_CUES.some((cue) => text.includes(cue));
}

/**
 * Fewer needles for a byte search that wants every cache-manager line (one indexOf pass each):
 * most rows' lines name a file under `_base/` (Nova's default `[image_cache] subdirectory_name`,
 * which the table assumes throughout); the others each have a cue of their own here. The test
 * checks that every row's sample holds one of them.
 */
export const CACHE_SCAN_CUES: readonly string[] = [
  '_base/', 'absent base file', 'swap image was used', ' is backed by ', ' is using a backing file ', 'pre-cach', 'already cached',
  'Failed to cache image', 'Caching image', 'converting to raw', 'fetch_func_sync', '"cache_action"',
];

export interface BaseFileName {
  /** SHA-1 hex of the image id, when the file belongs to an image. */
  hash: string | null;
  /** Resized copy's size in GB (`<sha1>_<GB>`). */
  resizedGb: number | null;
  kind: 'image' | 'swap' | 'ephemeral' | 'other';
}

const IMAGE_FILE = /^([0-9a-f]{40})(?:_(\d+|sm))?$/;

/** What a base file's name says: `<sha1>`, `<sha1>_<GB>`, `<sha1>_sm`, `swap_<MB>`, `ephemeral_…`. */
export function parseBaseFileName(baseFile: string): BaseFileName {
  const name = cleanBase(baseFile.slice(baseFile.lastIndexOf('/') + 1));
  if (name.startsWith('swap_')) return { hash: null, resizedGb: null, kind: 'swap' };
  if (name.startsWith('ephemeral_')) return { hash: null, resizedGb: null, kind: 'ephemeral' };
  const m = IMAGE_FILE.exec(name.toLowerCase());
  if (!m) return { hash: null, resizedGb: null, kind: 'other' };
  const size = m[2] !== undefined && m[2] !== 'sm' ? Number(m[2]) : null;
  return { hash: m[1] as string, resizedGb: size, kind: 'image' };
}

/** Nova's base file name for an image: SHA-1 hex of its id, plus `_<GB>` for a resized copy. */
export function baseFileNameForImage(imageId: string, resizedGb?: number): string {
  const hash = createHash('sha1').update(imageId, 'utf8').digest('hex');
  return resizedGb === undefined ? hash : `${hash}_${resizedGb}`;
}

/** Ties base files to image ids seen anywhere: add ids as they turn up, then look files up. */
export class ImageIdByBaseFile {
  private readonly byHash = new Map<string, string>();
  /** Ids already added: a cache manager names the same image in every pass, hashed once. */
  private readonly ids = new Set<string>();

  add(imageId: string): void {
    const id = normaliseId(imageId);
    if (this.ids.has(id)) return;
    this.ids.add(id);
    const hash = baseFileNameForImage(id);
    if (!this.byHash.has(hash)) this.byHash.set(hash, id);
  }

  get size(): number {
    return this.byHash.size;
  }

  lookup(baseFile: string): string | null {
    const { hash } = parseBaseFileName(baseFile);
    return hash === null ? null : this.byHash.get(hash) ?? null;
  }
}

/**
 * The image id a base file belongs to, among `knownImageIds`; null for swap/ephemeral files and
 * files of images never seen. Pass an ImageIdByBaseFile to avoid rehashing on every call.
 */
export function imageIdForBaseFile(baseFile: string, knownImageIds: Iterable<string> | ImageIdByBaseFile): string | null {
  if (knownImageIds instanceof ImageIdByBaseFile) return knownImageIds.lookup(baseFile);
  const index = new ImageIdByBaseFile();
  for (const id of knownImageIds) index.add(id);
  return index.lookup(baseFile);
}
