/**
 * nftables state as `nft list` (nftables v1.0.6, src/rule.c and src/expression.c) prints it:
 * tab-indented blocks, sets and maps before chains, base chains with their type, hook, named
 * priority and policy, and rules in nft's normal form (`meta mark set meta mark | 0x00004000`, a
 * protocol match folded into the port match that depends on it). Checked against the real nft
 * by the kernel replay (test/kernel/clusters.test.ts).
 */
import { formatIpv4, networkOf } from "../ipv4";
import {
  CT_STATE_BITS,
  NFT_PRIORITIES,
  type NftBase,
  type NftChain,
  type NftElement,
  type NftItem,
  type NftKeyType,
  type NftRule,
  type NftSelector,
  type NftSet,
  type NftState,
  type NftTable,
  type NftVerdict,
  priorityNameFits,
} from "../netfilter/nft-model";
import { unreachable } from "../unreachable";

export interface NftListOptions {
  /** `nft -a`: print each object's handle as a `# handle N` comment. */
  readonly handles?: boolean;
}

/** Protocol names nft prints for `inet_proto` values (from its built-in protocol table). */
const PROTO_NAMES: Readonly<Record<number, string>> = {
  1: "icmp",
  6: "tcp",
  17: "udp",
  132: "sctp",
};

export const PROTO_BY_NAME: Readonly<Record<string, number>> = {
  icmp: 1,
  tcp: 6,
  udp: 17,
  sctp: 132,
};

export function protoText(n: number): string {
  return PROTO_NAMES[n] ?? String(n);
}

const hex8 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;

/** `nft list ruleset`: every table, one after the other. */
export function renderNftRuleset(state: NftState | undefined, opts: NftListOptions = {}): string {
  if (!state) return "";
  return [...state.tables.values()].map((t) => renderNftTable(t, opts)).join("");
}

/** `nft list tables`. */
export function renderNftTables(state: NftState | undefined): string {
  if (!state) return "";
  return [...state.tables.values()].map((t) => `table ${t.family} ${t.name}\n`).join("");
}

function handleNote(handle: number, opts: NftListOptions): string {
  return opts.handles ? ` # handle ${handle}` : "";
}

/** `nft list table ip NAME`. */
export function renderNftTable(table: NftTable, opts: NftListOptions = {}): string {
  const blocks = [
    ...[...table.sets.values()].map((s) => renderSet(s, opts)),
    ...[...table.chains.values()].map((c) => renderChain(c, opts)),
  ];
  const comment = table.comment === null ? "" : `\tcomment "${table.comment}"\n`;
  return `table ${table.family} ${table.name} {${handleNote(table.handle, opts)}\n${comment}${blocks.join("\n")}}\n`;
}

/** `nft list chain ip TABLE CHAIN`: the chain inside its table's braces (no table comment). */
export function renderNftChainListing(
  table: NftTable,
  chain: NftChain,
  opts: NftListOptions = {},
): string {
  return `table ${table.family} ${table.name} {\n${renderChain(chain, opts)}}\n`;
}

/** `nft list set|map ip TABLE NAME`. */
export function renderNftSetListing(
  table: NftTable,
  set: NftSet,
  opts: NftListOptions = {},
): string {
  return `table ${table.family} ${table.name} {\n${renderSet(set, opts)}}\n`;
}

function renderChain(chain: NftChain, opts: NftListOptions): string {
  const lines = [`\tchain ${chain.name} {${handleNote(chain.handle, opts)}`];
  if (chain.comment !== null) lines.push(`\t\tcomment "${chain.comment}"`);
  if (chain.base) lines.push(`\t\t${baseText(chain.base)}`);
  for (const rule of chain.rules)
    lines.push(`\t\t${renderNftRule(rule)}${handleNote(rule.handle, opts)}`);
  lines.push("\t}");
  return `${lines.join("\n")}\n`;
}

function baseText(base: NftBase): string {
  return `type ${base.type} hook ${base.hook} priority ${priorityText(base.priority, base.hook)}; policy ${base.policy};`;
}

/**
 * A priority as nft names it: a standard priority allowed at the hook, with an offset of at most
 * 10 (`dstnat - 10`, `filter + 5`), or the number (src/rule.c, prio2str).
 */
