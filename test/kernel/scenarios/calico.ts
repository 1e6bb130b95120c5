// Calico without overlay (BGP, ipipMode/vxlanMode Never), laid out as Calico's CNI plugin and
// BIRD lay it out:
//   pod:  eth0 with a /32, `169.254.1.1 dev eth0 scope link`, `default via 169.254.1.1`
//   node: host side `cali<11 hex>` with proxy_arp=1 and proxy_delay=0 (nobody owns 169.254.1.1:
//         the node answers the pod's ARP), `<pod>/32 dev cali… scope link` per local pod,
//         `blackhole <own /26> proto bird`, `<remote /26> via <node IP> dev eth0 proto bird`
// The underlay is 10.20.x.0/24 so that it cannot overlap the 192.168.0.0/16 pool.
import {
  expand,
  ifUp,
  mac,
  picker,
  ping,
  type Scenario,
  type Script,
  tcp,
  type UnderlayNode,
  underlay,
  type Variant,
} from "./common";

const FAMILY = "calico-proxyarp";
const GATEWAY = "169.254.1.1";

export interface CalicoNode extends UnderlayNode {
  /** the node's IPAM block, e.g. 192.168.33.64/26 */
  block: string;
  /** first two octets and the block's base, for picking addresses in it */
  blockBase: number;
  blockNet: string;
}

export interface CalicoPod {
  name: string;
  ns: string;
  ip: string;
  node: CalicoNode;
  cali: string;
  caliMac: string;
}

export interface CalicoCluster {
  nodes: CalicoNode[];
  pods: Record<string, CalicoPod>;
  routerIps: string[];
  node(name: string): CalicoNode;
  pod(name: string): CalicoPod;
  /** an address in `node`'s block that no pod holds */
  unassigned(node: string): string;
}

export interface CalicoSpec {
  seed: number;
  nodeSubnets: number[];
  pods: Record<string, number>;
}

/** One pod as Calico's CNI plugin wires it (keys `POD:proxyarp`, `POD:hostroute`, …). */
export function calicoPod(s: Script, pod: CalicoPod): void {
  const n = pod.node.name;
  s.netns(pod.name);
  s.ip(n, `link add ${pod.cali} type veth peer name eth0 netns ${pod.ns}`, `${pod.name}:cali:add`);
  s.ip(n, `link set ${pod.cali} address ${pod.caliMac}`, `${pod.name}:cali:mac`);
  s.ip(n, `link set ${pod.cali} up`, `${pod.name}:cali:up`);
  s.sysctl(n, `net.ipv4.conf.${pod.cali}.proxy_arp=1`, `${pod.name}:proxyarp`);
  s.sysctl(n, `net.ipv4.neigh.${pod.cali}.proxy_delay=0`, `${pod.name}:proxydelay`);
  s.ip(n, `route add ${pod.ip}/32 dev ${pod.cali} scope link`, `${pod.name}:hostroute`);
  ifUp(s, pod.name, "eth0", `${pod.ip}/32`);
  s.ip(pod.name, `route add ${GATEWAY} dev eth0 scope link`, `${pod.name}:gwroute`);
  s.ip(pod.name, `route add default via ${GATEWAY} dev eth0`, `${pod.name}:route:default`);
}

export function calicoCluster(s: Script, spec: CalicoSpec): CalicoCluster {
  const r = picker(spec.seed);
  const u = underlay(s, r, spec.nodeSubnets, "10.20");
  const nodes: CalicoNode[] = u.nodes.map((n) => {
    const third = r.int(1, 254);
    const base = 64 * Math.floor(r.int(0, 255) / 64);
    return {
      ...n,
      block: `192.168.${third}.${base}/26`,
      blockBase: base,
      blockNet: `192.168.${third}`,
    };
  });
  for (const n of nodes)
    s.ip(n.name, `route add blackhole ${n.block} proto bird`, `${n.name}:blackhole`);
  for (const a of nodes) {
    for (const b of nodes) {
      if (a === b) continue;
      s.ip(
        a.name,
        `route add ${b.block} via ${b.ip} dev eth0 proto bird`,
        `${a.name}:route:${b.name}`,
      );
    }
  }
  const used = new Set<string>();
  const hostIn = (n: CalicoNode) => {
    for (;;) {
      const ip = `${n.blockNet}.${n.blockBase + 2 + Math.floor(r.int(0, 999) % 60)}`;
      if (!used.has(ip)) {
        used.add(ip);
        return ip;
      }
    }
  };
  const pods: Record<string, CalicoPod> = {};
  Object.entries(spec.pods).forEach(([name, nodeIndex], i) => {
    const node = nodes[nodeIndex] as CalicoNode;
    pods[name] = {
      name,
      ns: s.ns(name),
      ip: hostIn(node),
      node,
      cali: `cali${r.hex(11)}`,
      caliMac: mac(0xee, 0xee, 0xee, 0x00, nodeIndex + 1, i + 1),
    };
    calicoPod(s, pods[name]);
  });
  return {
    nodes,
    pods,
    routerIps: u.routerIps,
    node: (name) => nodes.find((n) => n.name === name) as CalicoNode,
    pod: (name) => pods[name] as CalicoPod,
    unassigned: (name) => hostIn(nodes.find((n) => n.name === name) as CalicoNode),
  };
}

