import { parseCidr, parseIpv4 } from "../ipv4";
import type { Netns, World } from "../model";
import {
  type AddressMatch,
  type Chain,
  type CtState,
  type MatchExtension,
  type PortMatch,
  PROTO_NUMBERS,
  type Rule,
  type Table,
  type TableName,
  type Target,
} from "../netfilter/model";
import { renderIptablesRules, renderIptablesSave } from "../render";
import { fail, ok, type Result } from "../state/result";
import { unreachable } from "../unreachable";
import { netnsByName } from "./command";

const V = "iptables v1.8.9 (nf_tables)";
const NO_CHAIN = "iptables: No chain/target/match by that name.";
const BAD_RULE = "iptables: Bad rule (does a matching rule exist in that chain?).";

const ICMP_TYPES: Record<string, [number, number | null]> = {
  any: [-1, null],
  "echo-reply": [0, null],
  pong: [0, null],
  "destination-unreachable": [3, null],
  "network-unreachable": [3, 0],
  "host-unreachable": [3, 1],
  "port-unreachable": [3, 3],
  "fragmentation-needed": [3, 4],
  "echo-request": [8, null],
  ping: [8, null],
  "time-exceeded": [11, null],
};

const REJECT_WITH = new Set([
  "icmp-net-unreachable",
  "icmp-host-unreachable",
  "icmp-port-unreachable",
  "icmp-proto-unreachable",
  "icmp-net-prohibited",
  "icmp-host-prohibited",
  "icmp-admin-prohibited",
  "tcp-reset",
]);
/** Real targets a learner may type that change nothing the model decides, or that it does not model. */
const UNMODELLED_TARGETS = new Set([
  "LOG",
  "NFLOG",
  "REDIRECT",
  "TPROXY",
  "CT",
  "NOTRACK",
  "TRACE",
  "CONNMARK",
  "TCPMSS",
  "NETMAP",
  "SET",
  "CHECKSUM",
  "TOS",
  "TTL",
  "DSCP",
]);
/** Real match modules a learner may type that the model does not evaluate. */
const UNMODELLED_MATCHES = new Set([
  "multiport",
  "physdev",
  "limit",
  "hashlimit",
  "string",
  "owner",
  "connmark",
  "socket",
  "rpfilter",
  "length",
  "iprange",
  "mac",
  "nfacct",
  "policy",
  "u32",
  "bpf",
  "cgroup",
  "ttl",
  "tos",
  "dscp",
  "helper",
  "connlimit",
  "time",
  "quota",
  "pkttype",
]);
const REJECT_ALIASES: Record<string, string> = { "tcp-rst": "tcp-reset" };

type Command =
  | { kind: "append"; chain: string; rule: Rule }
  | { kind: "check"; chain: string; rule: Rule }
  | { kind: "insert"; chain: string; index: number; rule: Rule }
  | { kind: "replace"; chain: string; index: number; rule: Rule }
  | { kind: "delete"; chain: string; rule: Rule | null; index: number | null }
  | { kind: "policy"; chain: string; policy: string }
  | { kind: "new" | "flush" | "delete-chain" | "zero"; chain: string | null }
  | { kind: "list"; chain: string | null };

/** `iptables [-t TABLE] COMMAND [CHAIN] [RULE]` on the filter and nat tables. */
export function runIptables(
  world: World,
  words: readonly string[],
  netns: string | null,
): Result<string> {
  const found = netnsByName(world, netns);
  if (!found.ok) return found;
  const parsed = parseIptables(words);
  if (!parsed.ok) return parsed;
  const { table: tableName, command } = parsed.value;
  const missingSet = missingSetOf(found.value, command);
  if (missingSet !== null) return fail(`${V}: Set ${missingSet} doesn't exist.\n\n${TRY}`);
  const table = found.value.netfilter.tables[tableName];
  const chain = command.kind === "list" ? (command.chain ?? undefined) : undefined;
  return apply(table, command, () => renderIptablesRules(world, found.value, tableName, chain));
}

