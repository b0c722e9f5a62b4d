/**
 * A site's own oslo.log layout. oslo.log writes text with three options (oslo_log/_options.py):
 * `logging_context_format_string` (records with a request context), `logging_default_format_string`
 * (records without one) and `logging_exception_prefix` (before each traceback line), all Python
 * %-format strings over the LogRecord and its context. Sites change them: drop the pid, add the
 * host name, reorder the request block. Each given string is compiled once into an anchored
 * regular expression from OSLO_FIELDS, a table of what each field looks like and which record
 * fact it fills; a field the table does not know is skipped by a short non-greedy pattern.
 * Options not given are left to the built-in parser (src/records/oslo-text.ts), which reads
 * oslo.log's defaults of every release.
 */
import { emptyRecord, type LogRecord, type SourceRef } from './record.js';
import { levelFromUpperWord } from './levels.js';
import { nullIfDash, osloLineKind, readInstanceTag, stripAnsi, type OsloLine } from './oslo-text.js';
import { looksLikeDateTime, readDateTime, toEpoch, UTC, type TimeZone } from './time.js';

export interface OsloLayoutSpec {
  /** logging_context_format_string. */
  context?: string;
  /** logging_default_format_string. */
  default?: string;
  /** logging_exception_prefix ('' : traceback lines carry no prefix). */
  exceptionPrefix?: string;
}

/** The option each part of a layout is, named as in oslo.log's configuration. */
export const OSLO_OPTION_NAMES: Readonly<Record<keyof OsloLayoutSpec, string>> = {
  context: 'logging_context_format_string',
  default: 'logging_default_format_string',
  exceptionPrefix: 'logging_exception_prefix',
};

/** A format string that cannot be read; the message names the field and says what is wrong. */
export class OsloFormatError extends Error {
  override name = 'OsloFormatError';
}

/** The record fact a field fills; null: read over and dropped. */
type Fact =
  | 'asctime' | 'msecs' | 'isotime' | 'created' | 'pid' | 'level' | 'logger' | 'requestId' | 'globalRequestId'
  | 'userIdentity' | 'user' | 'project' | 'instance' | 'message' | 'host' | null;

export interface OsloField {
  /** Regular expression (no capture groups) for what the field writes. */
  pattern: string;
  fact: Fact;
}

const DATE_TIME = '\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}:\\d{2}(?:[.,]\\d+)?';
const REQUEST_ID = 'req-[0-9A-Za-z-]+';
const WORD = '\\S+';
/** A value inside a request block: no space, no closing bracket. */
const BLOCK_WORD = '[^\\s\\]]*';
const DIGITS = '\\d+';
/** What an unknown text field may be: short, on one line, as little as lets the rest match. */
const UNKNOWN_TEXT = '.{0,256}?';
const UNKNOWN_NUMBER = '-?\\d+(?:\\.\\d+)?';

/**
 * Every field oslo.log's ContextFormatter fills (the LogRecord's own, the context's logging
 * values, and its extras), what it looks like, and what it tells.
 */
