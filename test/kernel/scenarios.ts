// The scenario generator for the simulator-vs-kernel comparison: ~240 deterministic scenarios,
// one family per file under scenarios/ (flat L2, routed underlays, Flannel vxlan and host-gw,
// Calico with proxy ARP, kube-proxy DNAT, same-node pods, pod egress, and edge cases a review
// found between the simulator and the kernel). Each scenario is a script in the simulator's
// dialect plus 1-3 probes; the comparison builds it in the simulator and in network namespaces
// (netns.ts) and compares verdicts. No stored answers: each description says what the kernel
// did (Linux 6.18, iproute2 6.1, iptables 1.8.9 nf_tables, ping -W2).
//
// Kernel behaviour that surprised us while checking these scenarios (all seen on this machine):
// - br_netfilter: bridge-nf-call-iptables is 1 in every new netns, so bridged IPv4 crosses
//   iptables FORWARD. FORWARD DROP in a switch netns silences the hosts on it (VXLAN between
//   nodes too); FORWARD DROP on a Flannel node also breaks same-node pods on cni0, although
//   ip_forward=0 does not (flat-l2/switch/forward-drop-on-switch, same-node/flannel-cni0/*).
// - A veth refuses a frame larger than its peer's MTU, and the sender hears about it: a
//   1500-byte DF ping to a peer at MTU 1400 fails with `ping: sendmsg: No buffer space available`
//   (flat-l2/veth/mtu-mismatch). A bridge port with the smaller MTU drops silently instead.
// - A DROP in the sender's own OUTPUT chain is silent for ping (no `Operation not permitted`
//   printed, 1 packet "transmitted") and a TCP connect just times out.
// - VXLAN outer packets carry no DF: an underlay smaller than flannel.1 + 50 breaks nothing, the
//   node (or a router on the way) fragments the outer UDP and even a 1450-byte inner DF ping is
//   answered (flannel-vxlan/*/mtu-underlay-small). Only an L2 hop with a smaller MTU than the
//   nodes' eth0 (switch ports) makes the real black hole: big packets vanish, DF or not
//   (flannel-vxlan/two-nodes/mtu-underlay-blackhole).
// - A wrong gateway that forwards is answered *and* sends an ICMP redirect the sender's ping
//   prints (`From <gw>: icmp_seq=1 Redirect Host(New nexthop: …)`), but only when the original
//   source is on the redirecting router's link: pods behind a host-gw detour get no redirect.
// - A routing loop between two routers: `Time to live exceeded` comes from the router where the
//   TTL runs out, the 64th hop, i.e. r2's transit address with TTL 64 and two routers.
// - flannel.1 down then up: the onlink route (and the permanent neighbour) are gone for good; the
//   FDB entry survives. A neighbour entry on flannel.1 carrying a *third* node's VTEP MAC still
//   works: that node decapsulates and routes the packet on (ttl=61).
// - MASQUERADE picks the outgoing device's address: towards flannel.1 that is the node's pod
//   /24 .0, so it does not rescue a missing return route on the far node, while SNAT to the
//   node's eth0 address does (kube-proxy-dnat/*/snat-rescues-return-route, masquerade-no-rescue).
// - Filter rules on a Service's port never match forwarded traffic: PREROUTING has already
//   DNATed it to the target port (kube-proxy-dnat/*/filter-service-port-drop-no-effect).
// - Calico without proxy_delay=0: the proxy ARP answer waits a random 0-0.8 s, still inside a
//   1 s ping (calico-proxyarp/two-nodes/proxy-delay-default).
// - edges/*: ICMP errors about NATed packets come back un-NATed (a DNATed packet's errors from
//   the VIP); a redirect about a NATed connection is dropped by NAT; with br_netfilter a DNAT
//   back onto the same bridge is bridged, not routed; --ctstate DNAT matches the replies too;
//   ping refuses the subnet broadcast even without `brd`; a source reachable only through another
//   interface fails rp_filter=2 when the incoming interface has no address, and a strict
//   rp_filter on the ARP sender's address silences ARP; send_redirects is all OR the interface;
//   `route replace` refuses when an identical route is not the first of its prefix and metric.
// - ARP failures (wrong gateway that does not exist, missing/wrong neighbours, ports down) only
//   print `Destination Host Unreachable` after ~3 s: within the probes' -W2 they are silent.
import { calico } from "./scenarios/calico";
import type { Scenario } from "./scenarios/common";
import { edges } from "./scenarios/edges";
import { flannelHostGw } from "./scenarios/flannel-host-gw";
import { flannelVxlan } from "./scenarios/flannel-vxlan";
import { flatL2 } from "./scenarios/flat-l2";
import { kubeProxy } from "./scenarios/kube-proxy";
import { podEgress } from "./scenarios/pod-egress";
import { routedUnderlay } from "./scenarios/routed-underlay";
import { sameNode } from "./scenarios/same-node";

export type { Scenario, ScenarioProbe } from "./scenarios/common";

export function generateScenarios(prefix: string): Scenario[] {
  return [
    ...flatL2(prefix),
    ...routedUnderlay(prefix),
    ...flannelVxlan(prefix),
    ...flannelHostGw(prefix),
    ...calico(prefix),
    ...kubeProxy(prefix),
    ...sameNode(prefix),
    ...podEgress(prefix),
    ...edges(prefix),
  ];
}