/** `iptables-save [-t TABLE] [-c]`: the tables in use, as iptables-save prints them. */
export function runIptablesSave(
  world: World,
  words: readonly string[],
  netns: string | null,
): Result<string> {
  const found = netnsByName(world, netns);
  if (!found.ok) return found;
  let table: TableName | undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    if (w === "-t" || w === "--table") {
      const name = words[++i];
      if (name !== "filter" && name !== "nat")
        return fail(
          `podnet-learn: the ${name ?? "(missing)"} table is not modelled (filter and nat are)`,
        );
      table = name;
    } else if (w !== "-c" && w !== "--counters")
      return fail(
        `iptables-save: unknown option "${w}"\nTry \`iptables-save -h' for more information.`,
      );
  }
  return ok(renderIptablesSave(world, found.value, table));
}

/**
 * libxt_set looks each `--match-set` set up by name while parsing the rule (get_set_byname), so
 * a rule naming a set that does not exist is refused whatever the command.
 */
function missingSetOf(ns: Netns, command: Command): string | null {
  const rule = "rule" in command ? command.rule : null;
  if (!rule) return null;
  for (const m of rule.matches) if (m.kind === "set" && !ns.ipsets?.has(m.name)) return m.name;
  return null;
}

function chainOf(table: Table, name: string): Result<Chain> {
  const chain = table.chains.get(name);
  return chain ? ok(chain) : fail(NO_CHAIN);
}

function targetExists(table: Table, rule: Rule): Result {
  const t = rule.target;
  if ((t.kind === "jump" || t.kind === "goto") && !table.chains.has(t.chain))
    return fail(
      `${V}: Chain '${t.chain}' does not exist\nTry \`iptables -h' or 'iptables --help' for more information.`,
    );
  return ok();
}

const TRY = "Try `iptables -h' or 'iptables --help' for more information.";

/**
 * What iptables (the client) and the kernel refuse about where a rule goes: NAT targets outside
 * the nat table or in the wrong hook (DNAT before routing, SNAT and MASQUERADE after), filtering
 * targets in nat, and an in-interface where there is none (OUTPUT, POSTROUTING) or an
 * out-interface where it is not known yet (PREROUTING, INPUT). User chains are checked when used.
 */
function refusedForChain(table: TableName, chain: string, rule: Rule): string | null {
  const t = rule.target.kind;
  if ((chain === "OUTPUT" || chain === "POSTROUTING") && rule.inIface)
    return `${V}: Can't use -i with ${chain}\n\n${TRY}`;
  if ((chain === "PREROUTING" || chain === "INPUT") && rule.outIface)
    return `${V}: Can't use -o with ${chain}\n\n${TRY}`;
  if (table === "nat" && (t === "DROP" || t === "REJECT"))
    return t === "DROP"
      ? `The "nat" table is not intended for filtering, the use of DROP is therefore inhibited.\n\n${TRY}`
      : `${V}:  RULE_APPEND failed (Invalid argument): rule in chain ${chain}`;
  const appendFailed = `${V}:  RULE_APPEND failed (Invalid argument): rule in chain ${chain}`;
  if ((t === "DNAT" || t === "SNAT" || t === "MASQUERADE") && table !== "nat") return appendFailed;
  if (t === "DNAT" && (chain === "POSTROUTING" || chain === "INPUT")) return appendFailed;
  if ((t === "SNAT" || t === "MASQUERADE") && (chain === "PREROUTING" || chain === "OUTPUT"))
    return appendFailed;
  return null;
}

