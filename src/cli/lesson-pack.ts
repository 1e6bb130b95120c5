import { statSync } from "node:fs";
import { isLang, type Lang } from "../checker/describe";
import { type LessonPack, loadPack } from "../lessons/pack";
import { pickLang } from "../ui/i18n/locale";
import { type ParsedArgs, stringOption } from "./args";
import { InputError, UsageError } from "./errors";
import { builtinLessonsDir } from "./package-root";

export { builtinLessonsDir };

/**
 * Loads `dir` (as the reader typed it) or the built-in lessons. A directory that is not there is
 * an input error; problems inside the pack are the caller's to report.
 */
export function openPack(dir: string | undefined, command: string): LessonPack {
  const path = dir ?? builtinLessonsDir();
  const label = dir === undefined ? "lessons" : dir.replace(/\/+$/, "") || "/";
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir)
    throw new InputError(
      dir === undefined
        ? `the built-in lessons are missing (no directory ${path}); reinstall podnet-learn`
        : `no lesson directory ${JSON.stringify(dir)} (paths are relative to the current directory)`,
      command,
    );
  return loadPack(path, label);
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
