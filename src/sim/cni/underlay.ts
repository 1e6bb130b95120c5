import type { ClusterPlan } from "../cluster/load";
import { formatCidr } from "../cluster/load";
import { formatIpv4 } from "../ipv4";
import { cmd } from "./command";
import type { Emitter } from "./emitter";

/** Namespace names the underlay uses; node and pod names may not take them. */
export const ROUTER = "router";
export const switchName = (subnet: number): string => `sw${subnet + 1}`;

/**
 * The network the nodes sit on, like a cloud VPC: one switch (a bridge in its own namespace) per
 * subnet, and a router with a leg on every subnet, the nodes' default gateway, that knows no pod
 * CIDR. Each node gets eth0 on its subnet, a default route via the router, and forwarding on.
 */
export function installUnderlay(plan: ClusterPlan, w: Emitter): void {
  w.comment(
    `the underlay: ${plan.subnets.map((s) => formatCidr(s.cidr)).join(", ")}, joined by a router that knows no pod CIDR`,
  );
  w.netns(ROUTER);
  w.sysctl(ROUTER, "net.ipv4.ip_forward", 1);
  plan.subnets.forEach((s, i) => {
    const sw = switchName(i);
    w.netns(sw);
    w.ip(sw, cmd`link add br0 type bridge`);
    w.ip(sw, cmd`link set br0 up`);
    w.ip(ROUTER, cmd`link add eth${i} type veth peer name ${ROUTER} netns ${w.ns(sw)}`);
    w.ip(sw, cmd`link set ${ROUTER} master br0`);
    if (plan.mtu !== 1500) {
      w.ip(sw, cmd`link set ${ROUTER} mtu ${plan.mtu}`);
      w.ip(ROUTER, cmd`link set eth${i} mtu ${plan.mtu}`);
    }
    w.ip(sw, cmd`link set ${ROUTER} up`);
    w.ip(ROUTER, cmd`addr add ${formatIpv4(s.gateway)}/${s.cidr.len} dev eth${i}`);
    w.ip(ROUTER, cmd`link set eth${i} up`);
  });
  for (const node of plan.nodes) {
    const s = plan.subnets[node.subnet] as ClusterPlan["subnets"][number];
    const sw = switchName(node.subnet);
    w.comment(`node ${node.name}: eth0 ${formatIpv4(node.ip)}/${s.cidr.len} on ${sw}`);
    w.netns(node.name);
    w.ip(node.name, cmd`link add eth0 type veth peer name ${node.name} netns ${w.ns(sw)}`);
    w.ip(sw, cmd`link set ${node.name} master br0`);
    if (plan.mtu !== 1500) {
      w.ip(sw, cmd`link set ${node.name} mtu ${plan.mtu}`);
      w.ip(node.name, cmd`link set eth0 mtu ${plan.mtu}`);
    }
    w.ip(sw, cmd`link set ${node.name} up`);
    w.ip(node.name, cmd`addr add ${formatIpv4(node.ip)}/${s.cidr.len} dev eth0`);
    w.ip(node.name, cmd`link set eth0 up`);
    w.ip(node.name, cmd`route add default via ${formatIpv4(s.gateway)} dev eth0`);
    w.sysctl(node.name, "net.ipv4.ip_forward", 1);
  }
}
