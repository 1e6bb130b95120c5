import { cpSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { builtinLessonsDir, packageRoot } from "../../src/cli/package-root";
import { readCatalogue } from "../../src/ui/catalogue";
import { openRuntime } from "../../src/ui/lesson-runtime";

const built = join(packageRoot(), "dist", "catalogue.json");

describe("the catalogue the home screen starts from", () => {
  test("the build's catalogue lists exactly what the lesson engine loads", () => {
    const listed = readCatalogue(built, builtinLessonsDir());
    expect(listed).not.toBeNull();
    const loaded = openRuntime(builtinLessonsDir(), "lessons").entries;
    expect(listed).toEqual(loaded);
  });

  test("a lesson file changed since the build makes it stale: the lessons are loaded instead", () => {
    const dir = mkdtempSync(join(tmpdir(), "podnet-catalogue-"));
    cpSync(builtinLessonsDir(), dir, { recursive: true });
    expect(readCatalogue(built, dir)).not.toBeNull();
    const first = readdirSync(dir).find((f) => f.endsWith(".yaml")) ?? "";
    writeFileSync(join(dir, first), "formatVersion: 1\n", { flag: "a" });
    expect(readCatalogue(built, dir)).toBeNull();
  });
});
