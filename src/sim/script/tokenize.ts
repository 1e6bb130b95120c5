/**
 * Splits one line into words the way a POSIX shell would for the commands a scenario uses:
 * whitespace separates, single and double quotes group (`--comment "default/web cluster IP"`),
 * a backslash escapes the next character. Returns an error for an unterminated quote.
 */
export function tokenize(
  line: string,
): { ok: true; words: string[] } | { ok: false; message: string } {
  const plain = plainWords(line);
  if (plain) return { ok: true, words: plain };
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote) {
      if (c === quote) quote = null;
      else if (
        c === "\\" &&
        quote === '"' &&
        i + 1 < line.length &&
        /["\\$`]/.test(line[i + 1] as string)
      )
        word += line[++i];
      else word += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (c === " " || c === "\t") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else if (c === "#" && !inWord) {
      break;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) return { ok: false, message: `unexpected end of line: unterminated ${quote} quote` };
  if (inWord) words.push(word);
  return { ok: true, words };
}

/**
 * The words of a line that needs no quoting rules (every line an installer writes but iptables
 * comments): printable ASCII split at spaces. Null for anything else (a quote, an escape, a
 * comment, a tab or any other character outside ' '–'~'), which the full tokenizer reads. A line
 * with single spaces between words, as installers write them, is split natively in one go.
 */
function plainWords(line: string): string[] | null {
  let single = line.length > 0 && line.charCodeAt(0) !== 32;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c < 32 || c > 126 || c === 34 || c === 39 || c === 92 || c === 35) return null;
    if (c === 32 && (i + 1 === line.length || line.charCodeAt(i + 1) === 32)) single = false;
  }
  if (single) return line.split(" ");
  return line.split(" ").filter((w) => w !== "");
}

/** iproute2 accepts any prefix of a keyword (`ip r`, `ip ro sh`); `matches("ro", "route")`. */
export function matches(word: string | undefined, keyword: string): boolean {
  return word !== undefined && word.length > 0 && keyword.startsWith(word);
}

/** A cursor over the words of one command, with iproute2's wording for what goes wrong. */
export class Args {
  private at = 0;
  constructor(private readonly words: readonly string[]) {}

  get done(): boolean {
    return this.at >= this.words.length;
  }

  peek(): string | undefined {
    return this.words[this.at];
  }

  next(): string | undefined {
    return this.words[this.at++];
  }

  /** The value after a keyword; undefined means iproute2's "Command line is not complete". */
  value(): string | undefined {
    return this.next();
  }

  rest(): string[] {
    const out = this.words.slice(this.at);
    this.at = this.words.length;
    return out;
  }
}

export const INCOMPLETE = 'Command line is not complete. Try option "help"';

export function garbage(word: string, what = "to"): string {
  return `Error: either "${what}" is duplicate, or "${word}" is a garbage.`;
}
