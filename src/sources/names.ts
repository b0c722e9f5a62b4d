/**
 * What a log file's name and place say: its rotation (for oldest-first order), its service,
 * and the host folder of collected logs.
 */

/** Compression suffixes stripped before reading a rotation suffix. */
const COMPRESSED_SUFFIX = /\.(gz|gzip|z)$/i;
/** A date stamp at the end (`-20240101`, `.2017-05-16_13:53:08`, `-2024-01-01-1704067200`). */
const DATE_SUFFIX = /[.-](\d{4})-?(\d{2})-?(\d{2})(?:[_T.-]?(\d{2}):?(\d{2})(?::?(\d{2}))?)?(?:-\d+)?$/;
/** A rotation number at the end (`.1`, `.12`). */
const NUMBER_SUFFIX = /\.(\d{1,6})$/;
/** Extensions that name a file's format, not its service. */
const FORMAT_EXTENSION = /\.(log|json|jsonl|ndjson|txt|out|err)$/i;

export interface RotationName {
  /** The name of the live file of the set (`nova-compute.log`). */
  base: string;
  /** Date stamp as digits (`20240101` or `20170516135308`), '' when none. */
  date: string;
  /** Rotation number (`.2` → 2), 0 when none. */
  number: number;
}

/** Splits `nova-compute.log.2.gz` into base `nova-compute.log` and its rotation. */
export function parseRotationName(fileName: string): RotationName {
  let name = fileName.replace(COMPRESSED_SUFFIX, '');
  let date = '';
  let number = 0;
  const dated = DATE_SUFFIX.exec(name);
  if (dated !== null && dated.index > 0) {
    date = dated.slice(1, 7).map((part) => part ?? '').join('');
    name = name.slice(0, dated.index);
  }
  const numbered = NUMBER_SUFFIX.exec(name);
  if (numbered !== null && numbered.index > 0) {
    number = Number(numbered[1]);
    name = name.slice(0, numbered.index);
  }
  return { base: name, date, number };
}

/**
 * Oldest first within a rotated set: dated files by date, then numbered files by falling number,
 * then the live file. (logrotate uses dates or numbers, rarely both; when both, the date rules.)
 */
export function compareRotation(a: RotationName, b: RotationName): number {
  const rank = (r: RotationName): number => (r.date !== '' ? 0 : r.number > 0 ? 1 : 2);
  const byRank = rank(a) - rank(b);
  if (byRank !== 0) return byRank;
  if (a.date !== b.date) return a.date < b.date ? -1 : 1;
  return b.number - a.number;
}

/** Service from a file name: `nova-compute.log.2.gz` → `nova-compute`; null when nothing is left. */
export function serviceFromFileName(fileName: string): string | null {
  let name = parseRotationName(fileName).base;
  while (FORMAT_EXTENSION.test(name)) name = name.replace(FORMAT_EXTENSION, '');
  return name === '' || name.startsWith('.') ? null : name;
}

/** Folder names that hold logs but are not hosts (`/var/log/nova`, `collected/`). */
const NOT_HOST = new Set([
  'log', 'logs', 'var', 'tmp', 'temp', 'home', 'root', 'srv', 'opt', 'data', 'archive', 'archives',
  'old', 'rotated', 'current', 'collected', 'fixtures', 'corpus', 'journal', 'sos_commands',
  'nova', 'neutron', 'cinder', 'glance', 'keystone', 'placement', 'libvirt', 'qemu', 'openstack',
  'kolla', 'containers', 'apache2', 'httpd', 'nginx', 'rabbitmq', 'mysql', 'mariadb', 'ovn',
  'openvswitch', 'octavia', 'heat', 'horizon', 'swift', 'ironic', 'magnum', 'manila', 'barbican',
]);
/**
 * A host name or FQDN (RFC 1123 labels); a space inside a label is taken too, since people name
 * the folders of collected logs (`compute 07`) as they say them.
 */
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9 -]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9 -]{0,61}[A-Za-z0-9])?)*$/;

/** True when a folder name can be a host: host-shaped, not all digits, not a well-known log folder. */
export function looksLikeHost(folderName: string): boolean {
  return HOST_NAME.test(folderName) && !/^\d+$/.test(folderName) && !NOT_HOST.has(folderName.toLowerCase());
}

/**
 * Host of a file found under a given folder, from the layout of collected logs:
 * `<root>/<host>/…/<file>` → the first folder below the root when it can be a host; otherwise
 * (files directly in the root, or a first folder like `nova/`) the root's own name when it can
 * be one (`collected/cp-1` given → `cp-1`); else null.
 */
export function hostFromLayout(rootName: string, relativeParts: readonly string[]): string | null {
  if (relativeParts.length >= 2) {
    const first = relativeParts[0]!;
    if (looksLikeHost(first)) return first;
  }
  return looksLikeHost(rootName) ? rootName : null;
}
