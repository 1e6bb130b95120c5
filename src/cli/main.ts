import { version } from "../../package.json";
import { type CommandSpec, NO_COLOR_OPTION, parseCommandLine, suggest, withHelp } from "./args";
import {
  checkCommand,
  exportCommand,
  LANG_OPTION,
  LESSONS_OPTION,
  progressCommand,
  quizCommand,
  resetCommand,
  showCommand,
  traceCommand,
  validateCommand,
} from "./commands";
import { InputError, UsageError } from "./errors";
import { formatHelp, formatOverview, PROGRAM } from "./help";
import { type Io, processIo } from "./io";
import { builtinLessonsDir } from "./package-root";

const helpCommand: CommandSpec = {
  name: "help",
  summary: "Show the help of a command",
  usage: "help [COMMAND]",
  options: withHelp([]),
  examples: ["podnet-learn help trace"],
};

const COMMANDS: readonly CommandSpec[] = [
  traceCommand,
  showCommand,
  exportCommand,
  checkCommand,
  validateCommand,
  progressCommand,
  resetCommand,
  quizCommand,
  helpCommand,
];

type Runner = (args: readonly string[], io: Io) => number | Promise<number>;

/**
 * Each command's runner, imported when it runs: the simulator, the lessons and conf are loaded
 * by the commands that need them, not by `--help`, `--version` or the tutorial's first screen.
 */
const RUNNERS: ReadonlyMap<string, Runner> = new Map<string, Runner>([
  ["trace", async (args, io) => (await import("./trace")).runTrace(args, io)],
  ["show", async (args, io) => (await import("./show")).runShowCommand(args, io)],
  ["export", async (args, io) => (await import("./export")).runExport(args, io)],
  ["check", async (args, io) => (await import("./check")).runCheck(args, io)],
  ["validate", async (args, io) => (await import("./validate")).runValidate(args, io)],
  ["progress", async (args, io) => (await import("./progress-run")).runProgress(args, io)],
  ["reset", async (args, io) => (await import("./progress-run")).runReset(args, io)],
  ["quiz", async (args, io) => (await import("./quiz")).runQuiz(args, io)],
  ["help", runHelp],
]);

const TOP_LEVEL_OPTIONS = withHelp([
  { name: "version", short: "v", description: "Print the version" },
  LANG_OPTION,
  LESSONS_OPTION,
  {
    name: "ascii",
    description: "Draw with plain ASCII (for terminals that show box and arrow characters wide)",
  },
  NO_COLOR_OPTION,
]);

/**
 * Runs one command line (without `node` and the script name) and returns the exit status:
 * 0 ok, 1 the check failed (a packet was dropped, a shown command failed), 2 usage or
 * environment error. It never throws and never lets a stack trace reach the learner.
 */
export async function main(argv: string[], io?: Io): Promise<number> {
  const ownArgs = argv.includes("--") ? argv.slice(0, argv.indexOf("--")) : argv;
  const out = io ?? processIo(ownArgs.includes("--no-color"));
  try {
    return await dispatch(argv, out);
  } catch (error) {
    return report(error, out);
  }
}

function dispatch(argv: readonly string[], io: Io): number | Promise<number> {
  // `podnet-learn --no-color trace ...` is as good as `podnet-learn trace --no-color ...`.
  let start = 0;
  while (argv[start] === "--no-color") start++;
  const first = argv[start];
  if (first === undefined || first.startsWith("-")) {
    return runTopLevel(argv, io);
  }
  const run = RUNNERS.get(first);
  if (run === undefined) {
    const nearest = suggest(first, [...RUNNERS.keys()]);
    const hint = nearest === undefined ? "" : `; did you mean "${nearest}"?`;
    throw new UsageError(`unknown command "${first}"${hint}`);
  }
  return run(argv.slice(start + 1), io);
}

/**
 * `podnet-learn` alone starts the tutorial; `--help` and `--version` answer and exit. The
 * tutorial needs a terminal on both stdin and stdout: without one it says which commands work
 * without a terminal and exits 2, before Ink is ever loaded.
 */
async function runTopLevel(argv: readonly string[], io: Io): Promise<number> {
  const parsed = parseCommandLine(argv, TOP_LEVEL_OPTIONS);
  if (parsed.values.has("version")) {
    io.out(`${version}\n`);
    return 0;
  }
  const stray = parsed.positionals[0] ?? parsed.rest[0];
  if (stray !== undefined) {
    throw new UsageError(`put the command first, before its options: podnet-learn ${stray} ...`);
  }
  if (parsed.values.has("help")) {
    io.out(formatOverview(COMMANDS, TOP_LEVEL_OPTIONS));
    return 0;
  }
  const lang = parsed.values.get("lang");
  if (lang !== undefined && lang !== "en" && lang !== "ko")
    throw new UsageError(`--lang takes en or ko, not "${String(lang)}"`);
  if (!(process.stdin.isTTY && process.stdout.isTTY)) {
    io.err(notInteractive());
    return 2;
  }
  const dir = parsed.values.get("lessons");
  const { runTui } = await import("../ui/run");
  return runTui({
    ...(lang === undefined ? {} : { lang: String(lang) }),
    ascii: parsed.values.has("ascii"),
    lessonsDir: dir === undefined ? builtinLessonsDir() : String(dir),
    lessonsLabel: dir === undefined ? "lessons" : String(dir),
    builtIn: dir === undefined,
    err: (text) => io.err(text),
  });
}

/** What to say when the tutorial cannot run: the commands that need no terminal. */
function notInteractive(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const commands = COMMANDS.filter((c) => c.name !== "help")
    .map((c) => `  ${PROGRAM} ${c.name.padEnd(width)}  ${c.summary}`)
    .join("\n");
  return (
    `${PROGRAM}: the tutorial needs an interactive terminal, and stdin or stdout is not one.\n` +
    `These commands work without one:\n${commands}\n` +
    `Run "${PROGRAM} --help" for more.\n`
  );
}

function runHelp(args: readonly string[], io: Io): number {
  const parsed = parseCommandLine(args, helpCommand.options, helpCommand.name);
  const topic = parsed.positionals[0];
  if (parsed.values.has("help")) {
    io.out(formatHelp(helpCommand));
    return 0;
  }
  if (topic === undefined) {
    io.out(formatOverview(COMMANDS, TOP_LEVEL_OPTIONS));
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === topic);
  if (command === undefined) {
    const nearest = suggest(
      topic,
      COMMANDS.map((c) => c.name),
    );
    const hint = nearest === undefined ? "" : `; did you mean "${nearest}"?`;
    throw new UsageError(`there is no command "${topic}"${hint}`, helpCommand.name);
  }
  io.out(formatHelp(command));
  return 0;
}

function report(error: unknown, io: Io): number {
  if (error instanceof UsageError || error instanceof InputError) {
    const where = error.command === undefined ? "podnet-learn" : `podnet-learn ${error.command}`;
    io.err(`${where}: ${error.message}\n`);
    // A usage mistake is fixed by reading the usage; an input problem's message says what to do.
    if (error instanceof UsageError) io.err(`Run "${where} --help" for usage.\n`);
    return 2;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (process.env.PODNET_DEBUG === "1" && error instanceof Error && error.stack !== undefined) {
    io.err(`${error.stack}\n`);
  }
  io.err(
    `podnet-learn: internal error: ${message}\n` +
      "This is a bug in podnet-learn; please report it (PODNET_DEBUG=1 shows the stack).\n",
  );
  return 2;
}
