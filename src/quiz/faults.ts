/**
 * The fault catalogue: changes a node could suffer, each written as scenario-script lines the
 * simulator runs after the installers (docs/scenario-scripts.md), with the shell lines that undo
 * it. A candidate is only a candidate: generation runs the probe on it and keeps what it really
 * does (a fault that breaks nothing makes an "it is delivered" question, or is dropped).
 * Catalogue entries (the drills of lesson 13 among them): the overlay's UDP port (or IP-in-IP)
 * blocked on INPUT, forwarding off, FORWARD flushed with policy DROP, a route, neighbour or FDB
 * entry deleted or wrong, the pod's MTU raised above the overlay's, a missing return route, and
 * for Services the proxy's own table emptied or the endpoint pod's link down.
 */
import { innermost } from "../checker/trace-reading";
import { type ClusterPlan, type ProbeResult, runShow, type World } from "../sim";
import { formatIpv4 } from "../sim/ipv4";
import { routeLine } from "../sim/render/ip-route";
import type { InjectedFault, Localized, QuizProbe } from "./types";

/** A deleted entry and the line that puts it back: what missing-entry questions ask for. */
export interface Entry {
  readonly kind: "route" | "neighbour" | "fdb";
  readonly netns: string;
  /** As `ip route`, `ip neigh` or `bridge fdb` prints it. */
  readonly shown: string;
  /** The script line that adds it (with `replace` where the tool has it). */
  readonly restore: string;
}

/** A candidate fault, with what the question kinds need of it. */
export interface Candidate {
  readonly fault: InjectedFault;
  /** missing-entry: the entry the fault deleted, and wrong entries of the same kind. */
  readonly entry?: { readonly missing: Entry; readonly wrong: readonly Entry[] };
  /** The probe changes with the fault (a big ping for an MTU fault). */
  readonly probe?: QuizProbe;
}

/** What the catalogue reads to write a fault: the healthy cluster and its probe's trace. */
export interface FaultContext {
  readonly plan: ClusterPlan;
  readonly world: World;
  readonly baseline: ProbeResult;
  readonly probe: QuizProbe;
  /** The nodes of the pod the probe leaves from and of the pod it reaches. */
  readonly srcNode: string;
  readonly dstNode: string;
  readonly srcPod: string;
  /** The destination pod's and the source pod's addresses. */
  readonly dstIp: string;
  readonly srcIp: string;
}

const NONE: InjectedFault = {
  id: "none",
  lines: [],
  text: { en: "nothing was changed", ko: "아무것도 바꾸지 않았다" },
  node: "",
  repair: [],
};

/** No change at all. */
export function noFault(): Candidate {
  return { fault: NONE };
}

function fault(
  id: string,
  node: string,
  lines: string[],
  repair: string[],
  text: Localized,
): InjectedFault {
  return { id, node, lines, repair, text };
}

/** The overlay's UDP port, or null for IP-in-IP and plain routing. */
export function overlayPort(plan: ClusterPlan): number | "ipip" | null {
  const cni = plan.file.cni;
  switch (cni.plugin) {
    case "flannel":
      return cni.backend.type === "vxlan" ? cni.backend.port : null;
    case "calico":
      if (cni.ipPool.vxlanMode !== "Never") return 4789;
      return cni.ipPool.ipipMode !== "Never" ? "ipip" : null;
    case "cilium":
      if (cni.routingMode === "native") return null;
      return cni.tunnelProtocol === "geneve" ? 6081 : 8472;
    case "weave":
      return cni.mode === "sleeve" ? 6783 : 6784;
  }
}

function blockLine(port: number | "ipip"): string {
  return port === "ipip" ? "INPUT -p 4 -j DROP" : `INPUT -p udp --dport ${port} -j DROP`;
}

