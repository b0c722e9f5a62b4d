/** Short, never-throwing descriptions of arbitrary values, for `instance_error` and fallbacks. */

const MAX_TEXT = 200;

function clip(text: string): string {
  return text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) + '…' : text;
}

/** What kind of value this is, in words (`a number (42)`, `null`, `a symbol (Symbol(x))`). */
export function describeValue(value: unknown): string {
  try {
    switch (typeof value) {
      case 'string': return `a string (${JSON.stringify(clip(value))})`;
      case 'number': case 'bigint': case 'boolean': return `a ${typeof value} (${String(value)})`;
      case 'symbol': return `a symbol (${clip(value.toString())})`;
      case 'undefined': return 'undefined';
      case 'function': return 'a function';
      default:
        if (value === null) return 'null';
        return Array.isArray(value) ? 'an array' : 'an object';
    }
  } catch {
    return 'an unprintable value';
  }
}

/** The message of something thrown, however odd the thing thrown was. */
export function thrownText(thrown: unknown): string {
  try {
    if (thrown instanceof Error) return clip(`${thrown.name}: ${thrown.message}`);
    return typeof thrown === 'string' ? clip(thrown) : describeValue(thrown);
  } catch {
    return 'an unprintable exception';
  }
}
