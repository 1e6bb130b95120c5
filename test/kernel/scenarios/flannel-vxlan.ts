// Flannel's vxlan backend: two nodes on one subnet, two nodes on two routed subnets (VXLAN is
// plain UDP, so it crosses the router), three nodes on one subnet, three nodes on mixed subnets.
import { expand, ping, type Scenario, type Script, tcp, type Variant } from "./common";
import { type FlannelCluster, flannelCluster } from "./flannel-cluster";

const FAMILY = "flannel-vxlan";

const twoNodes = (s: Script) =>
  flannelCluster(s, { seed: 31, backend: "vxlan", nodeSubnets: [0, 0], pods: { pa: 0, pb: 1 } });
const twoSubnets = (s: Script) =>
  flannelCluster(s, { seed: 32, backend: "vxlan", nodeSubnets: [0, 1], pods: { pa: 0, pb: 1 } });
const threeNodes = (s: Script) =>
  flannelCluster(s, {
    seed: 33,
    backend: "vxlan",
    nodeSubnets: [0, 0, 0],
    pods: { pa: 0, pb: 1, pc: 2 },
  });
const threeMixed = (s: Script) =>
  flannelCluster(s, {
    seed: 34,
    backend: "vxlan",
    nodeSubnets: [0, 0, 1],
    pods: { pa: 0, pb: 1, pc: 2 },
  });

type C = FlannelCluster;
const a2b = (c: C) => ping(c.pod("pa").ns, c.pod("pb").ip);
const a2c = (c: C) => ping(c.pod("pa").ns, c.pod("pc").ip);
const a2bTcp = (c: C) => tcp(c.pod("pa").ns, c.pod("pb").ip, 80);
const onlyA2b = (c: C) => [a2b(c)];

const udp8472 = "-p udp -m udp --dport 8472";

