import { clusterFileScript } from "../sim";
import { parseCommandLine, requiredOption, stringOption } from "./args";
import { exportCommand } from "./commands";
import { InputError, UsageError } from "./errors";
import { formatHelp } from "./help";
import type { Io } from "./io";
import { readScript } from "./script";

export function runExport(args: readonly string[], io: Io): number {
  const name = exportCommand.name;
  const parsed = parseCommandLine(args, exportCommand.options, name);
  if (parsed.values.has("help")) {
    io.out(formatHelp(exportCommand));
    return 0;
  }
  if (parsed.positionals.length > 0)
    throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`, name);
  const file = requiredOption(parsed, exportCommand.options, "cluster", name);
  const prefix = stringOption(parsed, "prefix") ?? "";
  if (!/^[A-Za-z0-9_.-]*$/.test(prefix) || prefix.length > 40)
    throw new UsageError("--prefix may hold letters, digits, '.', '_' and '-' (at most 40)", name);
  const built = clusterFileScript(readScript(file, name), prefix);
  if (!built.ok)
    throw new InputError(
      `${file} is not a valid cluster file:\n${built.errors.map((e) => `${file}:${e.line}:${e.col}: ${e.message}`).join("\n")}`,
      name,
    );
  io.out(built.script);
  return 0;
}
