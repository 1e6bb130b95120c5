import { statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isLang, type Lang } from "../checker/describe";
import { type LessonPack, loadPack } from "../lessons/pack";
import { type OptionSpec, type ParsedArgs, stringOption } from "./args";
import { InputError, UsageError } from "./errors";

/** `--lessons DIR`: a lesson pack of one's own instead of the built-in lessons. */
export const LESSONS_OPTION: OptionSpec = {
  name: "lessons",
  value: "DIR",
  description: "A lesson pack directory to use instead of the built-in lessons",
};

/** `--lang en|ko`: the language of what the learner reads. */
export const LANG_OPTION: OptionSpec = {
  name: "lang",
  value: "LANG",
  description: "en or ko (default: from LC_ALL, LC_MESSAGES or LANG; ko_KR.UTF-8 is ko; else en)",
};

/**
 * The built-in lessons: `lessons/` beside `dist/`, found from the bundle's own place
 * (dist/cli.js), never from the working directory, so `npx podnet-learn` finds them anywhere.
 */
export function builtinLessonsDir(moduleUrl: string = import.meta.url): string {
  return fileURLToPath(new URL("../lessons/", moduleUrl));
}

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
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || "";
  return /^ko(_|$|\.)/i.test(locale) ? "ko" : "en";
}
