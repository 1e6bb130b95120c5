import type { CommandSpec, OptionSpec } from "./args";

export const PROGRAM = "podnet-learn";

/** Help for one command: usage line, options, examples, notes; generated from its spec. */
export function formatHelp(command: CommandSpec): string {
  const sections = [
    `${command.summary}.`,
    `Usage: ${PROGRAM} ${command.usage}`,
    `Options:\n${formatOptions(command.options)}`,
    `${command.examples.length === 1 ? "Example" : "Examples"}:\n${command.examples.map((e) => `  ${e}`).join("\n")}`,
  ];
  if (command.notes !== undefined && command.notes.length > 0)
    sections.push(command.notes.join("\n"));
  return `${sections.join("\n\n")}\n`;
}

/** The top-level help: what the program is, its commands, one example of each. */
export function formatOverview(
  commands: readonly CommandSpec[],
  options: readonly OptionSpec[],
): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const list = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n");
  const examples = commands.flatMap((c) => c.examples.slice(0, 1)).map((e) => `  ${e}`);
  return `${[
    `${PROGRAM}: see how a packet crosses between Kubernetes pods, on a simulated cluster.`,
    `Usage: ${PROGRAM} <command> [options]`,
    `Commands:\n${list}`,
    `Options:\n${formatOptions(options)}`,
    `Examples:\n${examples.join("\n")}`,
    `Run "${PROGRAM} <command> --help" for the options of one command.`,
  ].join("\n\n")}\n`;
}

// Names and placeholders are ASCII, so padEnd lines the columns up; text that may hold wide
// characters needs a string-width-based pad instead.
function formatOptions(options: readonly OptionSpec[]): string {
  const labels = options.map((o) => {
    const long = `--${o.name}${o.value === undefined ? "" : ` ${o.value}`}`;
    return o.short === undefined ? `    ${long}` : `-${o.short}, ${long}`;
  });
  const width = Math.max(...labels.map((l) => l.length));
  return options.map((o, i) => `  ${(labels[i] ?? "").padEnd(width)}  ${o.description}`).join("\n");
}
