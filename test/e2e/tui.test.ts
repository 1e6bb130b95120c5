/**
 * The tutorial in a real terminal: tmux gives it an 80×24 pseudo-terminal, keys are sent as a
 * person types them, and the screen is read back with capture-pane. Runs the packed package as a
 * user installs it (npm pack, installed offline), with CI unset (Ink draws only the last frame
 * when CI is set).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Installed, packAndInstall } from "../package/install";
import { hasTmux, tmuxPane } from "./tmux";

const session = `podnet-e2e-${process.pid}`;
const configDir = mkdtempSync(join(tmpdir(), "podnet-e2e-"));

const { tmux, waitForScreen, keys } = tmuxPane(session);

let installed: Installed;

beforeAll(() => {
  if (hasTmux) installed = packAndInstall();
}, 120_000);

afterAll(() => {
  if (hasTmux) spawnSync("tmux", ["kill-session", "-t", session]);
});

describe.skipIf(!hasTmux)("the tutorial in an 80×24 terminal (tmux)", () => {
  test("home, a lesson's first step, back, language switch, a resize below the minimum and back, quit; progress is on disk", async () => {
    const command = `cd "${installed.dir}" && env -u CI PODNET_CONFIG_DIR='${configDir}' LANG=en_US.UTF-8 npx --offline --no-install podnet-learn; echo EXITED $?; sleep 30`;
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command);
    let s = await waitForScreen((x) => x.includes("lessons done"));
    expect(s).toContain("Start: ");
    for (const line of s.split("\n")) expect(line.length).toBeLessThanOrEqual(80);

    await keys("Enter");
    s = await waitForScreen((x) => /step 1 of \d+/.test(x));
    expect(s.split("\n")[0]).toMatch(/step 1 of \d+/);

    await keys("q");
    await waitForScreen((x) => x.includes("Continue: "));
    await keys("l");
    s = await waitForScreen((x) => x.includes("언어: 한국어"));
    expect(s).toContain("이어서 하기");

    // Smaller than the minimum: it says how big the terminal must be; back to 80×24: home again.
    tmux("resize-window", "-t", session, "-x", "50", "-y", "14");
    s = await waitForScreen((x) => x.replace(/\s+/g, " ").includes("최소 60×18"));
    expect(s).toContain("50×14");
    tmux("resize-window", "-t", session, "-x", "80", "-y", "24");
    await waitForScreen((x) => x.includes("이어서 하기"));

    await keys("q");
    s = await waitForScreen((x) => x.includes("EXITED"));
    expect(s).toContain("EXITED 0");
    const saved = JSON.parse(readFileSync(join(configDir, "progress.json"), "utf8"));
    expect(saved.lang).toBe("ko");
    expect(Object.keys(saved.lessons).length).toBe(1);
  }, 60_000);
});
