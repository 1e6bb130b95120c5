/**
 * What the lab tests share: readouts captured from real labs on Linux 6.18 with iproute2 6.1 and
 * iptables 1.8.9 (nf_tables), by `readLab` (src/cli/lab-system.ts) after `podnet-learn lab`:
 *   flannel-vxlan-*.json      `lab flannel-vxlan --step 5`, before and after
 *                             `ip netns exec pnl-lab-node1 ip route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink`
 *   calico-pod-default-route-answered.json  `lab out-of-the-pod --step 7`, then
 *                             `ip netns exec pnl-lab-pod-a ip route add default via 169.254.1.1 dev eth0`
 *   services-iptables-*.json  `lab services-iptables --step 6`, before and after
 *                             `ip netns exec pnl-lab-node1 iptables -t nat -I PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`
 */
import { readFileSync } from "node:fs";
import type { LabReadout, NamespaceReadout } from "../../src/lab/readback";

/** A captured readout, by file name (without `.json`). */
export function readout(name: string): LabReadout {
  const url = new URL(`./fixtures/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, "utf8")) as LabReadout;
}

/** The readout with one namespace's fields changed, as if the learner had changed them. */
export function edited(
  base: LabReadout,
  netns: string,
  change: (ns: NamespaceReadout) => Partial<NamespaceReadout>,
): LabReadout {
  return {
    ...base,
    namespaces: base.namespaces.map((ns) =>
      ns.name === `${base.prefix}${netns}` ? { ...ns, ...change(ns) } : ns,
    ),
  };
}
