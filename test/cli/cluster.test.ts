import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli";

describe("podnet-learn with a cluster file", () => {
  it("traces pod to pod by name and exits 0 when both directions arrive", async () => {
    const r = await runCli([
      "trace",
      "--cluster",
      "examples/clusters/calico-vxlan.yaml",
      "--from",
      "pod-a",
      "--to",
      "pod-b",
    ]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("vxlan.calico");
    expect(r.stdout).toContain("request: delivered to pod-b");
    expect(r.stdout).toContain("reply: delivered to pod-a");
    expect(r.code).toBe(0);
  });

  it("refuses --script and --cluster together", async () => {
    const r = await runCli([
      "trace",
      "--cluster",
      "examples/clusters/weave.yaml",
      "--script",
      "examples/scripts/flannel-vxlan.sh",
      "--from",
      "pod-a",
      "--to",
      "pod-b",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("give --script or --cluster, not both");
  });

  it("lists every problem of a broken cluster file as FILE:LINE:COL and exits 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "podnet-cli-"));
    const file = join(dir, "broken.yaml");
    writeFileSync(
      file,
      "formatVersion: 1\nunderlay:\n  subnets:\n    - cidr: 192.168.1.0/33\ncni:\n  plugin: flannel\nnodes:\n  - name: node1\n    ip: 192.168.1.12\npods:\n  - name: pod-a\n    node: node9\n",
    );
    const r = await runCli(["export", "--cluster", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:4:13: "192.168.1.0/33" is not a subnet`);
    expect(r.stdout).toBe("");
  });

  it("exports the script with the prefix on every namespace", async () => {
    const r = await runCli([
      "export",
      "--cluster",
      "examples/clusters/flannel-vxlan.yaml",
      "--prefix",
      "lab-",
    ]);
    expect(r.code).toBe(0);
    const commands = r.stdout.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    expect(commands.length).toBeGreaterThan(40);
    for (const line of commands) expect(line).toMatch(/(-n |netns (add|exec) )lab-/);
    expect(r.stdout).toContain(
      "ip -n lab-node1 route replace 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink\n",
    );
  });

  it("shows a node's routes by node name", async () => {
    const r = await runCli([
      "show",
      "--cluster",
      "examples/clusters/flannel-host-gw.yaml",
      "--netns",
      "node1",
      "--",
      "ip",
      "route",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("10.244.2.0/24 via 192.168.1.13 dev eth0 \n");
  });

  it("reports a line the kernel refuses against the generated script", async () => {
    const dir = mkdtempSync(join(tmpdir(), "podnet-cli-"));
    const file = join(dir, "hostgw-two-subnets.yaml");
    writeFileSync(
      file,
      "formatVersion: 1\nunderlay:\n  subnets:\n    - cidr: 192.168.1.0/24\n    - cidr: 192.168.2.0/24\ncni:\n  plugin: flannel\n  backend:\n    type: host-gw\nnodes:\n  - name: node1\n    ip: 192.168.1.12\n  - name: node2\n    ip: 192.168.2.13\npods:\n  - name: pod-a\n    node: node1\n  - name: pod-b\n    node: node2\n",
    );
    const r = await runCli(["trace", "--cluster", file, "--from", "pod-a", "--to", "pod-b"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("route replace 10.244.2.0/24 via 192.168.2.13 dev eth0");
    expect(r.stderr).toContain("-> Error: Nexthop has invalid gateway.");
    expect(r.stdout).toContain("request: DROPPED in router (no-route)");
  });
});
