/** Sizes as operators read them, one unit loop for all: binary units, KiB up. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** With one decimal past bytes, as a progress line or a summary shows it: `3.0 MiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** As a message about a stretch of bytes says it: `N bytes` under 1 KiB, else a decimal only when not whole (`200 KiB`, `68.4 KiB`). */
export function describeSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} byte${bytes === 1 ? '' : 's'}`;
  return formatBytes(bytes).replace('.0 ', ' ');
}