export const OSLO_FIELDS: Readonly<Record<string, OsloField>> = {
  // log_date_format's default (`%Y-%m-%d %H:%M:%S`), or with a `T`, a fraction, a zone.
  asctime: { pattern: `${DATE_TIME}(?:Z|[+-]\\d{2}:?\\d{2})?`, fact: 'asctime' },
  msecs: { pattern: '\\d{1,3}', fact: 'msecs' },
  isotime: { pattern: `${DATE_TIME}(?:Z|[+-]\\d{2}:?\\d{2})?`, fact: 'isotime' },
  created: { pattern: '\\d+(?:\\.\\d+)?', fact: 'created' },
  relativeCreated: { pattern: '\\d+(?:\\.\\d+)?', fact: null },
  process: { pattern: DIGITS, fact: 'pid' },
  processName: { pattern: WORD, fact: null },
  thread: { pattern: DIGITS, fact: null },
  threadName: { pattern: WORD, fact: null },
  levelname: { pattern: '[A-Z]+', fact: 'level' },
  levelno: { pattern: DIGITS, fact: null },
  name: { pattern: WORD, fact: 'logger' },
  module: { pattern: WORD, fact: null },
  filename: { pattern: WORD, fact: null },
  pathname: { pattern: WORD, fact: null },
  funcName: { pattern: WORD, fact: null },
  lineno: { pattern: DIGITS, fact: null },
  hostname: { pattern: '[A-Za-z0-9][A-Za-z0-9._-]*', fact: 'host' },
  // oslo.log uses the context format only for a record with a request id, always `req-<uuid>`.
  request_id: { pattern: REQUEST_ID, fact: 'requestId' },
  global_request_id: { pattern: `(?:${REQUEST_ID}|None|-)?`, fact: 'globalRequestId' },
  user_identity: { pattern: '[^\\]\\n]{0,512}?', fact: 'userIdentity' },
  user: { pattern: BLOCK_WORD, fact: 'user' },
  user_id: { pattern: BLOCK_WORD, fact: 'user' },
  user_name: { pattern: BLOCK_WORD, fact: 'user' },
  project: { pattern: BLOCK_WORD, fact: 'project' },
  project_id: { pattern: BLOCK_WORD, fact: 'project' },
  tenant: { pattern: BLOCK_WORD, fact: 'project' },
  project_name: { pattern: BLOCK_WORD, fact: 'project' },
  domain: { pattern: BLOCK_WORD, fact: null },
  user_domain: { pattern: BLOCK_WORD, fact: null },
  project_domain: { pattern: BLOCK_WORD, fact: null },
  system_scope: { pattern: BLOCK_WORD, fact: null },
  resource_uuid: { pattern: BLOCK_WORD, fact: null },
  instance: { pattern: '(?:\\[instance: [0-9A-Za-z-]+\\] )?', fact: 'instance' },
  // ANSI colour codes are stripped before a line is matched.
  color: { pattern: '', fact: null },
  version: { pattern: WORD, fact: null },
  error_summary: { pattern: '.{0,1024}?', fact: null },
  message: { pattern: '.*?', fact: 'message' },
};

const TIME_FACTS: ReadonlySet<Fact> = new Set<Fact>(['asctime', 'isotime', 'created']);

/** One format string, compiled. */
interface CompiledFormat {
  regex: RegExp;
  /** The fact of each capture group, group 1 first. */
  facts: Fact[];
}

/** One `%(key)…` conversion of a format string. */
interface Conversion {
  key: string;
  /** `-`: left-aligned (padding after). */
  leftAlign: boolean;
  width: number;
  type: string;
}

