/**
 * The few symbols the TUI draws. Box-drawing characters, arrows and ✓/✗ are East Asian
 * "ambiguous" width and go double-wide in some Korean terminal setups; `--ascii` swaps them
 * for plain characters. A symbol is never the only signal: a word stands beside it.
 */
export interface Symbols {
  readonly pointer: string;
  readonly pass: string;
  readonly fail: string;
  readonly bullet: string;
  readonly arrow: string;
  readonly barFull: string;
  readonly barEmpty: string;
  readonly border: "round" | "classic";
}

const UNICODE: Symbols = {
  pointer: "❯",
  pass: "✓",
  fail: "✗",
  bullet: "·",
  arrow: "→",
  barFull: "█",
  barEmpty: "░",
  border: "round",
};

const ASCII: Symbols = {
  pointer: ">",
  pass: "+",
  fail: "x",
  bullet: "-",
  arrow: "->",
  barFull: "#",
  barEmpty: ".",
  border: "classic",
};

export function symbolsFor(ascii: boolean): Symbols {
  return ascii ? ASCII : UNICODE;
}

/**
 * Symbols inside texts the TUI did not write itself (lesson text, the checker's paths, the
 * quiz's explanations), for `--ascii`: each becomes one plain character, so a line keeps the
 * width it was wrapped to.
 */
const PLAIN: Readonly<Record<string, string>> = {
  "→": ">",
  "←": "<",
  "↑": "^",
  "↓": "v",
  "…": ".",
  "✓": "+",
  "✗": "x",
  "·": "-",
  "─": "-",
  "│": "|",
  "❯": ">",
  "█": "#",
  "░": ".",
};

const PLAIN_PATTERN = new RegExp(`[${Object.keys(PLAIN).join("")}]`, "g");

/** `text` with the symbols above as one plain character each, under `--ascii`; else as it is. */
export function shownText(text: string, ascii: boolean): string {
  return ascii ? text.replace(PLAIN_PATTERN, (ch) => PLAIN[ch] ?? ch) : text;
}
