/**
 * nftables base chains in the packet walk, beside iptables. At each netfilter hook the kernel runs
 * every registered hook function in priority order (net/netfilter/core.c, nf_hook_slow): the
 * iptables tables sit at fixed priorities (nat PREROUTING and OUTPUT at -100 = dstnat, filter at 0,
 * nat POSTROUTING and INPUT at 100 = srcnat) and each nft base chain at its own. At equal priority
 * the hook registered last runs first (nf_hook_entries_grow); the simulator counts the iptables
 * tables as registered before any nft chain, as on a node where the CNI's iptables rules come
 * before kube-proxy's table, so kube-proxy's nat-prerouting (-100) runs before iptables' nat
 * PREROUTING (-100) and its filter-forward (0) before iptables' filter FORWARD (0).
 *
 * NAT chains, nft and iptables alike, see only a connection's first packet and are run by nf_nat
 * in priority order until one binds a translation (nf_nat_inet_fn); the translation is kept in the
 * same conntrack entry iptables' DNAT and MASQUERADE use, so the reply is un-NATed the same way.
 * The walker calls in here at its existing hook points (see conntrackIn, filter, conntrackOut).
 */
import { formatIpv4, type Ipv4 } from "../ipv4";
import type { Netns, World } from "../model";
import { type ConntrackTable, invert } from "../netfilter/conntrack";
import type { CtState, Hook } from "../netfilter/model";
import { type NftChainResult, runNftChain } from "../netfilter/nft-eval";
import {
  type NftBase,
  type NftChain,
  type NftHook,
  type NftItem,
  type NftTable,
  nftBaseChainsAt,
} from "../netfilter/nft-model";
import { renderNftRule } from "../render/nft";
import type { Rng } from "../rng";
import { unreachable } from "../unreachable";
import type { Hop } from "./hop";
import { type Datagram, isIcmpError, isIcmpRedirect, tupleOf } from "./packet";
import { selectSource } from "./route";
import {
  type CtRef,
  type DropReason,
  rewriteDst,
  rewriteSrc,
  type Tag,
  type Tracked,
  withMark,
} from "./walker";

/** What the walk lends this module: its hops, drops, REJECT answers, conntrack and counters. */
export interface NftWalkPort {
  readonly world: World;
  readonly rng: Rng;
  ct(ns: Netns): ConntrackTable;
  hop(
    kind: Hop["kind"],
    tag: Tag,
    ns: Netns,
    dev: string | null,
    text: string,
    packet: Datagram,
    extra?: Pick<Hop, "rule">,
  ): void;
  drop(
    tag: Tag,
    ns: Netns,
    dev: string | null,
    reason: DropReason,
    message: string,
    packet: Datagram,
    rule?: Hop["rule"],
  ): void;
  reject(ns: Netns, d: Datagram, tag: Tag, withType: string, hook: Hook): void;
  count(rules: number, lookups: number): void;
}

/** The priorities of iptables' nat and filter tables (include/uapi/linux/netfilter_ipv4.h). */
const NAT_DST = -100;
const FILTER = 0;
const NAT_SRC = 100;

type Slot =
  | { readonly kind: "iptables" }
  | {
      readonly kind: "nft";
      readonly table: NftTable;
      readonly chain: NftChain;
      readonly base: NftBase;
    };

const NFT_HOOK: Readonly<Record<Hook, NftHook>> = {
  PREROUTING: "prerouting",
  INPUT: "input",
  FORWARD: "forward",
  OUTPUT: "output",
  POSTROUTING: "postrouting",
};

/** The hook's nft chains that `keep` selects, with iptables' table placed at `priority`. */
function slots(ns: Netns, hook: Hook, priority: number, keep: (base: NftBase) => boolean): Slot[] {
  const chains = nftBaseChainsAt(ns.nft as NonNullable<Netns["nft"]>, NFT_HOOK[hook]).filter((c) =>
    keep(c.base),
  );
  const at = chains.findIndex((c) => c.base.priority > priority);
  const nft = chains.map((c): Slot => ({ kind: "nft", ...c }));
  const ipt: Slot = { kind: "iptables" };
  return at < 0 ? [...nft, ipt] : [...nft.slice(0, at), ipt, ...nft.slice(at)];
}

function hasChains(ns: Netns, hook: Hook): boolean {
  return ns.nft !== undefined && nftBaseChainsAt(ns.nft, NFT_HOOK[hook]).length > 0;
}

