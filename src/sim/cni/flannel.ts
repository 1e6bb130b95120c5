import type { ClusterPlan, PlannedNode } from "../cluster/load";
import { formatCidr, nodeOfPod, podsOnNode } from "../cluster/load";
import type { FlannelConfig } from "../cluster/schema";
import { formatIpv4 } from "../ipv4";
import { cmd } from "./command";
import type { Emitter, PeerLine, PeerTable } from "./emitter";
import { ip, macFromIp, vethName } from "./names";

/** Bytes VXLAN adds (outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14). */
const VXLAN_OVERHEAD = 50;

/**
 * Flannel as flanneld and the bridge CNI plugin leave a node (flannel-io/flannel
 * pkg/backend/vxlan/vxlan_network.go, pkg/backend/hostgw, pkg/trafficmngr/iptables; the CNI
 * plugins' bridge and host-local):
 * - vxlan: `flannel.<VNI>` (nolearning, MTU = underlay - 50, the lease's .0/32); for every other
 *   node a permanent neighbour for its VTEP, an FDB entry to its node IP, and `<its lease> via
 *   <its .0> dev flannel.1 onlink`, each written with replace as flanneld's netlink calls do;
 *   with DirectRouting, nodes on the same subnet get a host-gw route instead.
 * - host-gw: `<its lease> via <its node IP> dev eth0`, which the kernel refuses across subnets.
 * - The FLANNEL-FWD chain accepts the pod network in FORWARD, and FLANNEL-POSTRTG masquerades
 *   pod traffic that leaves the pod network (--ip-masq).
 * Pods hang off `cni0` (the lease's .1, created with the first pod) on `veth…` devices.
 */
