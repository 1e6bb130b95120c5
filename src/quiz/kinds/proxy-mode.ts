/**
 * "Which proxy mode fits this requirement?": the same cluster with each Service proxy (kube-proxy
 * in iptables, IPVS or nftables mode; Cilium with its eBPF replacement, which needs Cilium as the
 * CNI), a connection to the Service measured in each (iptables rules evaluated, map and hash
 * lookups), and a requirement on those numbers that exactly one of the offered modes meets.
 * Grading installs each mode again, measures, and takes the modes that meet it.
 */
import { withParticle } from "../../checker/korean";
import type { ProbeResult } from "../../sim";
import { type ClusterInput, clusterYaml } from "../clusters";
import { joinLines, localized } from "../explain";
import { explainChoice } from "../grade-text";
import { pick, shuffle } from "../random";
import { build, passed, planOf, send } from "../scenario";
import { describeCluster, describeQuizProbe } from "../setting";
import type {
  Localized,
  ProxyRequirement,
  QuizAnswer,
  QuizGrade,
  QuizProbe,
  QuizQuestion,
} from "../types";
import type { Draft, DraftInput } from "./common";
import { engineParts } from "./parts";

type Mode = "iptables" | "ipvs" | "nftables" | "ebpf";
const MODES: readonly Mode[] = ["iptables", "ipvs", "nftables", "ebpf"];

const MODE_LABELS: Record<Mode, Localized> = {
  iptables: { en: "kube-proxy in iptables mode", ko: "kube-proxy iptables 모드" },
  ipvs: { en: "kube-proxy in IPVS mode", ko: "kube-proxy IPVS 모드" },
  nftables: { en: "kube-proxy in nftables mode", ko: "kube-proxy nftables 모드" },
  ebpf: {
    en: "Cilium as the CNI, with its eBPF kube-proxy replacement",
    ko: "CNI를 Cilium으로, eBPF kube-proxy 대체와 함께",
  },
};

/** The cluster with `mode` as its Service proxy (and Cilium as the CNI for the eBPF replacement). */
function withMode(file: ClusterInput, mode: Mode): string {
  const cni = file.cni as { plugin: string; network?: string; ipPool?: { cidr: string } };
  const network = cni.network ?? cni.ipPool?.cidr ?? "10.244.0.0/16";
  return clusterYaml({
    ...file,
    ...(mode === "ebpf"
      ? {
          cni: {
            plugin: "cilium",
            routingMode: "tunnel",
            tunnelProtocol: "vxlan",
            clusterPoolIPv4PodCIDRList: [network],
          },
        }
      : {}),
    kubeProxy: { mode },
  });
}

interface Measured {
  readonly rules: number;
  readonly lookups: number;
  readonly ok: boolean;
}

function measure(cluster: string, probe: QuizProbe): Measured {
  const result: ProbeResult = send(build(cluster, []), probe);
  return { rules: result.rulesEvaluated, lookups: result.mapLookups, ok: passed(result) };
}

/** Whether a measured mode meets the requirement (the connection must work, too). */
function meets(m: Measured, req: ProxyRequirement): boolean {
  return (
    m.ok &&
    (req.maxRules === undefined || m.rules <= req.maxRules) &&
    (req.maxLookups === undefined || m.lookups <= req.maxLookups)
  );
}

/** Rounded up to the next multiple of ten: a limit as a person writes one. */
function ceilTen(n: number): number {
  return Math.ceil((n + 1) / 10) * 10;
}

export function requirementText(req: ProxyRequirement, services: number): Localized {
  const en: string[] = [];
  const ko: string[] = [];
  if (req.maxRules !== undefined) {
    en.push(
      req.maxRules === 0
        ? "evaluate no iptables rule at all"
        : `evaluate at most ${req.maxRules} iptables rules`,
    );
    ko.push(
      req.maxRules === 0
        ? "iptables 규칙을 하나도 평가하지 않아야"
        : `iptables 규칙을 ${req.maxRules}개 이하로 평가해야`,
    );
  }
  if (req.maxLookups !== undefined) {
    en.push(
      req.maxLookups === 0
        ? "make no map or hash lookup (no IPVS, nftables sets or BPF maps)"
        : `make at most ${req.maxLookups} map and hash lookups`,
    );
    ko.push(
      req.maxLookups === 0
        ? "맵·해시 조회를 한 번도 하지 않아야(IPVS, nftables 집합, BPF 맵 없이)"
        : `맵·해시 조회를 ${req.maxLookups}번 이하로 해야`,
    );
  }
  return {
    en: `The cluster has ${services} Services. A new connection to web (request and reply together) must ${en.join(" and ")}.`,
    ko: `클러스터에는 Service가 ${services}개 있다. web으로 가는 새 연결은 (요청과 응답을 합쳐) ${ko.join(" 하고, ")} 한다.`,
  };
}

