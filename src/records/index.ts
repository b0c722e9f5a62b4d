/** The records layer: one record model, the parsers of every format, and stitching. */
export * from './record.js';
export { RecordAssembler, assembleBlock, assembleLines, newStats, DEFAULT_MAX_CONTINUATION_LINES } from './assemble.js';
export type { ParseOptions, RecordOrigin, AssemblerStats } from './assemble.js';
export { isRecordStart, recordStartTest } from './detect.js';
export { OsloLayout, OsloFormatError, OSLO_FIELDS, OSLO_OPTION_NAMES, compileOsloLayout } from './oslo-layout.js';
export type { OsloLayoutSpec, OsloField, UnknownOsloField } from './oslo-layout.js';
export { readOsloConfig } from './oslo-config.js';
export { parseContainerLine, parseCriLine, parseDockerLine } from './container.js';
export type { ContainerLine } from './container.js';
export { parseLine } from './line.js';
export type { ParsedLine } from './line.js';
export { parseOsloLine, finishOsloRecord, osloLineKind, applyRequestBlock, stripAnsi } from './oslo-text.js';
export type { OsloLine, OsloLineKind } from './oslo-text.js';
export { parseOsloJsonObject, isOsloJsonObject } from './oslo-json.js';
export { parsePinoObject } from './pino-json.js';
export { parseJsonLine, looksLikeJsonObject } from './json-line.js';
export { parseSyslogHeader, splitSyslogMessage } from './syslog.js';
export type { SyslogHeader, SyslogKind } from './syslog.js';
export {
  CACHE_WORDINGS, CACHE_CUES, CACHE_SCAN_CUES, hasCacheCue, parseCacheMessage, parseBaseFileName, baseFileNameForImage, imageIdForBaseFile, ImageIdByBaseFile,
} from './cache-wording.js';
export type { CacheWording, BaseFileName } from './cache-wording.js';
export { findUuids, findRequestIds, isUuid, normaliseId } from './ids.js';
export {
  UTC, TimeSpecError, parseTimeZone, parseDuration, parseOffsetSpec, parseOffsetSpecs, parseIsoTime,
  FileClock, fileClock, withPlainZone,
} from './time.js';
export type { TimeZone, HostOffset, WallTransition } from './time.js';
export { LEVEL_WORDS, PINO_LEVEL_NUMBERS, levelFromWord, levelFromPinoNumber } from './levels.js';