/** The connection state a packet has before this hook's NAT (conntrack ran at -200). */
function stateBefore(ct: ConntrackTable, d: Datagram): CtState {
  if (isIcmpError(d) || isIcmpRedirect(d)) return "RELATED";
  const found = ct.find(tupleOf(d));
  if (!found) return "NEW";
  return found.dir === "reply" || found.entry.seenReply ? "ESTABLISHED" : "NEW";
}

function stateOfRef(ref: CtRef | null, fallback: CtState): CtState {
  if (ref === null) return fallback;
  return ref.dir === "reply" || ref.entry.seenReply ? "ESTABLISHED" : "NEW";
}

function where(table: NftTable, chain: NftChain): string {
  return `nft ${table.family} ${table.name} ${chain.name}`;
}

function ruleRef(table: NftTable, r: NftChainResult): Hop["rule"] | undefined {
  const d = r.decidedBy;
  if (!d) return undefined;
  return {
    table: `${table.family} ${table.name}`,
    chain: d.chain,
    index: d.index,
    text: `add rule ${table.family} ${table.name} ${d.chain} ${renderNftRule(d.rule)}`,
  };
}

function cost(r: NftChainResult): string {
  const lookups = r.mapLookups === 1 ? "1 lookup" : `${r.mapLookups} lookups`;
  return `${r.rulesEvaluated} rule${r.rulesEvaluated === 1 ? "" : "s"} evaluated, ${lookups}`;
}

/** A drop or reject in a nat chain: the packet dies here, recorded with the rule that decided. */
function natChainDrop(
  port: NftWalkPort,
  tag: Tag,
  ns: Netns,
  dev: string | null,
  s: { readonly table: NftTable; readonly chain: NftChain },
  r: NftChainResult,
  packet: Datagram,
): void {
  port.drop(
    tag,
    ns,
    dev,
    "netfilter-drop",
    `${where(s.table, s.chain)}: ${stepsText(r)}dropped (${cost(r)})`,
    packet,
    ruleRef(s.table, r),
  );
}

function stepsText(r: NftChainResult): string {
  return r.steps.length > 0 ? `${r.steps.join("; ")}: ` : "";
}

/** iptables' name for an nft reject, for the walk's REJECT answer. */
function rejectName(item: Extract<NftItem, { kind: "reject" }>): string {
  if (item.with.kind === "tcp-reset") return "tcp-reset";
  const names: Record<string, string> = {
    "net-unreachable": "icmp-net-unreachable",
    "host-unreachable": "icmp-host-unreachable",
    "prot-unreachable": "icmp-proto-unreachable",
    "port-unreachable": "icmp-port-unreachable",
    "net-prohibited": "icmp-net-prohibited",
    "host-prohibited": "icmp-host-prohibited",
    "admin-prohibited": "icmp-admin-prohibited",
  };
  return names[item.with.type] ?? "icmp-port-unreachable";
}

/** Runs one filter-type base chain; the packet (with its mark) or null when it was dropped. */
function filterChain(
  port: NftWalkPort,
  ns: Netns,
  hook: Hook,
  s: Extract<Slot, { kind: "nft" }>,
  d: Datagram,
  tag: Tag,
  inDev: string | null,
  outDev: string | null,
  state: CtState,
): Datagram | null {
  const r = runNftChain(
    ns,
    s.table,
    s.chain,
    { packet: d, ctState: state, mark: d.mark ?? 0 },
    port.rng,
  );
  port.count(r.rulesEvaluated, r.mapLookups);
  const dev = inDev ?? outDev;
  const rule = ruleRef(s.table, r);
  const head = `${where(s.table, s.chain)}: ${stepsText(r)}`;
  const o = r.outcome;
  switch (o.kind) {
    case "accept":
      if (rule) port.hop("netfilter", tag, ns, dev, `${head}accepted (${cost(r)})`, d, { rule });
      return withMark(d, r.mark);
    case "drop":
      port.drop(
        tag,
        ns,
        dev,
        "netfilter-drop",
        rule
          ? `${head}dropped (${cost(r)})`
          : `${head}dropped by the chain's policy drop (${cost(r)})`,
        d,
        rule,
      );
      return null;
    case "reject": {
      const name = rejectName(o.item);
      const w = o.item.with;
      port.drop(
        tag,
        ns,
        dev,
        "netfilter-reject",
        `${head}rejected with ${w.kind === "tcp-reset" ? "tcp reset" : `icmp ${w.type}`} (${cost(r)})`,
        d,
        rule,
      );
      port.reject(ns, d, tag, name, hook);
      return null;
    }
    // NAT statements only load into nat chains (netfilter/nft-state.ts checks it).
    case "dnat":
    case "snat":
    case "masquerade":
      return withMark(d, r.mark);
    default:
      return unreachable(o);
  }
}