function apply(table: Table, command: Command, list: () => string): Result<string> {
  const writes =
    command.kind === "append" ||
    command.kind === "insert" ||
    command.kind === "replace" ||
    command.kind === "policy" ||
    command.kind === "new" ||
    (command.kind === "flush" && command.chain !== null);
  // iptables-nft creates the table (and iptables-save starts printing it) on the first write.
  if (writes) table.touched = true;
  switch (command.kind) {
    case "append":
    case "insert":
    case "replace": {
      const chain = chainOf(table, command.chain);
      if (!chain.ok) return chain;
      const target = targetExists(table, command.rule);
      if (!target.ok) return target;
      const refused = refusedForChain(table.name, command.chain, command.rule);
      if (refused !== null) return fail(refused);
      const rules = chain.value.rules;
      if (command.kind === "append") rules.push(command.rule);
      else if (command.kind === "insert") {
        if (command.index > rules.length + 1) return fail("iptables: Index of insertion too big.");
        rules.splice(command.index - 1, 0, command.rule);
      } else {
        if (command.index > rules.length) return fail("iptables: Index of replacement too big.");
        rules[command.index - 1] = command.rule;
      }
      return ok("");
    }
    case "check": {
      const chain = chainOf(table, command.chain);
      if (!chain.ok) return chain;
      const key = JSON.stringify(command.rule);
      return chain.value.rules.some((r) => JSON.stringify(r) === key) ? ok("") : fail(BAD_RULE);
    }
    case "delete": {
      const chain = chainOf(table, command.chain);
      if (!chain.ok) return chain;
      const rules = chain.value.rules;
      if (command.index !== null) {
        if (command.index > rules.length) return fail("iptables: Index of deletion too big.");
        rules.splice(command.index - 1, 1);
        return ok("");
      }
      const key = JSON.stringify(command.rule);
      const at = rules.findIndex((r) => JSON.stringify(r) === key);
      if (at < 0) return fail(BAD_RULE);
      rules.splice(at, 1);
      return ok("");
    }
    case "policy": {
      const chain = chainOf(table, command.chain);
      if (!chain.ok || !chain.value.builtin) return fail("iptables: Bad built-in chain name.");
      if (command.policy !== "ACCEPT" && command.policy !== "DROP")
        return fail("iptables: Bad policy name. Run `dmesg' for more information.");
      if (table.name === "nat" && command.policy === "DROP")
        return fail(
          `The "nat" table is not intended for filtering, the use of DROP is therefore inhibited.\n\nTry \`iptables -h' or 'iptables --help' for more information.`,
        );
      chain.value.policy = command.policy;
      return ok("");
    }
    case "new": {
      const name = command.chain as string;
      if (table.chains.has(name)) return fail("iptables: Chain already exists.");
      if (name.length > 28)
        return fail(`${V}: chain name \`${name}' too long (must be under 29 chars)`);
      table.chains.set(name, { name, builtin: false, policy: null, rules: [] });
      return ok("");
    }
    case "flush": {
      if (command.chain === null) {
        for (const chain of table.chains.values()) chain.rules.length = 0;
        return ok("");
      }
      const chain = chainOf(table, command.chain);
      if (!chain.ok) return chain;
      chain.value.rules.length = 0;
      return ok("");
    }
    case "delete-chain": {
      const victims =
        command.chain === null
          ? [...table.chains.values()].filter((c) => !c.builtin)
          : [table.chains.get(command.chain)];
      for (const chain of victims) {
        if (!chain) return fail(NO_CHAIN);
        if (chain.builtin)
          return fail(`${V}: CHAIN_USER_DEL failed (Operation not permitted): chain ${chain.name}`);
        const referenced = [...table.chains.values()].some((c) =>
          c.rules.some(
            (r) =>
              (r.target.kind === "jump" || r.target.kind === "goto") &&
              r.target.chain === chain.name,
          ),
        );
        if (referenced || chain.rules.length > 0)
          return fail(`${V}: CHAIN_USER_DEL failed (Device or resource busy): chain ${chain.name}`);
      }
      for (const chain of victims) if (chain) table.chains.delete(chain.name);
      return ok("");
    }
    case "zero":
      return ok("");
    case "list":
      if (command.chain !== null && !table.chains.has(command.chain)) return fail(NO_CHAIN);
      return ok(list());
    default:
      return unreachable(command);
  }
}

interface RuleDraft {
  src: AddressMatch | null;
  dst: AddressMatch | null;
  inIface: Rule["inIface"];
  outIface: Rule["outIface"];
  proto: Rule["proto"];
  matches: MatchExtension[];
  target: Target;
}