function blockText(node: string, port: number | "ipip"): Localized {
  const what = port === "ipip" ? "IP-in-IP (protocol 4)" : `UDP port ${port}`;
  const whatKo = port === "ipip" ? "IP-in-IP(프로토콜 4)" : `UDP ${port}번 포트`;
  return {
    en: `a firewall rule on ${node} drops ${what} on INPUT`,
    ko: `${node}의 방화벽 규칙이 INPUT에서 ${whatKo}를 버린다`,
  };
}

/** The overlay blocked on the receiving node, and a rule for a port this overlay does not use. */
function overlayBlocked(ctx: FaultContext): Candidate[] {
  const port = overlayPort(ctx.plan);
  const out: Candidate[] = [];
  const node = ctx.dstNode;
  if (port !== null)
    out.push({
      fault: fault(
        "overlay-blocked",
        node,
        [`ip netns exec ${node} iptables -A ${blockLine(port)}`],
        [`iptables -D ${blockLine(port)}`],
        blockText(node, port),
      ),
    });
  // A port of another overlay: the rule is there, and matches nothing of this cluster's.
  const other = port === 4789 ? 8472 : 4789;
  out.push({
    fault: fault(
      "other-port-blocked",
      node,
      [`ip netns exec ${node} iptables -A ${blockLine(other)}`],
      [`iptables -D ${blockLine(other)}`],
      blockText(node, other),
    ),
  });
  return out;
}

function forwardingOff(ctx: FaultContext): Candidate[] {
  return [...new Set([ctx.srcNode, ctx.dstNode, ...ctx.plan.nodes.map((n) => n.name)])]
    .slice(0, 3)
    .map((node) => ({
      fault: fault(
        "forwarding-off",
        node,
        [`ip netns exec ${node} sysctl -w net.ipv4.ip_forward=0`],
        ["sysctl -w net.ipv4.ip_forward=1"],
        {
          en: `net.ipv4.ip_forward was set to 0 on ${node}`,
          ko: `${node}에서 net.ipv4.ip_forward가 0으로 바뀌었다`,
        },
      ),
    }));
}

/** A hardening script: FORWARD flushed (the CNI's jump with it) and policy DROP; or policy DROP alone. */
function forwardDrop(ctx: FaultContext): Candidate[] {
  return [ctx.srcNode, ctx.dstNode].flatMap((node) => [
    {
      fault: fault(
        "forward-flushed-drop",
        node,
        [
          `ip netns exec ${node} iptables -F FORWARD`,
          `ip netns exec ${node} iptables -P FORWARD DROP`,
        ],
        ["iptables -P FORWARD ACCEPT"],
        {
          en: `a hardening script on ${node} flushed the FORWARD chain and set its policy to DROP`,
          ko: `${node}의 보안 강화 스크립트가 FORWARD 체인을 비우고 정책을 DROP으로 바꿨다`,
        },
      ),
    },
    {
      fault: fault(
        "forward-policy-drop",
        node,
        [`ip netns exec ${node} iptables -P FORWARD DROP`],
        ["iptables -P FORWARD ACCEPT"],
        {
          en: `the FORWARD chain's policy on ${node} was set to DROP (its rules were kept)`,
          ko: `${node}에서 FORWARD 체인의 정책이 DROP으로 바뀌었다 (규칙은 그대로)`,
        },
      ),
    },
  ]);
}

/**
 * The route `node` chose for the request or the reply, as `ip route` prints it: the first routing
 * decision of that flow there, looked up again in the healthy table.
 */
function routeTaken(ctx: FaultContext, node: string, flow: "request" | "reply"): string | null {
  const ns = ctx.world.netns.get(node);
  if (!ns) return null;
  const hop = ctx.baseline.hops.find(
    (h) => h.flow === flow && !h.error && h.netns === node && h.kind === "route" && h.route,
  );
  if (!hop) return null;
  const route = ns.routes.lookup(innermost(hop.packet).dst);
  return route ? routeLine(ctx.world, ns, route).trimEnd() : null;
}

