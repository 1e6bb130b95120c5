// Pins `ip route` text as iproute2 6.1 printed it on Linux 6.18 for the same state (kernel.test.ts
// rebuilds these scenarios in namespaces and compares).
import { describe, expect, it } from "vitest";
import { renderIpRoute, routeProtoName } from "../../../src/sim/render";
import { calicoNode, flannelNode, routeVariety } from "./scenarios";
import { lines, Twin } from "./twin";

describe("ip route", () => {
  it("prints a Flannel node's table as RESULTS.md shows it, a space after every field", () => {
    const t = flannelNode(new Twin());
    expect(renderIpRoute(t.world, t.ns("node1"))).toBe(
      lines(
        "default via 192.168.1.1 dev eth0 ",
        "10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1 ",
        "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink ",
        "192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.12 ",
      ),
    );
    expect(renderIpRoute(t.world, t.ns("pod-a"))).toBe(
      lines(
        "default via 10.244.1.1 dev eth0 ",
        "10.244.1.0/24 dev eth0 proto kernel scope link src 10.244.1.10 ",
      ),
    );
  });

  it("prints a Calico node's blackhole, proto bird and /32 routes as RESULTS.md shows them", () => {
    const t = calicoNode(new Twin());
    expect(renderIpRoute(t.world, t.ns("node1"))).toBe(
      lines(
        "default via 192.168.1.1 dev eth0 ",
        "192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.12 ",
        "blackhole 192.168.33.64/26 proto bird ",
        "192.168.33.70 dev cali3f1e2d4c5b6 scope link ",
        "192.168.77.128/26 via 192.168.1.13 dev eth0 proto bird ",
      ),
    );
    expect(renderIpRoute(t.world, t.ns("pod-a"))).toBe(
      lines("default via 169.254.1.1 dev eth0 ", "169.254.1.1 dev eth0 scope link "),
    );
  });

  it("leaves `dev DEV` out, and routes through other devices, with `show dev DEV`", () => {
    const t = flannelNode(new Twin());
    expect(renderIpRoute(t.world, t.ns("node1"), { dev: "flannel.1" })).toBe(
      lines("10.244.2.0/24 via 10.244.2.0 onlink "),
    );
  });

  it("orders by address, longer prefix first, then metric; prints every type, field and flag", () => {
    const t = routeVariety(new Twin());
    expect(renderIpRoute(t.world, t.ns("r"))).toBe(
      lines(
        "0.0.0.0/1 via 10.9.0.3 dev a0 ",
        "default via 10.9.0.253 dev a0 ",
        "default via 10.9.0.254 dev a0 metric 100 ",
        "prohibit default metric 300 ",
        "10.0.0.0/24 via 10.9.0.2 dev a0 ",
        "10.0.0.0/16 dev a0 proto static scope link metric 1 ",
        "10.0.0.0/16 dev a0 scope link metric 5 ",
        "10.0.0.0/8 dev a0 scope link ",
        "10.8.0.0/24 dev b0 proto kernel scope link src 10.8.0.1 linkdown ",
        "10.9.0.0/24 dev a0 proto kernel scope link src 10.9.0.1 ",
        "blackhole 10.50.0.0/16 ",
        "unreachable 10.51.0.0/16 metric 7 ",
        "prohibit 10.52.0.0/16 proto babel ",
        "10.53.0.1 dev a0 scope link src 10.9.0.1 ",
        "10.54.0.0/24 via 10.9.0.9 dev a0 proto bird src 10.9.0.1 ",
        "10.56.0.0/24 dev a0 scope host ",
        "10.57.0.0/24 via 10.8.0.2 dev b0 linkdown ",
        "10.58.0.0/24 via 10.77.0.1 dev a0 onlink ",
        "blackhole 10.59.0.0/24 proto bird metric 3 ",
        "10.60.0.0/24 dev a0 proto kernel scope link ",
        "10.61.0.0/24 dev a0 scope link ",
        "10.63.0.0/24 dev a0 proto dhcp scope link ",
        "10.64.0.0/24 via 10.77.0.1 dev b0 proto bird src 10.8.0.1 metric 9 onlink linkdown ",
      ),
    );
  });

  it("drops blackholes and other devices' routes from `show dev a0`", () => {
    const t = routeVariety(new Twin());
    const shown = renderIpRoute(t.world, t.ns("r"), { dev: "a0" });
    expect(shown).not.toContain("blackhole");
    expect(shown).not.toContain("linkdown");
    expect(shown.split("\n")[0]).toBe("0.0.0.0/1 via 10.9.0.3 ");
  });

  it("marks a connected route linkdown while the veth's peer is down, and not once it is up", () => {
    const t = new Twin()
      .netns("n")
      .veth("n", "a0", "a1")
      .up("n", "a0")
      .addr("n", "10.0.0.1/24", "a0");
    expect(renderIpRoute(t.world, t.ns("n"))).toBe(
      lines("10.0.0.0/24 dev a0 proto kernel scope link src 10.0.0.1 linkdown "),
    );
    t.up("n", "a1");
    expect(renderIpRoute(t.world, t.ns("n"))).toBe(
      lines("10.0.0.0/24 dev a0 proto kernel scope link src 10.0.0.1 "),
    );
  });

  it("prints nothing for a table without routes", () => {
    const t = new Twin().netns("n").up("n", "lo");
    expect(renderIpRoute(t.world, t.ns("n"))).toBe("");
  });

  it("names numeric protocols from rt_protos and keeps unknown numbers", () => {
    expect(routeProtoName("12")).toBe("bird");
    expect(routeProtoName("42")).toBe("babel");
    expect(routeProtoName("3")).toBe("boot");
    expect(routeProtoName("77")).toBe("77");
    expect(routeProtoName("static")).toBe("static");
  });
});