export function installFlannel(plan: ClusterPlan, cfg: FlannelConfig, w: Emitter): void {
  const vxlan = cfg.backend.type === "vxlan";
  const mtu = vxlan ? plan.mtu - VXLAN_OVERHEAD : plan.mtu;
  const dev = `flannel.${cfg.backend.vni}`;
  const network = formatCidr(plan.podNetwork);
  const direct = cfg.backend.type === "host-gw" || (vxlan && cfg.backend.directRouting);
  const peerTable: PeerTable = {
    name: "flannel",
    // Host-gw routes depend on the node's subnet (the kernel refuses a gateway off it).
    view: (node) => (direct ? `subnet ${node.subnet}` : "all"),
    entries: (node, peer) => remoteNode(cfg, node, peer, dev),
  };
  for (const node of plan.nodes) {
    const lease = node.podCidr;
    w.comment(
      `flanneld on ${node.name}: lease ${formatCidr(lease)} (/run/flannel/subnet.env FLANNEL_MTU=${mtu})`,
    );
    if (vxlan) {
      w.ip(
        node.name,
        cmd`link add ${dev} type vxlan id ${cfg.backend.vni} dstport ${cfg.backend.port} local ${ip(node.ip)} dev eth0 nolearning`,
      );
      w.ip(node.name, cmd`link set ${dev} address ${macFromIp(lease.addr)}`);
      w.ip(node.name, cmd`link set ${dev} mtu ${mtu}`);
      w.ip(node.name, cmd`addr add ${ip(lease.addr)}/32 dev ${dev}`);
      w.ip(node.name, cmd`link set ${dev} up`);
    }
    w.iptables(node.name, "-N FLANNEL-FWD");
    w.iptables(node.name, `-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD`);
    w.iptables(
      node.name,
      `-A FLANNEL-FWD -s ${network} -m comment --comment "flanneld forward" -j ACCEPT`,
    );
    w.iptables(
      node.name,
      `-A FLANNEL-FWD -d ${network} -m comment --comment "flanneld forward" -j ACCEPT`,
    );
    w.iptables(node.name, "-t nat -N FLANNEL-POSTRTG");
    w.iptables(
      node.name,
      `-t nat -A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG`,
    );
    const masq = `-m comment --comment "flanneld masq"`;
    w.iptables(
      node.name,
      `-t nat -A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 ${masq} -j RETURN`,
    );
    w.iptables(
      node.name,
      `-t nat -A FLANNEL-POSTRTG -s ${formatCidr(lease)} -d ${network} ${masq} -j RETURN`,
    );
    w.iptables(
      node.name,
      `-t nat -A FLANNEL-POSTRTG -s ${network} -d ${formatCidr(lease)} ${masq} -j RETURN`,
    );
    w.iptables(
      node.name,
      `-t nat -A FLANNEL-POSTRTG ! -s ${network} -d ${formatCidr(lease)} ${masq} -j RETURN`,
    );
    w.iptables(
      node.name,
      `-t nat -A FLANNEL-POSTRTG -s ${network} ! -d 224.0.0.0/4 ${masq} -j MASQUERADE --random-fully`,
    );
    w.iptables(
      node.name,
      `-t nat -A FLANNEL-POSTRTG ! -s ${network} -d ${network} ${masq} -j MASQUERADE --random-fully`,
    );
  }
  for (const node of plan.nodes) {
    const others = plan.nodes.length - 1;
    if (others > 0)
      w.comment(`flanneld on ${node.name}: what it installs for the other ${others} node(s)`);
    w.peers(plan, node, peerTable);
  }
  for (const pod of plan.pods) {
    const node = nodeOfPod(plan, pod);
    const lease = node.podCidr;
    const gateway = formatIpv4(lease.addr + 1);
    if (podsOnNode(plan, node)[0] === pod) {
      w.comment(`the bridge plugin creates cni0 on ${node.name} with its first pod`);
      w.ip(node.name, cmd`link add cni0 type bridge`);
      w.ip(node.name, cmd`addr add ${gateway}/${lease.len} dev cni0`);
      w.ip(node.name, cmd`link set cni0 up`);
    }
    const veth = vethName(pod.name);
    w.comment(`pod ${pod.name} on ${node.name}: ${ip(pod.ip)} (host-local IPAM), ${veth} on cni0`);
    w.netns(pod.name);
    w.ip(node.name, cmd`link add ${veth} type veth peer name eth0 netns ${w.ns(pod.name)}`);
    w.ip(node.name, cmd`link set ${veth} mtu ${mtu}`);
    w.ip(node.name, cmd`link set ${veth} master cni0`);
    w.ip(node.name, cmd`link set ${veth} up`);
    w.ip(pod.name, cmd`link set eth0 address ${macFromIp(pod.ip)}`);
    w.ip(pod.name, cmd`link set eth0 mtu ${mtu}`);
    w.ip(pod.name, cmd`addr add ${ip(pod.ip)}/${lease.len} dev eth0`);
    w.ip(pod.name, cmd`link set eth0 up`);
    w.ip(pod.name, cmd`route add default via ${gateway} dev eth0`);
  }
}

function remoteNode(
  cfg: FlannelConfig,
  node: PlannedNode,
  peer: PlannedNode,
  dev: string,
): PeerLine[] {
  const lease = formatCidr(peer.podCidr);
  const sameSubnet = node.subnet === peer.subnet;
  if (cfg.backend.type === "host-gw" || (cfg.backend.directRouting && sameSubnet))
    return [{ tool: "ip", words: `route replace ${lease} via ${ip(peer.ip)} dev eth0` }];
  const vtep = ip(peer.podCidr.addr);
  const mac = macFromIp(peer.podCidr.addr);
  // flanneld adds the neighbour and FDB entry first, the route last, so the kernel never ARPs.
  return [
    { tool: "ip", words: `neigh replace ${vtep} lladdr ${mac} dev ${dev} nud permanent` },
    { tool: "bridge", words: `fdb replace ${mac} dev ${dev} dst ${ip(peer.ip)} self permanent` },
    { tool: "ip", words: `route replace ${lease} via ${vtep} dev ${dev} onlink` },
  ];
}
