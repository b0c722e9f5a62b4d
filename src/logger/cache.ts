/**
 * Image-cache manager lines: `log.cache(action, { image, baseFile, … })`. One declarative table
 * gives each action its level and message; where Nova's libvirt image cache manager
 * (nova/virt/libvirt/imagecache.py) has a wording, the message is exactly Nova's, so greps
 * written for Nova's logs keep working. A new wording is one row here.
 */

/** What `log.cache()` accepts. */
export type LoggerCacheAction =
  | 'fetch' | 'convert' | 'resize' | 'check' | 'in_use' | 'unused' | 'too_young' | 'remove'
  | 'precache' | 'error';

export interface CacheDetails {
  /** Image id (or an image object with `id`). */
  image?: string | { id?: unknown } | undefined;
  /** Full path of the base file (`/var/lib/nova/instances/_base/<sha1>`). */
  baseFile?: string | undefined;
  /** The instance the action is for, any shape `log.info({ instance })` accepts. */
  instance?: unknown;
  /** in_use: instances using the image on this node / on other nodes sharing storage. */
  local?: number;
  remote?: number;
  /** error: what went wrong (an Error is logged as `err`, with its stack). */
  error?: unknown;
  /** convert: the image's disk format before conversion (default `qcow2`, Glance's usual). */
  format?: string;
  /** resize: the new virtual size in bytes. */
  size?: number | string;
  /** Anything else is logged as a field of the record. */
  [detail: string]: unknown;
}

type Level = 'debug' | 'info' | 'warn' | 'error';

interface Wording {
  level: Level;
  /** Placeholders: {image} {base} {local} {remote} {error} {format} {size}. */
  text: string;
}

/**
 * The wording table: Nova's own messages (libvirt imagecache.py, images.py, processutils' command
 * line for resize, compute's image pre-cache), so the records layer's Nova table reads them back.
 */
export const CACHE_WORDING: Readonly<Record<LoggerCacheAction, Wording>> = {
  check: { level: 'info', text: 'image {image} at ({base}): checking' },
  in_use: {
    level: 'info',
    text: 'image {image} at ({base}): in use: on this node {local} local, {remote} on other nodes sharing this instance storage',
  },
  unused: { level: 'info', text: 'image {image} at ({base}): image is not in use' },
  too_young: { level: 'info', text: 'Base or swap file too young to remove: {base}' },
  remove: { level: 'info', text: 'Removing base or swap file: {base}' },
  error: { level: 'error', text: 'Failed to remove {base}, error was {error}' },
  fetch: { level: 'info', text: 'Fetching image {image} to {base}' },
  convert: { level: 'info', text: '{image} was {format}, converting to raw' },
  resize: { level: 'info', text: 'Running cmd (subprocess): qemu-img resize {base} {size}' },
  precache: { level: 'info', text: 'Caching image {image} because it is not cached yet' },
};

function text(value: unknown, fallback: string): string {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (value instanceof Error) return value.message;
  return fallback;
}

/** The image id from `image` (id string or object with `id`), or undefined. */
export function cacheImageId(image: unknown): string | undefined {
  if (typeof image === 'string') return image !== '' ? image : undefined;
  if (typeof image === 'object' && image !== null) {
    try {
      const id = (image as { id?: unknown }).id;
      return typeof id === 'string' && id !== '' ? id : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Level and message for a cache action; an unknown action gets a warning-level generic line. */
export function cacheMessage(action: string, imageId: string | undefined, baseFile: string | undefined,
  details: { local?: unknown; remote?: unknown; error?: unknown; format?: unknown; size?: unknown }): { level: Level; message: string } {
  const wording = Object.prototype.hasOwnProperty.call(CACHE_WORDING, action)
    ? CACHE_WORDING[action as LoggerCacheAction]
    : { level: 'warn' as const, text: `image {image} at ({base}): unknown image cache action ${JSON.stringify(action)}` };
  const message = wording.text.replace(/\{(\w+)\}/g, (_, key: string) => {
    switch (key) {
      case 'image': return imageId ?? '-';
      case 'base': return baseFile ?? '-';
      case 'local': return text(details.local, '0');
      case 'remote': return text(details.remote, '0');
      case 'format': return text(details.format, 'qcow2');
      case 'size': return text(details.size, '-');
      default: return text(details.error, 'unknown error');
    }
  });
  return { level: wording.level, message };
}
