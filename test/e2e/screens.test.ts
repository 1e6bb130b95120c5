/**
 * docs/screens.md is the tutorial's screens captured from a real run (scripts/screens.mjs); this
 * test captures them again and fails when the committed file no longer matches what the
 * tutorial draws.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, test } from "vitest";
import { repoRoot } from "../cli/run-cli";

const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
if (!hasTmux && process.env.PODNET_REQUIRE_KERNEL === "1")
  throw new Error(
    "tmux is required for the screens test (PODNET_REQUIRE_KERNEL=1) but is not installed",
  );

describe.skipIf(!hasTmux)("docs/screens.md", () => {
  test("shows the screens the tutorial draws today (node scripts/screens.mjs rewrites it)", () => {
    const run = spawnSync(process.execPath, ["scripts/screens.mjs", "--check"], {
      cwd: repoRoot,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  }, 150_000);
});
