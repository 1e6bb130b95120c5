import { unreachable } from "../sim/unreachable";
import { type Printed, stderr, stdout } from "./printed";

/** The commands the shell runs after a `|`: they read the previous command's stdout. */
export const FILTERS = ["grep", "head", "tail", "wc"] as const;

export type FilterName = (typeof FILTERS)[number];

export function isFilter(word: string | undefined): word is FilterName {
  return FILTERS.some((f) => f === word);
}

/** Runs `grep`, `head`, `tail` or `wc` (GNU coreutils and grep) over `input`. */
export function runFilter(name: FilterName, args: readonly string[], input: string): Printed {
  const text = linesOf(input);
  switch (name) {
    case "grep":
      return grep(args, text);
    case "head":
      return headOrTail("head", args, text);
    case "tail":
      return headOrTail("tail", args, text);
    case "wc":
      return wc(args, input, text);
    default:
      return unreachable(name);
  }
}

/** The lines of a command's output, without the empty string after its last newline. */
function linesOf(input: string): string[] {
  if (input === "") return [];
  const all = input.split("\n");
  if (all[all.length - 1] === "") all.pop();
  return all;
}

function joined(selected: readonly string[]): string {
  return selected.map((l) => `${l}\n`).join("");
}

interface GrepOptions {
  ignoreCase: boolean;
  invert: boolean;
  count: boolean;
  word: boolean;
  number: boolean;
  syntax: "basic" | "extended" | "fixed";
}

/**
 * `grep [-i] [-v] [-c] [-w] [-n] [-E|-F] [-e] PATTERN`: GNU grep's basic regular expressions by
 * default (`+ ? | ( ) { }` are literal unless escaped), extended with -E, a plain string with -F.
 * Exit status 0 when a line was selected, 1 when none was, 2 on a mistake.
 */
function grep(args: readonly string[], input: readonly string[]): Printed {
  const o: GrepOptions = {
    ignoreCase: false,
    invert: false,
    count: false,
    word: false,
    number: false,
    syntax: "basic",
  };
  let pattern: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (pattern === undefined && arg === "-e") {
      pattern = args[++i];
      if (pattern === undefined) return stderr("grep: option requires an argument -- 'e'\n", 2);
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1 && pattern === undefined) {
      for (const letter of arg.slice(1)) {
        if (letter === "i") o.ignoreCase = true;
        else if (letter === "v") o.invert = true;
        else if (letter === "c") o.count = true;
        else if (letter === "w") o.word = true;
        else if (letter === "n") o.number = true;
        else if (letter === "E") o.syntax = "extended";
        else if (letter === "F") o.syntax = "fixed";
        else
          return stderr(
            `grep: invalid option -- '${letter}'\npodnet-learn: this grep takes -i, -v, -c, -w, -n, -E, -F and -e\n`,
            2,
          );
      }
      continue;
    }
    if (pattern !== undefined)
      return stderr(`grep: ${arg}: this shell has no files; grep reads the pipe\n`, 2);
    pattern = arg;
  }
  if (pattern === undefined)
    return stderr(
      "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n",
      2,
    );
  const regex = compileGrep(pattern, o);
  if (regex === null) return stderr("grep: Invalid regular expression\n", 2);
  const selected: string[] = [];
  input.forEach((line, i) => {
    if (regex.test(line) !== o.invert) selected.push(o.number ? `${i + 1}:${line}` : line);
  });
  const status = selected.length > 0 ? 0 : 1;
  if (o.count) return stdout(`${selected.length}\n`, status);
  return stdout(joined(selected), status);
}

/** The POSIX character classes grep knows, as JavaScript ranges (C locale). */
const CLASSES: Record<string, string> = {
  alpha: "A-Za-z",
  digit: "0-9",
  alnum: "A-Za-z0-9",
  upper: "A-Z",
  lower: "a-z",
  space: " \\t\\n\\r\\f\\v",
  blank: " \\t",
  punct: "!-\\/:-@\\[-`{-~",
  xdigit: "0-9A-Fa-f",
};

/** A grep pattern as a JavaScript regular expression, or null when grep would refuse it. */
export function compileGrep(
  pattern: string,
  o: Pick<GrepOptions, "ignoreCase" | "word" | "syntax">,
): RegExp | null {
  let source =
    o.syntax === "fixed"
      ? pattern.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")
      : translate(pattern, o.syntax === "extended");
  if (source === null) return null;
  if (o.word) source = `(?<![A-Za-z0-9_])(?:${source})(?![A-Za-z0-9_])`;
  try {
    return new RegExp(source, o.ignoreCase ? "i" : "");
  } catch {
    return null;
  }
}

/**
 * GNU regular expressions to JavaScript: in basic syntax `\( \) \{ \} \| \+ \?` are the operators
 * and the bare characters literal, in extended syntax the other way round; `\<` and `\>` are word
 * boundaries; bracket expressions take POSIX classes.
 */
