/**
 * Changes to nftables state with the refusals nft and the kernel make (nf_tables_api.c): what is
 * missing, what exists already, what is still referenced, a jump that would close a loop, a
 * statement a chain's hook cannot run. Each refusal names what it is about, so the command
 * parser can point at it the way nft does.
 */
import type { Netns } from "../model";
import { unreachable } from "../unreachable";
import {
  elementKey,
  emptyNftState,
  type NftBase,
  type NftChain,
  type NftChainType,
  type NftElement,
  type NftHook,
  type NftItem,
  type NftKeyType,
  type NftRule,
  type NftSet,
  type NftState,
  type NftTable,
  type NftVerdict,
} from "./nft-model";

export type NftErrno = "ENOENT" | "EEXIST" | "EBUSY" | "EOPNOTSUPP" | "EMLINK";

export const ERRNO_TEXT: Readonly<Record<NftErrno, string>> = {
  ENOENT: "No such file or directory",
  EEXIST: "File exists",
  EBUSY: "Device or resource busy",
  EOPNOTSUPP: "Operation not supported",
  EMLINK: "Too many links",
};

/** What a refusal is about: the command's parser knows where each of these was written. */
export type NftBlame =
  | { readonly kind: "table" | "object" | "command" }
  | { readonly kind: "element"; readonly index: number }
  | { readonly kind: "target"; readonly chain: string }
  | { readonly kind: "handle" };

export interface NftRefusal {
  readonly errno: NftErrno;
  /** The kernel refused (nft prints "Could not process rule: …"), or nft's own cache check did. */
  readonly kernel: boolean;
  readonly blame: NftBlame;
}

export type NftResult = { readonly ok: true } | ({ readonly ok: false } & NftRefusal);

const OK: NftResult = { ok: true };

function refuse(errno: NftErrno, kernel: boolean, blame: NftBlame): NftResult {
  return { ok: false, errno, kernel, blame };
}

export function nftOf(ns: Netns): NftState {
  ns.nft ??= emptyNftState();
  return ns.nft;
}

// ------------------------------------------------------------------ references

const chainNode = (name: string): string => `c:${name}`;
const setNode = (name: string): string => `s:${name}`;

function link(table: NftTable, from: string, to: string, by: number): void {
  for (const [index, a, b] of [
    [table.out, from, to],
    [table.in, to, from],
  ] as const) {
    let m = index.get(a);
    if (!m) {
      m = new Map();
      index.set(a, m);
    }
    const n = (m.get(b) ?? 0) + by;
    if (n <= 0) m.delete(b);
    else m.set(b, n);
    if (m.size === 0) index.delete(a);
  }
}

function verdictTargets(v: NftVerdict | null): string[] {
  return v !== null && (v.kind === "jump" || v.kind === "goto") ? [v.chain] : [];
}

/** The nodes a rule refers to: chains it jumps to, sets and maps it looks up. */
function ruleRefs(rule: { readonly items: readonly NftItem[] }): string[] {
  const refs: string[] = [];
  for (const item of rule.items)
    switch (item.kind) {
      case "verdict":
        refs.push(...verdictTargets(item.verdict).map(chainNode));
        break;
      case "vmap-anon":
        for (const e of item.entries) refs.push(...verdictTargets(e.verdict).map(chainNode));
        break;
      case "vmap":
        refs.push(setNode(item.map));
        break;
      case "lookup":
        refs.push(setNode(item.set));
        break;
      default:
        break;
    }
  return refs;
}

function linkRule(table: NftTable, chain: string, rule: NftRule, by: 1 | -1): void {
  for (const to of ruleRefs(rule)) link(table, chainNode(chain), to, by);
}

function linkElement(table: NftTable, set: string, e: NftElement, by: 1 | -1): void {
  for (const to of verdictTargets(e.verdict)) link(table, setNode(set), chainNode(to), by);
}

function referenced(table: NftTable, node: string): boolean {
  return (table.in.get(node)?.size ?? 0) > 0;
}

// ------------------------------------------------------------------ validation

/** Where a statement may run (the kernel's ->validate of each expression). */
function itemFits(item: NftItem, type: NftChainType, hook: NftHook): boolean {
  switch (item.kind) {
    // nft_nat_validate: destination NAT in nat chains at prerouting and output, source NAT at
    // postrouting and input; nft_masq_validate: postrouting only.
    case "dnat":
      return type === "nat" && (hook === "prerouting" || hook === "output");
    case "snat":
      return type === "nat" && (hook === "postrouting" || hook === "input");
    case "masquerade":
      return type === "nat" && hook === "postrouting";
    // nft_reject_validate: input, forward, output and (since Linux 5.9) prerouting.
    case "reject":
      return hook !== "postrouting";
    default:
      return true;
  }
}

interface Context {
  readonly type: NftChainType;
  readonly hook: NftHook;
}

