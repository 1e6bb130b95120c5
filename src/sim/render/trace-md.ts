/**
 * A walk as Markdown, for incident reviews and slides (`trace --format md`): a title, the verdict
 * of each direction, a table of every hop with the packet's headers where they were made or
 * changed, and what was translated and what it cost.
 */
import type { PathVerdict, ProbeResult } from "../walk/probe";
import { conntrackLine } from "./conntrack";
import { HEADER_KINDS, headerLine } from "./trace-text";

/** Text in a table cell: a `|` would end the cell, and a line break the row. */
function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

function verdict(label: string, v: PathVerdict): string[] {
  if (!v.sent) return [`- **${label}:** not sent (the request never arrived)`];
  if (v.delivered) return [`- **${label}:** delivered to \`${v.netns}\``];
  const drop = v.drop;
  return [
    `- **${label}:** dropped in \`${drop?.netns ?? "?"}\` (\`${drop?.reason ?? "?"}\`): ${drop?.message ?? ""}`,
    `  - the sender sees: ${drop?.reported ? `\`${drop.reported}\`` : "nothing (no error comes back)"}`,
  ];
}

export function formatTraceMarkdown(result: ProbeResult, title: string): string {
  const out = [
    `# ${title}`,
    "",
    ...verdict("request", result.request),
    ...verdict("reply", result.reply),
  ];
  for (const heard of result.icmpHeard) out.push(`- ping prints: \`${heard}\``);
  out.push("", "| # | flow | namespace | device | step | what happened | headers |");
  out.push("| ---: | --- | --- | --- | --- | --- | --- |");
  result.hops.forEach((hop, i) => {
    const what = hop.rule ? `${hop.text} (rule: \`${hop.rule.text}\`)` : hop.text;
    const headers = HEADER_KINDS.has(hop.kind) ? `\`${headerLine(hop)}\`` : "";
    out.push(
      `| ${i + 1} | ${hop.flow} | ${cell(hop.netns)} | ${cell(hop.dev ?? "")} | ${hop.kind} | ${cell(what)} | ${cell(headers)} |`,
    );
  });
  const translated = result.conntrack.filter((e) => e.dnat || e.snat);
  if (translated.length > 0) {
    out.push("", "`conntrack -L`, where the probe was translated:", "");
    for (const e of translated) out.push(`- \`${e.netns}\`: \`${conntrackLine(e)}\``);
  }
  out.push(
    "",
    `Work done: ${result.rulesEvaluated} iptables/nft rules evaluated, ${result.mapLookups} map lookups (both directions).`,
  );
  return `${out.join("\n")}\n`;
}