/** Parses an iptables command line (without the leading `iptables`). */
export function parseIptables(
  words: readonly string[],
): Result<{ table: TableName; command: Command }> {
  let table: TableName = "filter";
  let command: Command["kind"] | null = null;
  let chain: string | null = null;
  let index: number | null = null;
  let policy = "";
  const draft: RuleDraft = {
    src: null,
    dst: null,
    inIface: null,
    outIface: null,
    proto: null,
    matches: [],
    target: { kind: "none" },
  };
  let hasRuleParts = false;
  let legacyState = false;
  let negate = false;
  let targetName: string | null = null;
  const targetOpts: Record<string, string | true> = {};
  let current: MatchExtension["kind"] | null = null;
  const unknown = (opt: string): Result<never> =>
    fail(
      `${V}: unknown option "${opt}"\nTry \`iptables -h' or 'iptables --help' for more information.`,
    );
  const need = (i: number, opt: string): Result<string> => {
    const v = words[i];
    return v === undefined
      ? fail(
          `${V}: option "${opt}" requires an argument\nTry \`iptables -h' or 'iptables --help' for more information.`,
        )
      : ok(v);
  };
  const setCommand = (kind: Command["kind"]): Result => {
    if (command !== null)
      return fail(
        `${V}: Cannot use -${kind[0]?.toUpperCase()} with -${command[0]?.toUpperCase()}\n`,
      );
    command = kind;
    return ok();
  };

  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    if (w === "!") {
      negate = true;
      continue;
    }
    const neg = negate;
    negate = false;
    const arg = (): Result<string> => need(++i, w);
    switch (w) {
      case "-t":
      case "--table": {
        const v = arg();
        if (!v.ok) return v;
        if (v.value !== "filter" && v.value !== "nat")
          return fail(`podnet-learn: the ${v.value} table is not modelled (filter and nat are)`);
        table = v.value;
        break;
      }
      case "-w":
      case "--wait":
        if (words[i + 1] !== undefined && /^[0-9.]+$/.test(words[i + 1] as string)) i++;
        break;
      case "-L":
      case "--list":
        return fail(
          'podnet-learn: "iptables -L" (the table view) is not modelled; "iptables -S" and "iptables-save" print the same rules',
        );
      case "-A":
      case "--append":
      case "-C":
      case "--check":
      case "-I":
      case "--insert":
      case "-R":
      case "--replace":
      case "-D":
      case "--delete":
      case "-P":
      case "--policy":
      case "-N":
      case "--new-chain":
      case "-F":
      case "--flush":
      case "-X":
      case "--delete-chain":
      case "-Z":
      case "--zero":
      case "-S":
      case "--list-rules": {
        const kind = commandKind(w);
        const set = setCommand(kind);
        if (!set.ok) return set;
        const next = words[i + 1];
        const optionalChain =
          kind === "flush" || kind === "delete-chain" || kind === "zero" || kind === "list";
        if (next !== undefined && !(optionalChain && next.startsWith("-")))
          chain = words[++i] as string;
        else if (!optionalChain) return fail(`${V}: option "${w}" requires an argument`);
        if (
          (kind === "insert" || kind === "replace" || kind === "delete") &&
          /^[0-9]+$/.test(words[i + 1] ?? "")
        )
          index = Number(words[++i]);
        if (kind === "policy") {
          const v = arg();
          if (!v.ok) return v;
          policy = v.value;
        }
        break;
      }
      case "-s":
      case "--source":
      case "-d":
      case "--destination": {
        const v = arg();
        if (!v.ok) return v;
        const cidr = parseCidr(v.value);
        if (cidr === null)
          return fail(
            `${V}: host/network \`${v.value}' not found\nTry \`iptables -h' or 'iptables --help' for more information.`,
          );
        const mask = cidr.len === 0 ? 0 : (0xffffffff << (32 - cidr.len)) >>> 0;
        const m: AddressMatch = { addr: (cidr.ip & mask) >>> 0, len: cidr.len, negated: neg };
        if (w === "-s" || w === "--source") draft.src = m;
        else draft.dst = m;
        hasRuleParts = true;
        break;
      }
      case "-p":
      case "--protocol": {
        const v = arg();
        if (!v.ok) return v;
        const name = v.value.toLowerCase();
        const number =
          name === "all" ? 0 : /^[0-9]+$/.test(name) ? Number(name) : PROTO_NUMBERS[name];
        if (number === undefined)
          return fail(
            `${V}: unknown protocol "${v.value}" specified\nTry \`iptables -h' or 'iptables --help' for more information.`,
          );
        draft.proto = number === 0 ? null : { number, negated: neg };
        hasRuleParts = true;
        break;
      }
      case "-i":
      case "--in-interface":
      case "-o":
      case "--out-interface": {
        const v = arg();
        if (!v.ok) return v;
        const m = { name: v.value, negated: neg };
        if (w.startsWith("-i") || w === "--in-interface") draft.inIface = m;
        else draft.outIface = m;
        hasRuleParts = true;
        break;
      }
      case "-m":
      case "--match": {
        const v = arg();
        if (!v.ok) return v;
        const kind = v.value === "state" ? "conntrack" : v.value;
        if (UNMODELLED_MATCHES.has(kind))
          return fail(`podnet-learn: the ${kind} match is not modelled`);
        if (
          ![
            "tcp",
            "udp",
            "icmp",
            "comment",
            "statistic",
            "conntrack",
            "addrtype",
            "mark",
            "recent",
            "set",
          ].includes(kind)
        )
          return fail(
            `${V}: Couldn't load match \`${v.value}':No such file or directory\n\nTry \`iptables -h' or 'iptables --help' for more information.`,
          );
        current = kind as MatchExtension["kind"];
        startMatch(draft, current);
        if (v.value === "state") {
          legacyState = true;
          draft.matches[draft.matches.length - 1] = {
            kind: "conntrack",
            states: [],
            negated: false,
            legacyState,
          };
        }
        hasRuleParts = true;
        break;
      }
      case "-j":
      case "--jump":
      case "-g":
      case "--goto": {
        const v = arg();
        if (!v.ok) return v;
        targetName = w === "-g" || w === "--goto" ? `goto:${v.value}` : v.value;
        current = null;
        break;
      }
      default: {
        if (!w.startsWith("--")) {
          if (w.startsWith("-")) return unknown(w);
          return fail(
            `Bad argument \`${w}'\nTry \`iptables -h' or 'iptables --help' for more information.`,
          );
        }
        if (targetName !== null && isTargetOption(w)) {
          if (w === "--random-fully" || w === "--random") targetOpts[w] = true;
          else {
            const v = arg();
            if (!v.ok) return v;
            targetOpts[w] = v.value;
          }
          break;
        }
        const applied = matchOption(draft, current, w, neg, () => arg());
        if (!applied.ok) return applied;
        if (!applied.value) return unknown(w);
        hasRuleParts = true;
      }
    }
  }
  if (command === null)
    return fail(
      `${V}: no command specified\nTry \`iptables -h' or 'iptables --help' for more information.`,
    );
  if (targetName !== null) {
    const target = buildTarget(targetName, targetOpts, draft);
    if (!target.ok) return target;
    draft.target = target.value;
    hasRuleParts = true;
  }
  if (draft.matches.some((m) => m.kind === "recent" && m.action === null))
    return fail(
      `${V}: recent: you must specify one of \`--set', \`--rcheck' \`--update' or \`--remove'\nTry \`iptables -h' or 'iptables --help' for more information.`,
    );
  const rule: Rule = { ...draft, matches: draft.matches };
  const kind: Command["kind"] = command;
  const name = chain as string;
  switch (kind) {
    case "append":
      return ok({ table, command: { kind, chain: name, rule } });
    case "check":
      return ok({ table, command: { kind, chain: name, rule } });
    case "insert":
      return ok({ table, command: { kind, chain: name, index: index ?? 1, rule } });
    case "replace":
      if (index === null) return fail(`${V}: -R requires a rule number`);
      return ok({ table, command: { kind, chain: name, index, rule } });
    case "delete":
      if (index === null && !hasRuleParts) return fail(`${V}: -D requires a rule or a rule number`);
      return ok({
        table,
        command: { kind, chain: name, rule: index === null ? rule : null, index },
      });
    case "policy":
      return ok({ table, command: { kind, chain: name, policy } });
    case "new":
    case "flush":
    case "delete-chain":
    case "zero":
      return ok({ table, command: { kind, chain } });
    case "list":
      return ok({ table, command: { kind, chain } });
    default:
      return unreachable(kind);
  }
}

