/**
 * The package as a user gets it: `npm pack`, installed into an empty directory (on a path with a
 * space in it) with no registry and no dev dependencies, then run through `npx`. The bundle must
 * carry everything: the tarball has no dependencies to install.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { type Installed, packAndInstall, repoRoot } from "./install";

const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));

let installed: Installed;

function npx(args: string[]) {
  return spawnSync("npx", ["--offline", "--no-install", "podnet-learn", ...args], {
    cwd: installed.dir,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", npm_config_update_notifier: "false" },
  });
}

beforeAll(() => {
  installed = packAndInstall();
}, 120_000);

describe("the packed package", () => {
  test("holds the launcher, the bundle, its licences and the docs, and no sources or tests", () => {
    for (const needed of [
      "bin/podnet-learn.js",
      "dist/cli.js",
      "dist/THIRD_PARTY_LICENSES.txt",
      "dist/catalogue.json",
      "lessons/01-the-journey.yaml",
      "docs/lessons.md",
      "docs/authoring.md",
      "README.md",
      "LICENSE",
      "package.json",
    ])
      expect(installed.files).toContain(needed);
    expect(
      installed.files.filter((f) => /^(src|test|bench|scripts)\//.test(f) || f.endsWith(".map")),
    ).toEqual([]);
  });

  test("has no dependencies to install: everything is in the bundle", () => {
    expect(pkg.dependencies ?? {}).toEqual({});
  });

  test("validates its own lessons from the installed package", () => {
    const validate = npx(["validate"]);
    expect(validate.stderr).toBe("");
    expect(validate.status).toBe(0);
    expect(validate.stdout).toMatch(/^\d+ lessons, \d+ exercises: all answers judged as stated$/m);
  });

  test("runs through npx from a path with spaces: --version, --help, trace", () => {
    const version = npx(["--version"]);
    expect([version.status, version.stdout.trim()]).toEqual([0, pkg.version]);
    const help = npx(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("trace");
    const example = join(
      installed.dir,
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
