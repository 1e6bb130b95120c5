import { readdirSync, statSync } from "node:fs";
import { isLang, type Lang } from "../checker/describe";
import { combinePacks, type LessonPack, loadPack } from "../lessons/pack";
import { pickLang } from "../ui/i18n/locale";
import { type ParsedArgs, stringOption } from "./args";
import { InputError, UsageError } from "./errors";
import { builtinLessonsDir } from "./package-root";

export { builtinLessonsDir };

/** Where a command's lessons come from: `--lessons DIR`, with or without `--with-builtin`. */
export interface PackChoice {
  /** `--lessons DIR` as typed; undefined for the built-in lessons alone. */
  readonly dir: string | undefined;
  /** `--with-builtin`: the pack beside the built-in lessons, not instead of them. */
  readonly withBuiltin: boolean;
}

/** `--lessons` and `--with-builtin` of a parsed command line; `--with-builtin` alone is a mistake. */
export function packChoice(parsed: ParsedArgs, command: string | undefined): PackChoice {
  const dir = stringOption(parsed, "lessons");
  const withBuiltin = parsed.values.has("with-builtin");
  if (withBuiltin && dir === undefined)
    throw new UsageError(
      "--with-builtin adds a lesson pack beside the built-in lessons: give the pack with --lessons DIR",
      command,
    );
  return { dir, withBuiltin };
}

/** How a pack directory is named in messages: as typed, without a trailing slash. */
export function packLabel(dir: string): string {
  return dir.replace(/\/+$/, "") || "/";
}

/**
 * Loads `dir` (as the reader typed it) or the built-in lessons; with `withBuiltin`, the pack
 * beside the built-in lessons. A directory that is not there or cannot be read is an input
 * error; problems inside the pack are the caller's to report.
 */
export function openPack(
  dir: string | undefined,
  command: string,
  withBuiltin = false,
): LessonPack {
  const path = dir ?? builtinLessonsDir();
  const label = dir === undefined ? "lessons" : packLabel(dir);
  const missing = directoryProblem(path, dir === undefined ? path : dir);
  if (missing !== null)
    throw new InputError(
      dir === undefined
        ? `the built-in lessons are missing (no directory ${path}); reinstall podnet-learn`
        : missing,
      command,
    );
  if (!withBuiltin || dir === undefined) return loadPack(path, label);
  const builtin = loadPack(builtinLessonsDir(), "lessons");
  return combinePacks(builtin, loadPack(path, label, { beside: builtin }));
}

/**
 * Why `path` cannot be a lesson pack (not there, not a directory, not readable), naming it as
 * `shown`; null when it can be listed.
 */
function directoryProblem(path: string, shown: string): string | null {
  const quoted = JSON.stringify(shown);
  try {
    if (!statSync(path).isDirectory())
      return `${quoted} is not a directory (a lesson pack is a directory of lesson files)`;
    readdirSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      return `no lesson directory ${quoted} (paths are relative to the current directory)`;
    return code === "EACCES" || code === "EPERM"
      ? `the lesson directory ${quoted} cannot be read (permission denied): check its permissions with ls -ld`
      : `the lesson directory ${quoted} cannot be read (${(error as Error).message})`;
  }
  return null;
}

/** The language: --lang, else the locale's (`ko_KR.UTF-8` → ko), else English. */
export function languageOf(parsed: ParsedArgs, command: string, env = process.env): Lang {
  const given = stringOption(parsed, "lang");
  if (given !== undefined) {
    if (!isLang(given)) throw new UsageError(`--lang must be en or ko (got "${given}")`, command);
    return given;
  }
  return pickLang(undefined, undefined, env);
}
