import { type Ipv4, maskOf } from "../ipv4";
import type { Netns } from "../model";
import type { Rng } from "../rng";
import { isBroadcastAddress, isLocalAddress } from "../state/addresses";
import { unreachable } from "../unreachable";
import type { Datagram } from "../walk/packet";
import { setContains } from "./ipset";
import type {
  AddressMatch,
  Chain,
  CtState,
  Hook,
  InterfaceMatch,
  MatchExtension,
  Rule,
  TableName,
  Target,
} from "./model";

/** What one table's chain for one hook decided about a packet. */
export interface ChainVerdict {
  readonly verdict: "ACCEPT" | "DROP" | "REJECT" | "DNAT" | "SNAT" | "MASQUERADE";
  /** The rule that decided, or null when the chain's policy did. */
  readonly decidedBy: {
    readonly chain: string;
    readonly index: number;
    readonly rule: Rule;
  } | null;
  readonly target: Target | null;
  /** Rules whose matches were evaluated, the cost an iptables walk pays per packet. */
  readonly rulesEvaluated: number;
  /** Chains entered, in order, with the statistic draws made on the way. */
  readonly path: readonly string[];
  readonly draws: readonly {
    chain: string;
    index: number;
    probability: number;
    drew: number;
    matched: boolean;
  }[];
  readonly mark: number;
  /** `-m set` lookups made (one hash lookup in an ipset each): counted as map lookups. */
  readonly setLookups: number;
}

export interface PacketContext {
  readonly packet: Datagram;
  readonly inDev: string | null;
  readonly outDev: string | null;
  readonly ctState: CtState;
  readonly mark: number;
  /** The connection's NAT, for `--ctstate DNAT|SNAT` (conntrack's virtual states). */
  readonly nat?: { readonly dnat: boolean; readonly snat: boolean };
  /** This namespace's xt_recent lists, by name (absent: every list is empty). */
  readonly recent?: RecentLists;
}

/** xt_recent's lists of one namespace: list name → addresses seen. */
export type RecentLists = Map<string, Set<Ipv4>>;

/** Bounds a jump loop (`-A A -j B`, `-A B -j A`), which the kernel refuses at load time. */
const MAX_DEPTH = 64;

function addressMatches(m: AddressMatch | null, ip: Ipv4): boolean {
  if (m === null) return true;
  const hit = (ip & maskOf(m.len)) >>> 0 === m.addr;
  return hit !== m.negated;
}

function ifaceMatches(m: InterfaceMatch | null, dev: string | null): boolean {
  if (m === null) return true;
  if (dev === null) return m.negated;
  const hit = m.name.endsWith("+") ? dev.startsWith(m.name.slice(0, -1)) : dev === m.name;
  return hit !== m.negated;
}

function addrType(ns: Netns, ip: Ipv4): string {
  if (isLocalAddress(ns, ip)) return "LOCAL";
  if (isBroadcastAddress(ns, ip)) return "BROADCAST";
  if (ip >>> 28 === 14) return "MULTICAST";
  return "UNICAST";
}

function extensionMatches(
  ns: Netns,
  m: MatchExtension,
  p: PacketContext,
  draw: () => number,
  onDraw: (drew: number, matched: boolean, probability: number) => void,
  onLookup: () => void,
): boolean {
  const d = p.packet;
  switch (m.kind) {
    case "tcp":
    case "udp": {
      if (d.l4.kind !== m.kind) return false;
      const { sport, dport } = d.l4;
      if (m.sport && (sport >= m.sport.from && sport <= m.sport.to) === m.sport.negated)
        return false;
      if (m.dport && (dport >= m.dport.from && dport <= m.dport.to) === m.dport.negated)
        return false;
      if (
        m.kind === "tcp" &&
        m.syn &&
        d.l4.kind === "tcp" &&
        (d.l4.flags === "SYN") === m.syn.negated
      )
        return false;
      return true;
    }
    case "icmp": {
      if (d.l4.kind !== "icmp") return false;
      if (m.type === null) return !m.negated;
      const hit = d.l4.type === m.type && (m.code === null || d.l4.code === m.code);
      return hit !== m.negated;
    }
    case "comment":
      return true;
    case "statistic": {
      const drew = draw();
      const hit = drew < m.probability;
      onDraw(drew, hit !== m.negated, m.probability);
      return hit !== m.negated;
    }
    case "conntrack": {
      const hit =
        m.states.includes(p.ctState) ||
        (m.states.includes("DNAT") && p.nat?.dnat === true) ||
        (m.states.includes("SNAT") && p.nat?.snat === true);
      return hit !== m.negated;
    }
    case "addrtype": {
      if (m.dstType !== null && (addrType(ns, d.dst) === m.dstType) === m.negatedDst) return false;
      if (m.srcType !== null && (addrType(ns, d.src) === m.srcType) === m.negatedSrc) return false;
      return true;
    }
    case "mark":
      return ((p.mark & m.mask) >>> 0 === m.value) !== m.negated;
    case "recent": {
      // net/netfilter/xt_recent.c: --set always matches and records the address; --rcheck,
      // --update and --remove match when it is listed. No time passes within one probe, so an
      // entry made earlier in it is never older than --seconds.
      const ip = ((m.source ? d.src : d.dst) & m.mask) >>> 0;
      let list = p.recent?.get(m.name);
      if (m.action === "set") {
        if (p.recent && !list) {
          list = new Set();
          p.recent.set(m.name, list);
        }
        list?.add(ip);
        return !m.negated;
      }
      const hit = list?.has(ip) ?? false;
      if (hit && m.action === "remove") list?.delete(ip);
      return hit !== m.negated;
    }
    case "set": {
      // xt_set (ip_set_test): one lookup in the set; a set destroyed since never matches.
      const set = ns.ipsets?.get(m.name);
      if (!set) return m.negated;
      onLookup();
      return setContains(set, m.flags, d) !== m.negated;
    }
    default:
      return unreachable(m);
  }
}