const twoNodeVariants: Variant<C>[] = [
  {
    fault: "happy",
    description:
      "Pod A on node1 pings pod B on node2 through flannel.1 (VNI 1, UDP 8472): answered with ttl=62, a 1422-byte DF ping (1450 on the wire) too, TCP 80 connects.",
    probes: (c) => [a2b(c), ping(c.pod("pa").ns, c.pod("pb").ip, 1422, true), a2bTcp(c)],
    listenPorts: [80],
  },
  {
    fault: "missing-route",
    description:
      "node1 lacks its route to node2's /24: the packet follows node1's default route to the router, which knows no pod CIDR and cannot answer the pod, silent.",
    apply: (s) => s.remove("n1:route:n2"),
    probes: onlyA2b,
  },
  {
    fault: "missing-route-no-default",
    description:
      "node1 lacks both its route to node2's /24 and its default route: node1's cni0 address answers Destination Net Unreachable.",
    apply: (s) => {
      s.remove("n1:route:n2");
      s.remove("n1:route:default");
    },
    probes: onlyA2b,
  },
  {
    fault: "missing-route-pod",
    description:
      "Pod A has no default route: ping fails inside the pod, connect: Network is unreachable; its own cni0 gateway still answers.",
    apply: (s) => s.remove("pa:route:default"),
    probes: (c) => [a2b(c), ping(c.pod("pa").ns, c.node("n1").cniIp)],
  },
  {
    fault: "missing-return-route",
    description:
      "node2 lacks its route back to node1's /24: the echo request is delivered to pod B, the reply goes to the router and is lost, silent.",
    apply: (s) => s.remove("n2:route:n1"),
    probes: (c) => [a2b(c), a2bTcp(c)],
    listenPorts: [80],
  },
  {
    fault: "ip-forward-off-sender-node",
    description:
      "node1 has ip_forward=0: the pod's packet, arriving on cni0 for another subnet, is dropped silently; node1's own cni0 address still answers.",
    apply: (s) => s.sysctl("n1", "net.ipv4.ip_forward=0"),
    probes: (c) => [a2b(c), ping(c.pod("pa").ns, c.node("n1").cniIp)],
  },
  {
    fault: "ip-forward-off-receiver-node",
    description:
      "node2 has ip_forward=0: it decapsulates but will not forward from flannel.1 to cni0, silent; node2's own address still answers.",
    apply: (s) => s.sysctl("n2", "net.ipv4.ip_forward=0"),
    probes: (c) => [a2b(c), ping(c.pod("pa").ns, c.node("n2").ip)],
  },
  {
    fault: "forward-drop-sender-node",
    description: "node1's FORWARD policy is DROP (as Docker sets it): pod traffic is silent.",
    apply: (s) => s.ipt("n1", "-P FORWARD DROP"),
    probes: onlyA2b,
  },
  {
    fault: "forward-drop-receiver-node",
    description: "node2's FORWARD policy is DROP: silent, pod B never sees the request.",
    apply: (s) => s.ipt("n2", "-P FORWARD DROP"),
    probes: (c) => [a2b(c), a2bTcp(c)],
    listenPorts: [80],
  },
  {
    fault: "forward-drop-flannel-fwd-accept",
    description:
      "Both nodes have FORWARD policy DROP but a FLANNEL-FWD chain accepting the cluster CIDR as source or destination (what flanneld installs): answered.",
    apply: (s, c) => {
      for (const n of ["n1", "n2"]) {
        s.ipt(n, "-P FORWARD DROP");
        s.ipt(n, "-N FLANNEL-FWD");
        s.ipt(n, '-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD');
        s.ipt(n, `-A FLANNEL-FWD -s ${c.clusterCidr} -j ACCEPT`);
        s.ipt(n, `-A FLANNEL-FWD -d ${c.clusterCidr} -j ACCEPT`);
      }
    },
    probes: (c) => [a2b(c), a2bTcp(c)],
    listenPorts: [80],
  },
  {
    fault: "forward-reject-receiver-node",
    description:
      "node2 REJECTs ICMP in FORWARD: pod A gets Destination Port Unreachable from node2's flannel.1 address (back through the tunnel), TCP still connects.",
    apply: (s) => s.ipt("n2", "-A FORWARD -p icmp -j REJECT"),
    probes: (c) => [a2b(c), a2bTcp(c)],
    listenPorts: [80],
  },
  {
    fault: "tcp-port-only-drop",
    description: "node2 drops forwarded TCP to port 80: ping answered, TCP 80 times out.",
    apply: (s) => s.ipt("n2", "-A FORWARD -p tcp -m tcp --dport 80 -j DROP"),
    probes: (c) => [a2b(c), a2bTcp(c)],
    listenPorts: [80],
  },
  {
    fault: "udp8472-input-drop",
    description:
      "node2 drops UDP 8472 in INPUT: the VXLAN packets never reach flannel.1, silent; node2's own address still answers ping.",
    apply: (s) => s.ipt("n2", `-A INPUT ${udp8472} -j DROP`),
    probes: (c) => [a2b(c), ping(c.pod("pa").ns, c.node("n2").ip)],
  },
  {
    fault: "udp8472-input-reject",
    description:
      "node2 REJECTs UDP 8472 in INPUT: node1 gets an ICMP port unreachable the pod never sees, silent.",
    apply: (s) => s.ipt("n2", `-A INPUT ${udp8472} -j REJECT`),
    probes: onlyA2b,
  },
  {
    fault: "udp8472-output-drop",
    description:
      "node1 drops UDP 8472 in OUTPUT: the encapsulated packet it generates is dropped before leaving, silent (no error reaches the pod).",
    apply: (s) => s.ipt("n1", `-A OUTPUT ${udp8472} -j DROP`),
    probes: onlyA2b,
  },
  {
    fault: "udp8472-drop-switch",
    description:
      "The switch netns drops UDP 8472 in FORWARD (a security group): br_netfilter applies it to bridged frames, silent; node-to-node ping still works.",
    apply: (s) => s.ipt("sw", `-A FORWARD ${udp8472} -j DROP`),
    probes: (c) => [a2b(c), ping(c.node("n1").ns, c.node("n2").ip)],
  },
  {
    fault: "wrong-vni",
    description:
      "node2's flannel.1 was created with VNI 2: node2 has no VXLAN device for VNI 1 and drops the packets, silent.",
    apply: (s) => s.edit("n2:vxlan", "id 1 ", "id 2 "),
    probes: onlyA2b,
  },
  {
    fault: "wrong-dstport",
    description:
      "node2's flannel.1 listens on UDP 4789 while node1 sends to 8472: node2 answers with ICMP port unreachable to node1, the pod hears nothing.",
    apply: (s) => s.edit("n2:vxlan", "dstport 8472", "dstport 4789"),
    probes: onlyA2b,
  },
  {
    fault: "dstport-4789-both",
    description: "Both nodes use UDP 4789 (IANA's port) instead of 8472: consistent, answered.",
    apply: (s) => {
      s.edit("n1:vxlan", "dstport 8472", "dstport 4789");
      s.edit("n2:vxlan", "dstport 8472", "dstport 4789");
    },
    probes: (c) => [a2b(c)],
  },
  {
    fault: "missing-fdb",
    description:
      "node1 has no FDB entry for node2's VTEP MAC: flannel.1 (nolearning, no default entry) does not know where to send the frame, silent.",
    apply: (s) => s.remove("n1:fdb:n2"),
    probes: onlyA2b,
  },
  {
    fault: "wrong-fdb-dst",
    description:
      "node1's FDB entry sends node2's VTEP MAC to the router's address: the router has no VXLAN socket, silent.",
    apply: (s, c) => s.edit("n1:fdb:n2", `dst ${c.node("n2").ip}`, `dst ${c.routerIps[0]}`),
    probes: onlyA2b,
  },
  {
    fault: "missing-neigh",
    description:
      "node1 has no neighbour entry for node2's flannel.1 address: ARP on flannel.1 goes nowhere (nolearning), silent.",
    apply: (s) => s.remove("n1:neigh:n2"),
    probes: onlyA2b,
  },
  {
    fault: "wrong-neigh-mac",
    description:
      "node1's neighbour entry for node2's VTEP has a MAC with no FDB entry: the frame is not sent, silent.",
    apply: (s, c) => s.edit("n1:neigh:n2", c.node("n2").vtepMac, "0a:58:0a:f4:ff:00"),
    probes: onlyA2b,
  },
  {
    fault: "wrong-neigh-mac-with-fdb",
    description:
      "node1's neighbour entry and FDB entry both use a stale VTEP MAC (node2's flannel.1 was recreated): the frame reaches node2, whose flannel.1 discards a frame not addressed to it, silent.",
    apply: (s, c) => {
      s.edit("n1:neigh:n2", c.node("n2").vtepMac, "0a:58:0a:f4:ff:00");
      s.edit("n1:fdb:n2", c.node("n2").vtepMac, "0a:58:0a:f4:ff:00");
    },
    probes: onlyA2b,
  },
  {
    fault: "flannel1-down",
    description:
      "node2's flannel.1 is set down after setup, which also deletes its route back to node1's /24: silent.",
    apply: (s) => s.ip("n2", "link set flannel.1 down"),
    probes: onlyA2b,
  },
  {
    fault: "flannel1-down-up",
    description:
      "node1's flannel.1 is set down and up again: the device is back but its onlink route is gone for good, traffic follows the default route to the router, silent.",
    apply: (s) => {
      s.ip("n1", "link set flannel.1 down");
      s.ip("n1", "link set flannel.1 up");
    },
    probes: onlyA2b,
  },
  {
    fault: "flannel1-never-up",
    description:
      "node2's flannel.1 is never set up: node2's route through it is refused (setup error: Nexthop device is not up.), silent.",
    apply: (s) => s.remove("n2:flannel.1:up"),
    probes: onlyA2b,
  },
  {
    fault: "bridge-down",
    description:
      "node2's cni0 is set down, deleting its connected route to the pod /24: node2 sends the packet to the router, silent.",
    apply: (s) => s.ip("n2", "link set cni0 down"),
    probes: onlyA2b,
  },
  {
    fault: "veth-down",
    description: "Pod B's host-side veth is set down: cni0 cannot deliver to pod B, silent.",
    apply: (s, c) => s.ip("n2", `link set ${c.pod("pb").veth} down`),
    probes: onlyA2b,
  },
  {
    fault: "pod-eth0-down",
    description: "Pod B's own eth0 is set down: silent.",
    apply: (s) => s.ip("pb", "link set eth0 down"),
    probes: onlyA2b,
  },
  {
    fault: "node-eth0-down",
    description:
      "node2's eth0 is set down (its underlay routes go with it): the VXLAN packets are not received, silent.",
    apply: (s) => s.ip("n2", "link set eth0 down"),
    probes: onlyA2b,
  },
  {
    fault: "switch-port-down",
    description: "The switch port towards node2 is set down: silent.",
    apply: (s) => s.ip("sw", "link set n2 down"),
    probes: onlyA2b,
  },
  {
    fault: "mtu-underlay-blackhole",
    description:
      "Only the switch ports shrank to MTU 1400, the nodes still send 1500-byte frames: the bridge drops any encapsulated packet over 1400 bytes, so a 1300-byte DF ping passes and 1422-byte pings (with or without DF) vanish, no error anywhere.",
    apply: (s) => {
      s.ip("sw", "link set n1 mtu 1400");
      s.ip("sw", "link set n2 mtu 1400");
    },
    probes: (c) => [
      ping(c.pod("pa").ns, c.pod("pb").ip, 1300, true),
      ping(c.pod("pa").ns, c.pod("pb").ip, 1422, true),
      ping(c.pod("pa").ns, c.pod("pb").ip, 1422, false),
    ],
  },
  {
    fault: "mtu-pod1500-df",
    description:
      "Pod A's eth0 left at MTU 1500: a 1500-byte DF ping gets Frag needed and DF set (mtu = 1450) from node1's cni0 address; a 1428-byte one is answered.",
    apply: (s) => s.ip("pa", "link set eth0 mtu 1500"),
    probes: (c) => [
      ping(c.pod("pa").ns, c.pod("pb").ip, 1472, true),
      ping(c.pod("pa").ns, c.pod("pb").ip, 1400, true),
    ],
  },
  {
    fault: "mtu-pod1450-local-error",
    description:
      "Pod MTU 1450 (as Flannel sets it): a 1422-byte DF payload passes, 1423 fails inside the pod with local error: message too long, mtu=1450; without DF it is fragmented and answered.",
    probes: (c) => [
      ping(c.pod("pa").ns, c.pod("pb").ip, 1422, true),
      ping(c.pod("pa").ns, c.pod("pb").ip, 1423, true),
      ping(c.pod("pa").ns, c.pod("pb").ip, 1423, false),
    ],
  },
  {
    fault: "mtu-underlay-small",
    description:
      "The underlay shrank to MTU 1400 (nodes' eth0 and switch ports) while flannel.1 stayed at 1450: everything is still answered, even a 1450-byte inner DF packet, because the outer UDP packet carries no DF and node1 fragments it.",
    apply: (s) => {
      for (const n of ["n1", "n2"]) {
        s.ip(n, "link set eth0 mtu 1400");
        s.ip("sw", `link set ${n} mtu 1400`);
      }
    },
    probes: (c) => [
      ping(c.pod("pa").ns, c.pod("pb").ip, 1300, true),
      ping(c.pod("pa").ns, c.pod("pb").ip, 1422, true),
      ping(c.pod("pa").ns, c.pod("pb").ip, 1422, false),
    ],
  },
];

