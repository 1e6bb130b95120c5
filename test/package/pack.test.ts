/**
 * The package as a user gets it: `npm pack`, installed into an empty directory (on a path with a
 * space in it) with no registry and no dev dependencies, then run through `npx`. The bundle must
 * carry everything: the tarball has no dependencies to install.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";

const root = new URL("../../", import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

let files: string[] = [];
let installDir = "";

function npx(args: string[]) {
  return spawnSync("npx", ["--offline", "--no-install", "podnet-learn", ...args], {
    cwd: installDir,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", npm_config_update_notifier: "false" },
  });
}

beforeAll(() => {
  const work = mkdtempSync(join(tmpdir(), "podnet pack "));
  // The global setup has built dist/; --ignore-scripts keeps the pack from rebuilding it under
  // the other test files that are using it.
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], {
      cwd: root,
      encoding: "utf8",
    }),
  ) as { filename: string; files: { path: string }[] }[];
  const tarball = join(work, packed[0]?.filename ?? "");
  files = packed[0]?.files.map((f) => f.path) ?? [];
  installDir = join(work, "a learner's dir");
  mkdirSync(installDir);
  execFileSync("npm", ["init", "-y"], { cwd: installDir, stdio: "ignore" });
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--omit=dev", tarball], {
    cwd: installDir,
    stdio: "ignore",
  });
}, 120_000);

describe("the packed package", () => {
  test("holds the launcher, the bundle, its licences and the docs, and no sources or tests", () => {
    for (const needed of [
      "bin/podnet-learn.js",
      "dist/cli.js",
      "dist/THIRD_PARTY_LICENSES.txt",
      "dist/catalogue.json",
      "lessons/01-the-journey.yaml",
      "README.md",
      "LICENSE",
      "package.json",
    ])
      expect(files).toContain(needed);
    expect(
      files.filter((f) => /^(src|test|bench|scripts)\//.test(f) || f.endsWith(".map")),
    ).toEqual([]);
  });

  test("has no dependencies to install: everything is in the bundle", () => {
    expect(pkg.dependencies ?? {}).toEqual({});
  });

  test("runs through npx from a path with spaces: --version, --help, trace", () => {
    const version = npx(["--version"]);
    expect([version.status, version.stdout.trim()]).toEqual([0, pkg.version]);
    const help = npx(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("trace");
    const example = join(
      installDir,
      "node_modules",
      "podnet-learn",
      "examples",
      "clusters",
      "flannel-vxlan.yaml",
    );
    const trace = npx(["trace", "--cluster", example, "--from", "pod-a", "--to", "pod-b"]);
    expect(trace.stderr).toBe("");
    expect(trace.status).toBe(0);
    expect(trace.stdout).toContain("request: delivered to pod-b");
  });
});
