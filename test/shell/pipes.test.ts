import { describe, expect, it } from "vitest";
import { compileGrep, runFilter } from "../../src/shell/filters";
import { parseLine } from "../../src/shell/line";
import { streamText } from "../../src/shell/printed";
import { changesState } from "../../src/shell/tools";
import { runShow } from "../../src/sim";
import { shellOn } from "./helpers";

describe("pipes into grep, head, tail and wc", () => {
  it("iptables-save | grep KUBE-SVC keeps exactly the lines that mention it", () => {
    const { shell, world } = shellOn("services-iptables");
    const all = runShow(world, "node1", ["iptables-save"]).output.split("\n");
    const expected = all.filter((l) => l.includes("KUBE-SVC"));
    expect(expected.length).toBeGreaterThan(2);
    const result = shell.run("iptables-save | grep KUBE-SVC");
    expect(result).toEqual({ output: `${expected.join("\n")}\n`, ok: true, changed: false });
  });

  it("head, tail and wc -l count the lines of what came before", () => {
    const { shell, world } = shellOn("services-iptables");
    const lines = runShow(world, "node1", ["iptables-save"]).output.trimEnd().split("\n");
    expect(shell.run("iptables-save | head -n 2").output).toBe(`${lines.slice(0, 2).join("\n")}\n`);
    expect(shell.run("iptables-save | head -3").output).toBe(`${lines.slice(0, 3).join("\n")}\n`);
    expect(shell.run("iptables-save | tail -n 1").output).toBe(`${lines[lines.length - 1]}\n`);
    expect(shell.run("iptables-save | wc -l").output).toBe(`${lines.length}\n`);
    expect(shell.run("iptables-save | grep -c KUBE-SEP").output).toBe(
      `${lines.filter((l) => l.includes("KUBE-SEP")).length}\n`,
    );
  });

  it("grep that matches nothing prints nothing and fails, as its exit status 1 says", () => {
    const { shell } = shellOn("flannel-vxlan");
    expect(shell.run("ip route | grep 10.99.")).toEqual({ output: "", ok: false, changed: false });
  });

  it("a tool's complaint goes to the terminal, not through the pipe, unless 2>&1", () => {
    const { shell } = shellOn("flannel-vxlan");
    expect(shell.run("ip route add 10.9.0.0/24 via 1.2.3.4 | grep nothing").output).toBe(
      "Error: Nexthop has invalid gateway.\n",
    );
    expect(shell.run("ip route add 10.9.0.0/24 via 1.2.3.4 2>&1 | grep -c Nexthop").output).toBe(
      "1\n",
    );
    expect(shell.run("ip route add 10.9.0.0/24 via 1.2.3.4 2>/dev/null")).toEqual({
      output: "",
      ok: false,
      changed: false,
    });
    expect(shell.run("ip route >/dev/null").output).toBe("");
  });

  it("a command that changes the node still counts when piped", () => {
    const { shell } = shellOn("flannel-vxlan");
    expect(shell.run("sysctl -w net.ipv4.ip_forward=0 | grep forward")).toEqual({
      output: "net.ipv4.ip_forward = 0\n",
      ok: true,
      changed: true,
    });
  });

  it("runs sudo's command as it is (everything here runs as root) and skips comments", () => {
    const { shell, world } = shellOn("flannel-vxlan");
    const routes = runShow(world, "node1", ["ip", "route"]).output;
    expect(shell.run("sudo ip route").output).toBe(routes);
    expect(shell.run("sudo -E ip route").output).toBe(routes);
    expect(shell.run("sudo -i")).toEqual({ output: "", ok: true, changed: false });
    expect(shell.run("ip route # the routes").output).toBe(routes);
  });

  it("refuses lists, background jobs and files, and anything after | but the filters", () => {
    const { shell } = shellOn("flannel-vxlan");
    for (const line of [
      "ip route; ip neigh",
      "ip route && ip neigh",
      "ip route || true",
      "ping 10.244.2.2 &",
    ])
      expect(shell.run(line).output).toContain("this shell runs one command a line");
    expect(shell.run("iptables-save > rules.txt").output).toContain("reads and writes no files");
    expect(shell.run("ip route | awk '{print $1}'").output).toBe(
      "bash: awk: command not found\npodnet-learn: type help for the commands of this simulated node\n",
    );
    expect(shell.run("ip route | ip neigh").output).toContain("after | this shell runs grep");
    expect(shell.run("ip route |").output).toBe("bash: syntax error near unexpected token `|'\n");
    expect(shell.run("grep foo").output).toContain("COMMAND | grep");
  });

  it("says what bash says about an unterminated quote", () => {
    const { shell } = shellOn("flannel-vxlan");
    expect(shell.run("iptables -A INPUT -m comment --comment 'oops")).toEqual({
      output: "bash: unexpected EOF while looking for matching `''\n",
      ok: false,
      changed: false,
    });
  });
});

