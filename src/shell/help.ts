import { DEFAULT_PING_COUNT } from "./ping";

/** One supported command and what it does, for `help`. */
interface HelpLine {
  readonly usage: string;
  readonly does: string;
}

/**
 * Every command the node shell runs, one line each. The checker replays the same commands, so
 * this list is also what a `fix` answer may contain.
 */
const COMMANDS: readonly HelpLine[] = [
  { usage: "ip route|addr|link|neigh ...", does: "routes, addresses, devices, neighbours" },
  { usage: "ip route get IP", does: "the route this namespace picks for IP" },
  { usage: "bridge fdb ...", does: "bridge and VXLAN forwarding entries" },
  { usage: "sysctl KEY | sysctl -w KEY=N", does: "read or set a kernel setting" },
  { usage: "iptables -S | -A|-I|-D|-P ...", does: "list or change iptables rules" },
  { usage: "iptables-save", does: "every iptables rule, every table" },
  { usage: "nft list ruleset | nft add ...", does: "nftables rules, sets and maps" },
  { usage: "ipvsadm -Ln", does: "IPVS virtual services, real servers" },
  { usage: "ipset list", does: "the IP sets iptables rules match" },
  { usage: "cilium-dbg bpf lb list", does: "Cilium's Services (bpf ct list global too)" },
  {
    usage: "ping [-c N] [-s N] [-M do] DEST",
    does: `ICMP echo; ${DEFAULT_PING_COUNT} requests unless -c N`,
  },
  { usage: "curl [-m S] http://IP:PORT/", does: "HTTP GET; a simulated server answers" },
  { usage: "nc -zv IP PORT", does: "does a TCP port accept connections?" },
  { usage: "conntrack -L", does: "connections your last probe left here" },
  { usage: "kubectl get pods|svc|... -o wide", does: "pods, nodes, Services, endpoints" },
  { usage: "kubectl exec -it POD -- CMD", does: "run CMD in a pod (sh: stay there)" },
  { usage: "ssh NAME", does: "a shell on another node or pod" },
  { usage: "exit", does: "back to where you were before" },
  { usage: "hostname", does: "where this prompt is" },
  { usage: "CMD | grep|head|tail|wc ...", does: "filter what a command prints" },
  { usage: "clear", does: "clear the screen" },
  { usage: "help", does: "this list" },
];

/** What `help` prints: every command with one line, aligned. */
export function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length)) + 2;
  const body = COMMANDS.map((c) => `  ${c.usage.padEnd(width)}${c.does}\n`).join("");
  return `Commands on this simulated node, printing what the real tools print:\n${body}No time passes here: ping and curl show fixed times.\n`;
}
