import { describe, expect, test } from "vitest";
import { type ProbeResult, type ProbeSpec, probe, runScript } from "../../src/sim";
import { example, replacing, without } from "../helpers/examples";

const flannel = example("flannel-vxlan");
const calico = example("calico-bgp");
const clusterIp = example("clusterip-iptables");
const podB = "10.244.2.15";

function run(script: string, spec: Partial<ProbeSpec> = {}): ProbeResult {
  const { world, setupErrors } = runScript(script);
  expect(setupErrors.filter((e) => !e.message.includes("Nexthop device is not up"))).toEqual([]);
  const result = probe(world, { from: "ex-pod-a", to: podB, proto: "icmp", ...spec });
  if ("error" in result) throw new Error(result.error);
  return result;
}

describe("Flannel VXLAN between two nodes (examples/scripts/flannel-vxlan.sh)", () => {
  test("a ping from pod A reaches pod B and the reply comes back", () => {
    const r = run(flannel);
    expect(r.request).toMatchObject({ delivered: true, netns: "ex-pod-b" });
    expect(r.reply).toMatchObject({ delivered: true, netns: "ex-pod-a" });
  });

  test("the request crosses flannel.1 encapsulated in UDP 8472 with VNI 1, 50 bytes larger", () => {
    const r = run(flannel);
    const encap = r.hops.find((h) => h.kind === "encap" && h.flow === "request");
    expect(encap?.netns).toBe("ex-node1");
    expect(encap?.dev).toBe("flannel.1");
    const outer = encap?.packet as {
      length: number;
      l4: { dport: number; vxlan: { vni: number; inner: { ip: { length: number } } } };
    };
    expect(outer.l4.dport).toBe(8472);
    expect(outer.l4.vxlan.vni).toBe(1);
    expect(outer.length - outer.l4.vxlan.inner.ip.length).toBe(50);
  });

  test("pod B sees TTL 62: two forwarding hops, the VXLAN tunnel is not one", () => {
    const r = run(flannel);
    const delivered = r.hops.find((h) => h.kind === "deliver" && h.flow === "request");
    expect(delivered?.packet).toMatchObject({ ttl: 62 });
  });

  test("a 1422-byte DF ping fits the pod MTU 1450; 1423 bytes fails inside the pod with a local error", () => {
    expect(run(flannel, { size: 1422, df: true }).reply.delivered).toBe(true);
    const r = run(flannel, { size: 1423, df: true });
    expect(r.request.drop).toMatchObject({
      netns: "ex-pod-a",
      reason: "local-mtu",
      reported: "ping: local error: message too long, mtu=1450",
    });
  });

  test("with pod A left at MTU 1500, node1's cni0 gateway answers frag needed (mtu = 1450)", () => {
    const script = without(flannel, "ip -n ex-pod-a link set eth0 mtu 1450");
    const r = run(script, { size: 1472, df: true });
    expect(r.request.drop).toMatchObject({
      netns: "ex-node1",
      reason: "frag-needed",
      reported: "From 10.244.1.1 icmp_seq=1 Frag needed and DF set (mtu = 1450)",
    });
    expect(run(script, { size: 1400, df: true }).reply.delivered).toBe(true);
  });

  test("without node1's route to 10.244.2.0/24 the packet dies at the router, and the sender hears nothing", () => {
    const r = run(
      without(
        flannel,
        "ip -n ex-node1 route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink",
      ),
    );
    expect(r.request.drop).toMatchObject({
      netns: "ex-router",
      reason: "no-route",
      reported: null,
    });
  });

  test("without a default route either, node1 itself answers Destination Net Unreachable", () => {
    let script = without(
      flannel,
      "ip -n ex-node1 route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink",
    );
    script = without(script, "ip -n ex-node1 route add default via 192.168.1.1 dev eth0");
    expect(run(script).request.drop).toMatchObject({
      netns: "ex-node1",
      reported: "From 10.244.1.1 icmp_seq=1 Destination Net Unreachable",
    });
  });

  test("node2 with ip_forward=0 drops the decapsulated packet silently", () => {
    const r = run(`${flannel}\nip netns exec ex-node2 sysctl -w net.ipv4.ip_forward=0\n`);
    expect(r.request.drop).toMatchObject({
      netns: "ex-node2",
      reason: "forwarding-disabled",
      reported: null,
    });
  });

  test("node2's flannel.1 on VNI 2 drops node1's VNI 1 traffic", () => {
    const script = replacing(
      flannel,
      "ip -n ex-node2 link add flannel.1 type vxlan id 1 dstport 8472 local 192.168.1.13 dev eth0 nolearning",
      "ip -n ex-node2 link add flannel.1 type vxlan id 2 dstport 8472 local 192.168.1.13 dev eth0 nolearning",
    );
    expect(run(script).request.drop).toMatchObject({ netns: "ex-node2", reason: "vxlan-no-vni" });
  });

  test("node2's flannel.1 never set up: its route is refused (line 54) and UDP 8472 finds no socket", () => {
    const { world, setupErrors } = runScript(
      without(flannel, "ip -n ex-node2 link set flannel.1 up"),
    );
    expect(setupErrors).toEqual([
      {
        line: 54,
        command: "ip -n ex-node2 route add 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink",
        message: "Error: Nexthop device is not up.",
      },
    ]);
    const r = probe(world, { from: "ex-pod-a", to: podB, proto: "icmp" });
    expect("error" in r ? r.error : r.request.drop?.reason).toBe("udp-port-unreachable");
  });

  test("node2 without its route back: the request reaches pod B, only the reply is lost", () => {
    const r = run(`${flannel}\nip -n ex-node2 route del 10.244.1.0/24\n`);
    expect(r.request).toMatchObject({ delivered: true, netns: "ex-pod-b" });
    expect(r.reply).toMatchObject({
      delivered: false,
      drop: { netns: "ex-router", reason: "no-route" },
    });
  });

  test("iptables -P FORWARD DROP on node1 stops the request there", () => {
    const r = run(`${flannel}\nip netns exec ex-node1 iptables -P FORWARD DROP\n`);
    expect(r.request.drop).toMatchObject({ netns: "ex-node1", reason: "netfilter-drop" });
  });

  test("drops at node2 when UDP 8472 is blocked on INPUT, naming the rule", () => {
    const r = run(
      `${flannel}\nip netns exec ex-node2 iptables -A INPUT -p udp --dport 8472 -j DROP\n`,
    );
    expect(r.request.drop?.netns).toBe("ex-node2");
    expect(r.request.drop?.message).toContain("-A INPUT -p udp -m udp --dport 8472 -j DROP");
  });

  test("a missing FDB entry on node1 drops the frame at flannel.1", () => {
    const r = run(
      without(
        flannel,
        "bridge -n ex-node1 fdb append 0a:58:0a:f4:02:00 dev flannel.1 dst 192.168.1.13",
      ),
    );
    expect(r.request.drop).toMatchObject({ netns: "ex-node1", reason: "fdb-miss" });
  });

  test("a wrong neighbour MAC on node1: node2's flannel.1 is not the frame's destination", () => {
    const script = replacing(
      flannel,
      "ip -n ex-node1 neigh add 10.244.2.0 lladdr 0a:58:0a:f4:02:00 dev flannel.1 nud permanent",
      "ip -n ex-node1 neigh add 10.244.2.0 lladdr 0a:58:0a:f4:02:99 dev flannel.1 nud permanent",
    );
    const fixedFdb = `${script}\nbridge -n ex-node1 fdb append 0a:58:0a:f4:02:99 dev flannel.1 dst 192.168.1.13\n`;
    expect(run(fixedFdb).request.drop).toMatchObject({
      netns: "ex-node2",
      reason: "not-for-this-host",
    });
  });

  test("a TCP probe to pod B gets its SYN-ACK back (a listener is assumed)", () => {
    const r = run(flannel, { proto: "tcp", dport: 8080 });
    expect(r.reply.delivered).toBe(true);
    expect(r.hops.some((h) => h.flow === "reply" && h.text.includes("SYN,ACK"))).toBe(true);
  });
});

