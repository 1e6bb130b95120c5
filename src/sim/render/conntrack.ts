import { formatIpv4, parseIpv4 } from "../ipv4";
import type { ConntrackEntry } from "../netfilter/conntrack";
import { protoName } from "../netfilter/model";
import type { Tuple } from "../walk/packet";

/**
 * One connection as `conntrack -L` prints it (conntrack-tools, the default "ct" format): protocol
 * name and number, the seconds left, the TCP state, the original tuple, `[UNREPLIED]` until a
 * reply was seen, the reply tuple, then mark and use. A probe is one packet each way, so a TCP
 * connection is at SYN_RECV (SYN, then SYN-ACK) and nothing is `[ASSURED]` yet. The timeouts are
 * the kernel's defaults for the state (nf_conntrack_proto_{tcp,udp,icmp}.c), as if just seen.
 */
export function conntrackLine(entry: ConntrackEntry): string {
  const { original, reply, seenReply } = entry;
  const name = protoName(original.proto);
  const parts = [`${name.padEnd(8)} ${original.proto} ${timeoutOf(entry)}`];
  if (original.proto === 6) parts.push(seenReply ? "SYN_RECV" : "SYN_SENT");
  parts.push(tuple(original, 8));
  if (!seenReply) parts.push("[UNREPLIED]");
  parts.push(tuple(reply, 0), "mark=0", "use=1");
  return parts.join(" ");
}

function timeoutOf(entry: ConntrackEntry): number {
  switch (entry.original.proto) {
    case 6:
      return entry.seenReply ? 60 : 120;
    case 17:
      return 30;
    default:
      return 30;
  }
}

/** A tuple; `icmpType` is the echo type a ping's tuple carries in that direction (8, then 0). */
function tuple(t: Tuple, icmpType: number): string {
  const addrs = `src=${formatIpv4(t.src)} dst=${formatIpv4(t.dst)}`;
  if (t.proto === 6 || t.proto === 17) return `${addrs} sport=${t.sport} dport=${t.dport}`;
  if (t.proto === 1) return `${addrs} type=${icmpType} code=0 id=${t.sport}`;
  return addrs;
}

/**
 * `conntrack -L [-p PROTO] [--orig-src IP] [--orig-dst IP]` over a probe's connections in one
 * namespace: the lines on stdout, the tool's summary line on stderr, or its complaint.
 */
export function conntrackList(
  entries: readonly ConntrackEntry[],
  argv: readonly string[],
): { ok: true; output: string; summary: string } | { ok: false; message: string } {
  const tool = "conntrack v1.4.7 (conntrack-tools)";
  let listing = false;
  let proto: number | null = null;
  let origSrc: number | null = null;
  let origDst: number | null = null;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    const value = (): string | null => argv[++i] ?? null;
    if (word === "-L" || word === "--dump") listing = true;
    else if (word === "-p" || word === "--proto") {
      const name = value();
      const number = name === null ? undefined : { tcp: 6, udp: 17, icmp: 1 }[name];
      if (number === undefined)
        return { ok: false, message: `${tool}: unknown protocol \`${name ?? ""}'` };
      proto = number;
    } else if (word === "--orig-src" || word === "-s" || word === "--orig-dst" || word === "-d") {
      const text = value();
      const ip = text === null ? null : parseIpv4(text);
      if (ip === null) return { ok: false, message: `${tool}: Bad parameter \`${word}'` };
      if (word === "--orig-src" || word === "-s") origSrc = ip;
      else origDst = ip;
    } else if (word === "-n" || word === "-o" || word === "-e") {
      return {
        ok: false,
        message: `${tool}: the simulator lists connections only (-L), not ${word}`,
      };
    } else return { ok: false, message: `${tool}: Bad parameter \`${word}'` };
  }
  if (!listing)
    return {
      ok: false,
      message: `${tool}: the simulator's conntrack only lists connections: add -L`,
    };
  const shown = entries.filter(
    (e) =>
      (proto === null || e.original.proto === proto) &&
      (origSrc === null || e.original.src === origSrc) &&
      (origDst === null || e.original.dst === origDst),
  );
  return {
    ok: true,
    output: shown.map((e) => `${conntrackLine(e)}\n`).join(""),
    summary: `${tool}: ${shown.length} flow entries have been shown.`,
  };
}
