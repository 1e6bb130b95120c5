import type { Hop } from "../walk/hop";
import { viewOf } from "../walk/packet";
import type { PathVerdict, ProbeResult } from "../walk/probe";

export interface TraceTextOptions {
  /** ANSI colours (never the only signal: every verdict also says so in words). */
  color: boolean;
  /** Show the packet's headers under each hop that changed them. */
  headers?: boolean;
}

const paint = (on: boolean, code: string, text: string): string =>
  on ? `\x1b[${code}m${text}\x1b[0m` : text;

function headerLine(hop: Hop): string {
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
    const vxlan = cur.vxlan ? ` vxlan vni ${cur.vxlan.vni}` : "";
    parts.push(
      `${depth > 0 ? "inner " : ""}${eth}${cur.ip.src}→${cur.ip.dst} ttl ${cur.ip.ttl} len ${cur.ip.length}${cur.ip.df ? " DF" : ""} ${l4}${vxlan}`,
    );
    cur = cur.inner;
    depth++;
  }
  return parts.join(" | ");
}

function verdictLine(label: string, v: PathVerdict, color: boolean): string[] {
  if (!v.sent) return [`${label}: not sent (the request never arrived)`];
  if (v.delivered) return [paint(color, "32", `${label}: delivered to ${v.netns}`)];
  const lines = [
    paint(color, "31", `${label}: DROPPED in ${v.drop?.netns ?? "?"} (${v.drop?.reason ?? "?"})`),
  ];
  if (v.drop) lines.push(`  ${v.drop.message}`);
  if (v.drop)
    lines.push(`  the sender sees: ${v.drop.reported ?? "nothing (no error comes back)"}`);
  return lines;
}

/** A readable hop-by-hop trace and the verdicts, for a terminal or a slide. */
export function formatTrace(result: ProbeResult, options: TraceTextOptions): string {
  const out: string[] = [];
  let flow: string | null = null;
  const width = Math.min(18, Math.max(...result.hops.map((h) => h.netns.length), 4));
  let n = 0;
  for (const hop of result.hops) {
    const section = hop.flow;
    if (section !== flow) {
      flow = section;
      out.push(paint(options.color, "1", section === "request" ? "── request" : "── reply"));
    }
    n++;
    const where = `${hop.netns.padEnd(width)} ${(hop.dev ?? "").padEnd(10)}`;
    const kind = hop.kind.padEnd(9);
    const text =
      hop.kind === "drop"
        ? paint(options.color, "31", hop.text)
        : hop.error
          ? paint(options.color, "33", hop.text)
          : hop.text;
    out.push(`${String(n).padStart(3)} ${where} ${kind} ${text}`);
    if (hop.rule)
      out.push(`${" ".repeat(4 + width + 22)}${paint(options.color, "2", hop.rule.text)}`);
    if (
      options.headers &&
      (hop.kind === "send" ||
        hop.kind === "encap" ||
        hop.kind === "decap" ||
        hop.kind === "nat" ||
        hop.kind === "forward")
    )
      out.push(`${" ".repeat(4 + width + 22)}${paint(options.color, "2", headerLine(hop))}`);
  }
  out.push("");
  out.push(...verdictLine("request", result.request, options.color));
  out.push(...verdictLine("reply", result.reply, options.color));
  return `${out.join("\n")}\n`;
}
