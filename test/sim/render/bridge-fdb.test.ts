// Pins `bridge fdb show` as iproute2 6.1 printed it on Linux 6.18 for the same state, less the
// IPv6 multicast groups (`33:33:…`) the model has no IPv6 for.
import { describe, expect, it } from "vitest";
import { parseIpv4 } from "../../../src/sim/ipv4";
import type { BridgeLink, VxlanLink } from "../../../src/sim/model";
import { renderBridgeFdb } from "../../../src/sim/render";
import { fdbVariety, flannelNode } from "./scenarios";
import { lines, Twin } from "./twin";

describe("bridge fdb show", () => {
  it("prints flanneld's vxlan entry as RESULTS.md shows it for `dev flannel.1`", () => {
    const t = flannelNode(new Twin());
    expect(renderBridgeFdb(t.world, t.ns("node1"), { dev: "flannel.1" })).toBe(
      lines("0a:58:0a:f4:02:00 dst 192.168.1.13 self permanent"),
    );
  });

  it("walks a Flannel node's devices by index: multicast groups, bridge entries, vxlan entries", () => {
    const t = flannelNode(new Twin());
    expect(renderBridgeFdb(t.world, t.ns("node1"))).toBe(
      lines(
        "01:00:5e:00:00:01 dev eth0 self permanent",
        "01:00:5e:00:00:6a dev cni0 self permanent",
        "01:00:5e:00:00:01 dev cni0 self permanent",
        "02:00:0a:f4:01:01 dev cni0 master cni0 permanent",
        "0a:58:0a:f4:02:00 dev flannel.1 dst 192.168.1.13 self permanent",
        "02:00:0a:f4:01:fe dev veth1a2b3c4d master cni0 permanent",
        "01:00:5e:00:00:01 dev veth1a2b3c4d self permanent",
      ),
    );
  });

  it("prints static and port entries newest first, vxlan MACs newest first with their destinations in order", () => {
    const t = fdbVariety(new Twin());
    expect(renderBridgeFdb(t.world, t.ns("f"))).toBe(
      lines(
        "01:00:5e:00:00:6a dev br0 self permanent",
        "01:00:5e:00:00:01 dev br0 self permanent",
        "02:00:00:00:b0:00 dev br0 master br0 permanent",
        "02:00:00:00:00:aa dev v1 master br0 static",
        "02:00:00:00:00:01 dev v1 master br0 permanent",
        "01:00:5e:00:00:01 dev v1 self permanent",
        "02:00:00:00:09:00 dev vx0 master br0 permanent",
        "00:00:00:00:00:00 dev vx0 dst 10.0.0.250 self permanent",
        "00:00:00:00:00:00 dev vx0 dst 10.0.0.251 self permanent",
        "02:00:00:00:00:22 dev vx0 dst 10.0.0.34 self permanent",
        "02:00:00:00:00:11 dev vx0 dst 10.0.0.17 self permanent",
        "02:00:00:00:00:33 dev vx1 dst 10.0.0.51 self permanent",
        "00:00:00:00:00:00 dev vx1 dst 10.0.0.50 via v2 self permanent",
        "00:00:00:00:00:00 dev vx1 dst 10.0.0.53 self permanent",
      ),
    );
  });

  it("keeps a vxlan's default remote as its oldest entry, `via` its underlay device", () => {
    const t = fdbVariety(new Twin());
    expect(renderBridgeFdb(t.world, t.ns("f"), { dev: "vx1" })).toBe(
      lines(
        "02:00:00:00:00:33 dst 10.0.0.51 self permanent",
        "00:00:00:00:00:00 dst 10.0.0.50 via v2 self permanent",
        "00:00:00:00:00:00 dst 10.0.0.53 self permanent",
      ),
    );
  });

  it("limits `br BR` to the bridge and its ports, and `dev` to one device without its name", () => {
    const t = fdbVariety(new Twin());
    const ns = t.ns("f");
    const all = renderBridgeFdb(t.world, ns);
    expect(renderBridgeFdb(t.world, ns, { br: "br0" })).toBe(all.replace(/^.* dev vx1 .*\n/gm, ""));
    expect(renderBridgeFdb(t.world, ns, { dev: "v1" })).toBe(
      lines(
        "02:00:00:00:00:aa master br0 static",
        "02:00:00:00:00:01 master br0 permanent",
        "01:00:5e:00:00:01 self permanent",
      ),
    );
    expect(renderBridgeFdb(t.world, ns, { dev: "br0" })).toBe(
      lines(
        "01:00:5e:00:00:6a self permanent",
        "01:00:5e:00:00:01 self permanent",
        "02:00:00:00:b0:00 master br0 permanent",
      ),
    );
  });

  it("ends learned entries with a space (their state prints as nothing)", () => {
    const t = fdbVariety(new Twin());
    const ns = t.ns("f");
    const bridge = ns.links.get("br0") as BridgeLink;
    bridge.fdb.set("02:00:00:00:00:02", { mac: "02:00:00:00:00:02", port: "v1", state: "learned" });
    const vx0 = ns.links.get("vx0") as VxlanLink;
    vx0.fdb.set("02:00:00:00:00:44", [
      { mac: "02:00:00:00:00:44", dst: parseIpv4("10.0.0.68") as number, state: "learned" },
    ]);
    expect(renderBridgeFdb(t.world, ns, { dev: "v1" }).split("\n")[0]).toBe(
      "02:00:00:00:00:02 master br0 ",
    );
    expect(renderBridgeFdb(t.world, ns, { dev: "vx0" }).split("\n")[1]).toBe(
      "02:00:00:00:00:44 dst 10.0.0.68 self ",
    );
  });

  it("drops a device's multicast groups while it is down, not the bridge's own address", () => {
    const t = fdbVariety(new Twin()).down("f", "br0").down("f", "v1");
    expect(renderBridgeFdb(t.world, t.ns("f"), { br: "br0" })).toBe(
      lines(
        "02:00:00:00:b0:00 dev br0 master br0 permanent",
        "02:00:00:00:00:aa dev v1 master br0 static",
        "02:00:00:00:00:01 dev v1 master br0 permanent",
        "02:00:00:00:09:00 dev vx0 master br0 permanent",
        "00:00:00:00:00:00 dev vx0 dst 10.0.0.250 self permanent",
        "00:00:00:00:00:00 dev vx0 dst 10.0.0.251 self permanent",
        "02:00:00:00:00:22 dev vx0 dst 10.0.0.34 self permanent",
        "02:00:00:00:00:11 dev vx0 dst 10.0.0.17 self permanent",
      ),
    );
  });
});
