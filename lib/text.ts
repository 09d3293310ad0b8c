/**
 * Text cut to at most `max` UTF-16 code units (what `String.length` counts), ending in `ellipsis`
 * when anything was dropped. A surrogate pair is never split: a character that does not fit whole
 * is dropped whole, so well-formed text stays well-formed. Text that fits is returned as it is.
 */
export function cut(text: string, max: number, ellipsis = '…'): string {
  if (text.length <= max) return text;
  if (max < ellipsis.length) return ellipsis.slice(0, Math.max(0, max));
  let end = max - ellipsis.length;
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1)) && isLowSurrogate(text.charCodeAt(end))) end -= 1;
  return `${text.slice(0, end)}${ellipsis}`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