describe("kube-proxy iptables DNAT on node1 (examples/scripts/clusterip-iptables.sh)", () => {
  const script = `${flannel}\n${clusterIp}`;

  test("TCP to the ClusterIP is DNATed to pod B:8080 on node1 and the reply is un-NATed by conntrack", () => {
    const r = run(script, { to: "10.96.0.80", proto: "tcp", dport: 80 });
    expect(r.request).toMatchObject({ delivered: true, netns: "ex-pod-b" });
    expect(r.reply).toMatchObject({ delivered: true, netns: "ex-pod-a" });
    const dnat = r.hops.find((h) => h.kind === "nat" && h.flow === "request");
    expect(dnat?.netns).toBe("ex-node1");
    expect(dnat?.text).toContain("10.96.0.80:80 → 10.244.2.15:8080");
    const unDnat = r.hops.find(
      (h) => h.kind === "nat" && h.flow === "reply" && h.netns === "ex-node1",
    );
    expect(unDnat?.text).toContain("10.244.2.15:8080 → 10.96.0.80:80");
  });

  test("a ping to the ClusterIP gets nothing back: no rule matches ICMP", () => {
    const r = run(script, { to: "10.96.0.80" });
    expect(r.request.delivered).toBe(false);
    expect(r.request.drop?.reported).toBeNull();
  });

  test("from node2, which has no rules, the router answers net unreachable and connect() says so", () => {
    const r = run(script, { from: "ex-node2", to: "10.96.0.80", proto: "tcp", dport: 80 });
    expect(r.request.drop).toMatchObject({
      netns: "ex-router",
      reported: "connect: Network is unreachable",
    });
  });
});

