/**
 * Level words as loggers write them, mapped to the normalised Level. One table, so a new
 * spelling is a one-line change.
 */
import type { Level } from './record.js';

/** Words oslo.log, Python logging, pino and syslog-era tools write, upper case. */
export const LEVEL_WORDS: Readonly<Record<string, Level>> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  AUDIT: 'audit',
  NOTICE: 'info',
  WARNING: 'warn',
  WARN: 'warn',
  ERROR: 'error',
  ERR: 'error',
  CRITICAL: 'fatal',
  CRIT: 'fatal',
  FATAL: 'fatal',
  ALERT: 'fatal',
  EMERG: 'fatal',
};

/** pino's numeric levels (and bunyan's, which share them). */
export const PINO_LEVEL_NUMBERS: Readonly<Record<number, Level>> = {
  10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal',
};

const LEVEL_MAP: ReadonlyMap<string, Level> = new Map(Object.entries(LEVEL_WORDS));

/** Level for a word written in upper case exactly (the oslo text header); null when unknown. */
export function levelFromUpperWord(word: string): Level | null {
  return LEVEL_MAP.get(word) ?? null;
}

/** Level for a word in any case (`warn`, `Warning`); null when unknown. */
export function levelFromWord(word: string): Level | null {
  return levelFromUpperWord(word.toUpperCase());
}

/**
 * Level for a pino number. Custom levels between the standard ones round down to the one below
 * (pino allows any integer), so 35 reads as info; below 10 is trace, above 60 fatal.
 */
export function levelFromPinoNumber(n: number): Level | null {
  if (!Number.isFinite(n)) return null;
  if (n >= 60) return 'fatal';
  if (n < 10) return 'trace';
  return PINO_LEVEL_NUMBERS[Math.floor(n / 10) * 10] ?? null;
}
