/**
 * Service proxies as installers: kube-proxy's modes (and Cilium's eBPF replacement) turn the
 * cluster's Services into each node's state, the way the real ones do.
 */
import type { ClusterPlan } from "../cluster/load";
import type { Emitter } from "../cni/emitter";
import { unreachable } from "../unreachable";
import { installIptablesProxy } from "./iptables";
import { installIpvsProxy } from "./ipvs";

export function installServiceProxy(plan: ClusterPlan, w: Emitter): void {
  const proxy = plan.kubeProxy;
  if (!proxy) return;
  switch (proxy.mode) {
    case "iptables":
      installIptablesProxy(plan, w);
      return;
    case "ipvs":
      installIpvsProxy(plan, w);
      return;
    case "nftables":
    case "ebpf":
      return;
    default:
      unreachable(proxy.mode);
  }
}
