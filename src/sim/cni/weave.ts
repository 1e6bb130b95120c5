import type { ClusterPlan, PlannedNode } from "../cluster/load";
import { formatCidr, nodeOfPod } from "../cluster/load";
import type { WeaveConfig } from "../cluster/schema";
import type { SleeveRouter } from "../model";
import { unreachable } from "../unreachable";
import type { ProgramSetup } from "../userspace/programs";
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
 * The router's port (router/consts.go, Port; weave-kube starts weaver with --port=6783): TCP for
 * the control connections between peers, UDP for sleeve's datagrams.
 */
const ROUTER_PORT = 6783;
/** The veth end the sleeve router captures and injects on (net/bridge.go, PcapIfName). */
const PCAP_DEVICE = "vethwe-pcap";

/**
 * WEAVE_MTU, or weave's default when it is unset (net/bridge.go): 1376 for the fast datapath
 * (fastdpImpl.init: GCE's 1460 less VXLAN's 50 and IPsec's 34), 65535 for the sleeve bridge
 * (bridgeImpl.initPrep), which the pods' veths then take too (the CNI plugin passes no MTU;
 * weave's test/190_no_fastdp_2_test.sh checks for 65535). Sleeve's router finds the path MTU to
 * each peer itself and answers a too-big DF frame with ICMP "fragmentation needed".
 */
export function weaveMtu(cfg: WeaveConfig): number {
  if (cfg.mtu !== undefined) return cfg.mtu;
  switch (cfg.mode) {
    case "fastdp":
      return 1376;
    case "sleeve":
      return 65535;
    default:
      return unreachable(cfg.mode);
  }
}

/**
 * Weave Net, as weave-kube and the weave router leave a node (weaveworks/weave:
 * prog/weave-kube/launch.sh, net/bridge.go, router/fastdp.go, router/sleeve.go; archived in
 * 2024, the project is no longer maintained):
 * - Pods hang off the `weave` Linux bridge (`vethwepl…` devices); every pod address is in one
 *   cluster-wide subnet (IPALLOC_RANGE, 10.32.0.0/12), so pods on other nodes are on-link and
 *   reached by ARP, not by a route. The bridge holds an address from the node's share of the
 *   range and is the pods' default gateway for anything outside it.
 * - Fast datapath: the bridge is joined (vethwe-bridge / vethwe-datapath) to the kernel's Open
 *   vSwitch datapath, which the router programs as a learning switch whose VXLAN port (UDP 6784)
 *   floods to every peer. The model has no OVS: `datapath` is a Linux bridge and `vxlan-6784` a
 *   learning VXLAN device with an all-zeros FDB entry per peer, which forwards the same way
 *   (flood, then learn). MTU 1376 unless WEAVE_MTU says otherwise.
 * - Sleeve (net/bridge.go, bridgeImpl): no datapath; the bridge's port `vethwe-bridge` is a veth
 *   whose other end, `vethwe-pcap`, belongs to the router, which captures and injects frames there
 *   and carries them between nodes in UDP 6783 (a user-space program: see userspace/ and the
 *   walker). Returned as a program to start on every node, since no script line can. MTU 65535
 *   unless WEAVE_MTU says otherwise.
 * - The WEAVE chain masquerades traffic between the pod network and the outside.
 */
