/**
 * Runs one nftables base chain on a packet, as nft_do_chain does (net/netfilter/nf_tables_core.c):
 * rules in order, each expression in order until one does not match (NFT_BREAK); `jump` pushes a
 * return point and `goto` does not; a chain's end or `return` goes back to the last jump, and at
 * the base chain to its policy. A set or map lookup (named or anonymous) is one hash lookup
 * whatever the number of elements, counted in `mapLookups`; every rule entered counts in
 * `rulesEvaluated`. Terminal statements end the base chain: accept and drop, reject (a drop with an
 * ICMP error or TCP reset), and the NAT statements (an accept that binds the connection's NAT).
 */
import { type Ipv4, inPrefix } from "../ipv4";
import type { Netns } from "../model";
import { itemText, keyText, renderNftRule, verdictText } from "../render/nft";
import type { Rng } from "../rng";
import { isBroadcastAddress, isLocalAddress } from "../state/addresses";
import { unreachable } from "../unreachable";
import type { Datagram } from "../walk/packet";
import type { CtState } from "./model";
import {
  CT_STATE_BITS,
  elementKey,
  type NftChain,
  type NftItem,
  type NftOp,
  type NftRule,
  type NftSelector,
  type NftTable,
  type NftVerdict,
} from "./nft-model";

export interface NftPacket {
  readonly packet: Datagram;
  readonly ctState: CtState;
  readonly mark: number;
}

/** A statement that ended the base chain, with the rule it was in. */
export interface NftDecision {
  readonly chain: string;
  /** 1-based position of the rule in its chain. */
  readonly index: number;
  readonly rule: NftRule;
  readonly item: NftItem | null;
}

export type NftOutcome =
  | { readonly kind: "accept" | "drop" }
  | { readonly kind: "reject"; readonly item: Extract<NftItem, { kind: "reject" }> }
  | { readonly kind: "dnat" | "snat"; readonly addr: Ipv4; readonly port: number | null }
  | { readonly kind: "masquerade" };

export interface NftChainResult {
  readonly outcome: NftOutcome;
  /** The rule that decided, or null when the base chain's policy did. */
  readonly decidedBy: NftDecision | null;
  readonly mark: number;
  readonly rulesEvaluated: number;
  readonly mapLookups: number;
  /** What the walk did on the way, for the trace: `jump services`, `… vmap @service-ips → goto …`. */
  readonly steps: readonly string[];
}

/** Bounds jumps; the kernel refuses loops at load time and stops at 16 nested jumps (NFT_JUMP_STACK_SIZE). */
const MAX_DEPTH = 16;

function opHolds(op: NftOp, hit: boolean): boolean {
  return op === "==" ? hit : !hit;
}

/** What a selector reads from the packet, or null when it cannot (ports of ICMP). */
function read(s: NftSelector, p: NftPacket, rng: Rng): number | null {
  const d = p.packet;
  switch (s.kind) {
    case "ip":
      return s.field === "saddr" ? d.src : d.dst;
    case "proto":
      return d.proto;
    case "port":
      if (d.l4.kind !== "tcp" && d.l4.kind !== "udp") return null;
      if (s.proto !== "th" && s.proto !== d.l4.kind) return null;
      return s.field === "sport" ? d.l4.sport : d.l4.dport;
    case "numgen":
      // nft_ng_random_eval: reciprocal_scale(get_random_u32(), modulus).
      return Math.min(s.mod - 1, Math.floor(rng() * s.mod));
    default:
      return unreachable(s);
  }
}

function readKey(key: readonly NftSelector[], p: NftPacket, rng: Rng): number[] | null {
  const out: number[] = [];
  for (const s of key) {
    const v = read(s, p, rng);
    if (v === null) return null;
    out.push(v);
  }
  return out;
}

function fibType(ns: Netns, ip: Ipv4): string {
  if (isLocalAddress(ns, ip)) return "local";
  if (isBroadcastAddress(ns, ip)) return "broadcast";
  if (ip >>> 28 === 14) return "multicast";
  return "unicast";
}

function ctBit(state: CtState): number {
  const name = state === "DNAT" || state === "SNAT" ? "established" : state.toLowerCase();
  return CT_STATE_BITS.find((b) => b.name === name)?.bit ?? 0;
}

type Step =
  | { readonly kind: "next" }
  | { readonly kind: "break" }
  | { readonly kind: "verdict"; readonly verdict: NftVerdict; readonly item: NftItem };

/**
 * Runs `chain` (a base chain of `table`) on `p`. The packet's mark may change on the way
 * (`meta mark set`); the result carries the last value.
 */
