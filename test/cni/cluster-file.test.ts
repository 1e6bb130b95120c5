import { describe, expect, test } from "vitest";
import { clusterFileScript } from "../../src/sim";

const base = `formatVersion: 1
underlay:
  subnets:
    - cidr: 192.168.1.0/24
cni:
  plugin: flannel
nodes:
  - name: node1
    ip: 192.168.1.12
  - name: node2
    ip: 192.168.1.13
pods:
  - name: pod-a
    node: node1
`;

function errors(text: string): string[] {
  const r = clusterFileScript(text);
  return r.ok ? [] : r.errors.map((e) => `${e.line}:${e.col}: ${e.message}`);
}

describe("cluster files: every mistake named with its line and column", () => {
  test("a valid file has no errors, and leases and addresses are handed out as the plugin would", () => {
    const r = clusterFileScript(base);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.plan.nodes.map((n) => `${n.name} ${n.podCidr.addr}`)).toEqual([
      `node1 ${(10 << 24) + (244 << 16) + (1 << 8)}`,
      `node2 ${(10 << 24) + (244 << 16) + (2 << 8)}`,
    ]);
    // host-local starts at .2: .1 is cni0.
    expect(r.plan.pods[0]?.ip).toBe((10 << 24) + (244 << 16) + (1 << 8) + 2);
  });

  test("a bad CIDR", () => {
    expect(errors(base.replace("192.168.1.0/24", "192.168.1.0/33"))).toEqual([
      '4:13: "192.168.1.0/33" is not a subnet (like 192.168.1.0/24, at most /30)',
    ]);
  });

  test("an alias to an anchor the file never sets is a YAML error at the alias, not a crash", () => {
    expect(errors(base.replace("node: node1", "node: *first"))).toEqual([
      "14:11: YAML: Unresolved alias (the anchor must be set before the alias): first",
    ]);
  });

  test("a pod on an unknown node", () => {
    expect(errors(base.replace("node: node1", "node: node9"))).toEqual([
      '14:11: no node named "node9" (nodes: node1, node2)',
    ]);
  });

  test("overlapping pod CIDRs", () => {
    const text = base
      .replace("ip: 192.168.1.12", "ip: 192.168.1.12\n    podCIDR: 10.244.7.0/24")
      .replace("ip: 192.168.1.13", "ip: 192.168.1.13\n    podCIDR: 10.244.7.0/24");
    expect(errors(text)).toEqual(["13:14: 10.244.7.0/24 overlaps another node's 10.244.7.0/24"]);
  });

  test("a lease handed out in node order skips a podCIDR an earlier node was given", () => {
    const r = clusterFileScript(
      base.replace("ip: 192.168.1.12", "ip: 192.168.1.12\n    podCIDR: 10.244.1.0/24"),
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.plan.nodes.map((n) => n.podCidr.addr)).toEqual([
      (10 << 24) + (244 << 16) + (1 << 8),
      (10 << 24) + (244 << 16) + (2 << 8),
    ]);
  });

  test("a mistake near the end of a long file is still found, with its line", () => {
    const pods = Array.from(
      { length: 400 },
      (_, i) => `  - name: p${i}\n    node: node${1 + (i % 2)}\n`,
    );
    const text = `${base}${pods.join("")}  - name: p7\n    node: node2\n`;
    expect(errors(text)).toEqual(['815:11: "p7" is already the name of a node or pod']);
  });

  test("a mode the plugin does not have", () => {
    expect(
      errors(base.replace("plugin: flannel", "plugin: flannel\n  backend:\n    type: udp")),
    ).toEqual(['8:11: cni.backend.type: must be "vxlan" or "host-gw"']);
  });

  test("a plugin that does not exist", () => {
    expect(errors(base.replace("plugin: flannel", "plugin: kube-router"))[0]).toMatch(
      /^6:\d+: cni\.plugin: /,
    );
  });

  test("an unknown field is named, not ignored", () => {
    expect(errors(base.replace("formatVersion: 1", "formatVersion: 1\nnodez: []"))).toEqual([
      '1:1: unknown field "nodez"',
    ]);
  });

  test("a node outside every subnet, and a node named like the router", () => {
    const text = base
      .replace("ip: 192.168.1.13", "ip: 192.168.9.13")
      .replace("name: node2", "name: router");
    expect(errors(text)).toEqual([
      '10:11: "router" is the name of the underlay\'s router or a switch; pick another',
      "11:9: 192.168.9.13 is in none of the underlay subnets (192.168.1.0/24)",
    ]);
  });

  test("Calico cannot encapsulate with IPIP and VXLAN at once", () => {
    const pool =
      "plugin: calico\n  ipPool:\n    cidr: 10.48.0.0/16\n    ipipMode: Always\n    vxlanMode: Always";
    expect(errors(base.replace("plugin: flannel", pool))).toEqual([
      "10:16: an IP pool uses IPIP or VXLAN, not both: set ipipMode or vxlanMode to Never",
    ]);
  });

  test("Calico's default pool, 192.168.0.0/16, collides with nodes on 192.168.1.0/24", () => {
    expect(errors(base.replace("plugin: flannel", "plugin: calico"))).toEqual([
      "6:3: the pod network 192.168.0.0/16 overlaps the node subnet 192.168.1.0/24",
    ]);
  });

  test("broken YAML says where", () => {
    expect(errors("formatVersion: 1\nnodes: [\n")[0]).toMatch(/^\d+:\d+: YAML: /);
  });
});