export function priorityText(priority: number, hook: NftBase["hook"]): string {
  for (const std of NFT_PRIORITIES) {
    if (!priorityNameFits(std.name, hook)) continue;
    const off = priority - std.value;
    if (off === 0) return std.name;
    if (Math.abs(off) <= 10) return `${std.name} ${off > 0 ? "+" : "-"} ${Math.abs(off)}`;
  }
  return String(priority);
}

// ------------------------------------------------------------------ sets

function typeText(set: NftSet): string {
  const key = set.key.join(" . ");
  return set.kind === "map" ? `${key} : verdict` : key;
}

function renderSet(set: NftSet, opts: NftListOptions): string {
  const lines = [
    `\t${set.kind} ${set.name} {${handleNote(set.handle, opts)}`,
    `\t\ttype ${typeText(set)}`,
  ];
  if (set.comment !== null) lines.push(`\t\tcomment "${set.comment}"`);
  if (set.elements.size > 0) lines.push(`\t\telements = { ${elementsText(set)} }`);
  lines.push("\t}");
  return `${lines.join("\n")}\n`;
}

/** Elements in nft's order and line breaks (src/expression.c, set_expr_print and calculate_delim). */
function elementsText(set: NftSet): string {
  const sorted = [...set.elements.values()].sort((a, b) => compareKeys(set.key, a.key, b.key));
  // Two addresses a line, five ports or protocols, one concatenation.
  const perLine = set.key.length > 1 ? 1 : set.key[0] === "ipv4_addr" ? 2 : 5;
  let out = "";
  sorted.forEach((e, i) => {
    if (i > 0) out += i % perLine === 0 ? ",\n\t\t\t     " : ", ";
    out += elementText(set.key, e);
  });
  return out;
}

function elementText(types: readonly NftKeyType[], e: NftElement): string {
  const key = e.key.map((v, i) => keyValueText(types[i] as NftKeyType, v)).join(" . ");
  const comment = e.comment === null ? "" : ` comment "${e.comment}"`;
  const verdict = e.verdict === null ? "" : ` : ${verdictText(e.verdict)}`;
  return `${key}${comment}${verdict}`;
}

export function keyValueText(type: NftKeyType, v: number): string {
  switch (type) {
    case "ipv4_addr":
      return formatIpv4(v);
    case "inet_proto":
      return protoText(v);
    case "inet_service":
      return String(v);
    default:
      return unreachable(type);
  }
}

const KEY_BYTES: Readonly<Record<NftKeyType, number>> = {
  ipv4_addr: 4,
  inet_proto: 1,
  inet_service: 2,
};

/**
 * nft sorts elements before printing them (src/mergesort.c): one value by its number; a
 * concatenation by its bytes (each field in network order) read as one little-endian number, so
 * the last byte of the last field counts most.
 */