describe("Calico BGP without overlay (examples/scripts/calico-bgp.sh)", () => {
  test("pod A reaches pod B through proxy ARP for 169.254.1.1", () => {
    const r = run(calico, { to: "192.168.77.140" });
    expect(r.reply.delivered).toBe(true);
    const arp = r.hops.find((h) => h.kind === "neighbour" && h.netns === "ex-pod-a");
    expect(arp?.text).toContain("169.254.1.1");
    expect(arp?.text).toContain("proxy ARP");
  });

  test("without proxy_arp on the cali veth, pod A's ARP for 169.254.1.1 goes unanswered", () => {
    const r = run(
      without(calico, "ip netns exec ex-node1 sysctl -w net.ipv4.conf.cali3f1e2d4c5b6.proxy_arp=1"),
      { to: "192.168.77.140" },
    );
    expect(r.request.drop).toMatchObject({ netns: "ex-pod-a", reason: "neighbour-failed" });
  });

  test("a packet to an unassigned address of node2's block hits the blackhole route", () => {
    const r = run(calico, { to: "192.168.77.141" });
    expect(r.request.drop).toMatchObject({
      netns: "ex-node2",
      reason: "blackhole",
      reported: null,
    });
  });
});

describe("bounded walks", () => {
  test("a routing loop between two routers ends in TTL exceeded, heard by the host behind them", () => {
    const loop = [
      "ip netns add h",
      "ip netns add a",
      "ip netns add b",
      "ip -n h link add eth0 type veth peer name h0 netns a",
      "ip -n h addr add 10.5.0.2/24 dev eth0",
      "ip -n a addr add 10.5.0.1/24 dev h0",
      "ip -n h link set eth0 up",
      "ip -n a link set h0 up",
      "ip -n h route add default via 10.5.0.1",
      "ip -n a link add x type veth peer name y netns b",
      "ip -n a addr add 10.0.0.1/30 dev x",
      "ip -n b addr add 10.0.0.2/30 dev y",
      "ip -n a link set x up",
      "ip -n b link set y up",
      "ip netns exec a sysctl -w net.ipv4.ip_forward=1",
      "ip netns exec b sysctl -w net.ipv4.ip_forward=1",
      "ip -n a route add 10.9.0.0/16 via 10.0.0.2",
      "ip -n b route add 10.9.0.0/16 via 10.0.0.1",
      "ip -n b route add 10.5.0.0/24 via 10.0.0.1",
    ].join("\n");
    const { world } = runScript(loop);
    const r = probe(world, { from: "h", to: "10.9.0.1", proto: "icmp" });
    if ("error" in r) throw new Error(r.error);
    expect(r.request.drop?.reason).toBe("ttl-exceeded");
    expect(r.request.drop?.reported).toMatch(
      /^From 10\.(0\.0\.\d|5\.0\.1) icmp_seq=1 Time to live exceeded$/,
    );
  });

  test("a bridge loop is cut at the hop limit and says so", () => {
    const loop = [
      "ip netns add s",
      "ip netns add h",
      "ip -n s link add br0 type bridge",
      "ip -n s link add br1 type bridge",
      "ip -n s link add p0 type veth peer name p1",
      "ip -n s link add q0 type veth peer name q1",
      "ip -n s link set p0 master br0",
      "ip -n s link set q0 master br0",
      "ip -n s link set p1 master br1",
      "ip -n s link set q1 master br1",
      "ip -n h link add eth0 type veth peer name hp netns s",
      "ip -n s link set hp master br0",
      ...["br0", "br1", "p0", "p1", "q0", "q1", "hp"].map((d) => `ip -n s link set ${d} up`),
      "ip -n h addr add 10.1.0.1/24 dev eth0",
      "ip -n h link set eth0 up",
      "ip -n h neigh add 10.1.0.9 lladdr 02:00:00:00:00:09 dev eth0 nud permanent",
    ].join("\n");
    const { world } = runScript(loop);
    const r = probe(world, { from: "h", to: "10.1.0.9", proto: "icmp", hopLimit: 500 });
    if ("error" in r) throw new Error(r.error);
    expect(r.request.delivered).toBe(false);
    expect(r.hops.length).toBeLessThanOrEqual(500);
    expect(r.request.drop?.reason).toBe("hop-limit");
  });
});