const CONVERSION_TAIL = /([#0\- +]*)(\d*)(?:\.\d*)?[hlL]?([diouxXeEfFgGcrsa]?)/y;
const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/]/g;

/** Splits a format string into literal text and conversions; throws OsloFormatError naming the field. */
function tokenize(format: string, option: string): Array<string | Conversion> {
  const out: Array<string | Conversion> = [];
  let literal = '';
  let i = 0;
  while (i < format.length) {
    const c = format[i]!;
    if (c !== '%') {
      literal += c;
      i++;
      continue;
    }
    if (format[i + 1] === '%') {
      literal += '%';
      i += 2;
      continue;
    }
    const at = `at character ${i + 1}`;
    if (format[i + 1] !== '(') {
      throw new OsloFormatError(`${option}: ${JSON.stringify(format.slice(i, i + 3))} ${at} names no field (oslo.log fields are written %(name)s; a literal % is %%)`);
    }
    const close = format.indexOf(')', i + 2);
    if (close === -1) throw new OsloFormatError(`${option}: ${JSON.stringify(format.slice(i, i + 24))} ${at} is not closed with ")"`);
    const key = format.slice(i + 2, close);
    if (key === '') throw new OsloFormatError(`${option}: %() ${at} names no field`);
    CONVERSION_TAIL.lastIndex = close + 1;
    const m = CONVERSION_TAIL.exec(format)!;
    const type = m[3]!;
    if (type === '') {
      throw new OsloFormatError(`${option}: %(${key}) ${at} has no conversion type (write it %(${key})s)`);
    }
    if (literal !== '') out.push(literal);
    literal = '';
    out.push({ key, leftAlign: m[1]!.includes('-'), width: m[2] === '' ? 0 : Number(m[2]), type });
    i = CONVERSION_TAIL.lastIndex;
  }
  if (literal !== '') out.push(literal);
  return out;
}

/** The regex source of one conversion (one capture group) and its fact. */
function conversionPattern(conv: Conversion, unknown: string[]): { source: string; fact: Fact } {
  let field = OSLO_FIELDS[conv.key];
  if (field === undefined || !Object.hasOwn(OSLO_FIELDS, conv.key)) {
    unknown.push(conv.key);
    field = { pattern: 'srac'.includes(conv.type) ? UNKNOWN_TEXT : UNKNOWN_NUMBER, fact: null };
  }
  const group = `(${field.pattern})`;
  // Python pads to the width with spaces (zeros with the 0 flag, which digits already match).
  const source = conv.width === 0 ? group : conv.leftAlign ? `${group} *` : ` *${group}`;
  return { source, fact: field.fact };
}

interface CompileResult {
  format: CompiledFormat;
  /** Keys the table does not know (skipped). */
  unknown: string[];
}

/**
 * Compiles one format string. `prefix`: an exception prefix (the traceback line follows it);
 * otherwise a record format, which must hold a time and the message.
 */
function compileFormat(format: string, option: string, prefix: boolean): CompileResult {
  const unknown: string[] = [];
  const facts: Fact[] = [];
  let source = '^';
  for (const token of tokenize(format, option)) {
    if (typeof token === 'string') {
      source += token.replace(REGEX_SPECIAL, '\\$&');
      continue;
    }
    const part = conversionPattern(token, unknown);
    source += part.source;
    facts.push(part.fact);
  }
  if (prefix) {
    source += '(.*)';
    facts.push('message');
  } else {
    if (!facts.includes('message')) throw new OsloFormatError(`${option}: no %(message)s field: the message could not be found`);
    if (!facts.some((f) => TIME_FACTS.has(f))) {
      throw new OsloFormatError(`${option}: no time field (%(asctime)s, %(isotime)s or %(created)f): a record's first line could not be told from the lines that continue it`);
    }
  }
  return { format: { regex: new RegExp(`${source}$`, 'd'), facts }, unknown };
}

/** An unknown field of a compiled layout: which option, which key. */
export interface UnknownOsloField {
  option: string;
  field: string;
}

/** What a line of the layout is, with its match. */
interface LayoutMatch {
  kind: 'record' | 'exception';
  format: CompiledFormat;
  m: RegExpExecArray;
}

/** A site's layout, compiled once; parses one physical line, or says it is not of the layout. */
export class OsloLayout {
  readonly #records: CompiledFormat[] = [];
  readonly #exception: CompiledFormat | null = null;
  /** Fields the layout names that the table does not know; their text is skipped. */
  readonly unknownFields: UnknownOsloField[] = [];

  /** Throws OsloFormatError for a string that cannot be read. `labels`: how to name each option in messages. */
  constructor(spec: OsloLayoutSpec, labels: Partial<Record<keyof OsloLayoutSpec, string>> = {}) {
    const label = (part: keyof OsloLayoutSpec): string => labels[part] ?? OSLO_OPTION_NAMES[part];
    for (const part of ['context', 'default'] as const) {
      const text = spec[part];
      if (text === undefined) continue;
      const { format, unknown } = compileFormat(text, label(part), false);
      this.#records.push(format);
      for (const field of unknown) this.unknownFields.push({ option: label(part), field });
    }
    if (spec.exceptionPrefix !== undefined && spec.exceptionPrefix !== '') {
      const { format, unknown } = compileFormat(spec.exceptionPrefix, label('exceptionPrefix'), true);
      this.#exception = format;
      for (const field of unknown) this.unknownFields.push({ option: label('exceptionPrefix'), field });
    }
  }

  /** Record formats first: an exception prefix is often a record format's head. */
  #match(line: string): LayoutMatch | null {
    for (const format of this.#records) {
      const m = format.regex.exec(line);
      if (m !== null && levelOk(m, format)) return { kind: 'record', format, m };
    }
    const format = this.#exception;
    // A record of another release's layout (a host not yet reconfigured) often begins like an
    // exception prefix (`… ERROR nova.compute.manager [req-…`): the built-in parser's record.
    if (format === null || osloLineKind(line) === 'record') return null;
    const m = format.regex.exec(line);
    return m !== null && levelOk(m, format) ? { kind: 'exception', format, m } : null;
  }

  /** Cheap enough for framing: is this a line of the layout, and which kind? Null when it is not. */
  kind(line: string): 'record' | 'exception' | null {
    return this.#match(stripAnsi(line))?.kind ?? null;
  }

  /** Parses one physical line of the layout (null when it is not one), like parseOsloLine. */
  parse(raw: string, zone: TimeZone = UTC, source: SourceRef = { file: '', line: 0, lines: 1 }): OsloLine | null {
    const line = stripAnsi(raw);
    const match = this.#match(line);
    if (match === null) return null;
    const rec = emptyRecord({ ...source });
    rec.format = 'oslo';
    fill(rec, line, match, zone);
    if (match.kind === 'record') return { kind: 'record', record: rec, tracebackLine: '' };
    const text = rec.message;
    rec.message = '';
    rec.level = 'error';
    rec.levelText ??= 'ERROR';
    rec.traceback.push(text);
    return { kind: 'exception', record: rec, tracebackLine: text };
  }
}

