// Flannel's host-gw backend: a plain route per remote node, <their /24> via <their node IP>.
// It works only when the nodes share an L2 segment: across a router the kernel refuses the
// route (the gateway is not directly connected), and that refusal is part of the comparison.
import { expand, ping, type Scenario, type Script, tcp, type Variant } from "./common";
import { type FlannelCluster, flannelCluster } from "./flannel-cluster";

const FAMILY = "flannel-host-gw";

const twoNodes = (s: Script) =>
  flannelCluster(s, { seed: 41, backend: "host-gw", nodeSubnets: [0, 0], pods: { pa: 0, pb: 1 } });
const threeNodes = (s: Script) =>
  flannelCluster(s, {
    seed: 42,
    backend: "host-gw",
    nodeSubnets: [0, 0, 0],
    pods: { pa: 0, pb: 1, pc: 2 },
  });
const twoSubnets = (s: Script) =>
  flannelCluster(s, { seed: 43, backend: "host-gw", nodeSubnets: [0, 1], pods: { pa: 0, pb: 1 } });

type C = FlannelCluster;
const a2b = (c: C) => ping(c.pod("pa").ns, c.pod("pb").ip);
const a2c = (c: C) => ping(c.pod("pa").ns, c.pod("pc").ip);
const onlyA2b = (c: C) => [a2b(c)];

const twoNodeVariants: Variant<C>[] = [
  {
    fault: "happy",
    description:
      "Two nodes on one subnet, each routing the other's pod /24 via the other's node IP: ping (ttl=62) and TCP answered; with no overlay a 1500-byte DF ping passes too.",
    probes: (c) => [
      a2b(c),
      ping(c.pod("pa").ns, c.pod("pb").ip, 1472, true),
      tcp(c.pod("pa").ns, c.pod("pb").ip, 80),
    ],
    listenPorts: [80],
  },
  {
    fault: "missing-route",
    description:
      "node1 lacks its route to node2's pod /24: the packet goes to the router, which knows no pod CIDR, silent.",
    apply: (s) => s.remove("n1:route:n2"),
    probes: onlyA2b,
  },
  {
    fault: "missing-return-route",
    description:
      "node2 lacks its route back to node1's pod /24: the request is delivered to pod B, the reply is lost at the router, silent.",
    apply: (s) => s.remove("n2:route:n1"),
    probes: onlyA2b,
  },
  {
    fault: "ip-forward-off-receiver-node",
    description: "node2 has ip_forward=0: it drops the packet for its pod, silent.",
    apply: (s) => s.sysctl("n2", "net.ipv4.ip_forward=0"),
    probes: onlyA2b,
  },
  {
    fault: "forward-drop-sender-node",
    description: "node1's FORWARD policy is DROP: silent.",
    apply: (s) => s.ipt("n1", "-P FORWARD DROP"),
    probes: onlyA2b,
  },
  {
    fault: "wrong-device",
    description:
      "node1's route names node2's IP as gateway but on cni0: the kernel refuses it (setup error: Nexthop has invalid gateway), traffic follows the default route to the router, silent.",
    apply: (s) => s.edit("n1:route:n2", "dev eth0", "dev cni0"),
    probes: onlyA2b,
  },
  {
    fault: "blackhole",
    description:
      "node1's route to node2's pod /24 was replaced by a blackhole: forwarded packets are discarded without an ICMP error, silent.",
    apply: (s, c) => s.ip("n1", `route replace blackhole ${c.node("n2").podCidr}`),
    probes: onlyA2b,
  },
  {
    fault: "wrong-neigh-mac",
    description:
      "node1 holds a permanent neighbour entry for node2's IP with a MAC nobody owns: node2 never sees the frames, silent.",
    apply: (s, c) =>
      s.ip("n1", `neigh add ${c.node("n2").ip} lladdr 02:44:00:00:00:99 dev eth0 nud permanent`),
    probes: onlyA2b,
  },
  {
    fault: "node-eth0-down",
    description:
      "node2's eth0 is set down (its default route goes with it; its pod route list is unaffected): silent.",
    apply: (s) => s.ip("n2", "link set eth0 down"),
    probes: onlyA2b,
  },
  {
    fault: "switch-port-down",
    description: "The switch port towards node1 is set down: silent.",
    apply: (s) => s.ip("sw", "link set n1 down"),
    probes: onlyA2b,
  },
  {
    fault: "tcp-port-only-drop",
    description: "node2 drops forwarded TCP to port 80: ping answered, TCP 80 times out.",
    apply: (s) => s.ipt("n2", "-A FORWARD -p tcp -m tcp --dport 80 -j DROP"),
    probes: (c) => [a2b(c), tcp(c.pod("pa").ns, c.pod("pb").ip, 80)],
    listenPorts: [80],
  },
];

const threeNodeVariants: Variant<C>[] = [
  {
    fault: "happy",
    description: "Three nodes on one subnet, host-gw routes to each: pod A reaches pods B and C.",
    probes: (c) => [a2b(c), a2c(c)],
  },
  {
    fault: "wrong-gateway-forwarding-node",
    description:
      "node1 routes node2's pod /24 via node3, which forwards it on to node2: the detour works (ttl=61), the reply comes straight back.",
    apply: (s, c) => s.edit("n1:route:n2", `via ${c.node("n2").ip}`, `via ${c.node("n3").ip}`),
    probes: onlyA2b,
  },
  {
    fault: "wrong-gateway",
    description:
      "node1 routes node2's pod /24 via node3, and node3 has ip_forward=0: node3 drops it, silent; pod A → pod C still answered.",
    apply: (s, c) => {
      s.edit("n1:route:n2", `via ${c.node("n2").ip}`, `via ${c.node("n3").ip}`);
      s.sysctl("n3", "net.ipv4.ip_forward=0");
    },
    probes: (c) => [a2b(c)],
  },
  {
    fault: "missing-route",
    description:
      "node1 lacks only its route to node3's pod /24: pod A → pod C silent, pod A → pod B answered.",
    apply: (s) => s.remove("n1:route:n3"),
    probes: (c) => [a2c(c), a2b(c)],
  },
];

const twoSubnetVariants: Variant<C>[] = [
  {
    fault: "cross-subnet-refused",
    description:
      "host-gw across a router: both nodes' route via the other's IP is refused (two setup errors: Nexthop has invalid gateway.), traffic goes to the router, which knows no pod CIDR, silent.",
    probes: onlyA2b,
  },
  {
    fault: "cross-subnet-router-routes",
    description:
      "host-gw's routes are refused across the router (the same two setup errors), but the router itself holds a route to each node's pod /24: the nodes' default routes carry the traffic, answered (ttl=61).",
    apply: (s, c) => {
      c.nodes.forEach((n, i) => {
        s.ip("rt", `route add ${n.podCidr} via ${n.ip} dev eth${i + 1}`);
      });
    },
    probes: onlyA2b,
  },
];

export function flannelHostGw(prefix: string): Scenario[] {
  return [
    ...expand(prefix, FAMILY, "two-nodes", twoNodes, twoNodeVariants),
    ...expand(prefix, FAMILY, "three-nodes", threeNodes, threeNodeVariants),
    ...expand(prefix, FAMILY, "two-subnets", twoSubnets, twoSubnetVariants),
  ];
}
