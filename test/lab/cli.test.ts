import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import type { Io } from "../../src/cli/io";
import { runLab } from "../../src/cli/lab";
import type { LabSystem, Ran } from "../../src/cli/lab-system";

/** A machine that only pretends: it keeps the namespaces `ip netns add|del` made, in memory. */
function fakeSystem(opts: { uid?: number; platform?: string; ip?: boolean; refuse?: RegExp } = {}) {
  const namespaces = new Set<string>(["someone-elses", "pnl-other-1"]);
  const ran: string[] = [];
  const system: LabSystem = {
    uid: opts.uid ?? 0,
    platform: opts.platform ?? "linux",
    run(file, args): Ran {
      const line = [file, ...args].join(" ");
      ran.push(line);
      if (file === "ip" && opts.ip === false) return { code: 127, stdout: "", stderr: "ENOENT" };
      if (opts.refuse?.test(line)) return { code: 2, stdout: "", stderr: "Error: refused here." };
      if (file === "ip" && args[0] === "netns" && args[1] === "list")
        return { code: 0, stdout: [...namespaces].map((n) => `${n}\n`).join(""), stderr: "" };
      if (file === "ip" && args[0] === "netns" && args[1] === "add")
        namespaces.add(args[2] as string);
      if (file === "ip" && args[0] === "netns" && args[1] === "del")
        namespaces.delete(args[2] as string);
      return { code: 0, stdout: "", stderr: "" };
    },
    start() {
      throw new Error("no listener in these tests");
    },
  };
  return { system, namespaces, ran };
}

function io() {
  const seen = { out: "", err: "" };
  const value: Io = {
    out: (t) => {
      seen.out += t;
    },
    err: (t) => {
      seen.err += t;
    },
    color: false,
  };
  return { io: value, seen };
}

const configDirs: string[] = [];
afterAll(() => {
  for (const dir of configDirs) rmSync(dir, { recursive: true, force: true });
});

/** An environment with a config directory of its own, removed after the tests. */
function env(): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), "pnl-lab-test-"));
  configDirs.push(dir);
  return { PODNET_CONFIG_DIR: dir, LANG: "C" };
}

describe("lab refuses where it cannot run, before touching anything", () => {
  test.each([
    [{ uid: 1000 }, "podnet-learn lab: lab needs root (sudo podnet-learn lab …)"],
    [{ platform: "darwin" }, "this system is darwin, not Linux"],
    [{ ip: false }, "`ip` (iproute2) is missing"],
  ])("%o", async (opts, message) => {
    const fake = fakeSystem(opts);
    const out = io();
    const code = await runLab(["flannel-vxlan"], out.io, fake.system, env());
    expect(code).toBe(2);
    expect(out.seen.err).toContain(message);
    expect(fake.ran.filter((l) => !l.startsWith("ip -V"))).toEqual([]);
  });

  test("--list needs neither root nor Linux", async () => {
    const out = io();
    const code = await runLab(
      ["--list"],
      out.io,
      fakeSystem({ uid: 1000, platform: "darwin" }).system,
      env(),
    );
    expect(code).toBe(0);
    expect(out.seen.out).toMatch(/^flannel-vxlan +--step 5 +restore-route-to-node2 \(route\)$/m);
    expect(out.seen.out).not.toContain("ipvs-mode");
  });

  test("--check with no lab open says how to open one", async () => {
    const out = io();
    expect(await runLab(["--check"], out.io, fakeSystem().system, env())).toBe(2);
    expect(out.seen.err).toContain("no lab is open");
    expect(out.seen.err).toContain("podnet-learn lab --list");
  });
});

