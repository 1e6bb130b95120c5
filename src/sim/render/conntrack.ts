import { formatIpv4 } from "../ipv4";
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
