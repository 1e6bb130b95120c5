// Pods talking to a host outside the cluster (behind the underlay router, which knows no pod
// CIDR): works only when the node masquerades pod traffic leaving the pod network (Flannel's
// ipMasq), or when the router learns the pod CIDRs.
import {
  addr,
  expand,
  ifUp,
  ping,
  type Scenario,
  type Script,
  tcp,
  type Variant,
  wire,
} from "./common";
import { type FlannelCluster, flannelCluster } from "./flannel-cluster";

const FAMILY = "pod-egress";
const EXT = "203.0.113.10";

interface Egress {
  c: FlannelCluster;
  ext: string;
}

/** Two Flannel nodes; host `ext` (203.0.113.10/24) hangs off the router's leg ext0. */
function withExternalHost(s: Script): Egress {
  const c = flannelCluster(s, {
    seed: 81,
    backend: "vxlan",
    nodeSubnets: [0, 0],
    pods: { pa: 0, pb: 1 },
  });
  s.netns("ext");
  wire(s, "rt", "ext0", "ext", "eth0");
  ifUp(s, "rt", "ext0", "203.0.113.1/24");
  ifUp(s, "ext", "eth0", `${EXT}/24`);
  s.ip("ext", "route add default via 203.0.113.1 dev eth0");
  return { c, ext: s.ns("ext") };
}

const masq = (e: Egress) =>
  `-t nat -A POSTROUTING -s ${e.c.clusterCidr} ! -d ${e.c.clusterCidr} -j MASQUERADE`;
const toExt = (e: Egress) => [ping(e.c.pod("pa").ns, EXT), tcp(e.c.pod("pa").ns, EXT, 80)];

const variants: Variant<Egress>[] = [
  {
    fault: "missing-masquerade",
    description:
      "No masquerading: pod A's request reaches the external host, whose reply goes to the router, which has no route to pod CIDRs; silent, TCP times out.",
    probes: toExt,
    listenPorts: [80],
  },
  {
    fault: "masquerade",
    description:
      "node1 MASQUERADEs traffic from the cluster CIDR to outside it (Flannel's ipMasq): the external host answers node1's address, conntrack un-NATs; ping and TCP answered, pod to pod still unmasqueraded and answered.",
    apply: (s, e) => s.ipt("n1", masq(e)),
    probes: (e) => [...toExt(e), ping(e.c.pod("pa").ns, e.c.pod("pb").ip)],
    listenPorts: [80],
  },
  {
    fault: "snat",
    description:
      "node1 SNATs pod traffic leaving eth0 to its node IP: ping and TCP to the external host answered.",
    apply: (s, e) =>
      s.ipt(
        "n1",
        `-t nat -A POSTROUTING -s ${e.c.clusterCidr} -o eth0 -j SNAT --to-source ${e.c.node("n1").ip}`,
      ),
    probes: toExt,
    listenPorts: [80],
  },
  {
    fault: "masquerade-on-wrong-node",
    description: "Only node2 masquerades; pod A lives on node1: silent.",
    apply: (s, e) => s.ipt("n2", masq(e)),
    probes: (e) => [ping(e.c.pod("pa").ns, EXT)],
  },
  {
    fault: "masquerade-forward-drop",
    description:
      "node1 masquerades but its FORWARD policy is DROP: FORWARD comes before POSTROUTING, silent.",
    apply: (s, e) => {
      s.ipt("n1", masq(e));
      s.ipt("n1", "-P FORWARD DROP");
    },
    probes: (e) => [ping(e.c.pod("pa").ns, EXT)],
  },
  {
    fault: "router-knows-pod-routes",
    description:
      "No masquerading, but the router has a route to node1's pod /24 via node1: the reply finds its way back, answered with the pod's own address.",
    apply: (s, e) =>
      s.ip(
        "rt",
        `route add ${e.c.node("n1").podCidr} via ${addr(`${e.c.node("n1").ip}/24`)} dev eth0`,
      ),
    probes: toExt,
    listenPorts: [80],
  },
];

export function podEgress(prefix: string): Scenario[] {
  return expand(prefix, FAMILY, "flannel-external-host", withExternalHost, variants);
}