describe("packet marks", () => {
  test("a MARK in nat PREROUTING is seen by -m mark in POSTROUTING (kube-proxy's KUBE-MARK-MASQ)", () => {
    const script = [
      example("flannel-vxlan"),
      example("clusterip-iptables"),
      "ip netns exec ex-node1 iptables -t nat -N KUBE-MARK-MASQ",
      "ip netns exec ex-node1 iptables -t nat -A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000",
      "ip netns exec ex-node1 iptables -t nat -I KUBE-SEP-0123456789ABCDEF 1 -s 10.244.1.10/32 -j KUBE-MARK-MASQ",
      "ip netns exec ex-node1 iptables -t nat -N KUBE-POSTROUTING",
      "ip netns exec ex-node1 iptables -t nat -A POSTROUTING -j KUBE-POSTROUTING",
      "ip netns exec ex-node1 iptables -t nat -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN",
      "ip netns exec ex-node1 iptables -t nat -A KUBE-POSTROUTING -j MASQUERADE",
    ].join("\n");
    const r = run(script, { to: "10.96.0.80", proto: "tcp", dport: 80 });
    expect(r.reply.delivered).toBe(true);
    const masq = r.hops.find((h) => h.kind === "nat" && h.text.includes("MASQUERADE"));
    expect(masq?.netns).toBe("ex-node1");
    // Pod B sees the node's flannel.1 address, not pod A's.
    const atB = r.hops.find((h) => h.kind === "deliver" && h.netns === "ex-pod-b");
    expect(atB?.packet).toMatchObject({ src: (10 << 24) + (244 << 16) + (1 << 8) });
  });

  test("the mark does not follow the packet into the next namespace", () => {
    const marked = [
      example("flannel-vxlan"),
      "ip netns exec ex-pod-a iptables -A OUTPUT -j MARK --set-mark 0x1",
      "ip netns exec ex-node1 iptables -A FORWARD -m mark --mark 0x1 -j DROP",
    ].join("\n");
    expect(run(marked).reply.delivered).toBe(true);
    // Set in node1 itself, the same mark is seen by node1's FORWARD chain.
    const local = [
      example("flannel-vxlan"),
      "ip netns exec ex-node1 iptables -t nat -A PREROUTING -j MARK --set-mark 0x1",
      "ip netns exec ex-node1 iptables -A FORWARD -m mark --mark 0x1 -j DROP",
    ].join("\n");
    expect(run(local).request.drop).toMatchObject({ netns: "ex-node1", reason: "netfilter-drop" });
  });
});
