import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli";

const PACK = "test/fixtures/lessons/pack";
const STACK_LINE = /^\s+at .+[:(]/m;

const check = (...args: string[]) => runCli(["check", ...args, "--lessons", PACK]);

describe("podnet-learn check", () => {
  it("passes a working route with exit 0: the goal, the path, the reference answer and why", async () => {
    const run = await check(
      "fixture-typed",
      "--step",
      "add-the-route",
      "--answer",
      "ip route replace 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink",
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    const lines = run.stdout.split("\n");
    expect(lines[0]).toBe("Typed answers (fixture-typed), step 2/5: add-the-route (route)");
    expect(lines[1]).toBe(
      "Goal: a ping from pod-a reaches pod-b and the reply comes back, encapsulated in VXLAN",
    );
    expect(run.stdout).toContain("✓ Passed.");
    expect(run.stdout).toMatch(
      /^Path: pod-a \(eth0\) → node1 \(cni0 → flannel\.1 → eth0; VXLAN VNI 1, UDP 8472, .*\) → pod-b \(eth0\): delivered, the reply came back$/m,
    );
    expect(run.stdout).toContain(
      "Reference answer: 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink",
    );
    expect(run.stdout).toContain("flanneld routes each remote lease via the remote VTEP address");
  });

  it("fails a wrong route with exit 1: where it died, why, the lesson's words and hint 1", async () => {
    const run = await check("fixture-typed", "--step", "2", "--answer", "10.244.2.0/24 dev eth0");
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("✗ Not yet.");
    expect(run.stdout).toContain(
      "Path: pod-a (eth0) → node1 (cni0 → eth0): dropped in node1 (neighbour-failed)",
    );
    expect(run.stdout).toMatch(
      /^The request was dropped in node1 \(neighbour-failed\): ARP for 10\.244\.2\.2 on eth0 got no answer/m,
    );
    expect(run.stdout).toContain("The route it took: 10.244.2.0/24 dev eth0");
    expect(run.stdout).toContain("Nobody on eth0 answers ARP for a pod address.");
    expect(run.stdout).toContain("Hint 1: Which device wraps packets for node2?");
    expect(run.stdout).not.toContain("Reference answer");
  });

  it("speaks Korean with --lang ko, and shows the hint asked for", async () => {
    const run = await check(
      "fixture-typed",
      "--step",
      "add-the-route",
      "--answer",
      "10.244.2.0/24 via 192.168.1.13 dev eth0",
      "--lang",
      "ko",
      "--hint",
      "3",
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      "목표: pod-a에서 보낸 ping이 pod-b에 도착하고 응답이 돌아옵니다. VXLAN으로 캡슐화되어야 합니다.",
    );
    expect(run.stdout).toContain("✗ 아직 아닙니다.");
    expect(run.stdout).toContain(
      "패킷은 도착했지만 캡슐화되지 않았습니다. VXLAN으로 캡슐화되어야 합니다.",
    );
    expect(run.stdout).toContain("힌트 3: `10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink`");
  });

  it("takes a fix's shell lines, one a line", async () => {
    const run = await check(
      "fixture-typed",
      "--step",
      "forwarding",
      "--answer",
      "ssh node2\nsysctl -w net.ipv4.ip_forward=1",
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("✓ Passed.");
  });

  it("does not give a predict step's answer away in a failure", async () => {
    const run = await check("fixture-typed", "--step", "which-port", "--answer", "p4789");
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      "Question: Which UDP destination port does the outer header carry?",
    );
    expect(run.stdout).toContain("That is not what the trace shows.");
    expect(run.stdout).not.toContain("8472");
  });

  it("prints one stable JSON object with --json", async () => {
    const run = await check(
      "fixture-choices",
      "--step",
      "pick-overlay",
      "--answer",
      "bgp",
      "--json",
    );
    expect(run.code).toBe(1);
    const json = JSON.parse(run.stdout);
    expect(Object.keys(json)).toEqual([
      "lesson",
      "step",
      "answer",
      "passed",
      "lang",
      "goal",
      "failure",
      "explanation",
      "reference",
      "fact",
      "path",
      "scenarioErrors",
      "hops",
    ]);
    expect(json).toMatchObject({
      lesson: "fixture-choices",
      step: { id: "pick-overlay", number: 2, kind: "encapsulation" },
      answer: "bgp",
      passed: false,
      lang: "en",
      goal: ["a ping from pod-a reaches pod-b and the reply comes back, encapsulated in IPIP"],
      failure: { kind: "dropped", probe: 0, netns: "router", dropReason: "no-route" },
      reference: null,
      fact: null,
      scenarioErrors: [],
    });
    expect(json.path[0]).toMatchObject({
      probe: 0,
      from: "pod-a",
      proto: "icmp",
      delivered: false,
    });
    expect(json.path[0].drop).toEqual({ flow: "request", netns: "router", reason: "no-route" });
    expect(json.hops.at(-1)).toMatchObject({ kind: "drop", netns: "router" });
    expect(json.explanation).toContain("The router has no route to pod blocks.");
  });

  it("exits 2 with the nearest lesson id for an unknown lesson", async () => {
    const run = await check("fixture-typd", "--step", "1", "--answer", "x");
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(
      'podnet-learn check: no lesson "fixture-typd"; did you mean "fixture-typed"? (the lessons are fixture-typed, fixture-choices)',
    );
  });

  it("exits 2 for an unknown step, listing the lesson's steps", async () => {
    const run = await check("fixture-typed", "--step", "add-teh-route", "--answer", "x");
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'lesson fixture-typed has no step "add-teh-route"; did you mean "add-the-route"? (its steps: 1 look (read), 2 add-the-route (route), 3 forwarding (fix), 4 which-port (predict), 5 which-device (quiz))',
    );
  });

  it("exits 2 for a step there is nothing to check in", async () => {
    const run = await check("fixture-typed", "--step", "1", "--answer", "x");
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "step 1 (look) of fixture-typed is text to read: there is nothing to check",
    );
  });

  it("exits 2 for usage mistakes, pointing at --help, never with a stack trace", async () => {
    for (const args of [
      ["check", "fixture-typed", "--answer", "x", "--lessons", PACK],
      ["check", "--step", "2", "--answer", "x", "--lessons", PACK],
      ["check", "fixture-typed", "--step", "2", "--answer", "x", "--lang", "fr", "--lessons", PACK],
      ["check", "fixture-typed", "--step", "2", "--answer", "x", "--hint", "4", "--lessons", PACK],
    ]) {
      const run = await runCli(args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toContain('Run "podnet-learn check --help" for usage.');
      expect(run.stderr).not.toMatch(STACK_LINE);
    }
  });

  it("exits 2 for a lesson directory that is not there", async () => {
    const run = await runCli([
      "check",
      "x",
      "--step",
      "1",
      "--answer",
      "x",
      "--lessons",
      "no/such/dir",
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('podnet-learn check: no lesson directory "no/such/dir"');
  });

  it("is listed in the overview, with its help", async () => {
    const overview = await runCli(["--help"]);
    expect(overview.stdout).toMatch(/^ {2}check +Check an answer to a lesson's exercise/m);
    const help = await runCli(["check", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(
      'Usage: podnet-learn check LESSON-ID --step N|STEP-ID --answer "ANSWER" [options]',
    );
  });
});
