/** The sources layer: files, folders, gzip and stdin in; framed lines and records out. */
export type { SourceFile, LineBlock, RecordStartTest, SourceWarning } from './source.js';
export { discoverSources, orderRotatedSets, type DiscoverOptions, type Discovery } from './discover.js';
export { parseRotationName, compareRotation, serviceFromFileName, hostFromLayout, looksLikeHost, type RotationName } from './names.js';
export { sniffBytes, type SniffResult } from './sniff.js';
export { openSource, readSourceChunks, isGzipMagic, type ByteReader, type OpenOptions } from './read.js';
export { searchSource, type SearchOptions, type SearchStats } from './search.js';
export { SourceReport, formatBytes, type SourceCounts } from './report.js';
export { countNewlines, decodeLine, cutMarker } from './lines.js';
export { describeSize } from './sizes.js';
export { Scanner, type ScannerOptions, type ScanLimits, type ScanStats, type ScanView } from './scanner.js';
export { RawRecord } from './raw-record.js';
export { NeedleSet } from './needles.js';
