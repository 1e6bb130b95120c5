/**
 * A probe's request path in short: the namespaces it crossed, the devices in each, and what was
 * done to it there (wrapped, unwrapped, translated). Built from the hops; printed by `check` and
 * shown by the TUI beside the verdict.
 */
import type { ProbeResult, ProbeSpec } from "../sim";
import { formatIpv4 } from "../sim/ipv4";
import type { Datagram } from "../sim/walk/packet";
import { byLang, type Lang } from "./describe";
import { encapsulationOf, innermost, isSwitch, requestHops, translatorOf } from "./trace-reading";
import type { PathStop, ProbePath } from "./verdict";

const DECAPSULATED = "decapsulated";

const NAMES = { vxlan: "VXLAN", geneve: "Geneve", ipip: "IPIP", sleeve: "sleeve" } as const;

function endpoint(d: Datagram, side: "src" | "dst"): string {
  const ip = formatIpv4(d[side]);
  const l4 = d.l4;
  if (l4.kind === "tcp" || l4.kind === "udp")
    return `${ip}:${side === "src" ? l4.sport : l4.dport}`;
  return ip;
}

/** Sums up one probe's run. */
export function summarizePath(probe: number, spec: ProbeSpec, result: ProbeResult): ProbePath {
  const stops: { netns: string; devices: string[]; notes: string[] }[] = [];
  let previous: Datagram | null = null;
  let translator: ReturnType<typeof translatorOf> | null = null;
  for (const hop of requestHops(result)) {
    if (hop.ebpf?.action === "arp-reply" || isSwitch(hop.netns)) continue;
    let stop = stops[stops.length - 1];
    if (!stop || stop.netns !== hop.netns) {
      stop = { netns: hop.netns, devices: [], notes: [] };
      stops.push(stop);
    }
    if (hop.dev !== null && stop.devices[stop.devices.length - 1] !== hop.dev)
      stop.devices.push(hop.dev);
    if (hop.kind === "nat" || hop.kind === "ipvs" || hop.kind === "ebpf")
      translator = translatorOf(hop);
    if (hop.kind === "encap") {
      const e = encapsulationOf(hop);
      if (e)
        stop.notes.push(
          `${NAMES[e.encap]}${e.vni ? ` VNI ${e.vni}` : ""}${e.dport ? `, UDP ${e.dport}` : ""}, ${e.outerSrc} → ${e.outerDst}`,
        );
    }
    if (hop.kind === "decap") stop.notes.push(DECAPSULATED);
    const now = innermost(hop.packet);
    if (previous && now.dst !== previous.dst)
      stop.notes.push(
        `DNAT ${endpoint(previous, "dst")} → ${endpoint(now, "dst")}${translator ? ` (${translator})` : ""}`,
      );
    // The sender's first hop has no source yet (0.0.0.0 until routing picks one).
    if (previous && previous.src !== 0 && now.src !== previous.src)
      stop.notes.push(`SNAT ${endpoint(previous, "src")} → ${endpoint(now, "src")}`);
    previous = now;
  }
  const requestDrop = result.request.drop;
  const replyDrop = result.request.delivered ? result.reply.drop : null;
  const drop = requestDrop
    ? { flow: "request" as const, netns: requestDrop.netns, reason: requestDrop.reason }
    : replyDrop
      ? { flow: "reply" as const, netns: replyDrop.netns, reason: replyDrop.reason }
      : null;
  return {
    probe,
    spec,
    stops,
    delivered: result.request.delivered,
    replied: result.reply.delivered,
    drop,
  };
}

/** One line: `pod-a (eth0) → node1 (cni0 → flannel.1 → eth0; VXLAN VNI 1, …) → … → pod-b (eth0)`. */
export function formatStops(stops: readonly PathStop[], lang: Lang = "en"): string {
  return stops
    .map((s) => {
      // The notes are protocol words (VXLAN, DNAT) but for this one.
      const notes = s.notes.map((n) => (n === DECAPSULATED ? byLang(lang, n, "역캡슐화") : n));
      const inside = [s.devices.join(" → "), ...notes].filter((t) => t !== "").join("; ");
      return inside === "" ? s.netns : `${s.netns} (${inside})`;
    })
    .join(" → ");
}

/**
 * One probe's line with how it ended: `… → pod-b (eth0): delivered, the reply came back`, or
 * `… → router (eth0): dropped in router (no-route)`.
 */
export function formatProbePath(path: ProbePath, lang: Lang): string {
  const stops = formatStops(path.stops, lang);
  const drop = path.drop;
  let end: string;
  if (path.delivered && path.replied)
    end = byLang(lang, "delivered, the reply came back", "도착, 응답이 돌아옴");
  else if (drop && drop.flow === "request")
    end = byLang(
      lang,
      `dropped in ${drop.netns} (${drop.reason})`,
      `${drop.netns}에서 버려짐 (${drop.reason})`,
    );
  else if (drop)
    end = byLang(
      lang,
      `delivered, but the reply was dropped in ${drop.netns} (${drop.reason})`,
      `도착했지만 응답이 ${drop.netns}에서 버려짐 (${drop.reason})`,
    );
  else end = byLang(lang, "not delivered", "도착하지 않음");
  return `${stops}: ${end}`;
}
