import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cp, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot, runCli } from "./run-cli";

const packageVersion: string = JSON.parse(
  readFileSync(join(repoRoot, "package.json"), "utf8"),
).version;

/** A stack trace line as Node prints it; none may ever reach a learner. */
const STACK_LINE = /^\s+at .+[:(]/m;

describe("podnet-learn (launcher and top level)", () => {
  it("prints the package.json version for --version and -v", async () => {
    for (const flag of ["--version", "-v"]) {
      const run = await runCli([flag]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`${packageVersion}\n`);
      expect(run.stderr).toBe("");
    }
  });

  it("lists trace and show with an example for --help", async () => {
    const run = await runCli(["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Usage: podnet-learn <command>");
    expect(run.stdout).toMatch(/^ {2}trace {2}/m);
    expect(run.stdout).toMatch(/^ {2}show {3}/m);
    expect(run.stdout).toContain(
      "podnet-learn trace --script examples/scripts/flannel-vxlan.sh --from ex-pod-a --to 10.244.2.15",
    );
  });

  it("prints the overview for `help` and a command's help for `help trace`", async () => {
    const overview = await runCli(["help"]);
    expect(overview.code).toBe(0);
    expect(overview.stdout).toContain("Commands:");
    const trace = await runCli(["help", "trace"]);
    expect(trace.code).toBe(0);
    expect(trace.stdout).toContain(
      "Usage: podnet-learn trace (--script FILE | --cluster FILE) --from NETNS --to IP",
    );
  });

  it("suggests trace for the misspelt command tarce and exits 2", async () => {
    const run = await runCli(["tarce", "--script", "x.sh"]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain('unknown command "tarce"; did you mean "trace"?');
    expect(run.stderr).toContain('Run "podnet-learn --help"');
  });

  it("names an unknown top-level option and suggests the nearest one", async () => {
    const run = await runCli(["--hlep"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown option --hlep; did you mean --help?");
  });

  it("says how to build when dist/cli.js is missing, and exits 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "podnet-unbuilt-"));
    try {
      await mkdir(join(dir, "bin"));
      await cp(join(repoRoot, "bin", "podnet-learn.js"), join(dir, "bin", "podnet-learn.js"));
      await cp(join(repoRoot, "package.json"), join(dir, "package.json"));
      const run = await runCli(["trace"], { script: join(dir, "bin", "podnet-learn.js") });
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `podnet-learn: the CLI is not built yet; run "npm run build" (or "npm install") in ${dir}\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("podnet-learn trace (command line)", () => {
  it("suggests --from for the unknown option --form and exits 2", async () => {
    const run = await runCli([
      "trace",
      "--script",
      "x.sh",
      "--form",
      "ex-pod-a",
      "--to",
      "10.0.0.1",
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("podnet-learn trace: unknown option --form; did you mean --from?");
    expect(run.stderr).toContain('Run "podnet-learn trace --help"');
    expect(run.stderr).not.toMatch(STACK_LINE);
  });

  it("exits 2 and names --script when it is missing", async () => {
    const run = await runCli(["trace", "--from", "ex-pod-a", "--to", "10.244.2.15"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("podnet-learn trace: missing --script FILE");
  });

  it("rejects a protocol outside icmp, tcp, udp and an out-of-range port", async () => {
    const base = ["trace", "--script", "x.sh", "--from", "a", "--to", "10.0.0.1"];
    const proto = await runCli([...base, "--proto", "sctp"]);
    expect(proto.code).toBe(2);
    expect(proto.stderr).toContain('--proto must be one of icmp, tcp, udp (got "sctp")');
    const port = await runCli([...base, "--proto", "tcp", "--dport", "70000"]);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--dport must be a whole number from 1 to 65535 (got "70000")');
  });

  it("exits 2 with the file name when the script cannot be read", async () => {
    const run = await runCli([
      "trace",
      "--script",
      "no-such-script.sh",
      "--from",
      "ex-pod-a",
      "--to",
      "10.244.2.15",
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cannot read the script "no-such-script.sh": no such file');
    expect(run.stderr).not.toMatch(STACK_LINE);
  });

  it("shows usage, options and an example for trace --help", async () => {
    const run = await runCli(["trace", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Usage: podnet-learn trace");
    expect(run.stdout).toContain("--proto PROTO");
    expect(run.stdout).toContain("Examples:\n  podnet-learn trace --script examples/scripts/");
  });
});

describe("podnet-learn show (command line)", () => {
  it("asks for the command after -- when it is missing", async () => {
    const run = await runCli(["show", "--script", "x.sh", "--netns", "ex-node1"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("missing the command to run; add it after --");
  });

  it("points a command typed without -- to the right form", async () => {
    const run = await runCli(["show", "--script", "x.sh", "--netns", "ex-node1", "ip", "route"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("put the command after --, as in:");
    expect(run.stderr).toContain("--netns ex-node1 -- ip route");
  });
});

const flannel = join(repoRoot, "examples", "scripts", "flannel-vxlan.sh");

describe("podnet-learn against the simulator", () => {
  const script = "examples/scripts/flannel-vxlan.sh";

  it("prints one JSON object with setupErrors, request, reply and hops for trace --json", async () => {
    const run = await runCli([
      "trace",
      "--script",
      script,
      "--from",
      "ex-pod-a",
      "--to",
      "10.244.2.15",
      "--json",
    ]);
    expect(run.stderr).toBe("");
    const report = JSON.parse(run.stdout);
    for (const key of ["setupErrors", "request", "reply", "hops"]) {
      expect(report).toHaveProperty(key);
    }
    expect(report.setupErrors).toEqual([]);
    expect(report.hops.length).toBeGreaterThan(0);
    expect(run.code).toBe(report.request.delivered && report.reply.delivered ? 0 : 1);
  });

  it("exits 0 and says delivered when pod A pings pod B across the VXLAN overlay", async () => {
    const run = await runCli([
      "trace",
      "--script",
      script,
      "--from",
      "ex-pod-a",
      "--to",
      "10.244.2.15",
    ]);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain("delivered to ex-pod-b");
    expect(run.stdout).not.toContain("\x1b[");
    expect(run.code).toBe(0);
  });

  it("exits 1 when the request is dropped", async () => {
    // Nothing on either node routes 10.250.0.0/16; the router drops it (or sends it back out).
    const run = await runCli([
      "trace",
      "--script",
      script,
      "--from",
      "ex-pod-a",
      "--to",
      "10.250.0.9",
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("DROPPED");
  });

  it("exits 2 naming the namespace when --from does not exist", async () => {
    const run = await runCli([
      "trace",
      "--script",
      script,
      "--from",
      "ex-pod-z",
      "--to",
      "10.244.2.15",
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('podnet-learn trace: no network namespace named "ex-pod-z"');
  });

  it("prints the node's routing table for show -- ip route", async () => {
    const run = await runCli([
      "show",
      "--script",
      script,
      "--netns",
      "ex-node1",
      "--",
      "ip",
      "route",
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink");
  });

  it("exits 2 naming the namespaces there are when show names a missing one", async () => {
    const run = await runCli([
      "show",
      "--script",
      script,
      "--netns",
      "ex-nowhere",
      "--",
      "ip",
      "route",
    ]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain('no network namespace named "ex-nowhere" (there are: ex-router, ');
  });

  it("reports a refused script line as FILE:LINE: COMMAND and the reason below", async () => {
    const dir = mkdtempSync(join(tmpdir(), "podnet-script-"));
    try {
      const file = join(dir, "broken.sh");
      writeFileSync(file, `${readFileSync(flannel, "utf8")}\nip -n ex-node1 route add nonsense\n`);
      const lineNo =
        readFileSync(file, "utf8").split("\n").indexOf("ip -n ex-node1 route add nonsense") + 1;
      const run = await runCli([
        "trace",
        "--script",
        file,
        "--from",
        "ex-pod-a",
        "--to",
        "10.244.2.15",
      ]);
      expect(run.stderr).toMatch(
        new RegExp(`^${escapeRegExp(file)}:${lineNo}: ip -n ex-node1 route add nonsense\n  -> \\S`),
      );
      expect(run.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
