import type { ClusterPlan, PlannedNode } from "../cluster/load";
import { formatCidr, nodeOfPod } from "../cluster/load";
import type { CalicoConfig } from "../cluster/schema";
import { cmd } from "./command";
import type { Emitter, PeerLine, PeerTable } from "./emitter";
import { caliName, ip, macFromIp } from "./names";

const IPIP_OVERHEAD = 20;
const VXLAN_OVERHEAD = 50;
/** Calico's VXLAN defaults (FelixConfiguration vxlanVNI, vxlanPort). */
const VXLAN_VNI = 4096;
const VXLAN_PORT = 4789;
/** The routing protocol number Felix marks its routes with (vxlan_mgr.go). */
const FELIX_PROTO = 80;

type Way = "direct" | "router" | "ipip" | "vxlan";

/**
 * How a node reaches a peer's block: plain routing to a peer on its own subnet, IPIP or VXLAN
 * when the pool says Always (or CrossSubnet and the peer is on another subnet), and otherwise, for
 * a BGP-only pool across subnets, BIRD's recursive next hop: the subnet's router, which knows no
 * pod CIDR.
 */
function wayTo(cfg: CalicoConfig, node: PlannedNode, peer: PlannedNode): Way {
  const same = node.subnet === peer.subnet;
  const { ipipMode, vxlanMode } = cfg.ipPool;
  if (ipipMode === "Always" || (ipipMode === "CrossSubnet" && !same)) return "ipip";
  if (vxlanMode === "Always" || (vxlanMode === "CrossSubnet" && !same)) return "vxlan";
  return same ? "direct" : "router";
}

/**
 * Calico as calico-node (BIRD and Felix) and the Calico CNI plugin leave a node
 * (projectcalico/calico: confd's BIRD templates, felix/dataplane/linux/{route_table,vxlan_mgr,
 * endpoint_mgr}.go, cni-plugin/pkg/dataplane/linux):
 * - Each node owns a /blockSize IPAM block: `blackhole <block>` so unassigned addresses are not
 *   sent back out (proto bird, or Felix's 80 for VXLAN pools, which Felix routes without BIRD).
 * - Each pod gets a /32 on eth0, routes `169.254.1.1 dev eth0 scope link` and `default via
 *   169.254.1.1`; the host side `cali…` (MAC ee:ee:ee:ee:ee:ee) has proxy_arp on and proxy_delay 0,
 *   and the host a `<pod>/32 dev cali… scope link` route.
 * - Per peer block: `via <peer> dev eth0 proto bird` (BGP), `via <peer> dev tunl0 proto bird onlink`
 *   (IPIP, tunl0 holds the block's first address, MTU underlay-20), or `via <peer VTEP> dev
 *   vxlan.calico onlink` with the peer VTEP's permanent neighbour and FDB entry (VXLAN: VNI 4096,
 *   UDP 4789, MTU underlay-50).
 */