function compareKeys(
  types: readonly NftKeyType[],
  a: readonly number[],
  b: readonly number[],
): number {
  if (types.length === 1) return (a[0] as number) - (b[0] as number);
  const bytes = (key: readonly number[]): number[] => {
    const out: number[] = [];
    key.forEach((v, i) => {
      const n = KEY_BYTES[types[i] as NftKeyType];
      for (let j = n - 1; j >= 0; j--) out.push(Math.floor(v / 256 ** j) % 256);
    });
    return out.reverse();
  };
  const x = bytes(a);
  const y = bytes(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return 0;
}

// ------------------------------------------------------------------ rules

export function verdictText(v: NftVerdict): string {
  switch (v.kind) {
    case "accept":
    case "drop":
    case "return":
    case "continue":
      return v.kind;
    case "jump":
    case "goto":
      return `${v.kind} ${v.chain}`;
    default:
      return unreachable(v);
  }
}

export function selectorText(s: NftSelector): string {
  switch (s.kind) {
    case "ip":
      return `ip ${s.field}`;
    case "proto":
      return s.spelling;
    case "port":
      return `${s.proto} ${s.field}`;
    case "numgen":
      return `numgen random mod ${s.mod}`;
    default:
      return unreachable(s);
  }
}

export function keyText(key: readonly NftSelector[]): string {
  return key.map(selectorText).join(" . ");
}

function prefixText(addr: number, len: number): string {
  return len === 32 ? formatIpv4(addr) : `${formatIpv4(networkOf(addr, len))}/${len}`;
}

const neg = (op: "==" | "!="): string => (op === "!=" ? " !=" : "");

/** One expression or statement in nft's normal form. */
export function itemText(item: NftItem): string {
  switch (item.kind) {
    case "addr":
      return `ip ${item.field}${neg(item.op)} ${prefixText(item.addr, item.len)}`;
    case "addr-set": {
      const sorted = [...item.prefixes].sort((a, b) => a.addr - b.addr);
      return `ip ${item.field}${neg(item.op)} { ${sorted.map((p) => prefixText(p.addr, p.len)).join(", ")} }`;
    }
    case "proto":
      return `${item.spelling}${neg(item.op)} ${protoText(item.proto)}`;
    case "port":
      return `${item.proto} ${item.field}${neg(item.op)} ${item.port}`;
    case "fib":
      return `fib ${item.field} type${neg(item.op)} ${item.type}`;
    case "ct-state": {
      const names = CT_STATE_BITS.filter((s) => (item.states & s.bit) !== 0).map((s) => s.name);
      return `ct state${neg(item.op)} ${names.join(",")}`;
    }
    case "mark":
      return item.mask === null
        ? `meta mark${neg(item.op)} ${hex8(item.value)}`
        : `meta mark & ${hex8(item.mask)} ${item.op} ${hex8(item.value)}`;
    case "lookup":
      return `${keyText(item.key)}${neg(item.op)} @${item.set}`;
    case "vmap":
      return `${keyText(item.key)} vmap @${item.map}`;
    case "vmap-anon": {
      const entries = [...item.entries].sort((a, b) => (a.key[0] ?? 0) - (b.key[0] ?? 0));
      const text = entries
        .map((e) => `${e.key.join(" . ")} : ${verdictText(e.verdict)}`)
        .join(", ");
      return `${keyText(item.key)} vmap { ${text} }`;
    }
    case "mark-set": {
      const op = { or: "|", xor: "^", and: "&" } as const;
      return item.op === "set"
        ? `meta mark set ${hex8(item.value)}`
        : `meta mark set meta mark ${op[item.op]} ${hex8(item.value)}`;
    }
    case "verdict":
      return verdictText(item.verdict);
    case "reject":
      if (item.with.kind === "tcp-reset") return "reject with tcp reset";
      // port-unreachable is reject's default for the ip family: nft leaves it out.
      return item.with.type === "port-unreachable"
        ? "reject"
        : `reject with icmp ${item.with.type}`;
    case "dnat":
    case "snat":
      return `${item.kind} to ${formatIpv4(item.addr)}${item.port === null ? "" : `:${item.port}`}`;
    case "masquerade":
      return item.flag === null ? "masquerade" : `masquerade ${item.flag}`;
    default:
      return unreachable(item);
  }
}

/**
 * A rule as nft lists it. nft drops a protocol match that only serves as the dependency of the
 * next expression (src/payload.c, payload_dependency_kill): `meta l4proto tcp th dport 80` is
 * listed `tcp dport 80`, `meta l4proto tcp reject with tcp reset` is `reject with tcp reset`.
 */
export function renderNftRule(rule: Pick<NftRule, "items" | "comment">): string {
  const words: string[] = [];
  const items = rule.items;
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as NftItem;
    const next = items[i + 1];
    if (item.kind === "proto" && item.op === "==" && next !== undefined) {
      const name = protoText(item.proto);
      if (
        next.kind === "port" &&
        (name === "tcp" || name === "udp") &&
        (next.proto === "th" || next.proto === name)
      ) {
        words.push(itemText({ ...next, proto: name }));
        i++;
        continue;
      }
      if (next.kind === "reject" && next.with.kind === "tcp-reset" && name === "tcp") continue;
    }
    words.push(itemText(item));
  }
  if (rule.comment !== null) words.push(`comment "${rule.comment}"`);
  return words.join(" ");
}