function ruleMatches(
  ns: Netns,
  rule: Rule,
  p: PacketContext,
  draw: () => number,
  onDraw: (drew: number, matched: boolean, probability: number) => void,
  onLookup: () => void,
): boolean {
  const d = p.packet;
  if (!addressMatches(rule.src, d.src) || !addressMatches(rule.dst, d.dst)) return false;
  if (!ifaceMatches(rule.inIface, p.inDev) || !ifaceMatches(rule.outIface, p.outDev)) return false;
  if (rule.proto && (rule.proto.number === d.proto) === rule.proto.negated) return false;
  for (const m of rule.matches)
    if (!extensionMatches(ns, m, p, draw, onDraw, onLookup)) return false;
  return true;
}

/**
 * Runs the built-in chain `hook` of `table` (iptables' ipt_do_table): rules in order, jumps into
 * user chains and back, RETURN, goto, policies. Non-terminating targets (MARK) apply and go on.
 */
export function runChain(
  ns: Netns,
  table: TableName,
  hook: Hook,
  p: PacketContext,
  rng: Rng,
): ChainVerdict {
  const chains = ns.netfilter.tables[table].chains;
  const start = chains.get(hook) as Chain;
  let rulesEvaluated = 0;
  let setLookups = 0;
  let mark = p.mark;
  const path: string[] = [hook];
  const draws: {
    chain: string;
    index: number;
    probability: number;
    drew: number;
    matched: boolean;
  }[] = [];
  // The stack of chains to return to, with the index to resume at.
  const stack: { chain: Chain; index: number }[] = [];
  let chain = start;
  let index = 0;
  for (;;) {
    if (index >= chain.rules.length) {
      if (chain === start) {
        const policy = chain.policy ?? "ACCEPT";
        return {
          verdict: policy,
          decidedBy: null,
          target: null,
          rulesEvaluated,
          path,
          draws,
          mark,
          setLookups,
        };
      }
      const back = stack.pop();
      if (!back)
        return {
          verdict: "ACCEPT",
          decidedBy: null,
          target: null,
          rulesEvaluated,
          path,
          draws,
          mark,
          setLookups,
        };
      chain = back.chain;
      index = back.index;
      continue;
    }
    const rule = chain.rules[index] as Rule;
    const at = index;
    index++;
    rulesEvaluated++;
    const packet: PacketContext = mark === p.mark ? p : { ...p, mark };
    const matched = ruleMatches(
      ns,
      rule,
      packet,
      rng,
      (drew, hit, probability) =>
        draws.push({ chain: chain.name, index: at + 1, probability, drew, matched: hit }),
      () => setLookups++,
    );
    if (!matched) continue;
    const t = rule.target;
    const decided = { chain: chain.name, index: at + 1, rule };
    switch (t.kind) {
      case "none":
        continue;
      case "MARK":
        mark = applyMark(mark, t);
        continue;
      case "ACCEPT":
      case "DROP":
      case "REJECT":
      case "DNAT":
      case "SNAT":
      case "MASQUERADE":
        return {
          verdict: t.kind,
          decidedBy: decided,
          target: t,
          rulesEvaluated,
          path,
          draws,
          mark,
          setLookups,
        };
      case "RETURN": {
        if (chain === start) {
          const policy = chain.policy ?? "ACCEPT";
          return {
            verdict: policy,
            decidedBy: null,
            target: null,
            rulesEvaluated,
            path,
            draws,
            mark,
            setLookups,
          };
        }
        const back = stack.pop();
        if (!back)
          return {
            verdict: "ACCEPT",
            decidedBy: null,
            target: null,
            rulesEvaluated,
            path,
            draws,
            mark,
            setLookups,
          };
        chain = back.chain;
        index = back.index;
        continue;
      }
      case "jump":
      case "goto": {
        const next = chains.get(t.chain);
        if (!next || stack.length >= MAX_DEPTH)
          return {
            verdict: "DROP",
            decidedBy: decided,
            target: t,
            rulesEvaluated,
            path,
            draws,
            mark,
            setLookups,
          };
        if (t.kind === "jump") stack.push({ chain, index });
        path.push(next.name);
        chain = next;
        index = 0;
        continue;
      }
      default:
        return unreachable(t);
    }
  }
}

function applyMark(mark: number, t: Extract<Target, { kind: "MARK" }>): number {
  switch (t.op) {
    case "set":
      return ((mark & ~t.mask) ^ t.value) >>> 0;
    case "xor":
      return (mark ^ t.value) >>> 0;
    case "or":
      return (mark | t.value) >>> 0;
    case "and":
      return (mark & t.value) >>> 0;
    default:
      return unreachable(t.op);
  }
}
