// Scenarios the renderer tests build with a Twin: the unit tests pin what the simulator prints for
// them, the kernel test checks the kernel prints the same. MACs are given explicitly so the text is
// deterministic; every scenario stays within what the model and the kernel agree on (see the
// divergences listed in the renderer files).
import { parseIpv4 } from "../../../src/sim/ipv4";
import type { AddressMatch, MatchExtension, Rule, Target } from "../../../src/sim/netfilter/model";
import type { Twin } from "./twin";

/**
 * One Flannel vxlan node as examples/flannel-vxlan.sh builds it (node1 behind switch `sw`, pod A),
 * with the bridge's address pinned so it does not follow its first port's.
 */
export function flannelNode(t: Twin): Twin {
  t.netns("sw").netns("node1").netns("pod-a");
  t.bridge("sw", "br0").mac("sw", "br0", "02:00:00:00:5e:00").up("sw", "br0");
  t.up("node1", "lo");
  t.veth("node1", "eth0", "node1", "sw")
    .mac("node1", "eth0", "02:00:c0:a8:01:0c")
    .mac("sw", "node1", "02:00:00:00:5e:01");
  t.master("sw", "node1", "br0").up("sw", "node1");
  t.addr("node1", "192.168.1.12/24", "eth0").up("node1", "eth0");
  t.route("node1", "default via 192.168.1.1 dev eth0");
  t.bridge("node1", "cni0")
    .mac("node1", "cni0", "02:00:0a:f4:01:01")
    .addr("node1", "10.244.1.1/24", "cni0");
  t.vxlan("node1", "flannel.1", {
    vni: 1,
    dstport: 8472,
    local: "192.168.1.12",
    dev: "eth0",
    learning: false,
  });
  t.mac("node1", "flannel.1", "0a:58:0a:f4:01:00").mtu("node1", "flannel.1", 1450);
  t.addr("node1", "10.244.1.0/32", "flannel.1").up("node1", "flannel.1");
  t.route("node1", "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink");
  t.neigh("node1", "10.244.2.0", "0a:58:0a:f4:02:00", "flannel.1");
  t.fdb("node1", "append", "0a:58:0a:f4:02:00", "flannel.1", { dst: "192.168.1.13" });
  // The pod, as the bridge CNI plugin wires it; cni0 comes up with its first port.
  t.up("pod-a", "lo");
  t.veth("node1", "veth1a2b3c4d", "eth0", "pod-a");
  t.mac("node1", "veth1a2b3c4d", "02:00:0a:f4:01:fe").mac("pod-a", "eth0", "02:00:0a:f4:01:0a");
  t.master("node1", "veth1a2b3c4d", "cni0").up("node1", "veth1a2b3c4d").up("node1", "cni0");
  t.addr("pod-a", "10.244.1.10/24", "eth0").mtu("pod-a", "eth0", 1450).up("pod-a", "eth0");
  t.route("pod-a", "default via 10.244.1.1 dev eth0");
  return t;
}

/** A Calico (BGP, no overlay) node and pod, as examples/calico-bgp.sh builds them. */
export function calicoNode(t: Twin): Twin {
  t.netns("sw").netns("node1").netns("pod-a");
  t.up("node1", "lo");
  t.veth("node1", "eth0", "node1", "sw")
    .mac("node1", "eth0", "02:00:c0:a8:01:0c")
    .mac("sw", "node1", "02:00:00:00:5e:01");
  t.up("sw", "node1");
  t.addr("node1", "192.168.1.12/24", "eth0").up("node1", "eth0");
  t.route("node1", "default via 192.168.1.1 dev eth0");
  t.route("node1", "blackhole 192.168.33.64/26 proto bird");
  t.route("node1", "192.168.77.128/26 via 192.168.1.13 dev eth0 proto bird");
  t.up("pod-a", "lo");
  t.veth("node1", "cali3f1e2d4c5b6", "eth0", "pod-a");
  t.mac("node1", "cali3f1e2d4c5b6", "ee:ee:ee:ee:ee:ee").mac("pod-a", "eth0", "02:00:c0:a8:21:46");
  t.up("node1", "cali3f1e2d4c5b6");
  t.route("node1", "192.168.33.70 dev cali3f1e2d4c5b6 scope link");
  t.addr("pod-a", "192.168.33.70/32", "eth0").up("pod-a", "eth0");
  t.route("pod-a", "169.254.1.1 dev eth0 scope link");
  t.route("pod-a", "default via 169.254.1.1 dev eth0");
  // STALE rather than the REACHABLE a ping leaves: it stays put while the test reads it.
  t.neigh("pod-a", "169.254.1.1", "ee:ee:ee:ee:ee:ee", "eth0", "STALE");
  return t;
}

