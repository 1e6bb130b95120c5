/**
 * The home screen's list of lessons without loading the lessons: `npm run build` writes the
 * built-in lessons' ids, titles, summaries, prerequisites and step ids to dist/catalogue.json.
 * It is used only while it matches the lesson files (the same names and contents, by SHA-1:
 * npm pack resets file times, so times cannot tell); otherwise, and for a lesson pack of one's
 * own, the lessons are loaded before the first screen instead.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { LessonEntry } from "./home-model";

/** What scripts/build.mjs writes. */
export interface Catalogue {
  readonly files: readonly { readonly name: string; readonly sha1: string }[];
  readonly lessons: readonly LessonEntry[];
}

/** The lesson files of a pack directory and their contents' SHA-1, in name order. */
export function lessonFiles(dir: string): Catalogue["files"] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((name) => ({
      name,
      sha1: createHash("sha1")
        .update(readFileSync(join(dir, name), "utf8"))
        .digest("hex"),
    }));
}

/** The catalogue at `file`, when it describes exactly the lesson files in `dir`; else null. */
export function readCatalogue(file: string, dir: string): readonly LessonEntry[] | null {
  try {
    const catalogue = JSON.parse(readFileSync(file, "utf8")) as Catalogue;
    const now = lessonFiles(dir);
    const same =
      now.length === catalogue.files.length &&
      now.every((f, i) => {
        const c = catalogue.files[i];
        return c !== undefined && c.name === f.name && c.sha1 === f.sha1;
      });
    return same ? catalogue.lessons : null;
  } catch {
    return null;
  }
}
