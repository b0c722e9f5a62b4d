/**
 * What the trace layer decides: which records belong to one instance's history, and why.
 */
import type { LogRecord } from '../records/record.js';

/**
 * Why a record is in the trace, strongest first: it carries the instance as its tag or field;
 * it names the instance elsewhere; it shares a request with those and that request is the
 * instance's own; or it is another service's work under one of the instance's request ids or
 * global request ids; or it is the image cache manager acting on the instance's base file.
 */
export type Why = 'tagged' | 'mentioned' | 'request' | 'global' | 'cache';

/** A record the search found, with its physical lines as read (for mentions outside parsed fields). */
export interface FoundRecord {
  record: LogRecord;
  /** The record's physical lines joined with '\n'; the message alone when the raw text is unknown. */
  text: string;
}

export interface TracedRecord {
  record: LogRecord;
  why: Why;
  /**
   * Only for `cache`: the instance's image could not be known, so this is one of the host's
   * cache-manager actions during the instance's stay, not provably about its base file.
   */
  unattributed: boolean;
}

/** One visit of the instance to a host it lived on (its compute service logged records tagged with it). */
export interface HostStay {
  host: string;
  /** Epoch ms of the first and last compute record tagged with the instance in this visit. */
  first: number;
  last: number;
}

/** What the trace knows about the instance's image on one host. */
export interface HostImage {
  host: string;
  /** The instance's images; when unattributed, the images the host's cache lines during the stay name. */
  imageIds: string[];
  /** Base file stems (SHA-1 of the image id) the instance uses on this host (when unattributed: those named). */
  baseFiles: string[];
  /** The cache manager's last action on one of those base files inside the instance's window there. */
  lastAction: { action: string; time: number | null; baseFile: string | null } | null;
  /** True when the image was unknown and the host's cache actions are shown unattributed. */
  unattributed: boolean;
}
