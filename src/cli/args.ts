import { parseArgs } from "node:util";
import { UsageError } from "./errors";

/** One option of a command: what the parser accepts and what `--help` prints. */
export interface OptionSpec {
  /** Long name without dashes, e.g. `script` for `--script`. */
  readonly name: string;
  /** One-letter alias without the dash, e.g. `h`. */
  readonly short?: string;
  /** Placeholder shown in help for an option that takes a value, e.g. `FILE`; absent for a switch. */
  readonly value?: string;
  readonly description: string;
}

/** A command as the parser and the help screen both see it. */
export interface CommandSpec {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Usage line after `podnet-learn `, e.g. `trace --script FILE --from NETNS --to IP [options]`. */
  readonly usage: string;
  readonly options: readonly OptionSpec[];
  /** Full command lines that work against the shipped examples. */
  readonly examples: readonly string[];
  /** Paragraphs printed after the options. */
  readonly notes?: readonly string[];
}

/** The parsed command line: switches as `true`, values as strings, and words after `--`. */
export interface ParsedArgs {
  readonly values: ReadonlyMap<string, string | true>;
  /** Words after `--`, untouched. */
  readonly rest: readonly string[];
  /** Words before `--` that are not options. */
  readonly positionals: readonly string[];
}

const HELP_OPTION: OptionSpec = { name: "help", short: "h", description: "Show this help" };

/** Accepted by every command; the launcher and `main` read it before any parsing. */
export const NO_COLOR_OPTION: OptionSpec = {
  name: "no-color",
  description: "Plain text without colour (also NO_COLOR=1)",
};

/** Every command accepts -h/--help; specs list it once here rather than in each table. */
export function withHelp(options: readonly OptionSpec[]): readonly OptionSpec[] {
  return [...options, HELP_OPTION];
}

/**
 * Parses `args` against `options`. Unknown options, missing values, values on switches and
 * repeated options become UsageErrors that name the option and suggest the nearest known one.
 * node:util's own strict mode is not used because its messages cannot carry a suggestion.
 */
export function parseCommandLine(
  args: readonly string[],
  options: readonly OptionSpec[],
  command?: string,
): ParsedArgs {
  const config: Record<string, { type: "string" | "boolean"; short?: string }> = {};
  for (const option of options) {
    config[option.name] = {
      type: option.value === undefined ? "boolean" : "string",
      ...(option.short === undefined ? {} : { short: option.short }),
    };
  }
  const { tokens } = parseArgs({
    args: [...args],
    options: config,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });

  const values = new Map<string, string | true>();
  const positionals: string[] = [];
  const rest: string[] = [];
  let afterTerminator = false;
  for (const token of tokens) {
    if (token.kind === "option-terminator") {
      afterTerminator = true;
      continue;
    }
    if (token.kind === "positional") {
      (afterTerminator ? rest : positionals).push(token.value);
      continue;
    }
    const spec = options.find((o) => o.name === token.name);
    if (spec === undefined) {
      const known = options.flatMap((o) => (o.short === undefined ? [o.name] : [o.name, o.short]));
      const nearest = suggest(token.name, known);
      const hint =
        nearest === undefined
          ? ""
          : `; did you mean ${nearest.length === 1 ? "-" : "--"}${nearest}?`;
      throw new UsageError(`unknown option ${token.rawName}${hint}`, command);
    }
    const shown = `--${spec.name}`;
    if (values.has(spec.name)) {
      throw new UsageError(`${shown} is given more than once`, command);
    }
    if (spec.value === undefined) {
      if (token.value !== undefined) {
        throw new UsageError(
          `${shown} is a switch and takes no value (got "${token.value}")`,
          command,
        );
      }
      values.set(spec.name, true);
      continue;
    }
    if (token.value === undefined || token.value === "") {
      throw new UsageError(`${shown} needs a value: ${shown} ${spec.value}`, command);
    }
    // `--script --from x`: node:util would take "--from" as the file name.
    if (!token.inlineValue && token.value.startsWith("-")) {
      throw new UsageError(
        `${shown} needs a value, but the next word "${token.value}" looks like an option` +
          ` (to pass it anyway, write ${shown}=${token.value})`,
        command,
      );
    }
    values.set(spec.name, token.value);
  }
  return { values, positionals, rest };
}

/** The string value of an option, or undefined when it was not given. */
export function stringOption(parsed: ParsedArgs, name: string): string | undefined {
  const value = parsed.values.get(name);
  return typeof value === "string" ? value : undefined;
}

/** The value of a required option; a UsageError naming the option when it is missing. */
export function requiredOption(
  parsed: ParsedArgs,
  options: readonly OptionSpec[],
  name: string,
  command: string,
): string {
  const value = stringOption(parsed, name);
  if (value === undefined) {
    const placeholder = options.find((o) => o.name === name)?.value ?? "VALUE";
    throw new UsageError(`missing --${name} ${placeholder}`, command);
  }
  return value;
}

/** A whole number in [min, max]; a UsageError that shows the range otherwise. */
export function integerOption(
  text: string,
  name: string,
  min: number,
  max: number,
  command: string,
): number {
  const value = /^[+-]?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(
      `--${name} must be a whole number from ${min} to ${max} (got "${text}")`,
      command,
    );
  }
  return value;
}

/**
 * The candidate nearest to `input`, if it is near enough to be a likely typo: edit distance
 * with transpositions (so `tarce` is one step from `trace`), or a unique prefix of two or more
 * characters.
 */
export function suggest(input: string, candidates: readonly string[]): string | undefined {
  const lower = input.toLowerCase();
  const limit = lower.length <= 3 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined && bestDistance <= limit && bestDistance < best.length) return best;
  if (lower.length >= 2) {
    const prefixed = candidates.filter((c) => c.toLowerCase().startsWith(lower));
    if (prefixed.length === 1) return prefixed[0];
  }
  return undefined;
}

/** Optimal string alignment distance: Levenshtein plus swaps of two adjacent characters. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, at(i - 2, j - 2) + 1);
      }
      d[i * cols + j] = value;
    }
  }
  return at(rows - 1, cols - 1);
}