/**
 * The first conntrack hook (PREROUTING for arrivals, OUTPUT for local packets): nft filter chains
 * before DNAT (kube-proxy's filter-prerouting-pre-dnat and filter-output-pre-dnat at -110), the
 * nat chains (kube-proxy's nat-prerouting and nat-output at -100) with iptables' nat, then at
 * PREROUTING the filter chains after DNAT. At OUTPUT those run with the filter table (nftFilter).
 */
export function nftConntrackIn(
  port: NftWalkPort,
  ns: Netns,
  d0: Datagram,
  tag: Tag,
  hook: "PREROUTING" | "OUTPUT",
  inDev: string | null,
  outDev: string | null,
  iptables: (d: Datagram) => Tracked | null,
): Tracked | null {
  if (!hasChains(ns, hook)) return iptables(d0);
  const ct = port.ct(ns);
  const error = isIcmpError(d0) || isIcmpRedirect(d0);
  let packet = d0;
  let tracked: Tracked | null = null;
  let bound = false;
  let createdHere = false;
  const order = slots(
    ns,
    hook,
    NAT_DST,
    (b) => hook === "PREROUTING" || b.type === "nat" || b.priority <= NAT_DST,
  );
  for (const s of order) {
    if (s.kind === "iptables") {
      if (bound) continue;
      const before = ct.entries.length;
      tracked = iptables(packet);
      if (tracked === null) return null;
      createdHere = ct.entries.length > before;
      packet = tracked.packet;
      continue;
    }
    if (s.base.type === "filter") {
      const state = tracked ? tracked.state : stateBefore(ct, packet);
      const out = filterChain(port, ns, hook, s, packet, tag, inDev, outDev, state);
      if (out === null) return null;
      packet = out;
      if (tracked) tracked = { ...tracked, packet };
      continue;
    }
    // A nat chain: only the first packet of a connection without a binding yet.
    const fresh =
      tracked === null ? !ct.find(tupleOf(packet)) : createdHere && !tracked.ref?.entry.dnat;
    if (error || bound || !fresh) continue;
    const r = runNftChain(
      ns,
      s.table,
      s.chain,
      { packet, ctState: "NEW", mark: packet.mark ?? 0 },
      port.rng,
    );
    port.count(r.rulesEvaluated, r.mapLookups);
    const o = r.outcome;
    const dev = inDev ?? outDev;
    if (o.kind === "dnat") {
      const t = tupleOf(packet);
      const entry = tracked?.ref?.entry ?? ct.create(t);
      const dport = o.port ?? t.dport;
      const p = rewriteDst(withMark(packet, r.mark), o.addr, dport);
      entry.dnat = true;
      ct.rewriteReply(entry, invert({ ...t, dst: o.addr, dport }));
      const rule = ruleRef(s.table, r);
      port.hop(
        "nat",
        tag,
        ns,
        dev,
        `${where(s.table, s.chain)}: ${r.steps.join("; ")} (${cost(r)}): ${formatIpv4(packet.dst)}${portText(packet)} → ${formatIpv4(p.dst)}${portText(p)}; conntrack remembers it for the reply`,
        p,
        rule ? { rule } : undefined,
      );
      bound = true;
      packet = p;
      tracked = { packet: p, state: "NEW", ref: { entry, dir: "original" } };
      continue;
    }
    if (o.kind === "drop" || o.kind === "reject") {
      natChainDrop(port, tag, ns, dev, s, r, packet);
      return null;
    }
    packet = withMark(packet, r.mark);
    if (tracked) tracked = { ...tracked, packet };
  }
  return tracked;
}

/**
 * The filter hooks (INPUT, FORWARD, OUTPUT): nft filter chains at or below 0 (kube-proxy's
 * filter-input, filter-forward and filter-output at 0), iptables' filter table, then nft chains
 * above 0. At OUTPUT, chains at or below -100 ran before DNAT (nftConntrackIn).
 */