describe("reading a line", () => {
  it("splits at pipes outside quotes only", () => {
    const parsed = parseLine(`iptables-save | grep "a|b" | head -n 1`);
    expect(parsed.ok && parsed.stages.map((s) => s.words)).toEqual([
      ["iptables-save"],
      ["grep", "a|b"],
      ["head", "-n", "1"],
    ]);
  });

  it("takes the redirections out of the words", () => {
    const parsed = parseLine("conntrack -L 2> /dev/null");
    expect(parsed.ok && parsed.stages[0]).toEqual({
      words: ["conntrack", "-L"],
      redirects: { dropStdout: false, dropStderr: true, stderrToStdout: false },
    });
  });
});

describe("grep's regular expressions", () => {
  const matchesLine = (pattern: string, line: string, syntax: "basic" | "extended" | "fixed") =>
    compileGrep(pattern, { ignoreCase: false, word: false, syntax })?.test(line) ?? null;

  it("treats + ? | ( ) as literal in basic syntax and as operators when escaped", () => {
    expect(matchesLine("a+b", "a+b", "basic")).toBe(true);
    expect(matchesLine("a+b", "aab", "basic")).toBe(false);
    expect(matchesLine("a\\+b", "aab", "basic")).toBe(true);
    expect(matchesLine("KUBE-SVC\\|KUBE-SEP", "-A KUBE-SEP-X", "basic")).toBe(true);
    expect(matchesLine("KUBE-SVC|KUBE-SEP", "-A KUBE-SEP-X", "basic")).toBe(false);
  });

  it("treats them as operators with -E, and everything as literal with -F", () => {
    expect(matchesLine("KUBE-(SVC|SEP)", "-A KUBE-SEP-X", "extended")).toBe(true);
    expect(matchesLine("10.244.*", "10.244.1.0", "fixed")).toBe(false);
    expect(matchesLine("10.244.*", "x 10.244.* y", "fixed")).toBe(true);
    expect(matchesLine("[[:digit:]]\\{3\\}", "abc 123", "basic")).toBe(true);
    expect(matchesLine("(", "(", "basic")).toBe(true);
    expect(compileGrep("(", { ignoreCase: false, word: false, syntax: "extended" })).toBeNull();
  });

  it("selects with -v, -i, -w and numbers with -n", () => {
    const input = "Alpha\nbeta\nalphabet\n";
    const run = (args: string[]) => streamText(runFilter("grep", args, input), "stdout");
    expect(run(["-v", "beta"])).toBe("Alpha\nalphabet\n");
    expect(run(["-i", "alpha"])).toBe("Alpha\nalphabet\n");
    expect(run(["-iw", "alpha"])).toBe("Alpha\n");
    expect(run(["-n", "bet"])).toBe("2:beta\n3:alphabet\n");
  });

  it("counts with wc as GNU wc prints it for standard input", () => {
    const printed = runFilter("wc", [], "one two\nthree\n");
    expect(streamText(printed, "stdout")).toBe("      2       3      14\n");
  });
});

describe("which commands change the cluster", () => {
  const cases: [string, boolean][] = [
    ["ip route", false],
    ["ip r", false],
    ["ip route get 10.244.2.2", false],
    ["ip -d link show", false],
    ["ip a s dev eth0", false],
    ["ip neigh", false],
    ["ip route add 10.9.0.0/24 via 192.168.1.13", true],
    ["ip r a 10.9.0.0/24 via 192.168.1.13", true],
    ["ip route replace default via 192.168.1.1", true],
    ["ip link set eth0 down", true],
    ["ip neigh flush dev eth0", true],
    ["bridge fdb show", false],
    ["bridge fdb add 00:11:22:33:44:55 dev flannel.1 dst 192.168.1.13", true],
    ["sysctl net.ipv4.ip_forward", false],
    ["sysctl -w net.ipv4.ip_forward=1", true],
    ["iptables -S", false],
    ["iptables -t nat -S KUBE-SERVICES", false],
    ["iptables -C FORWARD -j ACCEPT", false],
    ["iptables -P FORWARD ACCEPT", true],
    ["iptables -t nat -I PREROUTING -j ACCEPT", true],
    ["iptables --delete FORWARD 1", true],
    ["iptables-save", false],
    ["nft list ruleset", false],
    ["nft add table ip filter", true],
    ["ipvsadm -Ln", false],
    ["ipvsadm -A -t 10.96.0.9:80 -s rr", true],
    ["ipset list", false],
    ["ipset create test hash:ip", true],
    ["cilium-dbg bpf lb list", false],
  ];
  for (const [line, changes] of cases)
    it(`${line}: ${changes ? "changes" : "only looks"}`, () => {
      expect(changesState(line.split(" "))).toBe(changes);
    });
});
