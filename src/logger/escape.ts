/**
 * Neutralising caller text for one-line output: a message or id must never start a new log line
 * (that would let caller data forge a record naming another instance) nor drive a terminal; an
 * id-like field must never close its bracket, start an `[instance: …]` tag or shift the fields
 * after it (see oslo-format.ts).
 */

// C0 controls, DEL, C1 controls (incl. NEL U+0085) and the Unicode line/paragraph separators.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const UNSAFE_ALL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
// The same, plus the delimiters of oslo's bracketed fields: space (between words), `[` and `]`.
const FIELD_UNSAFE = /[\u0000-\u0020\u007f-\u009f\u2028\u2029[\]]/;
const FIELD_UNSAFE_ALL = /[\u0000-\u0020\u007f-\u009f\u2028\u2029[\]]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? '\\x' + code.toString(16).padStart(2, '0') : '\\u' + code.toString(16).padStart(4, '0');
}

/** `text` with newlines as `\n`, other controls as `\xNN`/`\uNNNN`; unchanged (same string) when clean. */
export function escapeLineText(text: string): string {
  return UNSAFE.test(text) ? text.replace(UNSAFE_ALL, escapeChar) : text;
}

/**
 * One word of a delimited field (an id, user, project, logger name): as escapeLineText, and also
 * space as `\x20`, `[` as `\x5b`, `]` as `\x5d`, so the word can neither end early nor open a tag.
 */
export function escapeFieldWord(text: string): string {
  return FIELD_UNSAFE.test(text) ? text.replace(FIELD_UNSAFE_ALL, escapeChar) : text;
}

/**
 * Free text that follows the fields (a message, a traceback line): as escapeLineText, and a
 * leading `[` as `\x5b`, since a parser reads a bracket there as an instance tag or request block.
 */
export function escapeTrailingText(text: string): string {
  const line = escapeLineText(text);
  return line.charCodeAt(0) === 91 /* [ */ ? '\\x5b' + line.slice(1) : line;
}