const twoSubnetVariants: Variant<C>[] = [
  {
    fault: "happy",
    description:
      "node1 and node2 on two /24s joined by the router: VXLAN is plain UDP between node IPs, so it crosses the router; ping (ttl=62), 1422-byte DF ping and TCP answered.",
    probes: (c) => [a2b(c), ping(c.pod("pa").ns, c.pod("pb").ip, 1422, true), a2bTcp(c)],
    listenPorts: [80],
  },
  {
    fault: "forward-drop-router",
    description: "The router's FORWARD policy is DROP: no VXLAN between the nodes, silent.",
    apply: (s) => s.ipt("rt", "-P FORWARD DROP"),
    probes: onlyA2b,
  },
  {
    fault: "ip-forward-off-router",
    description: "The router has ip_forward=0: silent.",
    apply: (s) => s.sysctl("rt", "net.ipv4.ip_forward=0"),
    probes: onlyA2b,
  },
  {
    fault: "udp8472-drop-router",
    description:
      "The router drops forwarded UDP 8472 (a firewall between subnets): pods silent, while node1 still pings node2.",
    apply: (s) => s.ipt("rt", `-A FORWARD ${udp8472} -j DROP`),
    probes: (c) => [a2b(c), ping(c.node("n1").ns, c.node("n2").ip)],
  },
  {
    fault: "missing-return-route",
    description:
      "node2 has no default route, so no underlay route to node1: the request is delivered to pod B, node2 cannot send the encapsulated reply, silent.",
    apply: (s) => s.remove("n2:route:default"),
    probes: onlyA2b,
  },
  {
    fault: "wrong-fdb-dst",
    description:
      "node1's FDB entry for node2's VTEP points at node1's own gateway (the router): silent.",
    apply: (s, c) => s.edit("n1:fdb:n2", `dst ${c.node("n2").ip}`, `dst ${c.routerIps[0]}`),
    probes: onlyA2b,
  },
  {
    fault: "mtu-underlay-small",
    description:
      "node2's subnet (router leg, switch ports, node2's eth0) has MTU 1400 while flannel.1 stays 1450: all answered, even a 1450-byte inner DF packet, since the outer UDP has no DF and the router (and node2, for the reply) fragment it.",
    apply: (s) => {
      s.ip("rt", "link set eth2 mtu 1400");
      s.ip("sw2", "link set rt mtu 1400");
      s.ip("sw2", "link set n2 mtu 1400");
      s.ip("n2", "link set eth0 mtu 1400");
    },
    probes: (c) => [
      ping(c.pod("pa").ns, c.pod("pb").ip, 1300, true),
      ping(c.pod("pa").ns, c.pod("pb").ip, 1422, true),
      ping(c.pod("pa").ns, c.pod("pb").ip, 1422, false),
    ],
  },
];