/** The base chains that can reach `node` (a chain or set), following references backwards. */
function contextsOf(table: NftTable, node: string): Context[] {
  const seen = new Set([node]);
  const queue = [node];
  const found = new Map<string, Context>();
  while (queue.length > 0) {
    const at = queue.shift() as string;
    if (at.startsWith("c:")) {
      const base = table.chains.get(at.slice(2))?.base;
      if (base) found.set(`${base.type} ${base.hook}`, { type: base.type, hook: base.hook });
    }
    for (const from of table.in.get(at)?.keys() ?? [])
      if (!seen.has(from)) {
        seen.add(from);
        queue.push(from);
      }
  }
  return [...found.values()];
}

function itemsFit(items: readonly NftItem[], contexts: readonly Context[]): boolean {
  return items.every((i) => contexts.every((c) => itemFits(i, c.type, c.hook)));
}

/**
 * Checks new references from `from` to `targets` (and, for a rule, its own statements): the
 * targets must exist and not be base chains, no loop may close, and every statement now
 * reachable must fit every base chain that reaches `from` (nf_tables_check_loops, nft_chain_validate).
 */
function checkLinks(
  table: NftTable,
  from: string,
  targets: readonly string[],
  items: readonly NftItem[],
  blameTarget: (chain: string) => NftBlame,
): NftResult {
  for (const t of targets) {
    const chain = table.chains.get(t);
    if (!chain) return refuse("ENOENT", true, blameTarget(t));
    if (chain.base) return refuse("EOPNOTSUPP", true, blameTarget(t));
  }
  const contexts = contextsOf(table, from);
  if (!itemsFit(items, contexts)) return refuse("EOPNOTSUPP", true, { kind: "command" });
  const seen = new Set<string>();
  const queue = targets.map(chainNode);
  while (queue.length > 0) {
    const at = queue.shift() as string;
    if (at === from) return refuse("EMLINK", true, { kind: "command" });
    if (seen.has(at)) continue;
    seen.add(at);
    const chain = at.startsWith("c:") ? table.chains.get(at.slice(2)) : undefined;
    if (chain && !chain.rules.every((r) => itemsFit(r.items, contexts)))
      return refuse("EOPNOTSUPP", true, { kind: "command" });
    for (const next of table.out.get(at)?.keys() ?? []) queue.push(next);
  }
  return OK;
}

// ------------------------------------------------------------------ tables

export function addTable(
  state: NftState,
  name: string,
  comment: string | null,
  create: boolean,
): NftResult {
  if (state.tables.has(name)) return create ? refuse("EEXIST", true, { kind: "table" }) : OK;
  state.tables.set(name, {
    family: "ip",
    name,
    handle: state.nextTableHandle++,
    comment,
    sets: new Map(),
    chains: new Map(),
    nextHandle: 1,
    out: new Map(),
    in: new Map(),
  });
  return OK;
}

export function deleteTable(state: NftState, name: string): NftResult {
  if (!state.tables.delete(name)) return refuse("ENOENT", false, { kind: "table" });
  state.chainsVersion++;
  return OK;
}

/** `flush ruleset`: every table goes. */
export function flushRuleset(state: NftState): NftResult {
  state.tables.clear();
  state.chainsVersion++;
  return OK;
}

/** `flush table`: every chain loses its rules; sets and maps keep their elements. */
export function flushTable(table: NftTable): NftResult {
  for (const chain of table.chains.values()) clearRules(table, chain);
  return OK;
}

// ------------------------------------------------------------------ chains

export interface BaseSpec {
  readonly type: NftChainType;
  readonly hook: NftHook;
  readonly priority: number;
  readonly policy: "accept" | "drop" | null;
}

export function addChain(
  state: NftState,
  table: NftTable,
  name: string,
  spec: BaseSpec | null,
  comment: string | null,
  create: boolean,
): NftResult {
  // nft_chain_nat registers nat chains at prerouting, input, output and postrouting only.
  if (spec?.type === "nat" && spec.hook === "forward")
    return refuse("EOPNOTSUPP", true, { kind: "command" });
  const existing = table.chains.get(name);
  if (existing) {
    if (create) return refuse("EEXIST", true, { kind: "object" });
    if (spec === null) return OK;
    const base = existing.base;
    if (base === null || base.type !== spec.type || base.hook !== spec.hook)
      return refuse("EEXIST", true, { kind: "object" });
    if (base.priority !== spec.priority) return refuse("EOPNOTSUPP", true, { kind: "command" });
    if (spec.policy !== null) base.policy = spec.policy;
    return OK;
  }
  const base: NftBase | null = spec && {
    type: spec.type,
    hook: spec.hook,
    priority: spec.priority,
    policy: spec.policy ?? "accept",
    registered: state.nextRegistration++,
  };
  table.chains.set(name, { name, handle: table.nextHandle++, comment, base, rules: [] });
  state.chainsVersion++;
  return OK;
}

function clearRules(table: NftTable, chain: NftChain): void {
  for (const rule of chain.rules) linkRule(table, chain.name, rule, -1);
  chain.rules.length = 0;
}

export function flushChain(table: NftTable, name: string): NftResult {
  const chain = table.chains.get(name);
  if (!chain) return refuse("ENOENT", true, { kind: "object" });
  clearRules(table, chain);
  return OK;
}

