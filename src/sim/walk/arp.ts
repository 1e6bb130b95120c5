import { arpResponder } from "../bpf/cilium";
import type { Ipv4 } from "../ipv4";
import type { Mac } from "../mac";
import type { Link, Netns, World } from "../model";
import { effectiveConf } from "../state/sysctl";
import type { EbpfRun } from "./hop";
import { lookupRoute } from "./route";
import { segmentOf } from "./segments";

/** Who answered an ARP request, and how. */
export type ArpAnswer =
  | {
      readonly ok: true;
      readonly mac: Mac;
      readonly responder: Link;
      readonly proxy: boolean;
      /** An eBPF program answered (Cilium's lxc ARP responder), not a kernel. */
      readonly ebpf?: { readonly run: EbpfRun; readonly text: string };
    }
  | { readonly ok: false; readonly why: string };

/**
 * Broadcasts an ARP request for `target` out of `dev` and finds the device on the segment that
 * answers (net/ipv4/arp.c, arp_process): one whose namespace owns the address (any interface
 * answers for any local address, Linux's weak host model), or else one with proxy_arp on,
 * forwarding on, and a route to the address through another device. An eBPF program at the
 * peer's TC ingress may answer first (Cilium's bpf_lxc does, for every address but the pod's own):
 * the request then never reaches any kernel.
 */
export function arpResolve(
  world: World,
  dev: Link,
  target: Ipv4,
  sender: Ipv4 | null = null,
): ArpAnswer {
  const bpf = arpResponder(world, dev, target);
  if (bpf)
    return {
      ok: true,
      mac: bpf.responder.mac,
      responder: bpf.responder,
      proxy: false,
      ebpf: { run: bpf.run, text: bpf.text },
    };
  if (dev.kind === "vxlan" && dev.remote === null && !dev.fdb.has("00:00:00:00:00:00"))
    return {
      ok: false,
      why: `ARP over ${dev.name} would need a flooding (all-zeros) FDB entry; the model resolves VXLAN neighbours only from static entries`,
    };
  if (dev.kind === "geneve")
    return {
      ok: false,
      why: `the model resolves no neighbours over a Geneve device (${dev.name})`,
    };
  if (dev.kind === "dummy" || dev.kind === "loopback")
    return { ok: false, why: `${dev.name} has no link partner to answer ARP` };
  const segment = segmentOf(world, dev);
  if (segment === null) return { ok: false, why: `${dev.name} is not attached to anything` };
  const owner = segment
    .owners(target)
    .find((l) => l !== dev && l.netns !== dev.netns && senderValid(world, l, sender));
  if (owner) return { ok: true, mac: owner.mac, responder: owner, proxy: false };
  for (const candidate of segment.proxies()) {
    if (candidate === dev || candidate.netns === dev.netns) continue;
    const ns = world.netns.get(candidate.netns);
    if (ns && answersByProxy(world, ns, candidate, target))
      return { ok: true, mac: candidate.mac, responder: candidate, proxy: true };
  }
  return { ok: false, why: `no host on ${dev.name}'s segment answered ARP for the address` };
}

/**
 * arp_process validates the request's sender address with ip_route_input, so the responder's
 * rp_filter applies: in strict mode the route back to the sender must leave through the
 * interface the request came in on.
 */
function senderValid(world: World, responder: Link, sender: Ipv4 | null): boolean {
  if (sender === null || sender === 0) return true;
  const ns = world.netns.get(responder.netns);
  if (!ns) return false;
  const mode = effectiveConf(ns, responder.name).rpFilter;
  if (mode === 0) return true;
  const back = lookupRoute(world, ns, sender);
  if (back.kind !== "unicast") return false;
  const hasAddress = ns.addresses.some((a) => a.dev === responder.name);
  return back.dev === responder.name || (mode === 2 && hasAddress);
}

function answersByProxy(world: World, ns: Netns, link: Link, target: Ipv4): boolean {
  const conf = effectiveConf(ns, link.name);
  if (!conf.proxyArp || !conf.forwarding) return false;
  const decision = lookupRoute(world, ns, target);
  return decision.kind === "unicast" && decision.dev !== link.name;
}
