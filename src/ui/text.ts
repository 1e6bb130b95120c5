/**
 * Width-aware text helpers: Hangul and other wide characters take two columns, so `padEnd` and
 * `slice` would misalign every Korean row. Everything that pads or cuts text for a column goes
 * through these.
 */
import stringWidth from "string-width";

export function widthOf(text: string): number {
  return stringWidth(text);
}

/** `text` cut to at most `width` columns, with `…` when something was cut. */
export function fitTo(text: string, width: number): string {
  if (width <= 0) return "";
  if (stringWidth(text) <= width) return text;
  let out = "";
  let used = 0;
  for (const ch of text) {
    const w = stringWidth(ch);
    if (used + w > width - 1) break;
    out += ch;
    used += w;
  }
  return `${out}…`;
}

/** `text` padded with spaces to exactly `width` columns (cut first if longer). */
export function padTo(text: string, width: number): string {
  const fitted = fitTo(text, width);
  return fitted + " ".repeat(Math.max(0, width - stringWidth(fitted)));
}

/** `text` right-aligned in `width` columns. */
export function padStartTo(text: string, width: number): string {
  const fitted = fitTo(text, width);
  return " ".repeat(Math.max(0, width - stringWidth(fitted))) + fitted;
}