/**
 * Every kind of route `ip route` prints differently, on a veth pair with carrier (a0/a1) and one
 * whose peer is down (b0/b1, for `linkdown`).
 */
export function routeVariety(t: Twin): Twin {
  t.netns("r").up("r", "lo");
  t.veth("r", "a0", "a1").up("r", "a0").up("r", "a1").addr("r", "10.9.0.1/24", "a0");
  t.veth("r", "b0", "b1").up("r", "b0").addr("r", "10.8.0.1/24", "b0");
  for (const route of [
    "10.0.0.0/8 dev a0",
    "10.0.0.0/16 dev a0 metric 5",
    "10.0.0.0/16 dev a0 proto static metric 1",
    "10.0.0.0/24 via 10.9.0.2",
    "default via 10.9.0.254 metric 100",
    "default via 10.9.0.253",
    "prohibit default metric 300",
    "0.0.0.0/1 via 10.9.0.3",
    "blackhole 10.50.0.0/16",
    "unreachable 10.51.0.0/16 metric 7",
    "prohibit 10.52.0.0/16 proto 42",
    "10.53.0.1 dev a0 src 10.9.0.1",
    "10.54.0.0/24 via 10.9.0.9 src 10.9.0.1 proto bird",
    "10.56.0.0/24 dev a0 scope host",
    "10.57.0.0/24 via 10.8.0.2 dev b0",
    "10.58.0.0/24 via 10.77.0.1 dev a0 onlink",
    "blackhole 10.59.0.0/24 proto bird metric 3",
    "10.60.0.0/24 dev a0 proto kernel",
    "10.61.0.0/24 dev a0 proto boot",
    "10.63.0.0/24 dev a0 proto dhcp",
    "10.64.0.0/24 via 10.77.0.1 dev b0 onlink metric 9 proto bird src 10.8.0.1",
  ])
    t.route("r", route);
  return t;
}

/**
 * Addresses added in an order that the kernel rearranges: host scope first, then link, then
 * global; a second address in a subnet becomes `secondary` and goes last.
 */
export function addressOrder(t: Twin): Twin {
  t.netns("a");
  t.veth("a", "eth0", "p0")
    .mac("a", "eth0", "02:00:00:00:0a:01")
    .mac("a", "p0", "02:00:00:00:0a:02");
  t.addr("a", "10.1.0.5/24", "eth0");
  t.addr("a", "169.254.3.3/16", "eth0", { scope: "link" });
  t.addr("a", "10.2.0.1/32", "eth0", { scope: "host" });
  t.addr("a", "10.1.0.6/24", "eth0", { brd: "+" });
  t.addr("a", "10.3.0.1/24", "eth0", { brd: "10.3.0.77" });
  t.addr("a", "10.4.0.1/31", "eth0", { brd: "+" });
  t.addr("a", "10.1.0.7/16", "eth0");
  t.addr("a", "127.0.0.5/8", "eth0");
  t.addr("a", "10.5.0.1/24", "eth0");
  t.up("a", "eth0").up("a", "p0");
  return t;
}