function translate(pattern: string, extended: boolean): string | null {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "[") {
      const end = bracketEnd(pattern, i);
      if (end < 0) return null;
      out += bracket(pattern.slice(i + 1, end));
      i = end;
    } else if (c === "\\") {
      const n = pattern[++i];
      if (n === undefined) return null;
      if ("(){}|+?".includes(n)) out += extended ? `\\${n}` : n;
      else if (n === "<" || n === ">") out += "\\b";
      else if ("wWsSbB".includes(n)) out += `\\${n}`;
      else out += /[A-Za-z0-9]/.test(n) ? n : `\\${n}`;
    } else if ("(){}|+?".includes(c)) out += extended ? c : `\\${c}`;
    else if (c === "*" && (out === "" || out === "^")) out += "\\*";
    else if (c === "/") out += "\\/";
    else out += c;
  }
  return out;
}

/** The index of the `]` that closes the bracket expression opening at `start`, or -1. */
function bracketEnd(pattern: string, start: number): number {
  let i = start + 1;
  if (pattern[i] === "^") i++;
  if (pattern[i] === "]") i++;
  for (; i < pattern.length; i++) {
    if (pattern[i] === "[" && pattern[i + 1] === ":") {
      const close = pattern.indexOf(":]", i + 2);
      if (close < 0) return -1;
      i = close + 1;
    } else if (pattern[i] === "]") return i;
  }
  return -1;
}

function bracket(body: string): string {
  let inner = body.replace(/\[:([a-z]+):\]/g, (_, name: string) => CLASSES[name] ?? "");
  const negated = inner.startsWith("^");
  if (negated) inner = inner.slice(1);
  // A `]` first in the list is literal in POSIX; JavaScript needs it escaped. So does a `\`.
  inner = inner.replace(/\\/g, "\\\\").replace(/^\]/, "\\]");
  return `[${negated ? "^" : ""}${inner}]`;
}

/** `head`/`tail` `[-n N | -N | --lines=N]` (tail also `-n +N`: from line N on); 10 lines by default. */
function headOrTail(
  name: "head" | "tail",
  args: readonly string[],
  input: readonly string[],
): Printed {
  let count = 10;
  let fromLine: number | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    let value: string | undefined;
    if (arg === "-n" || arg === "--lines") value = args[++i];
    else if (arg.startsWith("--lines=")) value = arg.slice("--lines=".length);
    else if (/^-n.+/.test(arg)) value = arg.slice(2);
    else if (/^-\d+$/.test(arg)) value = arg.slice(1);
    else if (arg.startsWith("-"))
      return stderr(
        `${name}: invalid option -- '${arg.slice(1, 2)}'\nTry '${name} --help' for more information.\n`,
      );
    else return stderr(`${name}: cannot open '${arg}' for reading: this shell has no files\n`);
    if (value === undefined)
      return stderr(
        `${name}: option requires an argument -- 'n'\nTry '${name} --help' for more information.\n`,
      );
    if (name === "tail" && /^\+\d+$/.test(value)) {
      fromLine = Number(value.slice(1));
      continue;
    }
    if (!/^\d+$/.test(value)) return stderr(`${name}: invalid number of lines: '${value}'\n`);
    count = Number(value);
  }
  if (fromLine !== null) return stdout(joined(input.slice(Math.max(0, fromLine - 1))));
  if (name === "head") return stdout(joined(input.slice(0, count)));
  return stdout(joined(count === 0 ? [] : input.slice(-count)));
}

/**
 * `wc [-l] [-w] [-c]` on the pipe: one count alone is printed bare; several are right-aligned
 * in 7 columns each, as GNU wc does for standard input.
 */
function wc(args: readonly string[], input: string, text: readonly string[]): Printed {
  const wanted = new Set<string>();
  for (const arg of args) {
    if (!/^-[lwc]+$/.test(arg))
      return stderr(
        arg.startsWith("-")
          ? `wc: invalid option -- '${arg.slice(1, 2)}'\nTry 'wc --help' for more information.\n`
          : `wc: ${arg}: this shell has no files; wc reads the pipe\n`,
      );
    for (const letter of arg.slice(1)) wanted.add(letter);
  }
  if (wanted.size === 0) for (const letter of "lwc") wanted.add(letter);
  const counts: number[] = [];
  if (wanted.has("l")) counts.push((input.match(/\n/g) ?? []).length);
  if (wanted.has("w"))
    counts.push(
      text
        .join(" ")
        .split(/\s+/)
        .filter((w) => w !== "").length,
    );
  if (wanted.has("c")) counts.push(new TextEncoder().encode(input).length);
  if (counts.length === 1) return stdout(`${counts[0]}\n`);
  return stdout(`${counts.map((n) => String(n).padStart(7)).join(" ")}\n`);
}