export function runNftChain(
  ns: Netns,
  table: NftTable,
  chain: NftChain,
  p0: NftPacket,
  rng: Rng,
): NftChainResult {
  let mark = p0.mark;
  let rulesEvaluated = 0;
  let mapLookups = 0;
  const steps: string[] = [];
  const stack: { chain: NftChain; index: number }[] = [];
  let at = chain;
  let index = 0;
  const policy = (): NftChainResult => ({
    outcome: { kind: chain.base?.policy === "drop" ? "drop" : "accept" },
    decidedBy: null,
    mark,
    rulesEvaluated,
    mapLookups,
    steps,
  });
  const decided = (
    outcome: NftOutcome,
    rule: NftRule,
    ruleIndex: number,
    item: NftItem | null,
  ): NftChainResult => ({
    outcome,
    decidedBy: { chain: at.name, index: ruleIndex, rule, item },
    mark,
    rulesEvaluated,
    mapLookups,
    steps,
  });

  for (;;) {
    if (index >= at.rules.length) {
      const back = stack.pop();
      if (!back) return policy();
      at = back.chain;
      index = back.index;
      continue;
    }
    const rule = at.rules[index] as NftRule;
    const ruleIndex = index + 1;
    index++;
    rulesEvaluated++;
    const p: NftPacket = mark === p0.mark ? p0 : { ...p0, mark };
    let step: Step = { kind: "next" };
    for (const item of rule.items) {
      step = evalItem(ns, table, item, p, rng, (n) => {
        mapLookups += n;
      });
      if (step.kind === "break") break;
      if (step.kind === "verdict") break;
      // Statements that change the packet and go on.
      if (item.kind === "mark-set") {
        mark = applyMark(mark, item);
        steps.push(itemText(item));
        continue;
      }
      if (item.kind === "reject") {
        steps.push(renderNftRule(rule));
        return decided({ kind: "reject", item }, rule, ruleIndex, item);
      }
      if (item.kind === "dnat" || item.kind === "snat") {
        steps.push(itemText(item));
        return decided(
          { kind: item.kind, addr: item.addr, port: item.port },
          rule,
          ruleIndex,
          item,
        );
      }
      if (item.kind === "masquerade") {
        steps.push(itemText(item));
        return decided({ kind: "masquerade" }, rule, ruleIndex, item);
      }
    }
    if (step.kind !== "verdict") continue;
    const v = step.verdict;
    steps.push(stepText(rule, step.item, v));
    switch (v.kind) {
      case "accept":
      case "drop":
        return decided({ kind: v.kind }, rule, ruleIndex, step.item);
      case "continue":
        continue;
      case "return": {
        const back = stack.pop();
        if (!back) return policy();
        at = back.chain;
        index = back.index;
        continue;
      }
      case "jump":
      case "goto": {
        const next = table.chains.get(v.chain);
        if (!next || stack.length >= MAX_DEPTH)
          return decided({ kind: "drop" }, rule, ruleIndex, step.item);
        if (v.kind === "jump") stack.push({ chain: at, index });
        at = next;
        index = 0;
        continue;
      }
      default:
        return unreachable(v);
    }
  }
}

/** The trace's words for a verdict a rule reached: the map lookup and what it found, or the rule. */
function stepText(rule: NftRule, item: NftItem, v: NftVerdict): string {
  if (item.kind === "vmap") return `${itemText(item)} → ${verdictText(v)}`;
  if (item.kind === "vmap-anon") return `${keyText(item.key)} → ${verdictText(v)}`;
  return renderNftRule({ items: rule.items, comment: null });
}

function evalItem(
  ns: Netns,
  table: NftTable,
  item: NftItem,
  p: NftPacket,
  rng: Rng,
  lookups: (n: number) => void,
): Step {
  const d = p.packet;
  const matched = (hit: boolean): Step => (hit ? { kind: "next" } : { kind: "break" });
  switch (item.kind) {
    case "addr":
      return matched(
        opHolds(
          item.op,
          inPrefix(item.field === "saddr" ? d.src : d.dst, {
            addr: item.addr,
            len: item.len,
          }),
        ),
      );
    case "addr-set": {
      lookups(1);
      const ip = item.field === "saddr" ? d.src : d.dst;
      return matched(
        opHolds(
          item.op,
          item.prefixes.some((x) => inPrefix(ip, x)),
        ),
      );
    }
    case "proto":
      return matched(opHolds(item.op, d.proto === item.proto));
    case "port": {
      const v = read({ kind: "port", proto: item.proto, field: item.field }, p, rng);
      return matched(v !== null && opHolds(item.op, v === item.port));
    }
    case "fib":
      return matched(
        opHolds(item.op, fibType(ns, item.field === "saddr" ? d.src : d.dst) === item.type),
      );
    case "ct-state":
      return matched(opHolds(item.op, (ctBit(p.ctState) & item.states) !== 0));
    case "mark": {
      const v = item.mask === null ? p.mark : (p.mark & item.mask) >>> 0;
      return matched(opHolds(item.op, v === item.value));
    }
    case "lookup": {
      lookups(1);
      const key = readKey(item.key, p, rng);
      const hit = key !== null && table.sets.get(item.set)?.elements.has(elementKey(key)) === true;
      return matched(opHolds(item.op, hit));
    }
    case "vmap": {
      lookups(1);
      const key = readKey(item.key, p, rng);
      const e = key === null ? undefined : table.sets.get(item.map)?.elements.get(elementKey(key));
      return e?.verdict ? { kind: "verdict", verdict: e.verdict, item } : { kind: "break" };
    }
    case "vmap-anon": {
      lookups(1);
      const key = readKey(item.key, p, rng);
      const e =
        key === null ? undefined : item.entries.find((x) => elementKey(x.key) === elementKey(key));
      return e ? { kind: "verdict", verdict: e.verdict, item } : { kind: "break" };
    }
    case "verdict":
      return { kind: "verdict", verdict: item.verdict, item };
    case "mark-set":
    case "reject":
    case "dnat":
    case "snat":
    case "masquerade":
      return { kind: "next" };
    default:
      return unreachable(item);
  }
}

function applyMark(mark: number, item: Extract<NftItem, { kind: "mark-set" }>): number {
  switch (item.op) {
    case "set":
      return item.value >>> 0;
    case "or":
      return (mark | item.value) >>> 0;
    case "xor":
      return (mark ^ item.value) >>> 0;
    case "and":
      return (mark & item.value) >>> 0;
    default:
      return unreachable(item.op);
  }
}