/** Devices in every state `ip link` distinguishes. */
export function linkStates(t: Twin): Twin {
  t.netns("l").netns("other");
  // v1 up, its peer never up: NO-CARRIER, M-DOWN, LOWERLAYERDOWN; v2 down, qdisc noop.
  t.veth("l", "v1", "v2")
    .mac("l", "v1", "02:00:00:00:01:01")
    .mac("l", "v2", "02:00:00:00:01:02")
    .up("l", "v1");
  // Both ends down: each shows M-DOWN.
  t.veth("l", "w1", "w2").mac("l", "w1", "02:00:00:00:02:01").mac("l", "w2", "02:00:00:00:02:02");
  // A bridge whose only port has no carrier: NO-CARRIER, state DOWN.
  t.bridge("l", "br0").mac("l", "br0", "02:00:00:00:b0:00");
  t.veth("l", "v3", "v4").mac("l", "v3", "02:00:00:00:03:03").mac("l", "v4", "02:00:00:00:03:04");
  t.master("l", "v3", "br0").up("l", "v3").up("l", "br0");
  // vxlan: no carrier of its own, state UNKNOWN when up.
  t.vxlan("l", "vx0", { vni: 42, dstport: 4789 })
    .mac("l", "vx0", "02:00:00:00:42:00")
    .up("l", "vx0");
  t.vxlan("l", "vx1", { vni: 7, dstport: 8472, remote: "10.9.0.50", local: "10.9.0.1", dev: "v1" });
  t.mac("l", "vx1", "02:00:00:00:07:00");
  // A veth whose peer lives in another namespace: @ifN and link-netns.
  t.veth("l", "x0", "x1", "other")
    .mac("l", "x0", "02:00:00:00:0e:00")
    .mac("other", "x1", "02:00:00:00:0e:01");
  t.up("l", "x0").up("other", "x1");
  return t;
}

/** A bridge with ports and vxlan FDB entries of every kind `bridge fdb show` prints. */
export function fdbVariety(t: Twin): Twin {
  t.netns("f");
  t.bridge("f", "br0").mac("f", "br0", "02:00:00:00:b0:00");
  t.veth("f", "v1", "v2").mac("f", "v1", "02:00:00:00:00:01").mac("f", "v2", "02:00:00:00:00:02");
  t.master("f", "v1", "br0").up("f", "v1").up("f", "br0");
  t.fdb("f", "add", "02:00:00:00:00:aa", "v1", { target: "master" });
  t.vxlan("f", "vx0", { vni: 9, dstport: 4789, local: "10.0.0.1", dev: "v2", learning: false });
  t.mac("f", "vx0", "02:00:00:00:09:00");
  t.master("f", "vx0", "br0").up("f", "vx0");
  t.fdb("f", "append", "02:00:00:00:00:11", "vx0", { dst: "10.0.0.17" });
  t.fdb("f", "append", "02:00:00:00:00:22", "vx0", { dst: "10.0.0.34" });
  t.fdb("f", "append", "00:00:00:00:00:00", "vx0", { dst: "10.0.0.250" });
  t.fdb("f", "append", "00:00:00:00:00:00", "vx0", { dst: "10.0.0.251" });
  // A vxlan with a default remote: the all-zeros entry made with the device, `via` its underlay.
  t.vxlan("f", "vx1", {
    vni: 10,
    dstport: 8472,
    remote: "10.0.0.50",
    local: "10.0.0.1",
    dev: "v2",
    learning: false,
  });
  t.mac("f", "vx1", "02:00:00:00:0a:00").up("f", "vx1");
  t.fdb("f", "append", "02:00:00:00:00:33", "vx1", { dst: "10.0.0.51" });
  t.fdb("f", "append", "00:00:00:00:00:00", "vx1", { dst: "10.0.0.53" });
  return t;
}

// Rules as the simulator holds them, next to the words iptables is given for them.
export function rule(parts: Partial<Rule>): Rule {
  return {
    src: null,
    dst: null,
    inIface: null,
    outIface: null,
    proto: null,
    matches: [],
    target: { kind: "none" },
    ...parts,
  };
}

export function net(cidr: string, negated = false): AddressMatch {
  const [ip, len = "32"] = cidr.split("/");
  return { addr: parseIpv4(ip as string) as number, len: Number(len), negated };
}

const tcp = { number: 6, negated: false };
const udp = { number: 17, negated: false };
const jump = (chain: string): Target => ({ kind: "jump", chain });
const comment = (text: string): MatchExtension => ({ kind: "comment", text });