const twoNodes = (s: Script) =>
  calicoCluster(s, { seed: 51, nodeSubnets: [0, 0], pods: { pa: 0, pb: 1 } });
const twoSubnets = (s: Script) =>
  calicoCluster(s, { seed: 52, nodeSubnets: [0, 1], pods: { pa: 0, pb: 1 } });

type C = CalicoCluster;
const a2b = (c: C) => ping(c.pod("pa").ns, c.pod("pb").ip);
const a2bTcp = (c: C) => tcp(c.pod("pa").ns, c.pod("pb").ip, 80);
const onlyA2b = (c: C) => [a2b(c)];

const twoNodeVariants: Variant<C>[] = [
  {
    fault: "happy",
    description:
      "Two nodes on one subnet, /32 pods behind proxy ARP for 169.254.1.1, BIRD routes via the peer's node IP: ping (ttl=62), TCP, and a 1500-byte DF ping (no overlay) all answered.",
    probes: (c) => [a2b(c), a2bTcp(c), ping(c.pod("pa").ns, c.pod("pb").ip, 1472, true)],
    listenPorts: [80],
  },
  {
    fault: "missing-proxy-arp",
    description:
      "proxy_arp is off on pod A's cali veth: nobody answers pod A's ARP for 169.254.1.1, silent.",
    apply: (s) => s.remove("pa:proxyarp"),
    probes: onlyA2b,
  },
  {
    fault: "missing-proxy-arp-receiver",
    description:
      "proxy_arp is off on pod B's cali veth: the request is delivered to pod B, whose reply waits forever for 169.254.1.1's MAC, silent.",
    apply: (s) => s.remove("pb:proxyarp"),
    probes: onlyA2b,
  },
  {
    fault: "proxy-delay-default",
    description:
      "proxy_delay left at its default (80 jiffies) on pod A's cali: the first proxy ARP answer is delayed by a random 0–0.8 s, the ping is still answered within the 2 s probe.",
    apply: (s) => s.remove("pa:proxydelay"),
    probes: onlyA2b,
  },
  {
    fault: "static-neigh",
    description:
      "proxy_arp is off on pod A's cali, but pod A has a permanent neighbour entry for 169.254.1.1 with the cali's MAC: no ARP needed, answered.",
    apply: (s, c) => {
      s.remove("pa:proxyarp");
      s.ip("pa", `neigh add ${GATEWAY} lladdr ${c.pod("pa").caliMac} dev eth0 nud permanent`);
    },
    probes: onlyA2b,
  },
  {
    fault: "wrong-neigh-mac",
    description:
      "Pod A's permanent neighbour entry for 169.254.1.1 has a MAC the node does not own: the host-side veth discards the frames, silent.",
    apply: (s) =>
      s.ip("pa", `neigh replace ${GATEWAY} lladdr ee:ee:ee:ee:ee:01 dev eth0 nud permanent`),
    probes: onlyA2b,
  },
  {
    fault: "missing-gateway-route",
    description:
      "Pod A lacks `169.254.1.1 dev eth0 scope link`: its default route via 169.254.1.1 is refused (setup error: Nexthop has invalid gateway) and ping fails locally, Network is unreachable.",
    apply: (s) => s.remove("pa:gwroute"),
    probes: onlyA2b,
  },
  {
    fault: "missing-pod-route",
    description:
      "node2 lacks the /32 route to pod B: the blackhole for its own /26 catches the packet, dropped without an ICMP error, silent.",
    apply: (s) => s.remove("pb:hostroute"),
    probes: onlyA2b,
  },
  {
    fault: "blackhole",
    description:
      "Pod A pings an unassigned address in node2's /26 and one in node1's: both hit a node's `blackhole … proto bird` route, silent; pod B still answered.",
    probes: (c) => [
      ping(c.pod("pa").ns, c.unassigned("n2")),
      ping(c.pod("pa").ns, c.unassigned("n1")),
      a2b(c),
    ],
  },
  {
    fault: "missing-route",
    description:
      "node1 lacks its BIRD route to node2's /26: the packet follows the default route to the router, which knows no pod CIDR, silent.",
    apply: (s) => s.remove("n1:route:n2"),
    probes: onlyA2b,
  },
  {
    fault: "wrong-gateway",
    description:
      "node1's route to node2's /26 points at the router (valid gateway, wrong next hop): the router knows no pod CIDR, silent.",
    apply: (s, c) => s.edit("n1:route:n2", `via ${c.node("n2").ip}`, `via ${c.routerIps[0]}`),
    probes: onlyA2b,
  },
  {
    fault: "missing-return-route",
    description:
      "node2 lacks its BIRD route to node1's /26: the request reaches pod B, the reply goes to the router and is lost, silent.",
    apply: (s) => s.remove("n2:route:n1"),
    probes: (c) => [a2b(c), a2bTcp(c)],
    listenPorts: [80],
  },
  {
    fault: "ip-forward-off-sender-node",
    description: "node1 has ip_forward=0: Calico's pods are routed, not bridged, silent.",
    apply: (s) => s.sysctl("n1", "net.ipv4.ip_forward=0"),
    probes: onlyA2b,
  },
  {
    fault: "forward-drop-receiver-node",
    description: "node2's FORWARD policy is DROP: silent.",
    apply: (s) => s.ipt("n2", "-P FORWARD DROP"),
    probes: onlyA2b,
  },
  {
    fault: "veth-down",
    description:
      "Pod B's host-side cali veth is set down, deleting its /32 route: the /26 blackhole catches the packet, silent.",
    apply: (s, c) => s.ip("n2", `link set ${c.pod("pb").cali} down`),
    probes: onlyA2b,
  },
  {
    fault: "tcp-port-only-drop",
    description:
      "node2 drops TCP port 80 forwarded out of pod B's cali (a network policy): ping answered, TCP times out.",
    apply: (s, c) =>
      s.ipt("n2", `-A FORWARD -o ${c.pod("pb").cali} -p tcp -m tcp --dport 80 -j DROP`),
    probes: (c) => [a2b(c), a2bTcp(c)],
    listenPorts: [80],
  },
  {
    fault: "tcp-port-only-reject",
    description: "The same policy with REJECT: ping answered, TCP refused at once.",
    apply: (s, c) =>
      s.ipt("n2", `-A FORWARD -o ${c.pod("pb").cali} -p tcp -m tcp --dport 80 -j REJECT`),
    probes: (c) => [a2b(c), a2bTcp(c)],
    listenPorts: [80],
  },
];

