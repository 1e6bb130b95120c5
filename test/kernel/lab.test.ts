/**
 * `podnet-learn lab` against the kernel, through the built CLI as a learner runs it (as root):
 * a route step and three fix steps (Flannel, Calico, kube-proxy's iptables) are built in network namespaces, checked unanswered (they must
 * fail), repaired with the lesson's own reference answer typed into the namespaces with
 * `ip netns exec`, checked again (they must pass, and the kernel's probe must agree), and cleaned
 * away, leaving no namespace with the lab's prefix and no state file. A unique prefix
 * (PODNET_LAB_PREFIX) and config directory keep it away from a learner's own lab.
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import type { FixStep, RouteStep } from "../../src/lessons/schema";
import { tokenize } from "../../src/sim/script/tokenize";
import { launcher, repoRoot } from "../cli/run-cli";
import { loadLesson } from "../lessons/helpers";
import { kernelAvailable, requireKernel } from "./netns";

const kernel = kernelAvailable();
const PREFIX = `pnl-t${process.pid.toString(36)}-`;
const CONFIG = mkdtempSync(join(tmpdir(), "pnl-lab-kernel-"));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `podnet-learn lab ARGS` as a learner runs it, with the test's prefix and config directory. */
function lab(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [launcher, "lab", ...args],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          FORCE_COLOR: "0",
          LANG: "C",
          PODNET_CONFIG_DIR: CONFIG,
          PODNET_LAB_PREFIX: PREFIX,
          ...env,
        },
        encoding: "utf8",
        timeout: 120_000,
      },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== "number") reject(error);
        else resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
      },
    );
  });
}

function ours(): string[] {
  return execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
    .split("\n")
    .map((l) => l.split(" ")[0] ?? "")
    .filter((n) => n.startsWith(PREFIX));
}

/** The reference answer typed into the lab: `ssh NODE` moves, every other line runs there. */
function typeAnswer(step: RouteStep | FixStep): void {
  if (step.kind === "route") {
    const words = tokenize(step.answer.trim());
    if (!words.ok) throw new Error(words.message);
    const route = words.words[0] === "ip" ? words.words.slice(2) : ["add", ...words.words];
    execFileSync("ip", ["netns", "exec", `${PREFIX}${step.node}`, "ip", "route", ...route]);
    return;
  }
  let node = step.node;
  for (const line of step.answer.split("\n").map((l) => l.trim())) {
    if (line === "" || line.startsWith("#")) continue;
    const words = tokenize(line);
    if (!words.ok) throw new Error(words.message);
    if (words.words[0] === "ssh") {
      node = words.words[1] as string;
      continue;
    }
    execFileSync("ip", ["netns", "exec", `${PREFIX}${node}`, ...words.words]);
  }
}

function stepOf(lessonId: string, stepId: string): RouteStep | FixStep {
  const step = loadLesson(lessonId).steps.find((s) => s.id === stepId);
  if (step?.kind !== "route" && step?.kind !== "fix") throw new Error(`no lab step ${stepId}`);
  return step;
}

afterAll(() => {
  // Whatever a failed test left: only this test's prefix, one namespace at a time.
  if (kernel.ok) for (const name of ours()) execFileSync("ip", ["netns", "del", name]);
  rmSync(CONFIG, { recursive: true, force: true });
});

describe.skipIf(!kernel.ok && !requireKernel())("podnet-learn lab, in the kernel", () => {
  test("the kernel is available where it is required", () => {
    expect(kernel.ok ? "ok" : kernel.why).toBe("ok");
  });

  test.each([
    ["flannel-vxlan", "restore-route-to-node2", "5", 6],
    ["services-iptables", "restore-service-portals", "6", 8],
    ["troubleshooting-drills", "ip-forward-off", "4", 6],
    ["out-of-the-pod", "pod-lost-its-default-route", "7", 6],
  ])(
    "%s %s: fails unanswered, passes with the reference answer, cleans away",
    {
      timeout: 180_000,
    },
    async (lessonId, stepId, number, namespaces) => {
      const built = await lab([lessonId, "--step", stepId]);
      expect(built.stderr).toBe("");
      expect(built.code).toBe(0);
      expect(built.stdout).toContain(`ip netns exec ${PREFIX}node1 bash`);
      expect(ours()).toHaveLength(namespaces);

      const again = await lab([lessonId, "--step", stepId]);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain(
        `a lab is already open: ${lessonId} --step ${number} (${stepId})`,
      );

      const before = await lab(["--check"]);
      expect(before.stdout).toContain("✗ Not yet.");
      expect(before.stdout).toContain("no reply");
      expect(before.stdout).toContain("the kernel agrees with the simulator");
      expect(before.stdout).not.toContain("Not carried into the simulator");
      expect(before.code).toBe(1);

      typeAnswer(stepOf(lessonId, stepId));
      const after = await lab(["--check"]);
      expect(after.stdout).toContain("✓ Passed.");
      expect(after.stdout).toContain("the reply came back");
      expect(after.stdout).toContain("the kernel agrees with the simulator");
      expect(after.code).toBe(0);

      const cleaned = await lab(["--clean"]);
      expect(cleaned.code).toBe(0);
      expect(cleaned.stdout).toContain(`Removed ${namespaces} namespaces`);
      expect(ours()).toEqual([]);
      expect(existsSync(join(CONFIG, "lab.json"))).toBe(false);
    },
  );

  test("every exercise lab --list names builds in this kernel and cleans away", {
    timeout: 300_000,
  }, async () => {
    const listed = await lab(["--list"]);
    const labs = listed.stdout
      .trim()
      .split("\n")
      .map((l) => l.split(/\s+/));
    expect(labs.length).toBeGreaterThanOrEqual(17);
    for (const [lessonId, , number] of labs) {
      const built = await lab([lessonId as string, "--step", number as string]);
      expect(built.stderr, `${lessonId} --step ${number}`).toBe("");
      expect(built.code).toBe(0);
      expect(ours().length).toBeGreaterThanOrEqual(5);
      expect((await lab(["--clean"])).code).toBe(0);
      expect(ours()).toEqual([]);
    }
  });

  test("refuses without root, off Linux, and with no lab open", { timeout: 60_000 }, async () => {
    const user = await lab(["flannel-vxlan"], { PODNET_LAB_UID: "1000" });
    expect(user.code).toBe(2);
    expect(user.stderr).toContain("lab needs root (sudo podnet-learn lab …)");
    const mac = await lab(["--check"], { PODNET_LAB_PLATFORM: "darwin" });
    expect(mac.code).toBe(2);
    expect(mac.stderr).toContain("not Linux");
    const none = await lab(["--check"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("no lab is open");
    expect(ours()).toEqual([]);
  });
});
