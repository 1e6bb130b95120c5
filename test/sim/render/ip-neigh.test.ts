// Pins `ip neigh` text as iproute2 6.1 printed it on Linux 6.18 for the same entries.
import { describe, expect, it } from "vitest";
import { parseIpv4 } from "../../../src/sim/ipv4";
import { renderIpNeigh } from "../../../src/sim/render";
import { addNeighbour } from "../../../src/sim/state/neighbours";
import { calicoNode, flannelNode } from "./scenarios";
import { lines, must, Twin } from "./twin";

describe("ip neigh", () => {
  it("prints flanneld's permanent entry as RESULTS.md shows it, with and without `dev`", () => {
    const t = flannelNode(new Twin());
    expect(renderIpNeigh(t.world, t.ns("node1"), "flannel.1")).toBe(
      lines("10.244.2.0 lladdr 0a:58:0a:f4:02:00 PERMANENT "),
    );
    expect(renderIpNeigh(t.world, t.ns("node1"))).toBe(
      lines("10.244.2.0 dev flannel.1 lladdr 0a:58:0a:f4:02:00 PERMANENT "),
    );
    expect(renderIpNeigh(t.world, t.ns("node1"), "eth0")).toBe("");
  });

  it("prints a pod's entry for Calico's gateway", () => {
    const t = calicoNode(new Twin());
    expect(renderIpNeigh(t.world, t.ns("pod-a"))).toBe(
      lines("169.254.1.1 dev eth0 lladdr ee:ee:ee:ee:ee:ee STALE "),
    );
  });

  it("prints FAILED and INCOMPLETE entries without lladdr, and hides NOARP ones unless asked", () => {
    const t = new Twin().netns("n").veth("n", "eth0", "p0");
    const ns = t.ns("n");
    const add = (
      ip: string,
      mac: string | null,
      state: Parameters<typeof addNeighbour>[1]["state"],
    ) => must(addNeighbour(ns, { ip: parseIpv4(ip) as number, dev: "eth0", mac, state }, "add"));
    add("10.1.0.99", null, "FAILED");
    add("10.1.0.98", null, "INCOMPLETE");
    add("10.1.0.11", "0a:0b:0c:0d:0e:11", "REACHABLE");
    add("10.1.0.10", "0a:0b:0c:0d:0e:10", "NOARP");
    expect(renderIpNeigh(t.world, ns)).toBe(
      lines(
        "10.1.0.99 dev eth0 FAILED ",
        "10.1.0.98 dev eth0 INCOMPLETE ",
        "10.1.0.11 dev eth0 lladdr 0a:0b:0c:0d:0e:11 REACHABLE ",
      ),
    );
    expect(renderIpNeigh(t.world, ns, "eth0", { all: true })).toContain(
      "10.1.0.10 lladdr 0a:0b:0c:0d:0e:10 NOARP \n",
    );
  });

  it("lists devices by interface index, whatever order the entries were made in", () => {
    const t = new Twin().netns("n").veth("n", "a0", "a1").veth("n", "b0", "b1");
    const ns = t.ns("n");
    must(
      addNeighbour(
        ns,
        {
          ip: parseIpv4("10.0.0.2") as number,
          dev: "b0",
          mac: "02:00:00:00:00:02",
          state: "PERMANENT",
        },
        "add",
      ),
    );
    must(
      addNeighbour(
        ns,
        {
          ip: parseIpv4("10.0.0.1") as number,
          dev: "a0",
          mac: "02:00:00:00:00:01",
          state: "PERMANENT",
        },
        "add",
      ),
    );
    expect(renderIpNeigh(t.world, ns)).toBe(
      lines(
        "10.0.0.1 dev a0 lladdr 02:00:00:00:00:01 PERMANENT ",
        "10.0.0.2 dev b0 lladdr 02:00:00:00:00:02 PERMANENT ",
      ),
    );
  });
});
