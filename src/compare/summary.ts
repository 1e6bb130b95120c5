/**
 * The same packet under several CNI modes, reduced to what differs between them: the path's
 * devices, the encapsulation and its overhead, the pods' MTU, node1's route to pod B. Every value
 * comes from a probe in the simulator and from the state the installer laid out, never from a
 * table written by hand, so a comparison cannot disagree with a trace.
 */
import { type ClusterPlan, describeCni, type ProbeResult, probe, type World } from "../sim";
import { formatIpv4 } from "../sim/ipv4";
import { viewOf } from "../sim/walk/packet";

export interface ModeSummary {
  /** The CNI and its mode, as `export` titles it: `Flannel vxlan`, `Calico BGP, no overlay`. */
  readonly label: string;
  readonly delivered: boolean;
  readonly replied: boolean;
  /** Where and why the request or reply died, when it did. */
  readonly drop: string | null;
  /** The first encapsulation on the request's way: `VXLAN UDP 8472 VNI 1`, `IP-in-IP`, `none`. */
  readonly encap: string;
  /** Bytes the encapsulation adds (outer IP length minus inner), 0 without one. */
  readonly overhead: number;
  /** MTU of the sending pod's eth0. */
  readonly podMtu: number | null;
  /** The routes the sender's node looked up for the request (inner, then outer), as `ip route` prints them. */
  readonly routes: readonly string[];
  /** The devices the request is sent, forwarded or encapsulated by, in order: `node1 flannel.1`. */
  readonly devices: readonly string[];
  /** Steps in the request's trace. */
  readonly hops: number;
  /** eBPF program runs on the request's way (Cilium). */
  readonly ebpfRuns: number;
  /** iptables/nft rules evaluated and map lookups, both directions. */
  readonly rulesEvaluated: number;
  readonly mapLookups: number;
}

/** Pings `to` from `from` (pod names) in a built cluster and summarizes the walk. */
export function summarizeMode(
  plan: ClusterPlan,
  world: World,
  from: string,
  to: string,
): ModeSummary | { error: string } {
  const target = plan.pods.find((p) => p.name === to);
  const sender = plan.pods.find((p) => p.name === from);
  if (!target || !sender) return { error: `the cluster has no pod named "${target ? from : to}"` };
  const result = probe(world, { from, to: formatIpv4(target.ip), proto: "icmp" });
  if ("error" in result) return { error: result.error };
  return summarize(plan, world, sender.node, result, from);
}

function summarize(
  plan: ClusterPlan,
  world: World,
  senderNode: string,
  result: ProbeResult,
  from: string,
): ModeSummary {
  const request = result.hops.filter((h) => h.flow === "request");
  const encapHop = request.find((h) => h.kind === "encap");
  let encap = "none";
  let overhead = 0;
  if (encapHop) {
    const outer = viewOf(encapHop.packet);
    const inner = outer.inner;
    overhead = inner ? outer.ip.length - inner.ip.length : 0;
    encap = outer.vxlan
      ? `VXLAN UDP ${outer.udp?.dport} VNI ${outer.vxlan.vni}`
      : outer.geneve
        ? `Geneve UDP ${outer.udp?.dport} VNI ${outer.geneve.vni}`
        : outer.sleeve
          ? `weave sleeve UDP ${outer.udp?.dport}`
          : outer.ip.proto === "ipip"
            ? "IP-in-IP"
            : outer.ip.proto;
  }
  // Nodes and pods only: the underlay's switch and router namespaces are the wire, not a host.
  const hosts = new Set([...plan.nodes.map((n) => n.name), ...plan.pods.map((p) => p.name)]);
  const devices: string[] = [];
  for (const hop of request) {
    const out = hop.kind === "xmit" || hop.kind === "forward" || hop.kind === "encap";
    if (!out || hop.dev === null || !hosts.has(hop.netns)) continue;
    const name = `${hop.netns} ${hop.dev}`;
    if (devices[devices.length - 1] !== name) devices.push(name);
  }
  const routes: string[] = [];
  for (const hop of request) {
    const route = hop.route?.trimEnd();
    if (hop.kind === "route" && hop.netns === senderNode && route && !routes.includes(route))
      routes.push(route);
  }
  const pod = world.netns.get(from);
  const drop = result.request.drop ?? result.reply.drop;
  return {
    label: describeCni(plan),
    delivered: result.request.delivered,
    replied: result.reply.delivered,
    drop: drop ? `${drop.netns}: ${drop.reason}` : null,
    encap,
    overhead,
    podMtu: pod?.links.get("eth0")?.mtu ?? null,
    routes,
    devices,
    hops: request.length,
    ebpfRuns: request.filter((h) => h.kind === "ebpf").length,
    rulesEvaluated: result.rulesEvaluated,
    mapLookups: result.mapLookups,
  };
}