function commandKind(flag: string): Command["kind"] {
  const map: Record<string, Command["kind"]> = {
    A: "append",
    C: "check",
    I: "insert",
    R: "replace",
    D: "delete",
    P: "policy",
    N: "new",
    F: "flush",
    X: "delete-chain",
    Z: "zero",
    L: "list",
    S: "list",
  };
  const long: Record<string, string> = {
    "--append": "A",
    "--check": "C",
    "--insert": "I",
    "--replace": "R",
    "--delete": "D",
    "--policy": "P",
    "--new-chain": "N",
    "--flush": "F",
    "--delete-chain": "X",
    "--zero": "Z",
    "--list": "L",
    "--list-rules": "S",
  };
  const letter = flag.startsWith("--") ? (long[flag] as string) : flag.slice(1);
  return map[letter] as Command["kind"];
}

function isTargetOption(opt: string): boolean {
  return [
    "--to-destination",
    "--to-source",
    "--reject-with",
    "--set-xmark",
    "--set-mark",
    "--xor-mark",
    "--or-mark",
    "--and-mark",
    "--random-fully",
    "--random",
    "--to-ports",
  ].includes(opt);
}

function startMatch(draft: RuleDraft, kind: MatchExtension["kind"]): void {
  switch (kind) {
    case "tcp":
    case "udp":
      draft.matches.push({ kind });
      return;
    case "icmp":
      draft.matches.push({ kind, type: null, code: null, negated: false });
      return;
    case "comment":
      draft.matches.push({ kind, text: "" });
      return;
    case "statistic":
      draft.matches.push({ kind, probability: 1, negated: false });
      return;
    case "conntrack":
      draft.matches.push({ kind, states: [], negated: false });
      return;
    case "addrtype":
      draft.matches.push({
        kind,
        dstType: null,
        srcType: null,
        negatedDst: false,
        negatedSrc: false,
      });
      return;
    case "mark":
      draft.matches.push({ kind, value: 0, mask: 0xffffffff, negated: false });
      return;
    case "recent":
      draft.matches.push({
        kind,
        action: null,
        name: "DEFAULT",
        mask: 0xffffffff,
        source: true,
        seconds: null,
        reap: false,
        negated: false,
      });
      return;
    case "set":
      draft.matches.push({ kind, name: "", flags: [], negated: false });
      return;
    default:
      unreachable(kind);
  }
}

