/**
 * Neutralising caller text for one-line output: a message or id must never start a new log line
 * (that would let caller data forge a record naming another instance) nor drive a terminal.
 */

// C0 controls, DEL, C1 controls (incl. NEL U+0085) and the Unicode line/paragraph separators.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const UNSAFE_ALL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

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
