/**
 * What the trace viewer draws, worked out from a probe's hops: the places the packet visits in
 * order (for the strip along the top), and each hop's headers, outer and inner, as labelled rows.
 * Pure, so what a learner is shown at each hop is tested without a terminal.
 */
import type { Hop, ProbeResult } from "../sim";
import { type PacketView, viewOf } from "../sim/walk/packet";

/** One place on the strip: a namespace, and the hops (indexes) that happened there in a row. */
export interface Station {
  readonly netns: string;
  readonly flow: Hop["flow"];
  readonly first: number;
  readonly last: number;
  /** The packet left this place encapsulated (the link after it is an overlay). */
  readonly encapsulatedAfter: boolean;
  /** The packet died here. */
  readonly dropped: boolean;
}

/** Consecutive hops in one namespace and direction make one station. */
export function stationsOf(hops: readonly Hop[]): Station[] {
  const stations: Station[] = [];
  let encapsulated = false;
  hops.forEach((hop, i) => {
    if (hop.kind === "encap") encapsulated = true;
    if (hop.kind === "decap") encapsulated = false;
    const last = stations[stations.length - 1];
    if (last && last.netns === hop.netns && last.flow === hop.flow) {
      stations[stations.length - 1] = {
        ...last,
        last: i,
        encapsulatedAfter: encapsulated,
        dropped: last.dropped || hop.kind === "drop",
      };
    } else {
      stations.push({
        netns: hop.netns,
        flow: hop.flow,
        first: i,
        last: i,
        encapsulatedAfter: encapsulated,
        dropped: hop.kind === "drop",
      });
    }
  });
  return stations;
}

export function stationOfHop(stations: readonly Station[], hop: number): number {
  return stations.findIndex((s) => hop >= s.first && hop <= s.last);
}

/** One labelled header row: `IPv4  10.244.1.10 → 10.244.2.15  TTL 63  len 84`. */
export interface HeaderRow {
  /** `outer`, `inner` (and `inner 2` for a packet in a packet in a packet). */
  readonly layer: string;
  readonly name: string;
  readonly value: string;
}

function l4Rows(v: PacketView, arrow: string): { name: string; value: string }[] {
  if (v.tcp)
    return [{ name: "TCP", value: `${v.tcp.sport} ${arrow} ${v.tcp.dport}  ${v.tcp.flags}` }];
  if (v.udp) {
    const overlay = v.vxlan
      ? `  VXLAN VNI ${v.vxlan.vni}`
      : v.geneve
        ? `  Geneve VNI ${v.geneve.vni}`
        : v.sleeve
          ? `  weave sleeve ${v.sleeve.srcPeer} ${arrow} ${v.sleeve.dstPeer}`
          : "";
    return [{ name: "UDP", value: `${v.udp.sport} ${arrow} ${v.udp.dport}${overlay}` }];
  }
  if (v.icmp) {
    const what =
      v.icmp.type === 8
        ? "echo request"
        : v.icmp.type === 0
          ? "echo reply"
          : v.icmp.type === 3
            ? `destination unreachable, code ${v.icmp.code}${v.icmp.mtu ? `, mtu ${v.icmp.mtu}` : ""}`
            : v.icmp.type === 11
              ? "time exceeded"
              : `type ${v.icmp.type} code ${v.icmp.code}`;
    return [
      { name: "ICMP", value: `${what}${v.icmp.seq !== undefined ? `, seq ${v.icmp.seq}` : ""}` },
    ];
  }
  return [];
}

/** The hop's packet as rows, outermost first. */
export function headerRows(hop: Hop, arrow = "→"): HeaderRow[] {
  const rows: HeaderRow[] = [];
  let view: PacketView | undefined = viewOf(hop.packet);
  let depth = 0;
  const nested = view.inner !== undefined;
  while (view) {
    const layer = !nested ? "" : depth === 0 ? "outer" : depth === 1 ? "inner" : `inner ${depth}`;
    if (view.eth)
      rows.push({ layer, name: "Ethernet", value: `${view.eth.src} ${arrow} ${view.eth.dst}` });
    const ip = view.ip;
    rows.push({
      layer,
      name: "IPv4",
      value: `${ip.src} ${arrow} ${ip.dst}  TTL ${ip.ttl}  len ${ip.length}${ip.df ? "  DF" : ""}${ip.proto === "ipip" ? "  proto 4 (IP-in-IP)" : ""}`,
    });
    for (const r of l4Rows(view, arrow)) rows.push({ layer, ...r });
    view = view.inner;
    depth++;
  }
  return rows;
}

/** The verdict of both directions in a few words each, for the viewer's title line. */
export function verdictWords(result: ProbeResult): { request: string; reply: string } {
  const words = (v: ProbeResult["request"]): string =>
    !v.sent
      ? "not sent"
      : v.delivered
        ? `delivered to ${v.netns}`
        : `dropped in ${v.drop?.netns ?? "?"} (${v.drop?.reason ?? "?"})`;
  return { request: words(result.request), reply: words(result.reply) };
}
