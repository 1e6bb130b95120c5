import { describe, expect, test } from "vitest";
import { type ProbeResult, probe, runScript, runShow } from "../../src/sim";
import { formatIpv4 } from "../../src/sim/ipv4";
import type { Datagram, Frame } from "../../src/sim/walk/packet";

/**
 * One Ethernet segment: a client, an IPVS director `lb` holding the VIP 10.0.0.100 on a dummy
 * device, and a real server `rs`. The client reaches the VIP through lb (a /32 route), so ARP
 * for the VIP never arises (a real DR setup needs arp_ignore on the real servers for that).
 */
const SEGMENT = `
ip netns add sw
ip -n sw link add br0 type bridge
ip -n sw link set br0 up
ip netns add client
ip netns add lb
ip netns add rs
ip -n client link add eth0 type veth peer name client netns sw
ip -n lb link add eth0 type veth peer name lb netns sw
ip -n rs link add eth0 type veth peer name rs netns sw
ip -n sw link set client master br0
ip -n sw link set lb master br0
ip -n sw link set rs master br0
ip -n sw link set client up
ip -n sw link set lb up
ip -n sw link set rs up
ip -n client link set lo up
ip -n lb link set lo up
ip -n rs link set lo up
ip -n client addr add 10.0.0.2/24 dev eth0
ip -n lb addr add 10.0.0.1/24 dev eth0
ip -n rs addr add 10.0.0.3/24 dev eth0
ip -n client link set eth0 up
ip -n lb link set eth0 up
ip -n rs link set eth0 up
ip -n client route add 10.0.0.100/32 via 10.0.0.1
ip -n lb link add vip0 type dummy
ip -n lb addr add 10.0.0.100/32 dev vip0
ip netns exec lb ipvsadm -A -t 10.0.0.100:80 -s rr
`;

function scenario(...lines: string[]) {
  const { world, setupErrors } = runScript(`${SEGMENT}${lines.join("\n")}\n`);
  expect(setupErrors).toEqual([]);
  return world;
}

function tcp(world: ReturnType<typeof scenario>): ProbeResult {
  const r = probe(world, { from: "client", to: "10.0.0.100", proto: "tcp", dport: 80 });
  if ("error" in r) throw new Error(r.error);
  return r;
}

describe("IPVS direct routing (ipvsadm -g)", () => {
  const world = scenario(
    "ip -n rs addr add 10.0.0.100/32 dev lo",
    "ip netns exec lb ipvsadm -a -t 10.0.0.100:80 -r 10.0.0.3 -g",
  );

  test("the packet reaches the real server unchanged but for the MAC, and is taken for its VIP", () => {
    const r = tcp(world);
    expect(r.request).toMatchObject({ delivered: true, netns: "rs" });
    const arrived = r.hops.find(
      (h) => h.kind === "receive" && h.netns === "rs" && h.flow === "request",
    );
    const frame = arrived?.packet as Frame;
    expect(frame.dst).toBe(
      runShow(world, "rs", ["ip", "link", "show", "eth0"]).output.match(/link\/ether (\S+)/)?.[1],
    );
    expect(formatIpv4(frame.ip.dst)).toBe("10.0.0.100");
    expect(formatIpv4(frame.ip.src)).toBe("10.0.0.2");
  });

  test("the real server answers the client directly, from the VIP: the reply never crosses the director", () => {
    const r = tcp(world);
    expect(r.reply).toMatchObject({ delivered: true, netns: "client" });
    expect(r.hops.filter((h) => h.flow === "reply" && h.netns === "lb")).toEqual([]);
  });

  test("ipvsadm -Ln names the method Route", () => {
    expect(runShow(world, "lb", ["ipvsadm", "-Ln"]).output).toContain(
      "  -> 10.0.0.3:80                  Route   1      0          0         \n",
    );
  });

  test("a real server that does not hold the VIP drops the packet (not its address, not a router)", () => {
    const r = tcp(scenario("ip netns exec lb ipvsadm -a -t 10.0.0.100:80 -r 10.0.0.3 -g"));
    expect(r.request.drop).toMatchObject({ netns: "rs", reason: "forwarding-disabled" });
  });
});

describe("IPVS tunnelling (ipvsadm -i)", () => {
  const world = scenario(
    "ip -n rs addr add 10.0.0.100/32 dev lo",
    "ip -n rs link add tunl0 type ipip",
    "ip -n rs link set tunl0 up",
    "ip netns exec lb ipvsadm -a -t 10.0.0.100:80 -r 10.0.0.3 -i",
  );

  test("the director wraps the packet in IP-in-IP to the real server, which unwraps it on tunl0", () => {
    const r = tcp(world);
    expect(r.request).toMatchObject({ delivered: true, netns: "rs" });
    const outer = r.hops.find((h) => h.kind === "encap" && h.netns === "lb")?.packet as Datagram;
    expect([formatIpv4(outer.src), formatIpv4(outer.dst), outer.proto]).toEqual([
      "10.0.0.1",
      "10.0.0.3",
      4,
    ]);
    const inner = outer.l4.kind === "ipip" ? outer.l4.inner : null;
    expect(inner && [formatIpv4(inner.src), formatIpv4(inner.dst)]).toEqual([
      "10.0.0.2",
      "10.0.0.100",
    ]);
    expect(r.hops.some((h) => h.kind === "decap" && h.netns === "rs" && h.dev === "tunl0")).toBe(
      true,
    );
  });

  test("the reply goes straight back to the client from the VIP", () => {
    const r = tcp(world);
    expect(r.reply).toMatchObject({ delivered: true, netns: "client" });
    expect(r.hops.filter((h) => h.flow === "reply" && h.netns === "lb")).toEqual([]);
    expect(runShow(world, "lb", ["ipvsadm", "-Ln"]).output).toContain("Tunnel  1");
  });

  test("without an IP-in-IP device the real server refuses protocol 4", () => {
    const r = tcp(
      scenario(
        "ip -n rs addr add 10.0.0.100/32 dev lo",
        "ip netns exec lb ipvsadm -a -t 10.0.0.100:80 -r 10.0.0.3 -i",
      ),
    );
    expect(r.request.drop).toMatchObject({ netns: "rs", reason: "unsupported" });
  });
});

describe("IPVS masquerading (ipvsadm -m) on one segment", () => {
  test("the reply must come back through the director, or the client gets it from the real address", () => {
    const direct = tcp(
      scenario("ip netns exec lb ipvsadm -a -t 10.0.0.100:80 -r 10.0.0.3:8080 -m"),
    );
    expect(direct.request).toMatchObject({ delivered: true, netns: "rs" });
    expect(direct.reply.drop?.reason).toBe("no-socket");

    const routed = tcp(
      scenario(
        "ip netns exec lb ipvsadm -a -t 10.0.0.100:80 -r 10.0.0.3:8080 -m",
        "ip netns exec lb sysctl -w net.ipv4.ip_forward=1",
        "ip -n rs route add 10.0.0.2/32 via 10.0.0.1",
      ),
    );
    expect(routed.reply).toMatchObject({ delivered: true, netns: "client" });
    expect(routed.hops.find((h) => h.kind === "ipvs" && h.flow === "reply")?.netns).toBe("lb");
  });
});