const twoSubnetVariants: Variant<C>[] = [
  {
    fault: "cross-subnet-refused",
    description:
      "BGP without encapsulation across a router: each node's route via the other's IP is refused (two setup errors: Nexthop has invalid gateway.), traffic goes to the router, silent.",
    probes: onlyA2b,
  },
  {
    fault: "cross-subnet-router-no-peer",
    description:
      "The nodes route the remote /26 via the router (a resolvable next hop), but the router does not peer BGP and knows no pod CIDR: silent.",
    apply: (s, c) => {
      s.edit("n1:route:n2", `via ${c.node("n2").ip}`, `via ${c.routerIps[0]}`);
      s.edit("n2:route:n1", `via ${c.node("n1").ip}`, `via ${c.routerIps[1]}`);
    },
    probes: onlyA2b,
  },
  {
    fault: "cross-subnet-router-peers",
    description:
      "The nodes route the remote /26 via the router, and the router learned each /26 via its node (it peers BGP): answered (ttl=61).",
    apply: (s, c) => {
      s.edit("n1:route:n2", `via ${c.node("n2").ip}`, `via ${c.routerIps[0]}`);
      s.edit("n2:route:n1", `via ${c.node("n1").ip}`, `via ${c.routerIps[1]}`);
      c.nodes.forEach((n, i) => {
        s.ip("rt", `route add ${n.block} via ${n.ip} dev eth${i + 1} proto bird`);
      });
    },
    probes: (c) => [a2b(c), a2bTcp(c)],
    listenPorts: [80],
  },
];

export function calico(prefix: string): Scenario[] {
  return [
    ...expand(prefix, FAMILY, "two-nodes", twoNodes, twoNodeVariants),
    ...expand(prefix, FAMILY, "two-subnets", twoSubnets, twoSubnetVariants),
  ];
}
