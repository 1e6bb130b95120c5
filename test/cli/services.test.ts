import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli";

const CLUSTER = "examples/clusters/services-iptables.yaml";

describe("podnet-learn with Services", () => {
  it("traces to a Service by name: its ClusterIP, first port and protocol, DNATed on node1", async () => {
    const r = await runCli(["trace", "--cluster", CLUSTER, "--from", "pod-a", "--to", "web"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("TCP SYN 10.244.1.2:40687 → 10.96.0.80:80");
    expect(r.stdout).toContain("DNAT 10.96.0.80:80 → 10.244.2.2:8080");
    expect(r.stdout).toContain("request: delivered to pod-b");
    expect(r.stdout).toMatch(/work done: \d+ iptables\/nft rules evaluated, 0 map lookups/);
    expect(r.code).toBe(0);
  });

  it("pings a Service by name when told --proto icmp, and exits 1 when nothing answers", async () => {
    const r = await runCli([
      "trace",
      "--cluster",
      CLUSTER,
      "--from",
      "pod-a",
      "--to",
      "default/web",
      "--proto",
      "icmp",
    ]);
    expect(r.stdout).toContain("ICMP echo request");
    expect(r.stdout).toContain("10.96.0.80");
    expect(r.stdout).not.toContain("DNAT");
    expect(r.code).toBe(1);
  });

  it("lists with conntrack -L the connection a probe left on node1, and the tool's count on stderr", async () => {
    const r = await runCli([
      "show",
      "--cluster",
      CLUSTER,
      "--netns",
      "node1",
      "--from",
      "pod-a",
      "--to",
      "web",
      "--",
      "conntrack",
      "-L",
      "-p",
      "tcp",
    ]);
    expect(r.stdout).toBe(
      "tcp      6 60 SYN_RECV src=10.244.1.2 dst=10.96.0.80 sport=40687 dport=80 src=10.244.2.2 dst=10.244.1.2 sport=8080 dport=40687 mark=0 use=1\n",
    );
    expect(r.stderr).toBe("conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.\n");
    expect(r.code).toBe(0);
  });

  it("says why conntrack -L is empty without a probe, and refuses probe options with other commands", async () => {
    const empty = await runCli([
      "show",
      "--cluster",
      CLUSTER,
      "--netns",
      "node1",
      "--",
      "conntrack",
      "-L",
    ]);
    expect(empty.stdout).toBe("");
    expect(empty.stderr).toContain("add --from and --to");
    const wrong = await runCli([
      "show",
      "--cluster",
      CLUSTER,
      "--netns",
      "node1",
      "--from",
      "pod-a",
      "--",
      "ip",
      "route",
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("go with conntrack -L");
  });
});
