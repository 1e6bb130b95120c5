// Pod to pod on one node: Flannel's pods share the cni0 bridge (bridged, no forwarding needed,
// but br_netfilter still shows bridged IPv4 to iptables FORWARD); Calico's pods are /32s routed
// through the host (forwarding needed).
import { calicoCluster } from "./calico";
import { expand, ping, type Scenario, type Script, tcp, type Variant } from "./common";
import { type FlannelCluster, flannelCluster } from "./flannel-cluster";

const FAMILY = "same-node";

interface Pods {
  pa: string;
  pa2: string;
  ip2: string;
}

const flannelNode = (s: Script): Pods & { c: FlannelCluster } => {
  const c = flannelCluster(s, {
    seed: 71,
    backend: "vxlan",
    nodeSubnets: [0],
    pods: { pa: 0, pa2: 0 },
  });
  return { c, pa: c.pod("pa").ns, pa2: c.pod("pa2").ns, ip2: c.pod("pa2").ip };
};

const calicoNode = (s: Script) => {
  const c = calicoCluster(s, { seed: 72, nodeSubnets: [0], pods: { pa: 0, pa2: 0 } });
  return { c, pa: c.pod("pa").ns, pa2: c.pod("pa2").ns, ip2: c.pod("pa2").ip };
};

const a2a2 = (p: Pods) => [ping(p.pa, p.ip2)];

const flannelVariants: Variant<ReturnType<typeof flannelNode>>[] = [
  {
    fault: "happy",
    description:
      "Two pods on one node's cni0 bridge: ping answered with ttl=64 (bridged, not routed), TCP connects.",
    probes: (p) => [ping(p.pa, p.ip2), tcp(p.pa, p.ip2, 80)],
    listenPorts: [80],
  },
  {
    fault: "ip-forward-off",
    description:
      "The node has ip_forward=0: same-node pods are bridged on cni0, so it does not matter, answered.",
    apply: (s) => s.sysctl("n1", "net.ipv4.ip_forward=0"),
    probes: a2a2,
  },
  {
    fault: "forward-drop",
    description:
      "The node's FORWARD policy is DROP: with br_netfilter (bridge-nf-call-iptables=1) the bridged frames go through FORWARD and are dropped, silent.",
    apply: (s) => s.ipt("n1", "-P FORWARD DROP"),
    probes: a2a2,
  },
  {
    fault: "veth-down",
    description: "Pod A2's host-side veth is set down: silent.",
    apply: (s, p) => s.ip("n1", `link set ${p.c.pod("pa2").veth} down`),
    probes: a2a2,
  },
  {
    fault: "bridge-down",
    description: "cni0 is set down: its ports stop forwarding, silent.",
    apply: (s) => s.ip("n1", "link set cni0 down"),
    probes: a2a2,
  },
  {
    fault: "missing-bridge-port",
    description: "Pod A2's host-side veth was never enslaved to cni0: silent.",
    apply: (s) => s.remove("pa2:veth:master"),
    probes: a2a2,
  },
  {
    fault: "cni0-no-address",
    description:
      "cni0 never got its .1 address: the pods' default route is still accepted (the gateway is on their /24) and pod to pod is pure L2, answered; the gateway itself is silent.",
    apply: (s) => s.remove("n1:cni0:addr"),
    probes: (p) => [ping(p.pa, p.ip2), ping(p.pa, p.c.node("n1").cniIp)],
  },
  {
    fault: "tcp-port-only-drop",
    description: "Pod A2 drops TCP 80 in INPUT: ping answered, TCP times out.",
    apply: (s) => s.ipt("pa2", "-A INPUT -p tcp -m tcp --dport 80 -j DROP"),
    probes: (p) => [ping(p.pa, p.ip2), tcp(p.pa, p.ip2, 80)],
    listenPorts: [80],
  },
];

const calicoVariants: Variant<ReturnType<typeof calicoNode>>[] = [
  {
    fault: "happy",
    description:
      "Two Calico pods on one node: routed through the host by their /32 routes (ttl=63), ping and TCP answered.",
    probes: (p) => [ping(p.pa, p.ip2), tcp(p.pa, p.ip2, 80)],
    listenPorts: [80],
  },
  {
    fault: "ip-forward-off",
    description:
      "The node has ip_forward=0: Calico's same-node traffic is routed, not bridged, silent.",
    apply: (s) => s.sysctl("n1", "net.ipv4.ip_forward=0"),
    probes: a2a2,
  },
  {
    fault: "forward-drop",
    description: "The node's FORWARD policy is DROP: silent.",
    apply: (s) => s.ipt("n1", "-P FORWARD DROP"),
    probes: a2a2,
  },
  {
    fault: "missing-proxy-arp-receiver",
    description:
      "proxy_arp is off on pod A2's cali: the request is delivered to pod A2, its reply cannot resolve 169.254.1.1, silent.",
    apply: (s) => s.remove("pa2:proxyarp"),
    probes: a2a2,
  },
  {
    fault: "missing-pod-route",
    description:
      "The node lacks pod A2's /32 route: the node's own /26 blackhole catches it, silent.",
    apply: (s) => s.remove("pa2:hostroute"),
    probes: a2a2,
  },
];

export function sameNode(prefix: string): Scenario[] {
  return [
    ...expand(prefix, FAMILY, "flannel-cni0", flannelNode, flannelVariants),
    ...expand(prefix, FAMILY, "calico", calicoNode, calicoVariants),
  ];
}