export function installWeave(
  plan: ClusterPlan,
  cfg: WeaveConfig,
  w: Emitter,
): readonly ProgramSetup[] {
  const range = formatCidr(plan.podNetwork);
  const prefix = plan.podNetwork.len;
  const mtu = weaveMtu(cfg);
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
  // launch.sh starts every router with KUBE_PEERS, the address of every node: one list for all.
  const kubePeers = plan.nodes.map((n) => n.ip);
  const programs: ProgramSetup[] = [];
  for (const node of plan.nodes) {
    w.comment(`weave on ${node.name}: its share of ${range} is ${formatCidr(node.podCidr)}`);
    w.ip(node.name, cmd`link add weave type bridge`);
    w.ip(node.name, cmd`link set weave mtu ${mtu}`);
    w.ip(node.name, cmd`addr add ${ip(bridgeAddress(node))}/${prefix} dev weave`);
    w.ip(node.name, cmd`link set weave up`);
    switch (cfg.mode) {
      case "fastdp":
        fastDatapath(plan, node, mtu, peerTable, w);
        break;
      case "sleeve": {
        // bridgeImpl.init: CreateAndAttachVeth(vethwe-bridge, vethwe-pcap, weave, MTU), both up.
        w.ip(node.name, cmd`link add vethwe-bridge type veth peer name ${PCAP_DEVICE}`);
        w.ip(node.name, cmd`link set vethwe-bridge mtu ${mtu}`);
        w.ip(node.name, cmd`link set ${PCAP_DEVICE} mtu ${mtu}`);
        w.ip(node.name, cmd`link set vethwe-bridge master weave`);
        w.ip(node.name, cmd`link set vethwe-bridge up`);
        w.ip(node.name, cmd`link set ${PCAP_DEVICE} up`);
        const router: SleeveRouter = {
          kind: "weave-sleeve",
          capture: PCAP_DEVICE,
          port: ROUTER_PORT,
          name: node.ip,
          peers: kubePeers,
        };
        programs.push({ node: node.name, program: router });
        break;
      }
      default:
        unreachable(cfg.mode);
    }
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
    w.ip(node.name, cmd`link set ${veth} mtu ${mtu}`);
    w.ip(node.name, cmd`link set ${veth} master weave`);
    w.ip(node.name, cmd`link set ${veth} up`);
    w.ip(pod.name, cmd`link set eth0 address ${macFromIp(pod.ip)}`);
    w.ip(pod.name, cmd`link set eth0 mtu ${mtu}`);
    w.ip(pod.name, cmd`addr add ${ip(pod.ip)}/${prefix} dev eth0`);
    w.ip(pod.name, cmd`link set eth0 up`);
    w.ip(pod.name, cmd`route add default via ${ip(bridgeAddress(node))} dev eth0`);
  }
  return programs;
}

/** The datapath and its VXLAN port, joined to the `weave` bridge (bridgedFastdpImpl). */
function fastDatapath(
  plan: ClusterPlan,
  node: PlannedNode,
  mtu: number,
  peerTable: PeerTable,
  w: Emitter,
): void {
  w.ip(node.name, cmd`link add datapath type bridge`);
  w.ip(node.name, cmd`link set datapath mtu ${mtu}`);
  w.ip(node.name, cmd`link set datapath up`);
  w.ip(node.name, cmd`link add vethwe-bridge type veth peer name vethwe-datapath`);
  w.ip(node.name, cmd`link set vethwe-bridge mtu ${mtu}`);
  w.ip(node.name, cmd`link set vethwe-datapath mtu ${mtu}`);
  w.ip(node.name, cmd`link set vethwe-bridge master weave`);
  w.ip(node.name, cmd`link set vethwe-datapath master datapath`);
  w.ip(node.name, cmd`link set vethwe-bridge up`);
  w.ip(node.name, cmd`link set vethwe-datapath up`);
  w.ip(
    node.name,
    cmd`link add vxlan-${FASTDP_PORT} type vxlan id ${FASTDP_VNI} dstport ${FASTDP_PORT} local ${ip(node.ip)} dev eth0`,
  );
  w.ip(node.name, cmd`link set vxlan-${FASTDP_PORT} mtu ${mtu + 50}`);
  w.peers(plan, node, peerTable);
  w.ip(node.name, cmd`link set vxlan-${FASTDP_PORT} master datapath`);
  w.ip(node.name, cmd`link set vxlan-${FASTDP_PORT} up`);
}

/** The `weave` bridge takes the second address of the node's share (the first is left out). */
function bridgeAddress(node: PlannedNode): number {
  return node.podCidr.addr + 1;
}
