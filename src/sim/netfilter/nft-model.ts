/**
 * nftables state, as kube-proxy's nftables mode writes it (kubernetes pkg/proxy/nftables/proxier.go
 * through sigs.k8s.io/knftables): tables of family `ip`, base chains hooked into netfilter with a
 * type and a priority, regular chains, named sets and verdict maps, and rules made of the
 * expressions and statements kube-proxy uses. The kernel side is net/netfilter/nf_tables_api.c;
 * what `nft list` prints is src/rule.c of the nftables tool (v1.0.6). The grammar is kept to what
 * kube-proxy writes (script/nft.ts refuses the rest as not modelled).
 */
import type { Ipv4 } from "../ipv4";
import { unreachable } from "../unreachable";
import type { Hook } from "./model";

export type NftHook = "prerouting" | "input" | "forward" | "output" | "postrouting";

export const NFT_HOOKS: readonly NftHook[] = [
  "prerouting",
  "input",
  "forward",
  "output",
  "postrouting",
];

/** The netfilter hook each nft hook name is (the walker's hooks keep iptables' names). */
export const HOOK_OF: Readonly<Record<NftHook, Hook>> = {
  prerouting: "PREROUTING",
  input: "INPUT",
  forward: "FORWARD",
  output: "OUTPUT",
  postrouting: "POSTROUTING",
};

export type NftChainType = "filter" | "nat";

/**
 * The standard priorities nft names (include/linux/netfilter_ipv4.h, nf_ip_hook_priorities):
 * iptables' own tables sit at the same numbers (nat PREROUTING and OUTPUT at dstnat -100, filter
 * at 0, nat POSTROUTING and INPUT at srcnat 100).
 */
export const NFT_PRIORITIES: readonly { readonly name: string; readonly value: number }[] = [
  { name: "raw", value: -300 },
  { name: "mangle", value: -150 },
  { name: "dstnat", value: -100 },
  { name: "filter", value: 0 },
  { name: "security", value: 50 },
  { name: "srcnat", value: 100 },
];

/** nft accepts `dstnat` only at prerouting and `srcnat` only at postrouting (src/rule.c, std_prio_family_hook_compat). */
export function priorityNameFits(name: string, hook: NftHook): boolean {
  if (name === "dstnat") return hook === "prerouting";
  if (name === "srcnat") return hook === "postrouting";
  return true;
}

export interface NftBase {
  readonly type: NftChainType;
  readonly hook: NftHook;
  readonly priority: number;
  policy: "accept" | "drop";
  /**
   * When the chain's hook was registered, in the namespace's order. At equal priority the kernel
   * runs the most recently registered hook first (net/netfilter/core.c, nf_hook_entries_grow
   * inserts a new hook before the first one of the same or a higher priority).
   */
  readonly registered: number;
}

export type NftVerdict =
  | { readonly kind: "accept" | "drop" | "return" | "continue" }
  | { readonly kind: "jump" | "goto"; readonly chain: string };

/** A set's or map's key types; a map's data is always a verdict here (verdict maps). */
export type NftKeyType = "ipv4_addr" | "inet_proto" | "inet_service";

export interface NftElement {
  /** One number per key type: an address as its 32-bit value, a protocol number, a port. */
  readonly key: readonly number[];
  readonly verdict: NftVerdict | null;
  readonly comment: string | null;
}

export interface NftSet {
  readonly name: string;
  readonly handle: number;
  readonly kind: "set" | "map";
  readonly key: readonly NftKeyType[];
  readonly comment: string | null;
  /** By elementKey(): the kernel keeps a hash; `nft list` sorts (see render/nft.ts). */
  readonly elements: Map<string, NftElement>;
}

/** What a selector reads from the packet. */
export type NftSelector =
  | { readonly kind: "ip"; readonly field: "saddr" | "daddr" }
  /** `meta l4proto` or `ip protocol` (the same byte for IPv4 without options). */
  | { readonly kind: "proto"; readonly spelling: "meta l4proto" | "ip protocol" }
  /**
   * `th dport` reads the transport header's bytes 2–3 whatever the protocol; `tcp dport` also
   * requires TCP. The simulator reads ports of TCP and UDP only (for ICMP those bytes are the
   * checksum, which it does not model).
   */
  | {
      readonly kind: "port";
      readonly proto: "th" | "tcp" | "udp";
      readonly field: "sport" | "dport";
    }
  | { readonly kind: "numgen"; readonly mod: number };

export type NftOp = "==" | "!=";

export type NftRejectWith =
  | { readonly kind: "icmp"; readonly type: string }
  | { readonly kind: "tcp-reset" };