/** kube-proxy's nat and filter tables for one ClusterIP with two endpoints, on node1. */
export function kubeProxy(t: Twin): Twin {
  t.netns("node1");
  for (const chain of [
    "KUBE-SERVICES",
    "KUBE-SVC-ABCDEF0123456789",
    "KUBE-SEP-AAAA",
    "KUBE-SEP-BBBB",
    "KUBE-MARK-MASQ",
    "KUBE-POSTROUTING",
    "KUBE-NODEPORTS",
  ])
    t.chain("node1", "nat", chain);
  const svc = "default/web cluster IP";
  t.append(
    "node1",
    "nat",
    "PREROUTING",
    ["-m", "comment", "--comment", "kubernetes service portals", "-j", "KUBE-SERVICES"],
    rule({ matches: [comment("kubernetes service portals")], target: jump("KUBE-SERVICES") }),
  );
  t.append(
    "node1",
    "nat",
    "OUTPUT",
    ["-m", "comment", "--comment", "kubernetes service portals", "-j", "KUBE-SERVICES"],
    rule({ matches: [comment("kubernetes service portals")], target: jump("KUBE-SERVICES") }),
  );
  t.append(
    "node1",
    "nat",
    "POSTROUTING",
    ["-m", "comment", "--comment", "kubernetes postrouting rules", "-j", "KUBE-POSTROUTING"],
    rule({ matches: [comment("kubernetes postrouting rules")], target: jump("KUBE-POSTROUTING") }),
  );
  t.append(
    "node1",
    "nat",
    "KUBE-MARK-MASQ",
    ["-j", "MARK", "--or-mark", "0x4000"],
    rule({ target: { kind: "MARK", op: "or", value: 0x4000, mask: 0x4000 } }),
  );
  t.append(
    "node1",
    "nat",
    "KUBE-POSTROUTING",
    ["-m", "mark", "!", "--mark", "0x4000/0x4000", "-j", "RETURN"],
    rule({
      matches: [{ kind: "mark", value: 0x4000, mask: 0x4000, negated: true }],
      target: { kind: "RETURN" },
    }),
  );
  t.append(
    "node1",
    "nat",
    "KUBE-POSTROUTING",
    ["-j", "MARK", "--xor-mark", "0x4000"],
    rule({ target: { kind: "MARK", op: "xor", value: 0x4000, mask: 0xffffffff } }),
  );
  t.append(
    "node1",
    "nat",
    "KUBE-POSTROUTING",
    [
      "-m",
      "comment",
      "--comment",
      "kubernetes service traffic requiring SNAT",
      "-j",
      "MASQUERADE",
      "--random-fully",
    ],
    rule({
      matches: [comment("kubernetes service traffic requiring SNAT")],
      target: { kind: "MASQUERADE", randomFully: true },
    }),
  );
  t.append(
    "node1",
    "nat",
    "KUBE-SERVICES",
    [
      "-d",
      "10.96.0.80/32",
      "-p",
      "tcp",
      "-m",
      "comment",
      "--comment",
      svc,
      "-m",
      "tcp",
      "--dport",
      "80",
      "-j",
      "KUBE-SVC-ABCDEF0123456789",
    ],
    rule({
      dst: net("10.96.0.80/32"),
      proto: tcp,
      matches: [comment(svc), { kind: "tcp", dport: { from: 80, to: 80, negated: false } }],
      target: jump("KUBE-SVC-ABCDEF0123456789"),
    }),
  );
  t.append(
    "node1",
    "nat",
    "KUBE-SERVICES",
    [
      "-m",
      "comment",
      "--comment",
      "kubernetes service nodeports; NOTE: this must be the last rule in this chain",
      "-m",
      "addrtype",
      "--dst-type",
      "LOCAL",
      "-j",
      "KUBE-NODEPORTS",
    ],
    rule({
      matches: [
        comment("kubernetes service nodeports; NOTE: this must be the last rule in this chain"),
        { kind: "addrtype", dstType: "LOCAL", srcType: null, negatedDst: false, negatedSrc: false },
      ],
      target: jump("KUBE-NODEPORTS"),
    }),
  );
  t.append(
    "node1",
    "nat",
    "KUBE-SVC-ABCDEF0123456789",
    [
      "!",
      "-s",
      "10.244.0.0/16",
      "-d",
      "10.96.0.80/32",
      "-p",
      "tcp",
      "-m",
      "comment",
      "--comment",
      svc,
      "-m",
      "tcp",
      "--dport",
      "80",
      "-j",
      "KUBE-MARK-MASQ",
    ],
    rule({
      src: net("10.244.0.0/16", true),
      dst: net("10.96.0.80/32"),
      proto: tcp,
      matches: [comment(svc), { kind: "tcp", dport: { from: 80, to: 80, negated: false } }],
      target: jump("KUBE-MARK-MASQ"),
    }),
  );
  t.append(
    "node1",
    "nat",
    "KUBE-SVC-ABCDEF0123456789",
    [
      "-m",
      "comment",
      "--comment",
      "default/web -> 10.244.1.10:8080",
      "-m",
      "statistic",
      "--mode",
      "random",
      "--probability",
      "0.5000000000",
      "-j",
      "KUBE-SEP-AAAA",
    ],
    rule({
      matches: [
        comment("default/web -> 10.244.1.10:8080"),
        { kind: "statistic", probability: 0.5, negated: false },
      ],
      target: jump("KUBE-SEP-AAAA"),
    }),
  );
  t.append(
    "node1",
    "nat",
    "KUBE-SVC-ABCDEF0123456789",
    ["-m", "comment", "--comment", "default/web -> 10.244.2.15:8080", "-j", "KUBE-SEP-BBBB"],
    rule({ matches: [comment("default/web -> 10.244.2.15:8080")], target: jump("KUBE-SEP-BBBB") }),
  );
  for (const [sep, ip] of [
    ["KUBE-SEP-AAAA", "10.244.1.10"],
    ["KUBE-SEP-BBBB", "10.244.2.15"],
  ] as const) {
    t.append(
      "node1",
      "nat",
      sep,
      ["-s", `${ip}/32`, "-m", "comment", "--comment", "default/web", "-j", "KUBE-MARK-MASQ"],
      rule({
        src: net(`${ip}/32`),
        matches: [comment("default/web")],
        target: jump("KUBE-MARK-MASQ"),
      }),
    );
    t.append(
      "node1",
      "nat",
      sep,
      [
        "-p",
        "tcp",
        "-m",
        "comment",
        "--comment",
        "default/web",
        "-m",
        "tcp",
        "-j",
        "DNAT",
        "--to-destination",
        `${ip}:8080`,
      ],
      rule({
        proto: tcp,
        matches: [comment("default/web"), { kind: "tcp" }],
        target: { kind: "DNAT", ip: parseIpv4(ip) as number, port: 8080 },
      }),
    );
  }
  // filter: kube-proxy's forward rules and flanneld's, behind Docker's FORWARD policy DROP.
  t.chain("node1", "filter", "KUBE-FORWARD").chain("node1", "filter", "FLANNEL-FWD");
  t.policy("node1", "filter", "FORWARD", "DROP");
  t.append(
    "node1",
    "filter",
    "FORWARD",
    ["-m", "comment", "--comment", "kubernetes forwarding rules", "-j", "KUBE-FORWARD"],
    rule({ matches: [comment("kubernetes forwarding rules")], target: jump("KUBE-FORWARD") }),
  );
  t.append(
    "node1",
    "filter",
    "FORWARD",
    ["-m", "comment", "--comment", "flanneld forward", "-j", "FLANNEL-FWD"],
    rule({ matches: [comment("flanneld forward")], target: jump("FLANNEL-FWD") }),
  );
  t.append(
    "node1",
    "filter",
    "KUBE-FORWARD",
    ["-m", "conntrack", "--ctstate", "INVALID", "-j", "DROP"],
    rule({
      matches: [{ kind: "conntrack", states: ["INVALID"], negated: false }],
      target: { kind: "DROP" },
    }),
  );
  t.append(
    "node1",
    "filter",
    "KUBE-FORWARD",
    [
      "-m",
      "comment",
      "--comment",
      "kubernetes forwarding rules",
      "-m",
      "mark",
      "--mark",
      "0x4000/0x4000",
      "-j",
      "ACCEPT",
    ],
    rule({
      matches: [
        comment("kubernetes forwarding rules"),
        { kind: "mark", value: 0x4000, mask: 0x4000, negated: false },
      ],
      target: { kind: "ACCEPT" },
    }),
  );
  t.append(
    "node1",
    "filter",
    "KUBE-FORWARD",
    [
      "-m",
      "comment",
      "--comment",
      "kubernetes forwarding conntrack rule",
      "-m",
      "conntrack",
      "--ctstate",
      "ESTABLISHED,RELATED",
      "-j",
      "ACCEPT",
    ],
    rule({
      matches: [
        comment("kubernetes forwarding conntrack rule"),
        { kind: "conntrack", states: ["ESTABLISHED", "RELATED"], negated: false },
      ],
      target: { kind: "ACCEPT" },
    }),
  );
  t.append(
    "node1",
    "filter",
    "FLANNEL-FWD",
    ["-s", "10.244.0.0/16", "-m", "comment", "--comment", "flanneld forward", "-j", "ACCEPT"],
    rule({
      src: net("10.244.0.0/16"),
      matches: [comment("flanneld forward")],
      target: { kind: "ACCEPT" },
    }),
  );
  t.append(
    "node1",
    "filter",
    "FLANNEL-FWD",
    ["-d", "10.244.0.0/16", "-m", "comment", "--comment", "flanneld forward", "-j", "ACCEPT"],
    rule({
      dst: net("10.244.0.0/16"),
      matches: [comment("flanneld forward")],
      target: { kind: "ACCEPT" },
    }),
  );
  return t;
}

