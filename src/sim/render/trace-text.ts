import type { Hop } from "../walk/hop";
import { viewOf } from "../walk/packet";
import type { PathVerdict, ProbeResult } from "../walk/probe";
import { conntrackLine } from "./conntrack";

export interface TraceTextOptions {
  /** ANSI colours (never the only signal: every verdict also says so in words). */
  color: boolean;
  /** Show the packet's headers under each hop that changed them. */
  headers?: boolean;
  /** Terminal width to wrap at (text continues under its column); no wrapping when absent. */
  width?: number;
}

/** Greedy word wrap of `text` into lines of at most `room` characters (a longer word stands alone). */
function wrap(text: string, room: number): string[] {
  if (room < 20 || text.length <= room) return [text];
  const lines: string[] = [];
  let current = "";
  for (const word of text.split(" ")) {
    if (current === "") current = word;
    else if (current.length + 1 + word.length <= room) current += ` ${word}`;
    else {
      lines.push(current);
      current = word;
    }
  }
  if (current !== "") lines.push(current);
  return lines;
}

const paint = (on: boolean, code: string, text: string): string =>
  on ? `\x1b[${code}m${text}\x1b[0m` : text;

/** The packet at a hop in one line, outer headers first (`inner …` after). */
export function headerLine(hop: Hop): string {
  const v = viewOf(hop.packet);
  const parts: string[] = [];
  let cur: typeof v | undefined = v;
  let depth = 0;
  while (cur) {
    const l4 = cur.tcp
      ? `tcp ${cur.tcp.sport}→${cur.tcp.dport} ${cur.tcp.flags}`
      : cur.udp
        ? `udp ${cur.udp.sport}→${cur.udp.dport}`
        : cur.icmp
          ? `icmp type ${cur.icmp.type}${cur.icmp.code ? ` code ${cur.icmp.code}` : ""}`
          : cur.ip.proto;
    const eth = cur.eth ? `${cur.eth.src}→${cur.eth.dst} ` : "";
    const vxlan = cur.vxlan
      ? ` vxlan vni ${cur.vxlan.vni}`
      : cur.geneve
        ? ` geneve vni ${cur.geneve.vni}`
        : cur.sleeve
          ? ` sleeve ${cur.sleeve.srcPeer}→${cur.sleeve.dstPeer}`
          : "";
    parts.push(
      `${depth > 0 ? "inner " : ""}${eth}${cur.ip.src}→${cur.ip.dst} ttl ${cur.ip.ttl} len ${cur.ip.length}${cur.ip.df ? " DF" : ""} ${l4}${vxlan}`,
    );
    cur = cur.inner;
    depth++;
  }
  return parts.join(" | ");
}

function verdictLine(
  label: string,
  v: PathVerdict,
  color: boolean,
  width: number | undefined,
): string[] {
  if (!v.sent) return [`${label}: not sent (the request never arrived)`];
  if (v.delivered) return [paint(color, "32", `${label}: delivered to ${v.netns}`)];
  const lines = [
    paint(color, "31", `${label}: DROPPED in ${v.drop?.netns ?? "?"} (${v.drop?.reason ?? "?"})`),
  ];
  const room = width === undefined ? Number.POSITIVE_INFINITY : width - 3;
  const indented = (text: string): string[] => wrap(text, room).map((piece) => `  ${piece}`);
  if (v.drop) lines.push(...indented(v.drop.message));
  if (v.drop)
    lines.push(
      ...indented(`the sender sees: ${v.drop.reported ?? "nothing (no error comes back)"}`),
    );
  return lines;
}

/** A readable hop-by-hop trace and the verdicts, for a terminal or a slide. */
export function formatTrace(result: ProbeResult, options: TraceTextOptions): string {
  const out: string[] = [];
  let flow: string | null = null;
  const nsWidth = Math.min(18, Math.max(4, ...result.hops.map((h) => h.netns.length)));
  const devWidth = Math.min(14, Math.max(3, ...result.hops.map((h) => (h.dev ?? "").length)));
  // Step, namespace, device and kind columns, then the text, which wraps under itself.
  const indent = 4 + nsWidth + 1 + devWidth + 1 + 10;
  const room = options.width === undefined ? Number.POSITIVE_INFINITY : options.width - indent - 1;
  const pad = " ".repeat(indent);
  const under = (text: string, code: string): void => {
    for (const piece of wrap(text, room)) out.push(`${pad}${paint(options.color, code, piece)}`);
  };
  let n = 0;
  for (const hop of result.hops) {
    if (hop.flow !== flow) {
      flow = hop.flow;
      out.push(paint(options.color, "1", flow === "request" ? "── request" : "── reply"));
    }
    n++;
    const where = `${hop.netns.padEnd(nsWidth)} ${(hop.dev ?? "").padEnd(devWidth)}`;
    const code = hop.kind === "drop" ? "31" : hop.error ? "33" : "";
    const [first = "", ...rest] = wrap(hop.text, room);
    const paintText = (t: string): string => (code === "" ? t : paint(options.color, code, t));
    out.push(`${String(n).padStart(3)} ${where} ${hop.kind.padEnd(9)} ${paintText(first)}`);
    for (const piece of rest) out.push(`${pad}${paintText(piece)}`);
    if (hop.rule) under(hop.rule.text, "2");
    if (options.headers && HEADER_KINDS.has(hop.kind)) under(headerLine(hop), "2");
  }
  out.push("");
  out.push(...verdictLine("request", result.request, options.color, options.width));
  out.push(...verdictLine("reply", result.reply, options.color, options.width));
  for (const heard of result.icmpHeard) out.push(`ping prints: ${heard}`);
  const translated = result.conntrack.filter((e) => e.dnat || e.snat);
  if (translated.length > 0) {
    out.push("conntrack -L, where the probe was translated:");
    for (const e of translated) out.push(`  ${e.netns}: ${conntrackLine(e)}`);
  }
  if (result.rulesEvaluated > 0 || result.mapLookups > 0)
    out.push(
      `work done: ${result.rulesEvaluated} iptables/nft rule${result.rulesEvaluated === 1 ? "" : "s"} evaluated, ${result.mapLookups} map lookup${result.mapLookups === 1 ? "" : "s"} (both directions)`,
    );
  return `${out.join("\n")}\n`;
}

/** Hops after which the headers are worth showing: where they were made or changed. */
export const HEADER_KINDS = new Set(["send", "encap", "decap", "nat", "forward"]);
