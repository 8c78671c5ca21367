/**
 * Lesson 01 · a client's bytes on the operator's terminal, shown safely.
 *
 * JSON.stringify escapes the C0 controls (ESC, BEL, newline…), but leaves alone a few
 * characters that a terminal still obeys: DEL, the C1 controls U+0080–U+009F (xterm
 * reads U+009B as ESC [, the start of an escape sequence, and U+009D as the start of
 * a title change), the line separators U+2028/U+2029, and the bidi controls (U+202E
 * shows the rest of the line backwards, so a fake log line can hide in it).
 */

// #region quote
const STILL_OBEYED =
  /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `JSON.stringify(text)`, with those characters escaped as `\uXXXX` too: still valid JSON. */
export function quote(text: string): string {
  return JSON.stringify(text).replace(
    STILL_OBEYED,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
// #endregion quote