/** `10.244.2.0/24 via …` → the prefix and the rest of the route. */
function routeParts(line: string): { type: string; prefix: string } {
  const words = line.split(" ");
  const typed = ["blackhole", "unreachable", "prohibit"].includes(words[0] ?? "");
  return { type: typed ? `${words[0]} ` : "", prefix: (typed ? words[1] : words[0]) ?? "" };
}

function routeEntry(netns: string, shown: string): Entry {
  return { kind: "route", netns, shown, restore: `ip -n ${netns} route replace ${shown}` };
}

/** The route the node took for the probe, deleted; wrong routes to the same prefix beside it. */
function missingRoute(ctx: FaultContext, node: string, toward: string, back: boolean): Candidate[] {
  const shown = routeTaken(ctx, node, back ? "reply" : "request");
  if (shown === null || shown.startsWith("default")) return [];
  const { type, prefix } = routeParts(shown);
  if (type !== "") return [];
  const peer = ctx.plan.nodes.find((n) => n.name === (back ? ctx.srcNode : ctx.dstNode));
  const wrong: string[] = [];
  const dev = /dev (\S+)/.exec(shown)?.[1] ?? "eth0";
  const via = /via (\S+)/.exec(shown)?.[1];
  if (peer && !shown.includes(`via ${formatIpv4(peer.ip)} `))
    wrong.push(`${prefix} via ${formatIpv4(peer.ip)} dev eth0`);
  if (via !== undefined) wrong.push(`${prefix} dev ${dev} scope link`);
  wrong.push(`${toward}/32 dev eth0 scope link`);
  const own = ctx.plan.nodes.find((n) => n.name === node);
  if (own) wrong.push(`${prefix} via ${formatIpv4(own.ip)} dev eth0`);
  if (via !== undefined && dev !== "eth0") wrong.push(`${prefix} via ${via} dev eth0 onlink`);
  return [
    {
      fault: fault(
        back ? "return-route-deleted" : "route-deleted",
        node,
        [`ip -n ${node} route del ${shown}`],
        [`ip route add ${shown}`],
        {
          en: `the route ${prefix} was deleted on ${node}`,
          ko: `${node}에서 ${prefix} 라우트가 지워졌다`,
        },
      ),
      entry: {
        missing: routeEntry(node, shown),
        wrong: wrong.filter((w) => w !== shown).map((w) => routeEntry(node, w)),
      },
    },
  ];
}

/** One `ip neigh` line: address, device, MAC. */
function neighbours(world: World, node: string, dev: string): { ip: string; mac: string }[] {
  const shown = runShow(world, node, ["ip", "neigh", "show", "dev", dev]);
  if (!shown.ok) return [];
  return shown.output
    .split("\n")
    .map((l) => /^(\S+) .*lladdr (\S+) PERMANENT/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ ip: m[1] as string, mac: m[2] as string }));
}

function fdbDst(world: World, node: string, dev: string, mac: string): string | null {
  const shown = runShow(world, node, ["bridge", "fdb", "show", "dev", dev]);
  if (!shown.ok) return null;
  for (const l of shown.output.split("\n")) {
    // Filtered by device, bridge leaves the device out of each line.
    const m = /^(\S+) (?:dev \S+ )?dst (\S+)/.exec(l);
    if (m && m[1] === mac) return m[2] as string;
  }
  return null;
}

function neighbourEntry(netns: string, ip: string, mac: string, dev: string): Entry {
  return {
    kind: "neighbour",
    netns,
    shown: `${ip} dev ${dev} lladdr ${mac} PERMANENT`,
    restore: `ip -n ${netns} neigh replace ${ip} lladdr ${mac} dev ${dev} nud permanent`,
  };
}

function fdbEntry(netns: string, mac: string, dev: string, dst: string): Entry {
  return {
    kind: "fdb",
    netns,
    shown: `${mac} dev ${dev} dst ${dst} self permanent`,
    restore: `bridge -n ${netns} fdb replace ${mac} dev ${dev} dst ${dst} self permanent`,
  };
}

