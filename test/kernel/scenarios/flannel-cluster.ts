// A Flannel cluster laid out the way flanneld and the bridge CNI plugin lay it out, shared by
// the flannel-vxlan, flannel-host-gw, kube-proxy, same-node and pod-egress families.
//   underlay: one switched /24 behind router `rt` (nodes are L2 neighbours), or two /24s
//             (switches sw1/sw2) joined by `rt`, which knows no pod CIDR (a cloud VPC router)
//   node:     eth0 on the underlay, ip_forward=1, cni0 bridge holding <podnet>.1/24
//   vxlan:    flannel.1 (VNI 1, UDP 8472, nolearning, MTU 1450, <podnet>.0/32, MAC 0a:58:…),
//             and per remote node: route <their /24> via <their .0> dev flannel.1 onlink,
//             a permanent neighbour <their .0> → their VTEP MAC, an FDB entry MAC → node IP
//   host-gw:  per remote node: route <their /24> via <their node IP> dev eth0
//   pod:      eth0 (MTU 1450 for vxlan) in its own netns, host side veth<8 hex> in cni0,
//             default via <podnet>.1
import { defaultVia, ifUp, mac, picker, type Script, type UnderlayNode, underlay } from "./common";

export interface FlannelNode extends UnderlayNode {
  /** e.g. 10.244.7 (the node's /24 is podNet.0/24) */
  podNet: string;
  podCidr: string;
  /** flannel.1's address, podNet.0 */
  vtep: string;
  vtepMac: string;
  /** cni0's address, podNet.1 */
  cniIp: string;
}

export interface FlannelPod {
  name: string;
  ns: string;
  ip: string;
  node: FlannelNode;
  veth: string;
  mac: string;
}

export interface FlannelCluster {
  nodes: FlannelNode[];
  pods: Record<string, FlannelPod>;
  /** the router's address on each underlay subnet */
  routerIps: string[];
  /** the cluster CIDR, 10.244.0.0/16 */
  clusterCidr: string;
  node(name: string): FlannelNode;
  pod(name: string): FlannelPod;
}

export interface ClusterSpec {
  seed: number;
  backend: "vxlan" | "host-gw" | "none";
  /** per node, the underlay subnet (0 or 1) it sits on; two subnets when any node is on 1 */
  nodeSubnets: number[];
  /** pod name → index of its node in nodeSubnets */
  pods: Record<string, number>;
  /** pod eth0 MTU; default 1450 for vxlan, 1500 otherwise */
  podMtu?: number;
}

export const VXLAN_MTU = 1450;

export function flannelCluster(s: Script, spec: ClusterSpec): FlannelCluster {
  const r = picker(spec.seed);
  const u = underlay(s, r, spec.nodeSubnets);
  const nodes: FlannelNode[] = u.nodes.map((n) => {
    const podNet = `10.244.${r.int(1, 250)}`;
    const octet = Number(podNet.split(".")[2]);
    return {
      ...n,
      podNet,
      podCidr: `${podNet}.0/24`,
      vtep: `${podNet}.0`,
      vtepMac: mac(0x0a, 0x58, 0x0a, 0xf4, octet, 0x00),
      cniIp: `${podNet}.1`,
    };
  });
  for (const n of nodes) {
    s.ip(n.name, "link add cni0 type bridge", `${n.name}:cni0:add`);
    ifUp(s, n.name, "cni0", `${n.cniIp}/24`);
    if (spec.backend === "vxlan") {
      s.ip(
        n.name,
        `link add flannel.1 type vxlan id 1 dstport 8472 local ${n.ip} dev eth0 nolearning`,
        `${n.name}:vxlan`,
      );
      ifUp(s, n.name, "flannel.1", `${n.vtep}/32`, { mac: n.vtepMac, mtu: VXLAN_MTU });
    }
  }

  // What flanneld installs for every other node.
  for (const a of nodes) {
    for (const b of nodes) {
      if (a === b) continue;
      if (spec.backend === "vxlan") {
        s.ip(
          a.name,
          `route add ${b.podCidr} via ${b.vtep} dev flannel.1 onlink`,
          `${a.name}:route:${b.name}`,
        );
        s.ip(
          a.name,
          `neigh add ${b.vtep} lladdr ${b.vtepMac} dev flannel.1 nud permanent`,
          `${a.name}:neigh:${b.name}`,
        );
        s.bridge(
          a.name,
          `fdb append ${b.vtepMac} dev flannel.1 dst ${b.ip}`,
          `${a.name}:fdb:${b.name}`,
        );
      } else if (spec.backend === "host-gw") {
        s.ip(a.name, `route add ${b.podCidr} via ${b.ip} dev eth0`, `${a.name}:route:${b.name}`);
      }
    }
  }

  // Pods, as the bridge CNI plugin makes them.
  const podMtu = spec.podMtu ?? (spec.backend === "vxlan" ? VXLAN_MTU : 1500);
  const pods: Record<string, FlannelPod> = {};
  for (const [name, nodeIndex] of Object.entries(spec.pods)) {
    const node = nodes[nodeIndex] as FlannelNode;
    const host = r.int(2, 250);
    const pod: FlannelPod = {
      name,
      ns: s.ns(name),
      ip: `${node.podNet}.${host}`,
      node,
      veth: `veth${r.hex(8)}`,
      mac: mac(0x0a, 0x58, 0x0a, 0xf4, Number(node.podNet.split(".")[2]), host),
    };
    pods[name] = pod;
    s.netns(name);
    s.ip(
      node.name,
      `link add ${pod.veth} type veth peer name eth0 netns ${pod.ns}`,
      `${name}:veth:add`,
    );
    s.ip(node.name, `link set ${pod.veth} master cni0`, `${name}:veth:master`);
    s.ip(node.name, `link set ${pod.veth} up`, `${name}:veth:up`);
    ifUp(s, name, "eth0", `${pod.ip}/24`, {
      mac: pod.mac,
      ...(podMtu !== 1500 && { mtu: podMtu }),
    });
    defaultVia(s, name, node.cniIp);
  }

  return {
    nodes,
    pods,
    routerIps: u.routerIps,
    clusterCidr: "10.244.0.0/16",
    node: (name) => {
      const n = nodes.find((x) => x.name === name);
      if (!n) throw new Error(`no node ${name}`);
      return n;
    },
    pod: (name) => {
      const p = pods[name];
      if (!p) throw new Error(`no pod ${name}`);
      return p;
    },
  };
}
