/**
 * Text wrapped to a width in terminal columns, at spaces, so that a screen can count its own
 * lines and never grow taller than the terminal (an Ink frame taller than the terminal is
 * redrawn from the top every time and leaves stale lines behind). Hangul counts two columns;
 * Korean wraps between words like English. A word longer than the width is cut.
 */
import { widthOf } from "./text";

function wrapParagraph(text: string, width: number): string[] {
  const words = text.split(/\s+/).filter((w) => w !== "");
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    let w = word;
    while (widthOf(w) > width) {
      // Cut an over-long word (a long path or address) at the width.
      if (line !== "") {
        lines.push(line);
        line = "";
      }
      let cut = "";
      for (const ch of w) {
        if (widthOf(cut + ch) > width) break;
        cut += ch;
      }
      lines.push(cut);
      w = w.slice(cut.length);
    }
    if (w === "") continue;
    if (line === "") line = w;
    else if (widthOf(`${line} ${w}`) <= width) line = `${line} ${w}`;
    else {
      lines.push(line);
      line = w;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}

/** Paragraphs (blank lines between them) stay apart; single line breaks are kept. */
export function wrapText(text: string, width: number): string[] {
  const out: string[] = [];
  const paragraphs = text.trim().split(/\n\s*\n/);
  paragraphs.forEach((paragraph, i) => {
    if (i > 0) out.push("");
    for (const line of paragraph.split("\n")) out.push(...wrapParagraph(line, Math.max(1, width)));
  });
  return out;
}
