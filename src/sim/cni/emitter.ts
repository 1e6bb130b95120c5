import type { ClusterPlan, PlannedNode } from "../cluster/load";
import type { Words } from "./command";

/** One command of what a node installs for a peer, as the words after `ip -n NS` or `bridge -n NS`. */
export type PeerLine =
  | { readonly tool: "ip" | "bridge"; readonly words: string }
  | { readonly comment: string };

/**
 * What every node installs for each other node (routes, neighbours, FDB entries): n × (n − 1)
 * entries, most of them alike on every node. Nodes in one `view` install, for each peer, the same
 * entries up to fields that are the node's own and the same for all its peers (Cilium's route via
 * the node's router IP), and have the same devices and connected subnets; a direct build keeps
 * one copy of each entry per view.
 */
export interface PeerTable {
  /** Unique per installer phase: the direct build keeps one shared table per name and view. */
  readonly name: string;
  view(node: PlannedNode): string;
  /** What `node` installs for `peer`, in order. */
  entries(node: PlannedNode, peer: PlannedNode): readonly PeerLine[];
}

/**
 * Where installers write what they lay out: as scenario-script text (`ScriptWriter`, what the
 * simulator runs and `export` prints) or straight into a world (`DirectWriter`, for clusters too
 * large for text). Installers write each command once, as text or as a `cmd` template (whose
 * words the direct build takes without splitting text); the direct build runs node and pod
 * commands one at a time and builds the per-peer tables once per view.
 */
export interface Emitter {
  readonly prefix: string;
  /** The namespace name for a node, pod, switch or the router. */
  ns(name: string): string;
  comment(text: string): void;
  netns(name: string): void;
  ip(name: string, words: Words): void;
  bridge(name: string, words: Words): void;
  sysctl(name: string, key: string, value: string | number): void;
  iptables(name: string, words: string): void;
  /** One nft command (`add rule ip kube-proxy …`), as nft reads it: one string, not shell words. */
  nft(name: string, command: string): void;
  /** `ipvsadm WORDS` in the node's namespace (IPVS virtual services). */
  ipvsadm(name: string, words: string): void;
  /** `ipset WORDS` in the node's namespace. */
  ipset(name: string, words: string): void;
  /** What `node` installs for every other node of the plan, in plan order. */
  peers(plan: ClusterPlan, node: PlannedNode, table: PeerTable): void;
}
