/**
 * Random but valid clusters for questions (docs/cluster-files.md): a CNI and its mode for the
 * topic, node subnets and addresses, a pod network, one pod per node, and for `services` a
 * Service `web` with kube-proxy in one of its modes. Node subnets come from 192.168.0.0/16 and
 * 172.16.0.0/12, pod networks from 10.0.0.0/8 below the Service range (10.96.0.0/12), so they
 * never overlap. The loader checks every cluster anyway: generation keeps only those it plans.
 */
import { stringify } from "yaml";
import type { ClusterFile } from "../sim/cluster/schema";
import type { Rng } from "../sim/rng";
import { unreachable } from "../sim/unreachable";
import { between, distinct, pick } from "./random";
import type { Difficulty, QuizTopic } from "./types";

/** The cluster file as YAML would give it (defaults left to the loader). */
export type ClusterInput = Record<string, unknown>;

/** A drawn cluster: its file, and the pods a question probes between. */
export interface DrawnCluster {
  readonly file: ClusterInput;
  /** The pod the probe leaves from, and the pod (or Service) it goes to. */
  readonly from: string;
  readonly to: string;
}

const NODE_COUNT: Record<Difficulty, readonly number[]> = {
  easy: [2],
  medium: [2, 3],
  hard: [3, 4],
};

/** Node subnets: one on easy, sometimes two on medium, two on hard (a router between them). */
function subnetCount(rng: Rng, difficulty: Difficulty): number {
  switch (difficulty) {
    case "easy":
      return 1;
    case "medium":
      return rng() < 0.3 ? 2 : 1;
    case "hard":
      return 2;
    default:
      return unreachable(difficulty);
  }
}

function drawSubnets(rng: Rng, n: number): string[] {
  if (rng() < 0.5) return distinct(rng, n, 1, 250).map((x) => `192.168.${x}.0/24`);
  const second = between(rng, 16, 31);
  return distinct(rng, n, 0, 250).map((x) => `172.${second}.${x}.0/24`);
}

/** A pod network `10.Z.0.0/16` below the default Service range. */
function podNetwork(rng: Rng): string {
  return `10.${between(rng, 1, 90)}.0.0/16`;
}

function drawCni(rng: Rng, topic: QuizTopic, difficulty: Difficulty): Record<string, unknown> {
  const network = podNetwork(rng);
  switch (topic) {
    case "flannel":
      return {
        plugin: "flannel",
        network,
        backend: { type: pick(rng, ["vxlan", "vxlan", "host-gw"]) },
      };
    case "calico": {
      const mode = pick(rng, [
        ["Never", "Never"],
        ["Always", "Never"],
        ["CrossSubnet", "Never"],
        ["Never", "Always"],
        ["Never", "CrossSubnet"],
      ] as const);
      return {
        plugin: "calico",
        ipPool: { cidr: network, ipipMode: mode[0], vxlanMode: mode[1] },
      };
    }
    case "cilium": {
      const mode = pick(rng, ["vxlan", "geneve", "native"] as const);
      return mode === "native"
        ? {
            plugin: "cilium",
            routingMode: "native",
            autoDirectNodeRoutes: true,
            ipv4NativeRoutingCIDR: network,
            clusterPoolIPv4PodCIDRList: [network],
          }
        : {
            plugin: "cilium",
            routingMode: "tunnel",
            tunnelProtocol: mode,
            clusterPoolIPv4PodCIDRList: [network],
          };
    }
    case "weave":
      return { plugin: "weave", ipallocRange: network, mode: pick(rng, ["fastdp", "sleeve"]) };
    case "services":
      // The Service path over a CNI that kube-proxy runs beside; hard clusters may cross subnets.
      return difficulty === "easy" || rng() < 0.6
        ? { plugin: "flannel", network, backend: { type: "vxlan" } }
        : { plugin: "calico", ipPool: { cidr: network, ipipMode: "Always", vxlanMode: "Never" } };
    default:
      return unreachable(topic);
  }
}

const POD_NAMES = ["pod-a", "pod-b", "pod-c", "pod-d"] as const;

/** A cluster for `topic` at `difficulty`, with the pods a probe goes between. */
export function drawCluster(rng: Rng, topic: QuizTopic, difficulty: Difficulty): DrawnCluster {
  const nodeCount = pick(rng, NODE_COUNT[difficulty]);
  const subnets = drawSubnets(rng, subnetCount(rng, difficulty));
  // node1 and node2 share the first subnet; the others go to the last one.
  const nodes = Array.from({ length: nodeCount }, (_, i) => ({
    name: `node${i + 1}`,
    subnet: i < 2 ? 0 : subnets.length - 1,
  }));
  const hosts = distinct(rng, nodeCount, 10, 250);
  const nodeFiles = nodes.map((n, i) => ({
    name: n.name,
    ip: (subnets[n.subnet] as string).replace(/0\/24$/, String(hosts[i])),
  }));
  const pods = nodes.map((n, i) => ({ name: POD_NAMES[i] as string, node: n.name }));
  const file: ClusterInput = {
    formatVersion: 1,
    name: `quiz-${topic}`,
    underlay: { subnets: subnets.map((cidr) => ({ cidr })) },
    cni: drawCni(rng, topic, difficulty),
    nodes: nodeFiles,
    pods,
  };
  // easy: pod-a to pod-b on one subnet; else any two pods on different nodes.
  const fromIndex = difficulty === "easy" ? 0 : between(rng, 0, nodeCount - 1);
  let toIndex = difficulty === "easy" ? 0 : between(rng, 0, nodeCount - 2);
  if (toIndex >= fromIndex) toIndex++;
  const from = POD_NAMES[fromIndex] as string;
  if (topic !== "services") return { file, from, to: POD_NAMES[toIndex] as string };
  const endpoint = pods[toIndex] as { name: string; node: string };
  const extra = difficulty === "easy" ? 0 : between(rng, 1, 4);
  return {
    file: {
      ...file,
      pods: pods.map((p) => (p === endpoint ? { ...p, labels: { app: "web" } } : p)),
      kubeProxy: { mode: pick(rng, ["iptables", "ipvs", "nftables"]) },
      services: [
        { name: "web", selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] },
        ...Array.from({ length: extra }, (_, i) => ({
          name: `api${i + 1}`,
          selector: { app: `api${i + 1}` },
          ports: [{ port: 8000 + i, targetPort: 8000 + i }],
        })),
      ],
    },
    from,
    to: "web",
  };
}

/** A cluster file's YAML text, as docs/cluster-files.md writes them. */
export function clusterYaml(file: ClusterInput | ClusterFile): string {
  return stringify(file, { lineWidth: 0 });
}