/** A levelname field must hold a level word (else the line is something else). */
function levelOk(m: RegExpExecArray, format: CompiledFormat): boolean {
  const i = format.facts.indexOf('level');
  return i === -1 || levelFromUpperWord(m[i + 1]!) !== null;
}

/** Fills the record's facts from a match. */
function fill(rec: LogRecord, line: string, { format, m }: LayoutMatch, zone: TimeZone): void {
  let timeStart = -1;
  let timeEnd = -1;
  let msecs: string | null = null;
  let timeFact: Fact = null;
  /** The time field's text alone had a fraction of a second. */
  let fraction = false;
  format.facts.forEach((fact, k) => {
    const text = m[k + 1] ?? '';
    const [start, end] = m.indices![k + 1] ?? [0, 0];
    switch (fact) {
      case 'asctime': case 'isotime': case 'created':
        if (timeStart !== -1) return;
        timeStart = start;
        timeEnd = end;
        timeFact = fact;
        fraction = /[.,]\d/.test(text.slice(19, 21));
        rec.time = fact === 'created' ? Math.round(Number(text) * 1000) : timeOf(text, zone);
        return;
      case 'msecs':
        msecs = text;
        // `%(asctime)s.%(msecs)03d`: the time as written runs on to the milliseconds.
        if (timeEnd !== -1 && start - timeEnd <= 1) timeEnd = end;
        return;
      case 'pid': rec.pid = Number(text); return;
      case 'level': rec.levelText = text; rec.level = levelFromUpperWord(text); return;
      case 'logger': rec.logger = text; return;
      case 'host': rec.host = text; return;
      case 'requestId': rec.requestId = nullIfDash(text); return;
      case 'globalRequestId': rec.globalRequestId = nullIfDash(text); return;
      case 'user': rec.user ??= nullIfDash(text); return;
      case 'project': rec.project ??= nullIfDash(text); return;
      case 'userIdentity': {
        // logging_user_identity_format: `%(user)s %(project)s %(domain)s …`.
        const words = text.split(' ');
        rec.user ??= nullIfDash(words[0]);
        rec.project ??= nullIfDash(words[1]);
        return;
      }
      case 'instance': {
        const tag = text === '' ? null : readInstanceTag(text, 0);
        if (tag !== null) rec.instanceId = tag[0];
        return;
      }
      case 'message': rec.message = text; return;
      default: return;
    }
  });
  if (timeStart === -1) return;
  rec.timeText = line.slice(timeStart, timeEnd);
  // asctime (log_date_format) has whole seconds; %(msecs)d carries the milliseconds.
  if (msecs !== null && rec.time !== null && timeFact === 'asctime' && !fraction) rec.time += Number(msecs);
}

/** Epoch ms of an asctime or isotime text; null when it is no date-time. */
function timeOf(text: string, zone: TimeZone): number | null {
  return looksLikeDateTime(text, 0) ? toEpoch(readDateTime(text, 0, true), zone) : null;
}

const compiled = new Map<string, OsloLayout>();

/**
 * The layout for a spec, compiled once per process (each worker thread compiles its own); null
 * when the spec gives no format. Throws OsloFormatError for a string that cannot be read.
 */
export function compileOsloLayout(spec: OsloLayoutSpec | undefined): OsloLayout | null {
  if (spec === undefined || (spec.context === undefined && spec.default === undefined && (spec.exceptionPrefix ?? '') === '')) return null;
  const key = JSON.stringify([spec.context, spec.default, spec.exceptionPrefix]);
  let layout = compiled.get(key);
  if (layout === undefined) {
    layout = new OsloLayout(spec);
    compiled.set(key, layout);
  }
  return layout;
}