/** One expression or statement of a rule, in the order nft keeps them. */
export type NftItem =
  | {
      readonly kind: "addr";
      readonly field: "saddr" | "daddr";
      readonly op: NftOp;
      readonly addr: Ipv4;
      readonly len: number;
    }
  /** `ip daddr { 10.0.0.0/8, 1.2.3.4 }`: an anonymous interval set (one lookup). */
  | {
      readonly kind: "addr-set";
      readonly field: "saddr" | "daddr";
      readonly op: NftOp;
      readonly prefixes: readonly { readonly addr: Ipv4; readonly len: number }[];
    }
  | {
      readonly kind: "proto";
      readonly spelling: "meta l4proto" | "ip protocol";
      readonly op: NftOp;
      readonly proto: number;
    }
  | {
      readonly kind: "port";
      readonly proto: "th" | "tcp" | "udp";
      readonly field: "sport" | "dport";
      readonly op: NftOp;
      readonly port: number;
    }
  | {
      readonly kind: "fib";
      readonly field: "saddr" | "daddr";
      readonly op: NftOp;
      readonly type: "local" | "unicast" | "broadcast" | "multicast";
    }
  /** `ct state new,established`: a bitmask of CT_STATE_BITS. */
  | { readonly kind: "ct-state"; readonly op: NftOp; readonly states: number }
  /** `meta mark [& MASK] == VALUE`. */
  | {
      readonly kind: "mark";
      readonly mask: number | null;
      readonly op: NftOp;
      readonly value: number;
    }
  /** `KEY @set`: a lookup in a named set. */
  | {
      readonly kind: "lookup";
      readonly key: readonly NftSelector[];
      readonly op: NftOp;
      readonly set: string;
    }
  /** `KEY vmap @map`: a lookup in a named verdict map; a miss ends the rule. */
  | { readonly kind: "vmap"; readonly key: readonly NftSelector[]; readonly map: string }
  /** `KEY vmap { 0 : goto a, 1 : goto b }`: an anonymous verdict map. */
  | {
      readonly kind: "vmap-anon";
      readonly key: readonly NftSelector[];
      readonly entries: readonly {
        readonly key: readonly number[];
        readonly verdict: NftVerdict;
      }[];
    }
  | {
      readonly kind: "mark-set";
      readonly op: "set" | "or" | "xor" | "and";
      readonly value: number;
    }
  | { readonly kind: "verdict"; readonly verdict: NftVerdict }
  | { readonly kind: "reject"; readonly with: NftRejectWith }
  | { readonly kind: "dnat" | "snat"; readonly addr: Ipv4; readonly port: number | null }
  | { readonly kind: "masquerade"; readonly flag: "random" | "fully-random" | "persistent" | null };

export interface NftRule {
  readonly handle: number;
  readonly items: readonly NftItem[];
  readonly comment: string | null;
}

export interface NftChain {
  readonly name: string;
  readonly handle: number;
  readonly comment: string | null;
  readonly base: NftBase | null;
  readonly rules: NftRule[];
}

export interface NftTable {
  readonly family: "ip";
  readonly name: string;
  readonly handle: number;
  readonly comment: string | null;
  /** Sets and maps in creation order (`nft list` prints them in that order). */
  readonly sets: Map<string, NftSet>;
  readonly chains: Map<string, NftChain>;
  /** The table's handle generator: chains, sets, rules and anonymous sets draw from it. */
  nextHandle: number;
  /**
   * Who refers to whom: `c:CHAIN` and `s:SET` nodes, an edge per jump or goto (rule or map
   * element) and per set a rule looks up, counted. The kernel keeps these as use counts: a
   * referenced chain or set cannot be deleted, a jump may not close a loop, and a statement is
   * checked against every base chain that can reach it (nf_tables_api.c, nft_chain_validate).
   */
  readonly out: Map<string, Map<string, number>>;
  readonly in: Map<string, Map<string, number>>;
}

/** One namespace's nftables: its tables in creation order. */
export interface NftState {
  readonly tables: Map<string, NftTable>;
  nextTableHandle: number;
  /** Orders base chain registrations (see NftBase.registered). */
  nextRegistration: number;
  /** Bumped when a chain or table comes or goes, so the per-hook lists below can be kept. */
  chainsVersion: number;
}

export function emptyNftState(): NftState {
  return { tables: new Map(), nextTableHandle: 1, nextRegistration: 1, chainsVersion: 0 };
}

/** ct state bits (include/uapi/linux/netfilter/nf_conntrack_common.h), in the order nft prints them. */
export const CT_STATE_BITS: readonly { readonly name: string; readonly bit: number }[] = [
  { name: "invalid", bit: 1 },
  { name: "established", bit: 2 },
  { name: "related", bit: 4 },
  { name: "new", bit: 8 },
  { name: "untracked", bit: 64 },
];

/** The type of what a selector reads, as a set's key would declare it. */
export function selectorType(s: NftSelector): NftKeyType | "integer" {
  switch (s.kind) {
    case "ip":
      return "ipv4_addr";
    case "proto":
      return "inet_proto";
    case "port":
      return "inet_service";
    case "numgen":
      return "integer";
    default:
      return unreachable(s);
  }
}

export function elementKey(key: readonly number[]): string {
  return key.join(".");
}

export interface NftHooked {
  readonly table: NftTable;
  readonly chain: NftChain;
  readonly base: NftBase;
}

/** Per state: the base chains of each hook, worked out once per chainsVersion. */
const hooked = new WeakMap<NftState, { version: number; byHook: Map<NftHook, NftHooked[]> }>();

/**
 * Base chains of every table at a hook, in the order the kernel runs them: by priority, and at
 * equal priority the last registered first. Kept per state, so a packet's walk does not scan the
 * thousands of regular chains a large Service table has.
 */
export function nftBaseChainsAt(state: NftState, hook: NftHook): readonly NftHooked[] {
  let cached = hooked.get(state);
  if (!cached || cached.version !== state.chainsVersion) {
    const byHook = new Map<NftHook, NftHooked[]>();
    for (const table of state.tables.values())
      for (const chain of table.chains.values()) {
        const base = chain.base;
        if (base === null) continue;
        const list = byHook.get(base.hook) ?? [];
        list.push({ table, chain, base });
        byHook.set(base.hook, list);
      }
    for (const list of byHook.values())
      list.sort(
        (a, b) => a.base.priority - b.base.priority || b.base.registered - a.base.registered,
      );
    cached = { version: state.chainsVersion, byHook };
    hooked.set(state, cached);
  }
  return cached.byHook.get(hook) ?? [];
}