export function nftFilter(
  port: NftWalkPort,
  ns: Netns,
  hook: "INPUT" | "FORWARD" | "OUTPUT",
  d: Datagram,
  tag: Tag,
  inDev: string | null,
  outDev: string | null,
  state: CtState,
  iptables: (d: Datagram) => Datagram | null,
): Datagram | null {
  if (!hasChains(ns, hook)) return iptables(d);
  let packet: Datagram | null = d;
  for (const s of slots(
    ns,
    hook,
    FILTER,
    (b) => b.type === "filter" && (hook !== "OUTPUT" || b.priority > NAT_DST),
  )) {
    packet =
      s.kind === "iptables"
        ? iptables(packet)
        : filterChain(port, ns, hook, s, packet, tag, inDev, outDev, state);
    if (packet === null) return null;
  }
  return packet;
}

/**
 * The last hook (POSTROUTING, or INPUT for local delivery): source NAT for a new connection, nft
 * nat chains (kube-proxy's nat-postrouting at 100, which masquerades what was marked) with
 * iptables' nat, and at POSTROUTING the filter chains too.
 */
export function nftConntrackOut(
  port: NftWalkPort,
  ns: Netns,
  d: Datagram,
  tag: Tag,
  hook: "POSTROUTING" | "INPUT",
  inDev: string | null,
  outDev: string | null,
  ref: CtRef | null,
  nexthop: Ipv4 | null,
  iptables: (d: Datagram) => Datagram | null,
): Datagram | null {
  if (!hasChains(ns, hook)) return iptables(d);
  let packet = d;
  let bound = false;
  const dev = outDev ?? inDev;
  for (const s of slots(ns, hook, NAT_SRC, (b) => hook === "POSTROUTING" || b.type === "nat")) {
    if (s.kind === "iptables") {
      if (bound) continue;
      const out = iptables(packet);
      if (out === null) return null;
      packet = out;
      continue;
    }
    if (s.base.type === "filter") {
      const out = filterChain(
        port,
        ns,
        hook,
        s,
        packet,
        tag,
        inDev,
        outDev,
        stateOfRef(ref, "RELATED"),
      );
      if (out === null) return null;
      packet = out;
      continue;
    }
    const entry = ref?.entry;
    if (!entry || ref?.dir !== "original" || entry.seenReply || entry.snat || bound) continue;
    const r = runNftChain(
      ns,
      s.table,
      s.chain,
      { packet, ctState: "NEW", mark: packet.mark ?? 0 },
      port.rng,
    );
    port.count(r.rulesEvaluated, r.mapLookups);
    const o = r.outcome;
    if (o.kind === "masquerade" || o.kind === "snat") {
      const t = tupleOf(packet);
      let ip: Ipv4;
      let sport = t.sport;
      if (o.kind === "snat") {
        ip = o.addr;
        sport = o.port ?? t.sport;
      } else {
        // nf_nat_masquerade_ipv4: the outgoing device's address toward the next hop.
        const chosen =
          outDev === null
            ? null
            : selectSource(port.world, ns, outDev, nexthop ?? packet.dst, "global");
        if (chosen === null) {
          port.drop(
            tag,
            ns,
            dev,
            "netfilter-drop",
            `${where(s.table, s.chain)}: masquerade: ${outDev ?? "no device"} has no address to masquerade with`,
            packet,
          );
          return null;
        }
        ip = chosen;
      }
      const p = rewriteSrc(withMark(packet, r.mark), ip, sport);
      entry.snat = true;
      port.ct(ns).rewriteReply(entry, invert({ ...t, src: ip, sport }));
      const rule = ruleRef(s.table, r);
      port.hop(
        "nat",
        tag,
        ns,
        dev,
        `${where(s.table, s.chain)}: ${r.steps.join("; ")} (${cost(r)}): source ${formatIpv4(packet.src)} → ${formatIpv4(ip)}; conntrack remembers it for the reply`,
        p,
        rule ? { rule } : undefined,
      );
      bound = true;
      packet = p;
      continue;
    }
    if (o.kind === "drop" || o.kind === "reject") {
      natChainDrop(port, tag, ns, dev, s, r, packet);
      return null;
    }
    packet = withMark(packet, r.mark);
  }
  return packet;
}

function portText(d: Datagram): string {
  return d.l4.kind === "tcp" || d.l4.kind === "udp" ? `:${d.l4.dport}` : "";
}