/** A MAC with its last byte changed: an address no VTEP has. */
function otherMac(mac: string): string {
  const last = Number.parseInt(mac.slice(-2), 16);
  return `${mac.slice(0, -2)}${((last + 0x11) % 256).toString(16).padStart(2, "0")}`;
}

/** The VXLAN next hop's neighbour and FDB entries on the sending node: deleted, or pointed wrong. */
function overlayEntries(ctx: FaultContext): Candidate[] {
  const node = ctx.srcNode;
  const shown = routeTaken(ctx, node, "request");
  const dev = shown ? /dev (\S+)/.exec(shown)?.[1] : undefined;
  const gateway = shown ? /via (\S+)/.exec(shown)?.[1] : undefined;
  if (!dev || !gateway) return [];
  const neighbour = neighbours(ctx.world, node, dev).find((n) => n.ip === gateway);
  if (!neighbour) return [];
  const dst = fdbDst(ctx.world, node, dev, neighbour.mac);
  const out: Candidate[] = [];
  const others = ctx.plan.nodes.filter((n) => n.name !== node && n.name !== ctx.dstNode);
  const own = ctx.plan.nodes.find((n) => n.name === node);
  const router = ctx.plan.subnets[0]?.gateway;
  out.push({
    fault: fault(
      "neighbour-deleted",
      node,
      [`ip -n ${node} neigh del ${gateway} dev ${dev}`],
      [`ip neigh replace ${gateway} lladdr ${neighbour.mac} dev ${dev} nud permanent`],
      {
        en: `the permanent neighbour entry for ${gateway} on ${dev} was deleted on ${node}`,
        ko: `${node}에서 ${dev}의 ${gateway} 영구 이웃 항목이 지워졌다`,
      },
    ),
    entry: {
      missing: neighbourEntry(node, gateway, neighbour.mac, dev),
      wrong: [
        neighbourEntry(node, gateway, otherMac(neighbour.mac), dev),
        ...(dst ? [neighbourEntry(node, dst, neighbour.mac, "eth0")] : []),
        neighbourEntry(node, ctx.dstIp, neighbour.mac, dev),
      ],
    },
  });
  if (dst === null) return out;
  const wrongDst = others[0] ? formatIpv4(others[0].ip) : own ? formatIpv4(own.ip) : null;
  out.push({
    fault: fault(
      "fdb-deleted",
      node,
      [`bridge -n ${node} fdb del ${neighbour.mac} dev ${dev}`],
      [`bridge fdb replace ${neighbour.mac} dev ${dev} dst ${dst} self permanent`],
      {
        en: `the FDB entry for ${neighbour.mac} on ${dev} was deleted on ${node}`,
        ko: `${node}에서 ${dev}의 ${neighbour.mac} FDB 항목이 지워졌다`,
      },
    ),
    entry: {
      missing: fdbEntry(node, neighbour.mac, dev, dst),
      wrong: [
        ...(own ? [fdbEntry(node, neighbour.mac, dev, formatIpv4(own.ip))] : []),
        ...(router ? [fdbEntry(node, neighbour.mac, dev, formatIpv4(router))] : []),
        fdbEntry(node, otherMac(neighbour.mac), dev, dst),
        ...(wrongDst ? [fdbEntry(node, neighbour.mac, dev, wrongDst)] : []),
      ],
    },
  });
  if (wrongDst !== null)
    out.push({
      fault: fault(
        "fdb-wrong",
        node,
        [
          `bridge -n ${node} fdb replace ${neighbour.mac} dev ${dev} dst ${wrongDst} self permanent`,
        ],
        [`bridge fdb replace ${neighbour.mac} dev ${dev} dst ${dst} self permanent`],
        {
          en: `on ${node}, the FDB entry for ${neighbour.mac} on ${dev} was replaced: it now points at ${wrongDst}`,
          ko: `${node}에서 ${dev}의 ${neighbour.mac} FDB 항목이 ${wrongDst}를 가리키도록 바뀌었다`,
        },
      ),
    });
  return out;
}

