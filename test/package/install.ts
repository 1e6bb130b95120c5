/**
 * The package as a user gets it: `npm pack`, installed into an empty directory on a path with a
 * space in it, offline and without dev dependencies (the tarball has none to install).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const repoRoot = new URL("../../", import.meta.url).pathname;

export interface Installed {
  /** The directory the package was installed into (its node_modules holds podnet-learn). */
  readonly dir: string;
  /** The installed launcher, as `npx podnet-learn` runs it. */
  readonly launcher: string;
  /** The files the tarball holds. */
  readonly files: readonly string[];
  readonly version: string;
}

export function packAndInstall(): Installed {
  const work = mkdtempSync(join(tmpdir(), "podnet pack "));
  // The global setup has built dist/; --ignore-scripts keeps the pack from rebuilding it under
  // the other test files that are using it.
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], {
      cwd: repoRoot,
      encoding: "utf8",
    }),
  ) as { filename: string; files: { path: string }[] }[];
  const tarball = join(work, packed[0]?.filename ?? "");
  const dir = join(work, "a learner's dir");
  mkdirSync(dir);
  execFileSync("npm", ["init", "-y"], { cwd: dir, stdio: "ignore" });
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--omit=dev", tarball], {
    cwd: dir,
    stdio: "ignore",
  });
  const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
  return {
    dir,
    launcher: join(dir, "node_modules", "podnet-learn", "bin", "podnet-learn.js"),
    files: packed[0]?.files.map((f) => f.path) ?? [],
    version: pkg.version,
  };
}
