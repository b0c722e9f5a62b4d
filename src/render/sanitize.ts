/**
 * Log text is untrusted: a line can carry ESC sequences that recolour, move the cursor, rewrite
 * the title or hide text, C1 controls some terminals obey, and bidi overrides that make text read
 * differently from what it is. Every string from a log goes through here before a terminal sees it.
 */

/** C0 (but tab), DEL, C1, bidi marks/overrides/isolates, line/paragraph separators, BOM. */
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069\ufeff]/g;

function visible(ch: string): string {
  const code = ch.codePointAt(0) as number;
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** The text with every control character shown as a visible escape (`\x1b`, `\u202e`); tabs become spaces. */
export function sanitize(text: string): string {
  return text.replace(UNSAFE, visible).replaceAll('\t', ' ');
}

/** Characters JSON.stringify leaves raw that a terminal could still obey (DEL, C1, bidi, separators). */
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069\ufeff]/g;

/** JSON text with those characters written as `\uXXXX` escapes: the same value, safe to cat. */
export function escapeJsonText(json: string): string {
  return json.replace(JSON_UNSAFE, (ch) => `\\u${(ch.codePointAt(0) as number).toString(16).padStart(4, '0')}`);
}
