import { tokenize } from "../sim/script/tokenize";

/** Where a stage's output goes besides the terminal or the next stage. */
export interface Redirects {
  /** `>/dev/null` (or `&>/dev/null`): stdout is thrown away. */
  readonly dropStdout: boolean;
  /** `2>/dev/null` (or `&>/dev/null`): stderr is thrown away. */
  readonly dropStderr: boolean;
  /** `2>&1`: stderr joins stdout (and so goes through the pipe). */
  readonly stderrToStdout: boolean;
}

/** One command of a pipeline: its words (quotes removed) and its redirections. */
export interface Stage {
  readonly words: readonly string[];
  readonly redirects: Redirects;
}

export type ParsedLine =
  | { readonly ok: true; readonly stages: readonly Stage[] }
  | { readonly ok: false; readonly message: string };

const NO_REDIRECTS: Redirects = { dropStdout: false, dropStderr: false, stderrToStdout: false };

/**
 * Reads one line the way bash would for the little the node shell supports: words as the
 * scenario scripts split them (src/sim/script/tokenize.ts: quotes, backslashes, `#` comments),
 * `|` between commands, and the redirections SREs type before a pipe (`2>&1`, `2>/dev/null`,
 * `>/dev/null`). Lists (`;`, `&&`, `||`), background jobs and files are refused with a message.
 */
export function parseLine(line: string): ParsedLine {
  const split = splitPipes(line);
  if (!split.ok) return split;
  const stages: Stage[] = [];
  for (const segment of split.segments) {
    const words = tokenize(segment);
    // splitPipes has already found every unterminated quote; this keeps the types honest.
    if (!words.ok) return { ok: false, message: `bash: ${words.message}` };
    if (words.words.length === 0) {
      if (split.segments.length === 1) return { ok: true, stages: [] };
      return { ok: false, message: "bash: syntax error near unexpected token `|'" };
    }
    const redirected = redirectsOf(words.words);
    if (!redirected.ok) return redirected;
    if (redirected.words.length === 0)
      return { ok: false, message: "bash: syntax error near unexpected token `newline'" };
    stages.push({ words: redirected.words, redirects: redirected.redirects });
  }
  return { ok: true, stages };
}

/**
 * Splits at every `|` outside quotes, stopping at a comment; says what bash would about an
 * unterminated quote, and what this shell does not do about `;`, `&&`, `||` and `&`.
 */
function splitPipes(
  line: string,
): { ok: true; segments: string[] } | { ok: false; message: string } {
  const segments: string[] = [];
  let start = 0;
  let quote: "'" | '"' | null = null;
  let end = line.length;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"') i++;
      continue;
    }
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      continue;
    }
    const before = i === 0 ? " " : (line[i - 1] as string);
    if (c === "#" && /[\s|]/.test(before)) {
      end = i;
      break;
    }
    const next = line[i + 1];
    if (c === ";" || (c === "|" && next === "|") || (c === "&" && next === "&"))
      return { ok: false, message: LISTS };
    // `&` is only allowed inside a redirection: `2>&1` and `&>/dev/null`.
    if (c === "&" && before !== ">" && next !== ">") return { ok: false, message: LISTS };
    if (c === "|") {
      segments.push(line.slice(start, i));
      start = i + 1;
    }
  }
  if (quote)
    return { ok: false, message: `bash: unexpected EOF while looking for matching \`${quote}'` };
  segments.push(line.slice(start, end));
  return { ok: true, segments };
}

const LISTS =
  "podnet-learn: this shell runs one command a line (no ;, &&, || or &); a pipe into grep, head, tail or wc works";

const FILES =
  "podnet-learn: this shell reads and writes no files; the redirections it takes are 2>&1, 2>/dev/null and >/dev/null";

/** Takes the redirections out of a stage's words. */
function redirectsOf(
  all: readonly string[],
): ({ ok: true } & Stage) | { ok: false; message: string } {
  let redirects = NO_REDIRECTS;
  const words: string[] = [];
  for (let i = 0; i < all.length; i++) {
    const word = all[i] as string;
    const match = /^(\d?|&)(>>?|<)(.*)$/.exec(word);
    if (!match) {
      words.push(word);
      continue;
    }
    const [, fd = "", op = "", rest] = match;
    if (op === "<") return { ok: false, message: FILES };
    if (word === "2>&1") {
      redirects = { ...redirects, stderrToStdout: true };
      continue;
    }
    // The target is glued to the operator (`2>/dev/null`) or the next word (`2> /dev/null`).
    const target = rest === "" ? all[++i] : rest;
    if (target !== "/dev/null" || (fd !== "" && fd !== "1" && fd !== "2" && fd !== "&"))
      return { ok: false, message: FILES };
    if (fd === "2") redirects = { ...redirects, dropStderr: true };
    else if (fd === "&") redirects = { ...redirects, dropStdout: true, dropStderr: true };
    else redirects = { ...redirects, dropStdout: true };
  }
  return { ok: true, words, redirects };
}
