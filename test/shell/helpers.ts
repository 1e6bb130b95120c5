import { NodeShell } from "../../src/shell/session";
import { buildCluster, exampleCluster } from "../cni/helpers";

/** A shell on `node` of an example cluster (examples/clusters/NAME.yaml), with its world. */
export function shellOn(name: string, node = "node1", edit?: (text: string) => string) {
  const text = exampleCluster(name);
  const cluster = buildCluster(edit ? edit(text) : text);
  if (cluster.setupErrors.length > 0)
    throw new Error(cluster.setupErrors.map((e) => e.message).join("\n"));
  const shell = new NodeShell({ world: cluster.world, plan: cluster.plan, node });
  return { shell, ...cluster };
}

/** The text with `from` replaced by `to`; fails loudly when `from` is not there. */
export function replaced(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`not in the cluster file: ${from}`);
  return text.replace(from, to);
}
