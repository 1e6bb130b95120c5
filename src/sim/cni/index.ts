/**
 * CNI plugins as installers: a cluster file goes in, the scenario script that lays out every
 * node's Linux state (as the real plugin would) comes out, and the simulator runs that script.
 */
import { type BpfDatapath, datapathComments } from "../bpf/maps";
import { type ClusterError, type ClusterPlan, loadCluster } from "../cluster/load";
import type { World } from "../model";
import { installServiceProxy } from "../proxy";
import { newWorld } from "../state/netns";
import { unreachable } from "../unreachable";
import { type ProgramSetup, programComments } from "../userspace/programs";
import { installCalico } from "./calico";
import { installCilium } from "./cilium";
import { type DirectError, DirectWriter } from "./direct-writer";
import type { Emitter } from "./emitter";
import { installFlannel } from "./flannel";
import { ScriptWriter } from "./script-writer";
import { installUnderlay } from "./underlay";
import { installWeave } from "./weave";

export type { ClusterError, ClusterPlan };

/**
 * What an installer lays out: the scenario script, the eBPF state (programs at TC hooks, maps) a
 * CNI with an eBPF datapath loads, and the user-space programs it starts (Weave's sleeve router),
 * none of which a script command can express. The script ends with that state as comment lines,
 * so `export` shows it and a shell skips it; `runCluster` (sim/index) runs the script and loads
 * the state.
 */
export interface ClusterBuild {
  readonly script: string;
  readonly datapath: BpfDatapath | null;
  readonly programs: readonly ProgramSetup[];
  /** The namespace prefix the script uses, which loading the eBPF state needs too. */
  readonly prefix: string;
}

/** The scenario script for a validated cluster; namespaces are named `<prefix><node|pod|router|swN>`. */
export function clusterScript(plan: ClusterPlan, prefix = ""): string {
  return clusterBuild(plan, prefix).script;
}

/** The script, eBPF state and user-space programs for a validated cluster. */
export function clusterBuild(plan: ClusterPlan, prefix = ""): ClusterBuild {
  const w = new ScriptWriter(prefix);
  const { datapath, programs } = install(plan, w);
  if (datapath) for (const line of datapathComments(datapath, prefix)) w.comment(line);
  if (programs.length > 0) for (const line of programComments(programs, prefix)) w.comment(line);
  return { script: w.text(), datapath, programs, prefix };
}

/**
 * Builds a cluster straight into a world, without script text: the same state running
 * `clusterBuild`'s script gives (test/cni/direct-build.test.ts holds them equal), with the tables
 * nodes hold for each other shared. Cilium's eBPF state and Weave's sleeve routers are returned
 * to load (`runClusterDirect`).
 */
export function clusterDirect(
  plan: ClusterPlan,
  prefix = "",
  world: World = newWorld(),
): {
  world: World;
  datapath: BpfDatapath | null;
  programs: readonly ProgramSetup[];
  errors: DirectError[];
  nodes: DirectWriter["nodes"];
} {
  const w = new DirectWriter(world, prefix);
  const { datapath, programs } = install(plan, w);
  return { world, datapath, programs, errors: w.errors, nodes: w.nodes };
}

/**
 * Runs every installer step for the plan through an emitter; returns the eBPF state and the
 * user-space programs, if any.
 */
function install(
  plan: ClusterPlan,
  w: Emitter,
): { datapath: BpfDatapath | null; programs: readonly ProgramSetup[] } {
  let datapath: BpfDatapath | null = null;
  let programs: readonly ProgramSetup[] = [];
  const title = plan.file.name ?? `${plan.nodes.length} nodes`;
  w.comment(`${title}: ${describeCni(plan)}${describeProxy(plan)}`);
  installUnderlay(plan, w);
  const cni = plan.file.cni;
  switch (cni.plugin) {
    case "flannel":
      installFlannel(plan, cni, w);
      break;
    case "calico":
      installCalico(plan, cni, w);
      break;
    case "weave":
      programs = installWeave(plan, cni, w);
      break;
    case "cilium":
      datapath = installCilium(plan, cni, w);
      break;
    default:
      unreachable(cni);
  }
  return { datapath: installServiceProxy(plan, w, datapath), programs };
}

/** The Service proxy and how many Services it serves, for the script's title line. */
function describeProxy(plan: ClusterPlan): string {
  const proxy = plan.kubeProxy;
  if (!proxy) return "";
  const mode =
    proxy.mode === "ebpf"
      ? "Cilium's eBPF kube-proxy replacement"
      : `kube-proxy in ${proxy.mode} mode`;
  const n = plan.services.length;
  return `; ${mode}, ${n} Service${n === 1 ? "" : "s"}`;
}

export function describeCni(plan: ClusterPlan): string {
  const cni = plan.file.cni;
  if (cni.plugin === "flannel")
    return `Flannel ${cni.backend.type}${cni.backend.type === "vxlan" && cni.backend.directRouting ? " with DirectRouting" : ""}`;
  if (cni.plugin === "weave")
    return cni.mode === "sleeve"
      ? "Weave Net, sleeve: the router's user-space UDP overlay (a project no longer maintained)"
      : "Weave Net, fast datapath (a project no longer maintained)";
  if (cni.plugin === "cilium") {
    if (cni.routingMode === "tunnel")
      return `Cilium, ${cni.tunnelProtocol === "vxlan" ? "VXLAN" : "Geneve"} tunnel, eBPF datapath`;
    return `Cilium, native routing${cni.autoDirectNodeRoutes ? " with autoDirectNodeRoutes" : ""}, eBPF datapath`;
  }
  const { ipipMode, vxlanMode } = cni.ipPool;
  if (ipipMode !== "Never") return `Calico IPIP (${ipipMode})`;
  if (vxlanMode !== "Never") return `Calico VXLAN (${vxlanMode})`;
  return "Calico BGP, no overlay";
}

/**
 * Loads a cluster file and returns its script (and eBPF state and user-space programs), or every
 * problem found in it.
 */
export function clusterFileScript(
  text: string,
  prefix = "",
): ({ ok: true; plan: ClusterPlan } & ClusterBuild) | { ok: false; errors: ClusterError[] } {
  const loaded = loadCluster(text);
  if (!loaded.ok) return loaded;
  return { ok: true, plan: loaded.plan, ...clusterBuild(loaded.plan, prefix) };
}
