/**
 * Service proxies as installers: kube-proxy's modes (and Cilium's eBPF replacement) turn the
 * cluster's Services into each node's state, the way the real ones do.
 */
import type { BpfDatapath } from "../bpf/maps";
import type { ClusterPlan } from "../cluster/load";
import type { Emitter } from "../cni/emitter";
import { unreachable } from "../unreachable";
import { installEbpfProxy } from "./ebpf";
import { installIptablesProxy } from "./iptables";
import { installIpvsProxy } from "./ipvs";
import { installNftablesProxy } from "./nftables";

/**
 * Lays the Service proxy out; returns the eBPF datapath the CNI returned, extended with the
 * kube-proxy replacement's maps in mode ebpf (which writes no script line at all).
 */
export function installServiceProxy(
  plan: ClusterPlan,
  w: Emitter,
  datapath: BpfDatapath | null,
): BpfDatapath | null {
  const proxy = plan.kubeProxy;
  if (!proxy) return datapath;
  switch (proxy.mode) {
    case "iptables":
      installIptablesProxy(plan, w);
      return datapath;
    case "nftables":
      installNftablesProxy(plan, w);
      return datapath;
    case "ipvs":
      installIpvsProxy(plan, w);
      return datapath;
    case "ebpf": {
      const cni = plan.file.cni;
      // The planner refuses ebpf with any other CNI; Cilium always returns its datapath.
      if (cni.plugin !== "cilium" || !datapath) return datapath;
      return installEbpfProxy(plan, cni, datapath, w);
    }
    default:
      return unreachable(proxy.mode);
  }
}