/** One rule of each form whose saved text differs from what was typed. */
export function iptablesVariety(t: Twin): Twin {
  t.netns("ipt");
  for (const chain of ["cali-fw", "Zeta", "_under", "FLANNEL-FWD"]) t.chain("ipt", "filter", chain);
  const any = (parts: Partial<Rule>, args: string[]) =>
    t.append("ipt", "filter", "INPUT", args, rule(parts));
  const accept: Target = { kind: "ACCEPT" };
  any({ src: net("10.1.2.0/24"), target: accept }, ["-s", "10.1.2.3/24", "-j", "ACCEPT"]);
  any({ dst: net("10.96.0.80/32"), target: accept }, ["-d", "10.96.0.80", "-j", "ACCEPT"]);
  any({ src: net("0.0.0.0/0"), target: accept }, ["-s", "0.0.0.0/0", "-j", "ACCEPT"]);
  any(
    {
      src: net("10.0.0.1/32"),
      proto: tcp,
      matches: [comment("c"), { kind: "tcp", dport: { from: 80, to: 80, negated: false } }],
      target: accept,
    },
    [
      "-p",
      "tcp",
      "-m",
      "comment",
      "--comment",
      "c",
      "-m",
      "tcp",
      "--dport",
      "80",
      "-s",
      "10.0.0.1",
      "-j",
      "ACCEPT",
    ],
  );
  any(
    {
      proto: udp,
      matches: [{ kind: "udp", dport: { from: 8472, to: 8472, negated: false } }],
      target: { kind: "DROP" },
    },
    ["-p", "udp", "--dport", "8472", "-j", "DROP"],
  );
  // kube-proxy's session affinity: typed with --name first, saved action first.
  const recent = (action: "set" | "rcheck", seconds: number | null, reap: boolean) =>
    ({
      kind: "recent",
      action,
      name: "KUBE-SEP-AAAA",
      mask: 0xffffffff,
      source: true,
      seconds,
      reap,
      negated: false,
    }) as const;
  any({ matches: [recent("rcheck", 10800, true)], target: accept }, [
    "-m",
    "recent",
    "--name",
    "KUBE-SEP-AAAA",
    "--rcheck",
    "--seconds",
    "10800",
    "--reap",
    "-j",
    "ACCEPT",
  ]);
  any({ matches: [recent("set", null, false)], target: accept }, [
    "-m",
    "recent",
    "--name",
    "KUBE-SEP-AAAA",
    "--set",
    "-j",
    "ACCEPT",
  ]);
  any(
    {
      proto: tcp,
      matches: [{ kind: "tcp", dport: { from: 30000, to: 32767, negated: false } }],
      target: accept,
    },
    ["-p", "tcp", "--dport", "30000:32767", "-j", "ACCEPT"],
  );
  any(
    {
      proto: tcp,
      matches: [{ kind: "tcp", dport: { from: 22, to: 22, negated: true } }],
      target: accept,
    },
    ["-p", "tcp", "!", "--dport", "22", "-j", "ACCEPT"],
  );
  any(
    {
      proto: tcp,
      matches: [{ kind: "tcp", dport: { from: 0, to: 65535, negated: false } }],
      target: accept,
    },
    ["-p", "tcp", "--dport", "0:65535", "-j", "ACCEPT"],
  );
  any(
    {
      proto: tcp,
      matches: [
        {
          kind: "tcp",
          dport: { from: 80, to: 80, negated: false },
          sport: { from: 9, to: 9, negated: false },
          syn: { negated: false },
        },
      ],
      target: accept,
    },
    ["-p", "tcp", "--syn", "--dport", "80", "--sport", "9", "-j", "ACCEPT"],
  );
  any({ proto: tcp, matches: [{ kind: "tcp", syn: { negated: true } }], target: accept }, [
    "-p",
    "tcp",
    "!",
    "--syn",
    "-j",
    "ACCEPT",
  ]);
  any(
    {
      proto: tcp,
      matches: [
        { kind: "tcp", dport: { from: 80, to: 80, negated: false } },
        comment("c"),
        { kind: "tcp", sport: { from: 5, to: 5, negated: false } },
      ],
      target: accept,
    },
    [
      "-p",
      "tcp",
      "-m",
      "tcp",
      "--dport",
      "80",
      "-m",
      "comment",
      "--comment",
      "c",
      "-m",
      "tcp",
      "--sport",
      "5",
      "-j",
      "ACCEPT",
    ],
  );
  any(
    {
      proto: { number: 1, negated: false },
      matches: [{ kind: "icmp", type: 8, code: null, negated: false }],
      target: accept,
    },
    ["-p", "icmp", "--icmp-type", "echo-request", "-j", "ACCEPT"],
  );
  any(
    {
      proto: { number: 1, negated: false },
      matches: [{ kind: "icmp", type: 3, code: 4, negated: false }],
      target: accept,
    },
    ["-p", "icmp", "--icmp-type", "3/4", "-j", "ACCEPT"],
  );
  any(
    {
      proto: { number: 1, negated: false },
      matches: [{ kind: "icmp", type: 0, code: null, negated: true }],
      target: accept,
    },
    ["-p", "icmp", "!", "--icmp-type", "0", "-j", "ACCEPT"],
  );
  any(
    {
      proto: { number: 1, negated: false },
      matches: [{ kind: "icmp", type: null, code: null, negated: false }],
      target: accept,
    },
    ["-p", "icmp", "--icmp-type", "any", "-j", "ACCEPT"],
  );
  any({ proto: { number: 4, negated: false }, target: accept }, ["-p", "4", "-j", "ACCEPT"]);
  any({ proto: { number: 94, negated: false }, target: accept }, ["-p", "ipip", "-j", "ACCEPT"]);
  any({ proto: { number: 47, negated: false }, target: accept }, ["-p", "gre", "-j", "ACCEPT"]);
  any({ proto: { number: 6, negated: true }, target: accept }, ["!", "-p", "tcp", "-j", "ACCEPT"]);
  any({ proto: { number: 99, negated: false }, target: accept }, ["-p", "99", "-j", "ACCEPT"]);
  any({ matches: [comment("simple")], target: accept }, [
    "-m",
    "comment",
    "--comment",
    "simple",
    "-j",
    "ACCEPT",
  ]);
  any({ matches: [comment("")], target: accept }, [
    "-m",
    "comment",
    "--comment",
    "",
    "-j",
    "ACCEPT",
  ]);
  any({ matches: [comment(`with "quote" a'b\\c`)], target: accept }, [
    "-m",
    "comment",
    "--comment",
    `with "quote" a'b\\c`,
    "-j",
    "ACCEPT",
  ]);
  any(
    {
      matches: [
        {
          kind: "conntrack",
          states: ["NEW", "INVALID", "UNTRACKED", "SNAT", "DNAT"],
          negated: false,
        },
      ],
      target: accept,
    },
    ["-m", "conntrack", "--ctstate", "NEW,INVALID,UNTRACKED,SNAT,DNAT", "-j", "ACCEPT"],
  );
  any({ matches: [{ kind: "conntrack", states: ["INVALID"], negated: true }], target: accept }, [
    "-m",
    "conntrack",
    "!",
    "--ctstate",
    "INVALID",
    "-j",
    "ACCEPT",
  ]);
  any(
    {
      matches: [
        {
          kind: "addrtype",
          srcType: "LOCAL",
          dstType: "UNICAST",
          negatedSrc: true,
          negatedDst: false,
        },
      ],
      target: accept,
    },
    ["-m", "addrtype", "--dst-type", "UNICAST", "!", "--src-type", "LOCAL", "-j", "ACCEPT"],
  );
  any(
    { matches: [{ kind: "mark", value: 0x10, mask: 0xffffffff, negated: false }], target: accept },
    ["-m", "mark", "--mark", "16", "-j", "ACCEPT"],
  );
  for (const p of ["0.2", "1", "0.0001", "0.000244140625", "0.3333333333"])
    any(
      { matches: [{ kind: "statistic", probability: Number(p), negated: false }], target: accept },
      ["-m", "statistic", "--mode", "random", "--probability", p, "-j", "ACCEPT"],
    );
  any({ matches: [{ kind: "statistic", probability: 0.25, negated: true }], target: accept }, [
    "-m",
    "statistic",
    "--mode",
    "random",
    "!",
    "--probability",
    "0.25",
    "-j",
    "ACCEPT",
  ]);
  any({ target: { kind: "REJECT", with: "icmp-port-unreachable" } }, ["-j", "REJECT"]);
  any({ proto: tcp, target: { kind: "REJECT", with: "tcp-reset" } }, [
    "-p",
    "tcp",
    "-j",
    "REJECT",
    "--reject-with",
    "tcp-reset",
  ]);
  any({ target: { kind: "MARK", op: "set", value: 0x4000, mask: 0xffffffff } }, [
    "-j",
    "MARK",
    "--set-mark",
    "0x4000",
  ]);
  any({ target: { kind: "MARK", op: "and", value: 0xffffbfff, mask: 0xffffffff } }, [
    "-j",
    "MARK",
    "--and-mark",
    "0xffffbfff",
  ]);
  any({ target: { kind: "MARK", op: "set", value: 1, mask: 0xffffffff } }, [
    "-j",
    "MARK",
    "--set-xmark",
    "0x1",
  ]);
  any({ target: { kind: "goto", chain: "cali-fw" } }, ["-g", "cali-fw"]);
  any({ inIface: { name: "eth0", negated: false } }, ["-i", "eth0"]);
  t.append(
    "ipt",
    "filter",
    "FORWARD",
    ["!", "-i", "cni0", "!", "-o", "flannel.1", "-j", "ACCEPT"],
    rule({
      inIface: { name: "cni0", negated: true },
      outIface: { name: "flannel.1", negated: true },
      target: accept,
    }),
  );
  t.append(
    "ipt",
    "filter",
    "FORWARD",
    ["-i", "cni+", "-o", "eth0", "-s", "10.244.0.0/16", "-j", "ACCEPT"],
    rule({
      src: net("10.244.0.0/16"),
      inIface: { name: "cni+", negated: false },
      outIface: { name: "eth0", negated: false },
      target: accept,
    }),
  );
  t.append("ipt", "filter", "Zeta", ["-j", "RETURN"], rule({ target: { kind: "RETURN" } }));
  t.append("ipt", "filter", "cali-fw", ["-j", "DROP"], rule({ target: { kind: "DROP" } }));
  t.chain("ipt", "nat", "X");
  t.append(
    "ipt",
    "nat",
    "POSTROUTING",
    ["-s", "10.244.0.0/16", "!", "-d", "224.0.0.0/4", "-j", "MASQUERADE", "--random-fully"],
    rule({
      src: net("10.244.0.0/16"),
      dst: net("224.0.0.0/4", true),
      target: { kind: "MASQUERADE", randomFully: true },
    }),
  );
  t.append(
    "ipt",
    "nat",
    "POSTROUTING",
    ["-p", "tcp", "-o", "eth0", "-j", "SNAT", "--to-source", "192.168.1.12:1024"],
    rule({
      outIface: { name: "eth0", negated: false },
      proto: tcp,
      target: { kind: "SNAT", ip: parseIpv4("192.168.1.12") as number, port: 1024 },
    }),
  );
  t.append(
    "ipt",
    "nat",
    "POSTROUTING",
    ["-o", "eth0", "-j", "SNAT", "--to-source", "192.168.1.12"],
    rule({
      outIface: { name: "eth0", negated: false },
      target: { kind: "SNAT", ip: parseIpv4("192.168.1.12") as number, port: null },
    }),
  );
  t.append(
    "ipt",
    "nat",
    "PREROUTING",
    ["-p", "tcp", "-j", "DNAT", "--to", "10.0.0.1:80"],
    rule({ proto: tcp, target: { kind: "DNAT", ip: parseIpv4("10.0.0.1") as number, port: 80 } }),
  );
  t.append(
    "ipt",
    "nat",
    "X",
    ["-j", "DNAT", "--to-destination", "10.0.0.2"],
    rule({ target: { kind: "DNAT", ip: parseIpv4("10.0.0.2") as number, port: null } }),
  );
  return t;
}
