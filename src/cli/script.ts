import { readFileSync } from "node:fs";
import type { SetupError } from "../sim";
import { InputError } from "./errors";

/** Reads a setup script, turning the usual failures into a sentence about the file. */
export function readScript(file: string, command: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new InputError(
      `cannot read the script ${JSON.stringify(file)}: ${describeFsError(error)}`,
      command,
    );
  }
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file (paths are relative to the current directory)";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "it is a directory, not a file";
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Setup errors the way compilers report them, so editors and terminals can jump to the line:
 * `FILE:LINE: COMMAND`, then the reason indented on the next line.
 */
export function formatSetupErrors(file: string, errors: readonly SetupError[]): string {
  return errors
    .map((e) => `${file}:${e.line}: ${e.command}\n  -> ${e.message.replaceAll("\n", "\n     ")}\n`)
    .join("");
}
