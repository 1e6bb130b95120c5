/**
 * A drawn cluster made ready for questions: its YAML, plan and healthy world, the probe, and the
 * context the fault catalogue reads; and the words that set a question's scene (the cluster in a
 * few lines, the probe as a learner would type it), in English and Korean.
 */
import type { GoalProbe } from "../lessons/schema";
import { type ClusterPlan, describeCni, type ProbeResult, type World } from "../sim";
import { formatCidr } from "../sim/cluster/cidr";
import { formatIpv4 } from "../sim/ipv4";
import { unreachable } from "../sim/unreachable";
import { type ClusterInput, clusterYaml, type DrawnCluster } from "./clusters";
import type { FaultContext } from "./faults";
import { build, send } from "./scenario";
import type { Localized, QuizProbe } from "./types";

/** A cluster ready for a question. */
export interface Setting {
  /** The drawn cluster file, before it was written as YAML. */
  readonly fileInput: ClusterInput;
  readonly cluster: string;
  readonly plan: ClusterPlan;
  readonly world: World;
  readonly probe: QuizProbe;
  readonly baseline: ProbeResult;
  readonly ctx: FaultContext;
}

/** Builds the drawn cluster and probes it healthy. */
export function settle(drawn: DrawnCluster): Setting {
  const cluster = clusterYaml(drawn.file);
  const { plan, world } = build(cluster, []);
  const service = plan.services.find((s) => s.name === drawn.to);
  const probe: QuizProbe = service
    ? { from: drawn.from, to: drawn.to, proto: "tcp" }
    : { from: drawn.from, to: drawn.to };
  const baseline = send({ plan, world }, probe);
  const src = plan.pods.find((p) => p.name === drawn.from);
  const endpoint = service ? service.endpoints[0]?.pod : drawn.to;
  const dst = plan.pods.find((p) => p.name === endpoint);
  if (!src || !dst)
    throw new Error(`a quiz cluster without its probe's pods: ${drawn.from}, ${drawn.to}`);
  return {
    fileInput: drawn.file,
    cluster,
    plan,
    world,
    probe,
    baseline,
    ctx: {
      plan,
      world,
      baseline,
      probe,
      srcNode: src.node,
      dstNode: dst.node,
      srcPod: src.name,
      srcIp: formatIpv4(src.ip),
      dstIp: formatIpv4(dst.ip),
    },
  };
}

/** The goal probe the checker's judge reads, for a quiz probe. */
export function goalOf(probe: QuizProbe, extra: Partial<GoalProbe> = {}): GoalProbe {
  return { ...probe, expect: "delivered", ...extra };
}

/** The cluster in a few lines: its CNI, Service proxy, nodes and pods with their addresses. */
export function describeCluster(plan: ClusterPlan): Localized {
  const subnets = plan.subnets.map((s) => formatCidr(s.cidr)).join(", ");
  const nodes = plan.nodes.map((n) => `${n.name} ${formatIpv4(n.ip)}`).join(", ");
  const pods = plan.pods.map((p) => `${p.name} ${formatIpv4(p.ip)} (${p.node})`).join(", ");
  const proxy = plan.kubeProxy;
  const proxyEn = proxy
    ? proxy.mode === "ebpf"
      ? "Cilium's eBPF kube-proxy replacement"
      : `kube-proxy in ${proxy.mode} mode`
    : "";
  const proxyKo = proxy
    ? proxy.mode === "ebpf"
      ? "Cilium eBPF kube-proxy 대체"
      : `kube-proxy ${proxy.mode} 모드`
    : "";
  // A long list of Services says how many there are; the first few are enough to name.
  const named = plan.services
    .slice(0, 3)
    .map((s) => `${s.name} ${formatIpv4(s.clusterIp)}:${s.ports[0]?.port ?? ""}`)
    .join(", ");
  const more = plan.services.length - 3;
  const services = more > 0 ? `${named} (+${more})` : named;
  const mtu = plan.mtu === 1500 ? "" : `, MTU ${plan.mtu}`;
  return {
    en: [
      `Cluster: ${describeCni(plan)}, pod network ${formatCidr(plan.podNetwork)}${proxy ? `; ${proxyEn}` : ""}`,
      `  node subnets ${subnets}${mtu}; nodes ${nodes}`,
      `  pods ${pods}`,
      ...(services ? [`  Services ${services}`] : []),
    ].join("\n"),
    ko: [
      `클러스터: ${describeCniKo(plan)}, 파드 네트워크 ${formatCidr(plan.podNetwork)}${proxy ? `; ${proxyKo}` : ""}`,
      `  노드 서브넷 ${subnets}${mtu}; 노드 ${nodes}`,
      `  파드 ${pods}`,
      ...(services ? [`  Service ${services}`] : []),
    ].join("\n"),
  };
}

/** The probe as a learner would say it. */
export function describeQuizProbe(plan: ClusterPlan, probe: QuizProbe): Localized {
  const service = plan.services.find((s) => s.name === probe.to);
  const pod = plan.pods.find((p) => p.name === probe.to);
  if (service) {
    const at = `${formatIpv4(service.clusterIp)}:${service.ports[0]?.port ?? 80}`;
    return {
      en: `a TCP connection from ${probe.from} to the Service ${service.name} (${at})`,
      // "쪽으로" needs no particle choice after the address; callers add one after 연결 or ping.
      ko: `${probe.from}에서 Service ${service.name}(${at}) 쪽으로 여는 TCP 연결`,
    };
  }
  const ip = pod ? formatIpv4(pod.ip) : probe.to;
  const size = `${probe.df ? " -M do" : ""}${probe.size === undefined ? "" : ` -s ${probe.size}`}`;
  return {
    en: `ping${size} ${ip} from ${probe.from} (to ${probe.to})`,
    ko: `${probe.from}에서 ${probe.to}(${ip}) 쪽으로 보내는 ping${size}`,
  };
}

/** The CNI and its mode in Korean: describeCni's words, with the English parts translated. */
function describeCniKo(plan: ClusterPlan): string {
  const cni = plan.file.cni;
  switch (cni.plugin) {
    case "weave":
      return cni.mode === "sleeve"
        ? "Weave Net, sleeve: 라우터의 사용자 공간 UDP 오버레이 (더 이상 유지보수되지 않는 프로젝트)"
        : "Weave Net, fast datapath (더 이상 유지보수되지 않는 프로젝트)";
    case "cilium":
      if (cni.routingMode === "tunnel")
        return `Cilium, ${cni.tunnelProtocol === "vxlan" ? "VXLAN" : "Geneve"} 터널, eBPF 데이터패스`;
      return `Cilium, 네이티브 라우팅${cni.autoDirectNodeRoutes ? " (autoDirectNodeRoutes)" : ""}, eBPF 데이터패스`;
    case "calico": {
      const { ipipMode, vxlanMode } = cni.ipPool;
      if (ipipMode === "Never" && vxlanMode === "Never") return "Calico BGP, 오버레이 없음";
      return describeCni(plan);
    }
    case "flannel":
      return describeCni(plan);
    default:
      return unreachable(cni);
  }
}
