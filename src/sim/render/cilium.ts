/**
 * What `cilium-dbg` (called `cilium` inside the agent's container before 1.15) prints about a
 * node's eBPF maps: `bpf lb list` (cilium-dbg/cmd/bpf_lb_list.go) and `bpf ct list global`
 * (cilium-dbg/cmd/bpf_ct_list.go with pkg/maps/ctmap's formatting).
 */

import { type LbMaps, lbFlagsText, lbKeyText } from "../bpf/lb";
import { type BpfConntrack, type CtEntry, ctLifetime } from "../bpf/maps";
import { formatIpv4 } from "../ipv4";

/**
 * The table cilium-dbg's TablePrinter writes with Go's text/tabwriter (minwidth 5, tabwidth 0,
 * padding 3, space padding): every line is two tab-terminated cells, each padded to its column's
 * widest cell plus 3, trailing spaces included.
 */
function table(first: string, second: string, rows: readonly [string, string][]): string {
  const all: [string, string][] = [[first, second], ...rows];
  const w0 = Math.max(5, ...all.map(([a]) => a.length + 3));
  const w1 = Math.max(5, ...all.map(([, b]) => b.length + 3));
  return all.map(([a, b]) => `${a.padEnd(w0)}${b.padEnd(w1)}\n`).join("");
}

/**
 * `cilium-dbg bpf lb list`: one row per cilium_lb4_services_v2 entry, the key as Service4Key.String
 * prints it; slot 0 shows the frontend (`0.0.0.0:0 (rev-NAT) (0) [flags]`), the other slots their
 * backend. With `--revnat`, cilium_lb4_reverse_nat. The real tool prints Go's map order, which
 * changes from run to run; here entries come in the order the agent wrote them.
 */
export function formatLbList(lb: LbMaps, revnat: boolean): string {
  if (revnat) {
    const rows: [string, string][] = [...lb.revNatEntries()].map((r) => [
      String(r.id),
      `${formatIpv4(r.address)}:${r.port}`,
    ]);
    return table("ID", "BACKEND ADDRESS (REVNAT_ID) (SLOT)", rows);
  }
  const rows: [string, string][] = [];
  for (const { key, value } of lb.services()) {
    let entry: string;
    if (key.slot === 0)
      // fmt "%s:%d (%d) (%d) [%s] %s" with an empty last field: a trailing space.
      entry = `0.0.0.0:0 (${value.revNat}) (0) [${lbFlagsText(value.flags)}] `;
    else {
      const b = lb.backend(value.backendId);
      entry = b
        ? `${formatIpv4(b.address)}:${b.port}/${b.proto} (${value.revNat}) (${key.slot})`
        : `backend ${value.backendId} not found`;
    }
    rows.push([lbKeyText(key), entry]);
  }
  return table("SERVICE ADDRESS", "BACKEND ADDRESS (REVNAT_ID) (SLOT)", rows);
}

function hex2(n: number): string {
  return `0x${n.toString(16).padStart(2, "0")}`;
}

const PROTO: Record<number, string> = { 1: "ICMP", 6: "TCP", 17: "UDP" };

/**
 * One line of `cilium-dbg bpf ct list global` (CtKey4Global.Dump then CtEntry.StringWithTimeDiff):
 * OUT for an entry made leaving an endpoint (and the load balancer's service entries, marked
 * `service`), IN for one made entering it; the report times and flags the model does not keep
 * are 0. `expires` counts from a clock that starts at 0.
 */
function ctLine(e: CtEntry): string {
  const t = e.tuple;
  const proto = PROTO[t.proto] ?? String(t.proto);
  const way = e.dir === "ingress" ? "IN" : "OUT";
  const service = e.dir === "service" ? "service " : "";
  return [
    `${proto} ${way} ${formatIpv4(t.src)}:${t.sport} -> ${formatIpv4(t.dst)}:${t.dport} ${service}expires=${ctLifetime(e)}`,
    `RxPackets=${e.rxPackets} RxBytes=${e.rxBytes} RxFlagsSeen=${hex2(e.rxFlags)} LastRxReport=0`,
    `TxPackets=${e.txPackets} TxBytes=${e.txBytes} TxFlagsSeen=${hex2(e.txFlags)} LastTxReport=0`,
    `Flags=0x0000 [ ] RevNAT=${e.revNat} SourceSecurityID=${e.srcIdentity} IfIndex=0`,
    ...(e.dir === "service" ? [`BackendID=${e.backendId}`] : []),
  ].join(" ");
}

/**
 * `cilium-dbg bpf ct list global`: the node's entries in cilium_ct4_global and
 * cilium_ct_any4_global. Entries are what packets leave behind: a world nothing has crossed yet
 * has none (ProbeResult.bpfConntrack holds a probe's).
 */
export function formatCtList(ct: BpfConntrack | null, node: string): string {
  if (!ct) return "";
  return ct
    .entries(node)
    .map((e) => `${ctLine(e)}\n`)
    .join("");
}
