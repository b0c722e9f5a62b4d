/** The drop-in logger's public API. */
export { createLogger } from './create.js';
export type {
  CreateLoggerOptions, DestinationOption, InstanceLogger, InstanceLoggerMethods, LogFormat, RedactOption,
} from './create.js';
export { withInstance, withRequest, type RequestOptions } from './context.js';
export { installCrashHandlers } from './crash.js';
export type { CrashHandlerOptions } from './crash.js';
export { normaliseInstance } from './instance.js';
export type { InstanceFields } from './instance.js';
export { serializeError, tracebackLines } from './errors.js';
export type { SerializedError } from './errors.js';
export { CACHE_WORDING } from './cache.js';
export type { CacheDetails, LoggerCacheAction } from './cache.js';
export { OPENSTACK_SANITIZE_KEYS } from './redact.js';
export { formatOsloLines, osloLevelWord } from './oslo-format.js';