export function deleteChain(state: NftState, table: NftTable, name: string): NftResult {
  const chain = table.chains.get(name);
  if (!chain) return refuse("ENOENT", false, { kind: "object" });
  if (referenced(table, chainNode(name))) return refuse("EBUSY", true, { kind: "object" });
  clearRules(table, chain);
  table.chains.delete(name);
  state.chainsVersion++;
  return OK;
}

// ------------------------------------------------------------------ rules

export function addRule(
  table: NftTable,
  chainName: string,
  items: readonly NftItem[],
  comment: string | null,
  where: "append" | "insert",
): NftResult {
  const chain = table.chains.get(chainName);
  if (!chain) return refuse("ENOENT", true, { kind: "object" });
  const draft = { items };
  const targets = ruleRefs(draft)
    .filter((n) => n.startsWith("c:"))
    .map((n) => n.slice(2));
  const checked = checkLinks(table, chainNode(chainName), targets, items, (c) => ({
    kind: "target",
    chain: c,
  }));
  if (!checked.ok) return checked;
  // Anonymous sets and maps take a handle of their own before the rule does.
  table.nextHandle += items.filter(
    (i) => i.kind === "vmap-anon" || (i.kind === "addr-set" && i.prefixes.length > 1),
  ).length;
  const rule: NftRule = { handle: table.nextHandle++, items, comment };
  if (where === "append") chain.rules.push(rule);
  else chain.rules.unshift(rule);
  linkRule(table, chainName, rule, 1);
  return OK;
}

export function deleteRule(table: NftTable, chainName: string, handle: number): NftResult {
  const chain = table.chains.get(chainName);
  if (!chain) return refuse("ENOENT", true, { kind: "object" });
  const at = chain.rules.findIndex((r) => r.handle === handle);
  if (at < 0) return refuse("ENOENT", true, { kind: "handle" });
  linkRule(table, chainName, chain.rules[at] as NftRule, -1);
  chain.rules.splice(at, 1);
  return OK;
}

// ------------------------------------------------------------------ sets and maps

export function addSet(
  table: NftTable,
  kind: "set" | "map",
  name: string,
  key: readonly NftKeyType[],
  comment: string | null,
  create: boolean,
): NftResult {
  const existing = table.sets.get(name);
  if (existing) {
    const same = existing.kind === kind && existing.key.join(".") === key.join(".");
    return create || !same ? refuse("EEXIST", true, { kind: "object" }) : OK;
  }
  table.sets.set(name, {
    name,
    handle: table.nextHandle++,
    kind,
    key,
    comment,
    elements: new Map(),
  });
  return OK;
}

export function deleteSet(table: NftTable, name: string): NftResult {
  const set = table.sets.get(name);
  if (!set) return refuse("ENOENT", false, { kind: "object" });
  if (referenced(table, setNode(name))) return refuse("EBUSY", true, { kind: "object" });
  for (const e of set.elements.values()) linkElement(table, name, e, -1);
  table.sets.delete(name);
  return OK;
}

export function flushSet(table: NftTable, name: string): NftResult {
  const set = table.sets.get(name);
  if (!set) return refuse("ENOENT", false, { kind: "object" });
  for (const e of set.elements.values()) linkElement(table, name, e, -1);
  set.elements.clear();
  return OK;
}

/** `add element`: all or nothing, as one netlink batch is. */
export function addElements(
  table: NftTable,
  set: NftSet,
  elements: readonly NftElement[],
  create: boolean,
): NftResult {
  for (const [index, e] of elements.entries()) {
    const existing = set.elements.get(elementKey(e.key));
    if (existing) {
      // nft_add_set_elem: an element that exists is fine unless `create`, or its data differs.
      if (create || !sameVerdict(existing.verdict, e.verdict))
        return refuse("EEXIST", true, { kind: "element", index });
      continue;
    }
    const targets = verdictTargets(e.verdict);
    const checked = checkLinks(table, setNode(set.name), targets, [], () => ({
      kind: "element",
      index,
    }));
    if (!checked.ok) return checked;
  }
  for (const e of elements) {
    const key = elementKey(e.key);
    if (set.elements.has(key)) continue;
    set.elements.set(key, e);
    linkElement(table, set.name, e, 1);
  }
  return OK;
}

export function deleteElements(
  table: NftTable,
  set: NftSet,
  keys: readonly (readonly number[])[],
): NftResult {
  for (const [index, key] of keys.entries())
    if (!set.elements.has(elementKey(key)))
      return refuse("ENOENT", true, { kind: "element", index });
  for (const key of keys) {
    const e = set.elements.get(elementKey(key)) as NftElement;
    linkElement(table, set.name, e, -1);
    set.elements.delete(elementKey(key));
  }
  return OK;
}

function sameVerdict(a: NftVerdict | null, b: NftVerdict | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case "jump":
    case "goto":
      return a.chain === (b as typeof a).chain;
    case "accept":
    case "drop":
    case "return":
    case "continue":
      return true;
    default:
      return unreachable(a);
  }
}