export function draftProxyMode(input: DraftInput): Draft | null {
  const { setting, rng } = input;
  const file = JSON.parse(JSON.stringify(setting.fileInput)) as ClusterInput;
  // More Services make iptables mode's cost grow; the others stay flat.
  const extra = pick(rng, [2, 8, 20, 40]);
  const services = file.services as Record<string, unknown>[];
  file.services = [
    ...services.slice(0, 1),
    ...Array.from({ length: extra }, (_, i) => ({
      name: `api${i + 1}`,
      selector: { app: `api${i + 1}` },
      ports: [{ port: 8000 + i, targetPort: 8000 + i }],
    })),
  ];
  const clusters = Object.fromEntries(MODES.map((m) => [m, withMode(file, m)])) as Record<
    Mode,
    string
  >;
  const measured = Object.fromEntries(
    MODES.map((m) => [m, measure(clusters[m], setting.probe)]),
  ) as Record<Mode, Measured>;
  if (MODES.some((m) => !measured[m].ok)) return null;
  const target = pick(rng, MODES);
  const t = measured[target];
  const req: ProxyRequirement =
    target === "iptables"
      ? { maxLookups: t.lookups }
      : target === "ebpf"
        ? { maxRules: t.rules }
        : { maxRules: ceilTen(t.rules), maxLookups: t.lookups + (target === "nftables" ? 5 : 0) };
  if (!meets(t, req)) return null;
  const failing = MODES.filter((m) => m !== target && !meets(measured[m], req));
  if (failing.length === 0) return null;
  const offered = shuffle(rng, [target, ...failing]);
  const count = extra + 1;
  const probeText = describeQuizProbe(setting.plan, setting.probe);
  const reqText = requirementText(req, count);
  const base = clusters[offered.includes("iptables") ? "iptables" : target];
  return {
    kind: "proxy-mode",
    title: { en: "Which proxy mode fits?", ko: "어느 프록시 모드가 맞는가?" },
    prompt: joinLines(describeCluster(planOf(base)), reqText, {
      en: `Which Service proxy meets this requirement, measured on ${probeText.en}?`,
      ko: `${withParticle(probeText.ko, "으로/로")} 쟀을 때, 이 요구를 만족하는 Service 프록시는?`,
    }),
    cluster: base,
    choices: offered.map((m, i) => ({
      id: String.fromCharCode(97 + i),
      label: MODE_LABELS[m],
      meaning: { kind: "mode", mode: m, cluster: clusters[m] },
    })),
    probe: probeText,
    probeSpec: setting.probe,
    fault: { id: "none", lines: [], text: { en: "nothing", ko: "없음" }, node: "", repair: [] },
    requirement: req,
  };
}

export function gradeProxyMode(question: QuizQuestion, answer: QuizAnswer | null): QuizGrade {
  const { probeSpec } = engineParts(question);
  const req = question.requirement ?? {};
  const rows = question.choices.map((c) => {
    const m = c.meaning?.kind === "mode" ? measure(c.meaning.cluster, probeSpec) : null;
    return { choice: c, m };
  });
  const right = rows.filter((r) => r.m && meets(r.m, req)).map((r) => r.choice);
  const table = localized((lang) =>
    rows
      .map(({ choice, m }) => {
        if (!m) return `${choice.id}) ?`;
        const works = m.ok ? "" : lang === "en" ? ", the connection fails" : ", 연결 실패";
        return lang === "en"
          ? `${choice.id}) ${choice.label.en}: ${m.rules} iptables rules, ${m.lookups} lookups${works}`
          : `${choice.id}) ${choice.label.ko}: iptables 규칙 ${m.rules}개, 조회 ${m.lookups}번${works}`;
      })
      .join("\n"),
  );
  return explainChoice(question, answer, right, {
    fallback: { en: "none of the offered modes", ko: "제시된 모드 중 없음" },
    explanation: joinLines(
      {
        en: "Measured by the simulator, one connection each:",
        ko: "시뮬레이터로 연결 하나씩 잰 값:",
      },
      table,
    ),
  });
}