describe("lab LESSON-ID", () => {
  test("builds with prefixed commands only, writes the state, and says how to enter the nodes", async () => {
    const fake = fakeSystem();
    const out = io();
    const e = env();
    expect(await runLab(["flannel-vxlan", "--step", "5"], out.io, fake.system, e)).toBe(0);
    const building = fake.ran.filter((l) => !/^ip (-V|netns list)$/.test(l));
    expect(building.length).toBeGreaterThan(20);
    expect(
      building.every((l) => /^(ip|bridge) (-n pnl-lab-|netns (add|exec) pnl-lab-)/.test(l)),
    ).toBe(true);
    const state = JSON.parse(readFileSync(join(e.PODNET_CONFIG_DIR as string, "lab.json"), "utf8"));
    expect(state).toMatchObject({
      lesson: "flannel-vxlan",
      step: "restore-route-to-node2",
      number: 5,
    });
    expect(out.seen.out).toContain("sudo ip netns exec pnl-lab-node1 bash");
    expect(out.seen.out).toContain("sudo ip netns exec pnl-lab-pod-a ping -c1 -W2 10.244.2.2");
  });

  test("--lang ko prints the lesson's task and the way in, in Korean; a fix step says what ssh is", async () => {
    const out = io();
    const code = await runLab(
      ["troubleshooting-drills", "--step", "ip-forward-off", "--lang", "ko"],
      out.io,
      fakeSystem().system,
      env(),
    );
    expect(code).toBe(0);
    expect(out.seen.out).toContain(
      "트러블슈팅 훈련 (troubleshooting-drills), 단계 4: ip-forward-off (fix)",
    );
    expect(out.seen.out).toContain("실제 네트워크 네임스페이스에 실습 환경을 만들었습니다");
    expect(out.seen.out).toContain("힌트의 `ssh node2`는 exit 후 pnl-lab-node2에 들어가는 것이고");
  });

  test("a lesson pack given with --lessons is remembered by its absolute path", async () => {
    const e = env();
    await runLab(["flannel-vxlan", "--lessons", "lessons"], io().io, fakeSystem().system, e);
    const state = JSON.parse(readFileSync(join(e.PODNET_CONFIG_DIR as string, "lab.json"), "utf8"));
    expect(state.lessons).toBe(join(process.cwd(), "lessons"));
  });

  test("a second lab is refused while one is open, naming it and how to clean", async () => {
    const fake = fakeSystem();
    const e = env();
    await runLab(["flannel-vxlan", "--step", "5"], io().io, fake.system, e);
    const out = io();
    expect(await runLab(["troubleshooting-drills"], out.io, fake.system, e)).toBe(2);
    expect(out.seen.err).toContain(
      "a lab is already open: flannel-vxlan --step 5 (restore-route-to-node2)",
    );
    expect(out.seen.err).toContain("podnet-learn lab --clean");
  });

  test("a state file that cannot be read also blocks a new lab, and says so", async () => {
    const e = env();
    writeFileSync(join(e.PODNET_CONFIG_DIR as string, "lab.json"), "{ not json");
    const out = io();
    expect(await runLab(["flannel-vxlan"], out.io, fakeSystem().system, e)).toBe(2);
    expect(out.seen.err).toContain("lab.json cannot be read");
    expect(out.seen.err).toContain("podnet-learn lab --clean");
  });

  test("--clean removes the lab's namespaces and state, and nobody else's", async () => {
    const fake = fakeSystem();
    const e = env();
    await runLab(["flannel-vxlan", "--step", "5"], io().io, fake.system, e);
    const out = io();
    expect(await runLab(["--clean"], out.io, fake.system, e)).toBe(0);
    expect([...fake.namespaces].sort()).toEqual(["pnl-other-1", "someone-elses"]);
    expect(existsSync(join(e.PODNET_CONFIG_DIR as string, "lab.json"))).toBe(false);
    expect(out.seen.out).toContain("Removed 6 namespaces");
  });

  test("a line the kernel refuses leaves nothing behind", async () => {
    const fake = fakeSystem({ refuse: /type vxlan/ });
    const out = io();
    const e = env();
    expect(await runLab(["flannel-vxlan", "--step", "5"], out.io, fake.system, e)).toBe(2);
    expect(out.seen.err).toContain("the kernel refused a line of the lab");
    expect(out.seen.err).toContain("Error: refused here.");
    expect([...fake.namespaces].filter((n) => n.startsWith("pnl-lab-"))).toEqual([]);
    expect(existsSync(join(e.PODNET_CONFIG_DIR as string, "lab.json"))).toBe(false);
  });

  test("an unknown lesson or step is named with the nearest one", async () => {
    const fake = fakeSystem();
    await expect(runLab(["flanel-vxlan"], io().io, fake.system, env())).rejects.toThrow(
      'no lesson "flanel-vxlan"; did you mean "flannel-vxlan"?',
    );
    await expect(
      runLab(["flannel-vxlan", "--step", "restore-rout-to-node2"], io().io, fake.system, env()),
    ).rejects.toThrow('did you mean "restore-route-to-node2"?');
    await expect(
      runLab(["flannel-vxlan", "--step", "1"], io().io, fake.system, env()),
    ).rejects.toThrow("is a read step; a lab is a route or fix step");
    await expect(runLab(["ipvs-mode", "--step", "4"], io().io, fake.system, env())).rejects.toThrow(
      "cannot be a lab: IPVS needs the ip_vs kernel module",
    );
  });

  test("usage mistakes are usage errors", async () => {
    const fake = fakeSystem();
    await expect(runLab([], io().io, fake.system, env())).rejects.toThrow("missing LESSON-ID");
    await expect(runLab(["--check", "--clean"], io().io, fake.system, env())).rejects.toThrow(
      "cannot go together",
    );
    await expect(
      runLab(["--list"], io().io, fake.system, { ...env(), PODNET_LAB_PREFIX: "lab-" }),
    ).rejects.toThrow("PODNET_LAB_PREFIX must look like pnl-NAME-");
  });
});
