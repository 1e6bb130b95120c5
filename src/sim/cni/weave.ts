import type { ClusterPlan, PlannedNode } from "../cluster/load";
import { formatCidr, nodeOfPod } from "../cluster/load";
import type { WeaveConfig } from "../cluster/schema";
import { cmd } from "./command";
import type { Emitter, PeerTable } from "./emitter";
import { hex, ip, macFromIp, stableHash } from "./names";

/** The fast datapath's VXLAN port (weaveworks/weave router/fastdp.go). */
const FASTDP_PORT = 6784;
/**
 * Weave carries peer identities in the VNI; the model gives every node the same one, since only
 * equal VNIs on both ends decide whether a frame arrives.
 */
const FASTDP_VNI = 1;

/**
 * Weave Net with the fast datapath, as weave-kube and the weave router leave a node
 * (weaveworks/weave: prog/weave-kube/launch.sh, net/bridge.go, router/fastdp.go; archived in 2024,
 * the project is no longer maintained):
 * - Pods hang off the `weave` Linux bridge (`vethwepl…` devices); every pod address is in one
 *   cluster-wide subnet (IPALLOC_RANGE, 10.32.0.0/12), so pods on other nodes are on-link and
 *   reached by ARP, not by a route. The bridge holds an address from the node's share of the
 *   range and is the pods' default gateway for anything outside it.
 * - The bridge is joined (vethwe-bridge / vethwe-datapath) to the kernel's Open vSwitch datapath,
 *   which the router programs as a learning switch whose VXLAN port (UDP 6784) floods to every
 *   peer. The model has no OVS: `datapath` is a Linux bridge and `vxlan-6784` a learning VXLAN
 *   device with an all-zeros FDB entry per peer, which forwards the same way (flood, then learn).
 * - MTU 1376 (WEAVE_MTU) on the bridge, the datapath and the pods; the WEAVE chain masquerades
 *   traffic between the pod network and the outside.
 */
export function installWeave(plan: ClusterPlan, cfg: WeaveConfig, w: Emitter): void {
  const range = formatCidr(plan.podNetwork);
  const prefix = plan.podNetwork.len;
  // The router floods to every peer: one all-zeros FDB destination each.
  const peerTable: PeerTable = {
    name: "weave",
    view: () => "all",
    entries: (_node, peer) => [
      {
        tool: "bridge",
        words: `fdb append 00:00:00:00:00:00 dev vxlan-${FASTDP_PORT} dst ${ip(peer.ip)}`,
      },
    ],
  };
  for (const node of plan.nodes) {
    w.comment(`weave on ${node.name}: its share of ${range} is ${formatCidr(node.podCidr)}`);
    w.ip(node.name, cmd`link add weave type bridge`);
    w.ip(node.name, cmd`link set weave mtu ${cfg.mtu}`);
    w.ip(node.name, cmd`addr add ${ip(bridgeAddress(node))}/${prefix} dev weave`);
    w.ip(node.name, cmd`link set weave up`);
    w.ip(node.name, cmd`link add datapath type bridge`);
    w.ip(node.name, cmd`link set datapath mtu ${cfg.mtu}`);
    w.ip(node.name, cmd`link set datapath up`);
    w.ip(node.name, cmd`link add vethwe-bridge type veth peer name vethwe-datapath`);
    w.ip(node.name, cmd`link set vethwe-bridge mtu ${cfg.mtu}`);
    w.ip(node.name, cmd`link set vethwe-datapath mtu ${cfg.mtu}`);
    w.ip(node.name, cmd`link set vethwe-bridge master weave`);
    w.ip(node.name, cmd`link set vethwe-datapath master datapath`);
    w.ip(node.name, cmd`link set vethwe-bridge up`);
    w.ip(node.name, cmd`link set vethwe-datapath up`);
    w.ip(
      node.name,
      cmd`link add vxlan-${FASTDP_PORT} type vxlan id ${FASTDP_VNI} dstport ${FASTDP_PORT} local ${ip(node.ip)} dev eth0`,
    );
    w.ip(node.name, cmd`link set vxlan-${FASTDP_PORT} mtu ${cfg.mtu + 50}`);
    w.peers(plan, node, peerTable);
    w.ip(node.name, cmd`link set vxlan-${FASTDP_PORT} master datapath`);
    w.ip(node.name, cmd`link set vxlan-${FASTDP_PORT} up`);
    // weave's configureIPTables (net/bridge.go): pod traffic is accepted in FORWARD ahead of
    // anything else, so a FORWARD policy of DROP does not cut the pods off.
    w.iptables(node.name, "-I FORWARD 1 -i weave -o weave -j ACCEPT");
    w.iptables(node.name, "-I FORWARD 2 -i weave ! -o weave -j ACCEPT");
    w.iptables(
      node.name,
      "-I FORWARD 3 -o weave -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
    );
    w.iptables(node.name, "-t nat -N WEAVE");
    w.iptables(node.name, "-t nat -A POSTROUTING -j WEAVE");
    w.iptables(node.name, `-t nat -A WEAVE -s ${range} -d 224.0.0.0/4 -j RETURN`);
    w.iptables(node.name, `-t nat -A WEAVE ! -s ${range} -d ${range} -j MASQUERADE`);
    w.iptables(node.name, `-t nat -A WEAVE -s ${range} ! -d ${range} -j MASQUERADE`);
  }
  for (const pod of plan.pods) {
    const node = nodeOfPod(plan, pod);
    const veth = `vethwepl${hex(stableHash(pod.name), 7)}`;
    w.comment(`pod ${pod.name} on ${node.name}: ${ip(pod.ip)}/${prefix}, ${veth} on weave`);
    w.netns(pod.name);
    w.ip(node.name, cmd`link add ${veth} type veth peer name eth0 netns ${w.ns(pod.name)}`);
    w.ip(node.name, cmd`link set ${veth} mtu ${cfg.mtu}`);
    w.ip(node.name, cmd`link set ${veth} master weave`);
    w.ip(node.name, cmd`link set ${veth} up`);
    w.ip(pod.name, cmd`link set eth0 address ${macFromIp(pod.ip)}`);
    w.ip(pod.name, cmd`link set eth0 mtu ${cfg.mtu}`);
    w.ip(pod.name, cmd`addr add ${ip(pod.ip)}/${prefix} dev eth0`);
    w.ip(pod.name, cmd`link set eth0 up`);
    w.ip(pod.name, cmd`route add default via ${ip(bridgeAddress(node))} dev eth0`);
  }
}

/** The `weave` bridge takes the second address of the node's share (the first is left out). */
function bridgeAddress(node: PlannedNode): number {
  return node.podCidr.addr + 1;
}
