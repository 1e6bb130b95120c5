import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The directory of podnet-learn's own package.json: the bundle's entry and its chunks live at
 * different depths under dist/, and the sources under src/, so the root is found by walking up
 * from this module rather than by a fixed `..`. Never the working directory.
 */
export function packageRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      try {
        if (JSON.parse(readFileSync(file, "utf8")).name === "podnet-learn") return dir;
      } catch {
        // not ours; keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error("podnet-learn's package.json was not found above its code");
    dir = up;
  }
}

/** The example cluster files that ship with podnet-learn. */
export function examplesDir(): string {
  return join(packageRoot(), "examples", "clusters");
}

/**
 * The built-in lessons: `lessons/` at the package's root, found from the code's own place
 * (never the working directory), so `npx podnet-learn` finds them anywhere.
 */
export function builtinLessonsDir(): string {
  return join(packageRoot(), "lessons");
}