export function installCalico(plan: ClusterPlan, cfg: CalicoConfig, w: Emitter): void {
  const ipip = cfg.ipPool.ipipMode !== "Never";
  const vxlan = cfg.ipPool.vxlanMode !== "Never";
  const podMtu = ipip ? plan.mtu - IPIP_OVERHEAD : vxlan ? plan.mtu - VXLAN_OVERHEAD : plan.mtu;
  const routeProto = vxlan ? String(FELIX_PROTO) : "bird";
  const peerTable: PeerTable = {
    name: "calico",
    // The way to a peer and the router to send it to depend on the node's subnet.
    view: (node) => `subnet ${node.subnet}`,
    entries: (node, peer) => routeToPeer(plan, cfg, routeProto, node, peer),
  };
  for (const node of plan.nodes) {
    const block = node.podCidr;
    w.comment(`calico-node on ${node.name}: IPAM block ${formatCidr(block)}`);
    w.ip(node.name, cmd`route add blackhole ${formatCidr(block)} proto ${routeProto}`);
    // Felix's filter FORWARD (felix/rules/static.go): cali-FORWARD marks traffic from and to
    // workloads as accepted (the per-endpoint policy chains it dispatches to allow everything
    // here, as with no NetworkPolicy), and a rule appended to FORWARD accepts what is marked, so
    // pod traffic passes even under a FORWARD policy of DROP.
    w.iptables(node.name, "-N cali-FORWARD");
    w.iptables(
      node.name,
      `-I FORWARD 1 -m comment --comment "cali:wUHhoiAYhphO9Mso" -j cali-FORWARD`,
    );
    w.iptables(
      node.name,
      `-A cali-FORWARD -i cali+ -m comment --comment "cali:8ZoYfO5HKXWbB3pk" -j MARK --set-xmark 0x10000/0x10000`,
    );
    w.iptables(
      node.name,
      `-A cali-FORWARD -o cali+ -m comment --comment "cali:jdEuaPBe14V2hutn" -j MARK --set-xmark 0x10000/0x10000`,
    );
    w.iptables(
      node.name,
      `-A FORWARD -m comment --comment "cali:S93hcgKJrXEqnTfs" -m mark --mark 0x10000/0x10000 -j ACCEPT`,
    );
    if (ipip) {
      // The ipip module's fallback device, which calico-node configures.
      w.ip(node.name, cmd`link add tunl0 type ipip`);
      w.ip(node.name, cmd`link set tunl0 mtu ${plan.mtu - IPIP_OVERHEAD}`);
      w.ip(node.name, cmd`addr add ${ip(tunnelAddress(node))}/32 dev tunl0`);
      w.ip(node.name, cmd`link set tunl0 up`);
    }
    if (vxlan) {
      w.ip(
        node.name,
        cmd`link add vxlan.calico type vxlan id ${VXLAN_VNI} dstport ${VXLAN_PORT} local ${ip(node.ip)} dev eth0 nolearning`,
      );
      w.ip(node.name, cmd`link set vxlan.calico address ${vtepMac(node)}`);
      w.ip(node.name, cmd`link set vxlan.calico mtu ${plan.mtu - VXLAN_OVERHEAD}`);
      w.ip(node.name, cmd`addr add ${ip(tunnelAddress(node))}/32 dev vxlan.calico`);
      w.ip(node.name, cmd`link set vxlan.calico up`);
    }
  }
  for (const node of plan.nodes) {
    if (plan.nodes.length > 1)
      w.comment(`${node.name}: routes to the other nodes' blocks (${vxlan ? "Felix" : "BIRD"})`);
    w.peers(plan, node, peerTable);
  }
  for (const pod of plan.pods) {
    const node = nodeOfPod(plan, pod);
    const cali = caliName(pod.name);
    w.comment(
      `pod ${pod.name} on ${node.name}: ${ip(pod.ip)}/32 from the block, ${cali} on the host`,
    );
    w.netns(pod.name);
    w.ip(node.name, cmd`link add ${cali} type veth peer name eth0 netns ${w.ns(pod.name)}`);
    w.ip(node.name, cmd`link set ${cali} address ee:ee:ee:ee:ee:ee`);
    w.ip(node.name, cmd`link set ${cali} mtu ${podMtu}`);
    w.ip(node.name, cmd`link set ${cali} up`);
    w.sysctl(node.name, `net.ipv4.conf.${cali}.proxy_arp`, 1);
    w.sysctl(node.name, `net.ipv4.neigh.${cali}.proxy_delay`, 0);
    w.ip(node.name, cmd`route add ${ip(pod.ip)}/32 dev ${cali} scope link`);
    w.ip(pod.name, cmd`link set eth0 address ${macFromIp(pod.ip)}`);
    w.ip(pod.name, cmd`link set eth0 mtu ${podMtu}`);
    w.ip(pod.name, cmd`addr add ${ip(pod.ip)}/32 dev eth0`);
    w.ip(pod.name, cmd`link set eth0 up`);
    w.ip(pod.name, cmd`route add 169.254.1.1 dev eth0 scope link`);
    w.ip(pod.name, cmd`route add default via 169.254.1.1 dev eth0`);
  }
}

/** What BIRD or Felix installs on `node` for `peer`'s block. */
function routeToPeer(
  plan: ClusterPlan,
  cfg: CalicoConfig,
  routeProto: string,
  node: PlannedNode,
  peer: PlannedNode,
): PeerLine[] {
  const block = formatCidr(peer.podCidr);
  const way = wayTo(cfg, node, peer);
  switch (way) {
    case "direct":
      return [
        { tool: "ip", words: `route add ${block} via ${ip(peer.ip)} dev eth0 proto ${routeProto}` },
      ];
    case "router": {
      const gateway = plan.subnets[node.subnet]?.gateway ?? 0;
      return [{ tool: "ip", words: `route add ${block} via ${ip(gateway)} dev eth0 proto bird` }];
    }
    case "ipip":
      return [
        { tool: "ip", words: `route add ${block} via ${ip(peer.ip)} dev tunl0 proto bird onlink` },
      ];
    case "vxlan": {
      const vtep = ip(tunnelAddress(peer));
      return [
        {
          tool: "ip",
          words: `neigh add ${vtep} lladdr ${vtepMac(peer)} dev vxlan.calico nud permanent`,
        },
        {
          tool: "bridge",
          words: `fdb add ${vtepMac(peer)} dev vxlan.calico dst ${ip(peer.ip)} self permanent`,
        },
        {
          tool: "ip",
          words: `route add ${block} via ${vtep} dev vxlan.calico onlink proto ${FELIX_PROTO}`,
        },
      ];
    }
  }
}

/** The tunnel device's address: calico-node takes the first address of the node's block. */
function tunnelAddress(node: PlannedNode): number {
  return node.podCidr.addr;
}

function vtepMac(node: PlannedNode): string {
  // Felix derives the VTEP MAC from the node; 66:… marks it as Calico's in traces.
  return macFromIp(tunnelAddress(node)).replace(/^0a:58/, "66:ca");
}