function parsePorts(text: string, neg: boolean): PortMatch | null {
  const m = /^([0-9]+)(?::([0-9]+))?$/.exec(text);
  if (!m) return null;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (from > 65535 || to > 65535 || to < from) return null;
  return { from, to, negated: neg };
}

function parseMark(text: string): { value: number; mask: number } | null {
  const m = /^(0x[0-9a-fA-F]+|[0-9]+)(?:\/(0x[0-9a-fA-F]+|[0-9]+))?$/.exec(text);
  if (!m) return null;
  return { value: Number(m[1]) >>> 0, mask: m[2] === undefined ? 0xffffffff : Number(m[2]) >>> 0 };
}

/** Applies one `--option` to the current (or an implicitly loaded tcp/udp/icmp) match. */
function matchOption(
  draft: RuleDraft,
  current: MatchExtension["kind"] | null,
  opt: string,
  neg: boolean,
  arg: () => Result<string>,
): Result<boolean> {
  const last = draft.matches[draft.matches.length - 1];
  const protoName =
    draft.proto?.number === 6
      ? "tcp"
      : draft.proto?.number === 17
        ? "udp"
        : draft.proto?.number === 1
          ? "icmp"
          : null;
  // `-p tcp --dport 80` loads the tcp match implicitly; iptables-save prints it as `-m tcp`.
  const ensure = (kind: "tcp" | "udp" | "icmp"): MatchExtension | null => {
    if (current === kind && last?.kind === kind) return last;
    if (protoName !== kind) return null;
    const existing = draft.matches.find((m) => m.kind === kind);
    if (existing) return existing;
    startMatch(draft, kind);
    return draft.matches[draft.matches.length - 1] as MatchExtension;
  };
  const replaceLast = (m: MatchExtension, next: MatchExtension): void => {
    draft.matches[draft.matches.indexOf(m)] = next;
  };
  switch (opt) {
    case "--dport":
    case "--destination-port":
    case "--sport":
    case "--source-port": {
      const m = ensure(current === "udp" || protoName === "udp" ? "udp" : "tcp");
      if (!m || (m.kind !== "tcp" && m.kind !== "udp")) return ok(false);
      const v = arg();
      if (!v.ok) return v;
      const ports = parsePorts(v.value, neg);
      if (!ports) return fail(`${V}: invalid port/service \`${v.value}' specified`);
      replaceLast(m, opt.startsWith("--d") ? { ...m, dport: ports } : { ...m, sport: ports });
      return ok(true);
    }
    case "--syn": {
      const m = ensure("tcp");
      if (m?.kind !== "tcp") return ok(false);
      replaceLast(m, { ...m, syn: { negated: neg } });
      return ok(true);
    }
    case "--icmp-type": {
      const m = ensure("icmp");
      if (m?.kind !== "icmp") return ok(false);
      const v = arg();
      if (!v.ok) return v;
      const known = ICMP_TYPES[v.value];
      const numeric = /^([0-9]+)(?:\/([0-9]+))?$/.exec(v.value);
      const type = known ? known[0] : numeric ? Number(numeric[1]) : null;
      const code = known ? known[1] : numeric?.[2] !== undefined ? Number(numeric[2]) : null;
      if (type === null) return fail(`${V}: Invalid ICMP type \`${v.value}'`);
      replaceLast(m, { kind: "icmp", type: type < 0 ? null : type, code, negated: neg });
      return ok(true);
    }
    case "--comment": {
      if (last?.kind !== "comment") return ok(false);
      const v = arg();
      if (!v.ok) return v;
      replaceLast(last, { kind: "comment", text: v.value });
      return ok(true);
    }
    case "--mode": {
      if (last?.kind !== "statistic") return ok(false);
      const v = arg();
      if (!v.ok) return v;
      if (v.value !== "random")
        return fail(`podnet-learn: statistic --mode ${v.value} is not modelled (random is)`);
      return ok(true);
    }
    case "--probability": {
      if (last?.kind !== "statistic") return ok(false);
      const v = arg();
      if (!v.ok) return v;
      const p = Number(v.value);
      if (!Number.isFinite(p) || p < 0 || p > 1)
        return fail(`${V}: --probability must be between 0 and 1`);
      replaceLast(last, { ...last, probability: p, negated: neg });
      return ok(true);
    }
    case "--ctstate":
    case "--state": {
      if (last?.kind !== "conntrack") return ok(false);
      const v = arg();
      if (!v.ok) return v;
      const states = v.value.split(",");
      const valid = ["NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED", "SNAT", "DNAT"];
      const bad = states.find((s) => !valid.includes(s));
      if (bad !== undefined) return fail(`${V}: Bad ctstate "${bad}"`);
      replaceLast(last, {
        kind: "conntrack",
        states: states as CtState[],
        negated: neg,
        ...(last.legacyState ? { legacyState: true } : {}),
      });
      return ok(true);
    }
    case "--dst-type":
    case "--src-type": {
      if (last?.kind !== "addrtype") return ok(false);
      const v = arg();
      if (!v.ok) return v;
      const type = v.value.toUpperCase();
      if (
        ![
          "LOCAL",
          "UNICAST",
          "BROADCAST",
          "MULTICAST",
          "BLACKHOLE",
          "UNREACHABLE",
          "PROHIBIT",
        ].includes(type)
      )
        return fail(`${V}: addrtype: invalid address type "${v.value}"`);
      replaceLast(
        last,
        opt === "--dst-type"
          ? { ...last, dstType: type, negatedDst: neg }
          : { ...last, srcType: type, negatedSrc: neg },
      );
      return ok(true);
    }
    case "--set":
    case "--rcheck":
    case "--update":
    case "--remove": {
      if (last?.kind !== "recent") return ok(false);
      if (last.action !== null)
        return fail(
          `${V}: recent: only one of \`--set', \`--rcheck' \`--update' or \`--remove' may be set`,
        );
      replaceLast(last, {
        ...last,
        action: opt.slice(2) as "set" | "rcheck" | "update" | "remove",
        negated: neg,
      });
      return ok(true);
    }
    case "--name":
    case "--mask":
    case "--seconds": {
      if (last?.kind !== "recent") return ok(false);
      const v = arg();
      if (!v.ok) return v;
      if (opt === "--name") replaceLast(last, { ...last, name: v.value });
      else if (opt === "--mask") {
        const mask = parseIpv4(v.value);
        if (mask === null) return fail(`${V}: Bad netmask "${v.value}"`);
        replaceLast(last, { ...last, mask });
      } else {
        const seconds = /^[0-9]+$/.test(v.value) ? Number(v.value) : null;
        if (seconds === null) return fail(`${V}: recent: bad value for option "--seconds"`);
        replaceLast(last, { ...last, seconds });
      }
      return ok(true);
    }
    case "--rsource":
    case "--rdest":
    case "--reap": {
      if (last?.kind !== "recent") return ok(false);
      replaceLast(
        last,
        opt === "--reap" ? { ...last, reap: true } : { ...last, source: opt === "--rsource" },
      );
      return ok(true);
    }
    case "--mark": {
      if (last?.kind !== "mark") return ok(false);
      const v = arg();
      if (!v.ok) return v;
      const mark = parseMark(v.value);
      if (!mark) return fail(`${V}: Bad MARK value "${v.value}"`);
      replaceLast(last, { kind: "mark", ...mark, negated: neg });
      return ok(true);
    }
    case "--match-set": {
      // libxt_set: `--match-set NAME FLAGS`, FLAGS one to six of src/dst joined by commas.
      if (last?.kind !== "set") return ok(false);
      const name = arg();
      if (!name.ok) return name;
      const flags = arg();
      if (!flags.ok) return flags;
      const dirs = flags.value.split(",");
      if (dirs.length > 6 || dirs.some((d) => d !== "src" && d !== "dst"))
        return fail(`${V}: You must specify (the comma separated list of) 'src' or 'dst'.`);
      replaceLast(last, {
        kind: "set",
        name: name.value,
        flags: dirs as ("src" | "dst")[],
        negated: neg,
      });
      return ok(true);
    }
    default:
      return ok(false);
  }
}

