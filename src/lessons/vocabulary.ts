/**
 * The words a lesson file may use for what the checker reads from a trace: drop reasons,
 * encapsulations, translators, goal conditions and facts (docs/lessons.md, docs/trace-json.md).
 */
import type { Drop } from "../sim";

/** A drop reason code, as a trace's `drop.reason` says it. */
export type DropReasonCode = Drop["reason"];

// A record, so that a drop reason added to the walker is a type error here until it is listed.
const DROP_REASON_SET: Record<DropReasonCode, true> = {
  "no-route": true,
  "local-no-route": true,
  blackhole: true,
  "unreachable-route": true,
  "prohibit-route": true,
  "forwarding-disabled": true,
  "netfilter-drop": true,
  "netfilter-reject": true,
  "ttl-exceeded": true,
  "frag-needed": true,
  "local-mtu": true,
  "neighbour-failed": true,
  "fdb-miss": true,
  "link-down": true,
  "no-carrier": true,
  "not-for-this-host": true,
  "vxlan-no-vni": true,
  "udp-port-unreachable": true,
  "martian-source": true,
  "rp-filter": true,
  "bridge-same-port": true,
  "peer-mtu": true,
  "no-socket": true,
  unsupported: true,
  "ebpf-drop": true,
  "no-tunnel-key": true,
  "hop-limit": true,
  "ipvs-no-destination": true,
  "userspace-drop": true,
  "flooded-unclaimed": true,
};

export const DROP_REASONS = Object.keys(DROP_REASON_SET) as [DropReasonCode, ...DropReasonCode[]];

/** The first encapsulation of a request (`none`: never encapsulated). */
export const ENCAPS = ["vxlan", "geneve", "ipip", "sleeve", "none"] as const;
export type Encap = (typeof ENCAPS)[number];

/** What turned a Service address into a pod address. */
export const TRANSLATORS = ["iptables", "ipvs", "nftables", "ebpf"] as const;
export type Translator = (typeof TRANSLATORS)[number];

/**
 * What a `{condition: …}` failure names: a goal's conditions, in the order the checker judges
 * them (after the request's drop), and `expect` (a probe that had to be dropped arrived).
 */
export const CONDITIONS = [
  "expect",
  "deliveredTo",
  "encap",
  "device",
  "node",
  "notNode",
  "translatedBy",
  "maxRules",
  "maxLookups",
] as const;
export type Condition = (typeof CONDITIONS)[number];

/** The type of each fact's value, and whether it needs `at` (a namespace). */
const FACT_SPECS = {
  delivered: { type: "boolean", at: false },
  "reply-delivered": { type: "boolean", at: false },
  "delivered-to": { type: "string", at: false },
  "drop-at": { type: "string", at: false },
  "drop-reason": { type: "string", at: false },
  encap: { type: "string", at: false },
  "outer-dport": { type: "number", at: false },
  vni: { type: "number", at: false },
  "outer-src": { type: "string", at: false },
  "outer-dst": { type: "string", at: false },
  "egress-device": { type: "string", at: true },
  "next-hop": { type: "string", at: true },
  route: { type: "string", at: true },
  path: { type: "string", at: false },
  "translated-by": { type: "string", at: false },
  "translated-at": { type: "string", at: false },
  "rules-evaluated": { type: "number", at: false },
  "map-lookups": { type: "number", at: false },
  "pod-mtu": { type: "number", at: true },
} as const satisfies Record<string, { type: "boolean" | "number" | "string"; at: boolean }>;

export type Fact = keyof typeof FACT_SPECS;
export const FACTS = Object.keys(FACT_SPECS) as [Fact, ...Fact[]];

/** A fact's value: a number, a boolean or a string, as the fact table says. */
export type FactValue = string | number | boolean;

/** The type of a fact's value. */
export function factType(fact: Fact): "boolean" | "number" | "string" {
  return FACT_SPECS[fact].type;
}

/** Whether a fact is about one namespace, named by the step's `at`. */
export function factNeedsAt(fact: Fact): boolean {
  return FACT_SPECS[fact].at;
}
