/**
 * Destination wrappers that turn pino's records into text: oslo.log lines, or pino-pretty's view.
 * They are ordinary pino destinations (`write(line)`); the oslo one uses pino's metadata protocol
 * (`symbols.needsMetadataGsym`, as pino.multistream does) to format from the record's values
 * instead of re-parsing the JSON line.
 */
import { pino } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { thrownText } from './describe.js';
import { escapeLineText } from './escape.js';
import { serializeError, tracebackLines } from './errors.js';
import { formatOsloLines, type OsloRequest } from './oslo-format.js';

/** What a text stream writes to: any pino destination, optionally flushable. */
export interface TextDestination extends pino.DestinationStream {
  flushSync?: () => void;
  flush?: (cb?: (err?: Error | null) => void) => void;
  end?: (...args: unknown[]) => unknown;
}

/** Delegation shared by the text streams, so flushing and ending reach the real destination. */
abstract class TextStream {
  constructor(readonly destination: TextDestination) {}

  abstract write(line: string): void;

  flushSync(): void {
    this.destination.flushSync?.();
  }

  flush(cb?: (err?: Error | null) => void): void {
    if (typeof this.destination.flush === 'function') this.destination.flush(cb);
    else cb?.();
  }

  end(): void {
    this.destination.end?.();
  }
}

const NAME_CACHE_LIMIT = 1000;

function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
}

/** Formats each record as oslo.log text (see oslo-format.ts). */
export class OsloTextStream extends TextStream {
  readonly [pino.symbols.needsMetadataGsym] = true as const;
  lastLevel = 0;
  lastTime = '';
  lastMsg: unknown = '';
  lastObj: object = {};
  lastLogger: pino.Logger | undefined;
  /** Logger name per distinct child-bindings string (children may rename). */
  private readonly names = new Map<string, string>();

  constructor(destination: TextDestination, private readonly defaultName: string, private readonly pid: number,
    private readonly errorKey: string = 'err') {
    super(destination);
  }

  private loggerName(): string {
    const logger = this.lastLogger as unknown as Record<symbol, unknown> | undefined;
    const chindings = logger?.[pino.symbols.chindingsSym];
    if (typeof chindings !== 'string') return this.defaultName;
    let name = this.names.get(chindings);
    if (name === undefined) {
      try {
        const bindings = JSON.parse(`{${chindings.slice(1)}}`) as Record<string, unknown>;
        name = typeof bindings['name'] === 'string' ? bindings['name'] : this.defaultName;
      } catch {
        name = this.defaultName;
      }
      if (this.names.size >= NAME_CACHE_LIMIT) this.names.clear();
      this.names.set(chindings, name);
    }
    return name;
  }

  private epochMs(): number {
    const time = Number(this.lastTime);
    if (Number.isFinite(time)) return time;
    const parsed = Date.parse(this.lastTime.replace(/^"|"$/g, ''));
    return Number.isFinite(parsed) ? parsed : Date.now();
  }

  write(_json: string): void {
    let text: string;
    try {
      const record = this.lastObj as Record<string, unknown>;
      const request: OsloRequest = {
        requestId: stringField(record, 'request_id'),
        globalRequestId: stringField(record, 'global_request_id'),
        user: stringField(record, 'user_id') ?? stringField(record, 'user'),
        project: stringField(record, 'project_id') ?? stringField(record, 'project'),
      };
      const err = record[this.errorKey];
      const msg = this.lastMsg;
      text = formatOsloLines({
        epochMs: this.epochMs(),
        pid: this.pid,
        level: this.lastLevel,
        name: this.loggerName(),
        request,
        instanceUuid: stringField(record, 'instance_uuid'),
        message: typeof msg === 'string' ? msg : msg === undefined || msg === null ? '' : String(msg),
        traceback: err === undefined ? undefined : tracebackLines(serializeError(err)),
      });
    } catch (thrown) {
      // Never lose a record: print what is certain.
      text = formatOsloLines({
        epochMs: Date.now(), pid: this.pid, level: this.lastLevel, name: this.defaultName, request: {},
        instanceUuid: undefined, message: `unprintable log record: ${thrownText(thrown)}`, traceback: undefined,
      });
    }
    this.destination.write(text);
  }
}

/** Renders each JSON line through pino-pretty's prettifier (message kept on one line). */
export class PrettyTextStream extends TextStream {
  private readonly prettify: (line: string) => string;

  constructor(destination: TextDestination, colorize: boolean) {
    super(destination);
    this.prettify = prettyFactory({
      colorize,
      translateTime: 'UTC:yyyy-mm-dd HH:MM:ss.l',
      ignore: 'pid,hostname',
      messageFormat: (log, messageKey) => escapeLineText(String(log[messageKey] ?? '')),
    });
  }

  write(line: string): void {
    this.destination.write(this.prettify(line));
  }
}
