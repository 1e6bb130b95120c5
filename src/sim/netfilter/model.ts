/**
 * iptables state (the legacy `iptables` view: tables of chains of rules), as kube-proxy, Flannel and
 * Calico write it. Only the `filter` and `nat` tables are modelled: they are the ones that decide
 * whether a pod's packet arrives.
 */
import type { Ipv4 } from "../ipv4";

export type TableName = "filter" | "nat";

export type Hook = "PREROUTING" | "INPUT" | "FORWARD" | "OUTPUT" | "POSTROUTING";

/** Built-in chains of each table, in the order `iptables-save` prints them. */
export const BUILTIN_CHAINS: Record<TableName, readonly Hook[]> = {
  filter: ["INPUT", "FORWARD", "OUTPUT"],
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
};

export interface Netfilter {
  readonly tables: Record<TableName, Table>;
}

export interface Table {
  readonly name: TableName;
  /** iptables-nft creates a table on the first command that writes to it (`-A -I -N -P`, `-F CHAIN`); until then `iptables-save` omits it. */
  touched: boolean;
  /** Chains in creation order (built-ins first). */
  readonly chains: Map<string, Chain>;
}

export interface Chain {
  readonly name: string;
  readonly builtin: boolean;
  /** Built-in chains only: what happens when no rule decides. */
  policy: "ACCEPT" | "DROP" | null;
  readonly rules: Rule[];
}

export interface AddressMatch {
  readonly addr: Ipv4;
  readonly len: number;
  readonly negated: boolean;
}

export interface InterfaceMatch {
  /** Name as given; a trailing `+` matches every name with that prefix. */
  readonly name: string;
  readonly negated: boolean;
}

export interface PortMatch {
  readonly from: number;
  readonly to: number;
  readonly negated: boolean;
}

export type CtState = "NEW" | "ESTABLISHED" | "RELATED" | "INVALID" | "UNTRACKED" | "SNAT" | "DNAT";

/** A `-m NAME …` extension, in the order the rule gave them (iptables-save keeps that order). */
export type MatchExtension =
  | {
      readonly kind: "tcp" | "udp";
      readonly sport?: PortMatch;
      readonly dport?: PortMatch;
      readonly syn?: { negated: boolean };
    }
  | {
      readonly kind: "icmp";
      readonly type: number | null;
      readonly code: number | null;
      readonly negated: boolean;
    }
  | { readonly kind: "comment"; readonly text: string }
  | { readonly kind: "statistic"; readonly probability: number; readonly negated: boolean }
  | {
      readonly kind: "conntrack";
      readonly states: readonly CtState[];
      readonly negated: boolean;
      /** Written as the older `-m state --state` (iptables-save keeps the spelling). */
      readonly legacyState?: boolean;
    }
  | {
      readonly kind: "addrtype";
      readonly dstType: string | null;
      readonly srcType: string | null;
      readonly negatedDst: boolean;
      readonly negatedSrc: boolean;
    }
  | {
      readonly kind: "mark";
      readonly value: number;
      readonly mask: number;
      readonly negated: boolean;
    }
  | {
      /** xt_recent: a named list of addresses seen, as kube-proxy's session affinity uses it. */
      readonly kind: "recent";
      readonly action: "set" | "rcheck" | "update" | "remove" | null;
      readonly name: string;
      readonly mask: Ipv4;
      /** `--rsource` (the default) records the source address, `--rdest` the destination. */
      readonly source: boolean;
      readonly seconds: number | null;
      readonly reap: boolean;
      readonly negated: boolean;
    }
  | {
      /** `-m set --match-set NAME dst,dst`: membership of the packet's element in an ipset. */
      readonly kind: "set";
      readonly name: string;
      /** Where each dimension of the element comes from: the packet's source or destination. */
      readonly flags: readonly ("src" | "dst")[];
      readonly negated: boolean;
    };

export type Target =
  | { readonly kind: "ACCEPT" | "DROP" | "RETURN" }
  | { readonly kind: "REJECT"; readonly with: string }
  | { readonly kind: "jump" | "goto"; readonly chain: string }
  | { readonly kind: "DNAT"; readonly ip: Ipv4; readonly port: number | null }
  | { readonly kind: "SNAT"; readonly ip: Ipv4; readonly port: number | null }
  | { readonly kind: "MASQUERADE"; readonly randomFully: boolean }
  | {
      readonly kind: "MARK";
      readonly op: "set" | "xor" | "or" | "and";
      readonly value: number;
      readonly mask: number;
    }
  | { readonly kind: "none" };

export interface Rule {
  readonly src: AddressMatch | null;
  readonly dst: AddressMatch | null;
  readonly inIface: InterfaceMatch | null;
  readonly outIface: InterfaceMatch | null;
  /** IP protocol number (1 icmp, 6 tcp, 17 udp, 4 ipencap), or null for any. */
  readonly proto: { readonly number: number; readonly negated: boolean } | null;
  readonly matches: readonly MatchExtension[];
  readonly target: Target;
}

export function emptyNetfilter(): Netfilter {
  const table = (name: TableName): Table => {
    const chains = new Map<string, Chain>();
    for (const hook of BUILTIN_CHAINS[name])
      chains.set(hook, { name: hook, builtin: true, policy: "ACCEPT", rules: [] });
    return { name, chains, touched: false };
  };
  return { tables: { filter: table("filter"), nat: table("nat") } };
}

export const PROTO_NUMBERS: Readonly<Record<string, number>> = {
  icmp: 1,
  tcp: 6,
  udp: 17,
  ipencap: 4,
  ipip: 94,
  gre: 47,
  sctp: 132,
};

export function protoName(n: number): string {
  for (const [name, num] of Object.entries(PROTO_NUMBERS)) if (num === n) return name;
  return String(n);
}