function parseEndpoint(text: string): { ip: number; port: number | null } | null {
  const m = /^([0-9.]+)(?::([0-9]+))?$/.exec(text);
  if (!m) return null;
  const ip = parseIpv4(m[1] as string);
  if (ip === null) return null;
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && (port < 1 || port > 65535)) return null;
  return { ip, port };
}

function buildTarget(
  name: string,
  opts: Record<string, string | true>,
  draft: RuleDraft,
): Result<Target> {
  if (name.startsWith("goto:")) return ok({ kind: "goto", chain: name.slice(5) });
  switch (name) {
    case "ACCEPT":
    case "DROP":
    case "RETURN":
      return ok({ kind: name });
    case "REJECT": {
      const raw = (opts["--reject-with"] as string | undefined) ?? "icmp-port-unreachable";
      const withType = REJECT_ALIASES[raw] ?? raw;
      if (!REJECT_WITH.has(withType)) return fail(`${V}: unknown reject type "${raw}"`);
      if (withType === "tcp-reset" && draft.proto?.number !== 6)
        return fail(
          `${V}: RULE_APPEND failed (Invalid argument): rule in chain REJECT --reject-with tcp-reset needs -p tcp`,
        );
      return ok({ kind: "REJECT", with: withType });
    }
    case "DNAT":
    case "SNAT": {
      const key = name === "DNAT" ? "--to-destination" : "--to-source";
      const text = opts[key];
      if (typeof text !== "string") return fail(`${V}: ${name}: option "${key}" must be specified`);
      const endpoint = parseEndpoint(text);
      if (!endpoint) return fail(`${V}: Bad IP address "${text}"`);
      if (endpoint.port !== null && draft.proto?.number !== 6 && draft.proto?.number !== 17)
        return fail(`${V}: Need TCP, UDP, SCTP or DCCP with port specification`);
      return ok({ kind: name, ip: endpoint.ip, port: endpoint.port });
    }
    case "MASQUERADE":
      return ok({ kind: "MASQUERADE", randomFully: opts["--random-fully"] === true });
    case "MARK": {
      const ops: [string, "set" | "xor" | "or" | "and"][] = [
        ["--set-xmark", "set"],
        ["--set-mark", "set"],
        ["--xor-mark", "xor"],
        ["--or-mark", "or"],
        ["--and-mark", "and"],
      ];
      for (const [flag, op] of ops) {
        const text = opts[flag];
        if (typeof text !== "string") continue;
        const mark = parseMark(text);
        if (!mark) return fail(`${V}: Bad MARK value "${text}"`);
        return ok({
          kind: "MARK",
          op,
          value: mark.value,
          // --set-mark V/M is xmark with mask V|M (libxt_MARK); without a mask, all bits.
          mask:
            flag === "--set-mark"
              ? text.includes("/")
                ? (mark.value | mark.mask) >>> 0
                : 0xffffffff
              : mark.mask,
        });
      }
      return fail(`${V}: MARK target: Parameter --set/and/or/xor-mark is required`);
    }
    default:
      if (UNMODELLED_TARGETS.has(name))
        return fail(`podnet-learn: the ${name} target is not modelled`);
      return ok({ kind: "jump", chain: name });
  }
}