/** The sending pod's MTU raised to the underlay's, and a ping that fits it but not the overlay. */
function podMtu(ctx: FaultContext): Candidate[] {
  // A big ping: a TCP connection's SYN carries no payload.
  if (overlayPort(ctx.plan) === null || ctx.probe.proto === "tcp") return [];
  const pod = ctx.world.netns.get(ctx.srcPod)?.links.get("eth0");
  if (!pod || pod.mtu >= ctx.plan.mtu) return [];
  return [
    {
      fault: fault(
        "pod-mtu",
        ctx.srcPod,
        [`ip -n ${ctx.srcPod} link set eth0 mtu ${ctx.plan.mtu}`],
        [`ip link set eth0 mtu ${pod.mtu}`],
        {
          en: `${ctx.srcPod}'s eth0 MTU was raised from ${pod.mtu} to ${ctx.plan.mtu}`,
          ko: `${ctx.srcPod}의 eth0 MTU가 ${pod.mtu}에서 ${ctx.plan.mtu}로 올라갔다`,
        },
      ),
      probe: { ...ctx.probe, size: ctx.plan.mtu - 28 },
    },
  ];
}

/** The Service proxy's own table emptied on the sending node, or the endpoint's link down. */
function serviceFaults(ctx: FaultContext): Candidate[] {
  const proxy = ctx.plan.kubeProxy;
  if (!proxy) return [];
  const node = ctx.srcNode;
  const service = ctx.plan.services[0];
  const out: Candidate[] = [];
  if (proxy.mode === "iptables")
    out.push({
      fault: fault(
        "kube-services-flushed",
        node,
        [`ip netns exec ${node} iptables -t nat -F KUBE-SERVICES`],
        [],
        {
          en: `someone ran iptables -t nat -F KUBE-SERVICES on ${node}`,
          ko: `누군가 ${node}에서 iptables -t nat -F KUBE-SERVICES를 실행했다`,
        },
      ),
    });
  if (proxy.mode === "ipvs" && service) {
    const vip = `${formatIpv4(service.clusterIp)}:${service.ports[0]?.port ?? 80}`;
    out.push({
      fault: fault(
        "ipvs-service-deleted",
        node,
        [`ip netns exec ${node} ipvsadm -D -t ${vip}`],
        [],
        {
          en: `someone deleted the IPVS virtual service ${vip} on ${node}`,
          ko: `누군가 ${node}에서 IPVS 가상 서비스 ${vip}를 지웠다`,
        },
      ),
    });
  }
  if (proxy.mode === "nftables")
    out.push({
      fault: fault(
        "nft-services-flushed",
        node,
        [`ip netns exec ${node} nft flush chain ip kube-proxy services`],
        [],
        {
          en: `someone flushed the nftables chain ip kube-proxy services on ${node}`,
          ko: `누군가 ${node}에서 nftables 체인 ip kube-proxy services를 비웠다`,
        },
      ),
    });
  const endpoint = service?.endpoints[0]?.pod;
  if (endpoint)
    out.push({
      fault: fault("endpoint-down", endpoint, [`ip -n ${endpoint} link set eth0 down`], [], {
        en: `the endpoint pod ${endpoint}'s eth0 went down`,
        ko: `엔드포인트 파드 ${endpoint}의 eth0가 내려갔다`,
      }),
    });
  return out;
}

/** Every candidate the catalogue has for this cluster and probe. */
export function candidates(ctx: FaultContext): Candidate[] {
  return [
    ...overlayBlocked(ctx),
    ...forwardingOff(ctx),
    ...forwardDrop(ctx),
    ...missingRoute(ctx, ctx.srcNode, ctx.dstIp, false),
    ...missingRoute(ctx, ctx.dstNode, ctx.srcIp, true),
    ...overlayEntries(ctx),
    ...podMtu(ctx),
    ...serviceFaults(ctx),
  ];
}