const threeNodeVariants: Variant<C>[] = [
  {
    fault: "happy",
    description:
      "Three nodes on one subnet, one route + neighbour + FDB entry per remote node: pod A reaches pod B and pod C.",
    probes: (c) => [a2b(c), a2c(c)],
  },
  {
    fault: "wrong-fdb-dst",
    description:
      "node1's FDB entry for node3's VTEP MAC points at node2's IP: node2 receives a frame for another MAC and drops it; pod A → pod C silent, pod A → pod B answered.",
    apply: (s, c) => s.edit("n1:fdb:n3", `dst ${c.node("n3").ip}`, `dst ${c.node("n2").ip}`),
    probes: (c) => [a2c(c), a2b(c)],
  },
  {
    fault: "missing-fdb",
    description:
      "node1 lacks only the FDB entry for node3: pod A → pod C silent, pod A → pod B answered.",
    apply: (s) => s.remove("n1:fdb:n3"),
    probes: (c) => [a2c(c), a2b(c)],
  },
  {
    fault: "missing-route",
    description:
      "node1 lacks only its route to node3's /24: pod A → pod C goes to the router, silent; pod A → pod B answered.",
    apply: (s) => s.remove("n1:route:n3"),
    probes: (c) => [a2c(c), a2b(c)],
  },
  {
    fault: "wrong-vni",
    description: "node3's flannel.1 is on VNI 2: pod A → pod C silent, pod A → pod B answered.",
    apply: (s) => s.edit("n3:vxlan", "id 1 ", "id 2 "),
    probes: (c) => [a2c(c), a2b(c)],
  },
  {
    fault: "udp8472-input-drop",
    description:
      "node3 drops UDP 8472 from node1 only: pod A → pod C silent, pod B → pod C answered.",
    apply: (s, c) => s.ipt("n3", `-A INPUT -s ${c.node("n1").ip}/32 ${udp8472} -j DROP`),
    probes: (c) => [a2c(c), ping(c.pod("pb").ns, c.pod("pc").ip)],
  },
  {
    fault: "wrong-neigh-mac",
    description:
      "node1's neighbour entry for node3's VTEP carries node2's VTEP MAC: the frame goes to node2, which owns that MAC, decapsulates and routes it on to node3; answered (ttl=61, one more hop).",
    apply: (s, c) => s.edit("n1:neigh:n3", c.node("n3").vtepMac, c.node("n2").vtepMac),
    probes: (c) => [a2c(c)],
  },
];

