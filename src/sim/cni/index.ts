/**
 * CNI plugins as installers: a cluster file goes in, the scenario script that lays out every
 * node's Linux state (as the real plugin would) comes out, and the simulator runs that script.
 */
import { type ClusterError, type ClusterPlan, loadCluster } from "../cluster/load";
import { installCalico } from "./calico";
import { installFlannel } from "./flannel";
import { ScriptWriter } from "./script-writer";
import { installUnderlay } from "./underlay";
import { installWeave } from "./weave";

export type { ClusterError, ClusterPlan };

/** The scenario script for a validated cluster; namespaces are named `<prefix><node|pod|router|swN>`. */
export function clusterScript(plan: ClusterPlan, prefix = ""): string {
  const w = new ScriptWriter(prefix);
  const title = plan.file.name ?? `${plan.nodes.length} nodes`;
  w.comment(`${title}: ${describeCni(plan)}`);
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
      installWeave(plan, cni, w);
      break;
  }
  return w.text();
}

export function describeCni(plan: ClusterPlan): string {
  const cni = plan.file.cni;
  if (cni.plugin === "flannel")
    return `Flannel ${cni.backend.type}${cni.backend.type === "vxlan" && cni.backend.directRouting ? " with DirectRouting" : ""}`;
  if (cni.plugin === "weave") return "Weave Net, fast datapath (a project no longer maintained)";
  const { ipipMode, vxlanMode } = cni.ipPool;
  if (ipipMode !== "Never") return `Calico IPIP (${ipipMode})`;
  if (vxlanMode !== "Never") return `Calico VXLAN (${vxlanMode})`;
  return "Calico BGP, no overlay";
}

/** Loads a cluster file and returns its script, or every problem found in it. */
export function clusterFileScript(
  text: string,
  prefix = "",
): { ok: true; plan: ClusterPlan; script: string } | { ok: false; errors: ClusterError[] } {
  const loaded = loadCluster(text);
  if (!loaded.ok) return loaded;
  return { ok: true, plan: loaded.plan, script: clusterScript(loaded.plan, prefix) };
}