const threeMixedVariants: Variant<C>[] = [
  {
    fault: "happy",
    description:
      "node1 and node2 share a subnet, node3 is behind the router: VXLAN reaches all, pod A → pod C and pod B → pod C answered.",
    probes: (c) => [a2c(c), ping(c.pod("pb").ns, c.pod("pc").ip)],
  },
  {
    fault: "udp8472-drop-router",
    description:
      "The router drops UDP 8472: pod A → pod B (same subnet, no router) answered, pod A → pod C silent.",
    apply: (s) => s.ipt("rt", `-A FORWARD ${udp8472} -j DROP`),
    probes: (c) => [a2b(c), a2c(c)],
  },
  {
    fault: "missing-return-route",
    description:
      "node3 has no default route (no underlay path back to subnet 1): pod A → pod C request delivered, reply lost, silent.",
    apply: (s) => s.remove("n3:route:default"),
    probes: (c) => [a2c(c)],
  },
];

export function flannelVxlan(prefix: string): Scenario[] {
  return [
    ...expand(prefix, FAMILY, "two-nodes", twoNodes, twoNodeVariants),
    ...expand(prefix, FAMILY, "two-subnets", twoSubnets, twoSubnetVariants),
    ...expand(prefix, FAMILY, "three-nodes", threeNodes, threeNodeVariants),
    ...expand(prefix, FAMILY, "three-nodes-mixed", threeMixed, threeMixedVariants),
  ];
}
