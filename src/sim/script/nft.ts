/**
 * `nft`, one command per invocation as kube-proxy's knftables would write it line by line:
 * `nft add table ip kube-proxy`, `nft 'add chain ip kube-proxy nat-prerouting { type nat hook
 * prerouting priority -100 ; }'`, `nft add rule …`, `add set|map|element`, `delete`, `flush`,
 * and `nft [-a] list ruleset|tables|table|chain|set|map`. The words are joined with spaces and
 * parsed as nft does (a shell hands nft several words; nft reads one line). The grammar is what
 * kube-proxy writes (see netfilter/nft-model.ts); anything else nft knows is refused as not
 * modelled, and errors are printed the way nft prints them: the message, the command, and carets
 * under what went wrong.
 */
import { type Ipv4, networkOf, parseCidr, parseIpv4 } from "../ipv4";
import type { Netns, World } from "../model";
import {
  CT_STATE_BITS,
  NFT_HOOKS,
  NFT_PRIORITIES,
  type NftChainType,
  type NftElement,
  type NftHook,
  type NftItem,
  type NftKeyType,
  type NftOp,
  type NftRejectWith,
  type NftSelector,
  type NftSet,
  type NftTable,
  type NftVerdict,
  priorityNameFits,
  selectorType,
} from "../netfilter/nft-model";
import {
  addChain,
  addElements,
  addRule,
  addSet,
  addTable,
  type BaseSpec,
  deleteChain,
  deleteElements,
  deleteRule,
  deleteSet,
  deleteTable,
  ERRNO_TEXT,
  flushChain,
  flushRuleset,
  flushSet,
  flushTable,
  type NftBlame,
  type NftResult,
  nftOf,
} from "../netfilter/nft-state";
import {
  PROTO_BY_NAME,
  renderNftChainListing,
  renderNftRuleset,
  renderNftSetListing,
  renderNftTable,
  renderNftTables,
} from "../render/nft";
import { fail, ok, type Result } from "../state/result";
import { unreachable } from "../unreachable";
import { netnsByName } from "./command";

// ------------------------------------------------------------------ tokens

interface Token {
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** A double-quoted string (a comment). */
  readonly quoted: boolean;
}

/** What went wrong and where: the primary span gets carets, the secondary tildes (as nft does). */
class NftError {
  constructor(
    readonly message: string,
    readonly span: { start: number; end: number } | null,
    readonly secondary: { start: number; end: number } | null = null,
  ) {}
}

const PUNCT = new Set(["{", "}", ";", ","]);

function lex(line: string): Token[] | NftError {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i] as string;
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    if (c === '"') {
      const close = line.indexOf('"', i + 1);
      if (close < 0)
        return new NftError("syntax error, unterminated string", { start: i, end: line.length });
      tokens.push({ text: line.slice(i + 1, close), start: i, end: close + 1, quoted: true });
      i = close + 1;
      continue;
    }
    if (PUNCT.has(c) || (c === "@" && (i === 0 || /[\s{,]/.test(line[i - 1] as string)))) {
      tokens.push({ text: c, start: i, end: i + 1, quoted: false });
      i++;
      continue;
    }
    let j = i;
    while (j < line.length && !/[\s{};,"]/.test(line[j] as string)) j++;
    tokens.push({ text: line.slice(i, j), start: i, end: j, quoted: false });
    i = j;
  }
  return tokens;
}

/** A cursor over one command's tokens, with nft's wording for what is missing or unexpected. */
class Cursor {
  private at = 0;
  constructor(
    private readonly tokens: readonly Token[],
    private readonly lineLength: number,
  ) {}

  get done(): boolean {
    return this.at >= this.tokens.length;
  }

  peek(offset = 0): Token | undefined {
    return this.tokens[this.at + offset];
  }

  is(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t !== undefined && !t.quoted && t.text === text;
  }

  next(): Token {
    const t = this.tokens[this.at];
    if (!t) throw this.unexpected();
    this.at++;
    return t;
  }

  /** Steps back over the token just read. */
  back(): void {
    this.at--;
  }

  /** The next token if it is `text`. */
  accept(text: string): Token | null {
    if (!this.is(text)) return null;
    return this.next();
  }

  expect(text: string): Token {
    if (!this.is(text)) throw this.unexpected(`expecting ${describeWant(text)}`);
    return this.next();
  }

  /** A name (table, chain, set): any unquoted word but punctuation. */
  name(): Token {
    const t = this.peek();
    if (t === undefined || t.quoted || PUNCT.has(t.text) || t.text === "@")
      throw this.unexpected("expecting string");
    return this.next();
  }

  quoted(): Token {
    const t = this.peek();
    if (t === undefined || !t.quoted) throw this.unexpected("expecting quoted string");
    return this.next();
  }

  unexpected(expecting?: string): NftError {
    const t = this.peek();
    const what =
      t === undefined
        ? "newline"
        : t.quoted
          ? "quoted string"
          : PUNCT.has(t.text) || t.text === "@"
            ? `'${t.text}'`
            : /^[0-9]/.test(t.text)
              ? "number"
              : "string";
    const span = t
      ? { start: t.start, end: t.end }
      : { start: this.lineLength, end: this.lineLength + 1 };
    return new NftError(
      `syntax error, unexpected ${what}${expecting ? `, ${expecting}` : ""}`,
      span,
    );
  }

  end(): void {
    if (!this.done) throw this.unexpected();
  }
}

function describeWant(text: string): string {
  return PUNCT.has(text) ? `'${text}'` : text;
}

function spanOf(t: Token): { start: number; end: number } {
  return { start: t.start, end: t.end };
}

function notModelled(t: Token | undefined, what: string, lineLength: number): NftError {
  return new NftError(
    `podnet-learn: ${what} is not modelled (the simulator models the nft statements kube-proxy writes)`,
    t ? spanOf(t) : { start: lineLength, end: lineLength + 1 },
  );
}

// ------------------------------------------------------------------ commands

type Family = { readonly token: Token | null };

interface TableRef {
  readonly family: Family;
  readonly table: Token;
}

type Command =
  | { kind: "add-table"; ref: TableRef; comment: string | null; create: boolean }
  | { kind: "delete-table" | "flush-table" | "list-table"; ref: TableRef }
  | {
      kind: "add-chain";
      ref: TableRef;
      chain: Token;
      spec: BaseSpec | null;
      comment: string | null;
      create: boolean;
    }
  | { kind: "delete-chain" | "flush-chain" | "list-chain"; ref: TableRef; chain: Token }
  | {
      kind: "add-set";
      ref: TableRef;
      set: Token;
      setKind: "set" | "map";
      key: NftKeyType[];
      comment: string | null;
      create: boolean;
    }
  | {
      kind: "delete-set" | "flush-set" | "list-set";
      ref: TableRef;
      set: Token;
      setKind: "set" | "map";
    }
  | {
      kind: "add-element" | "delete-element";
      ref: TableRef;
      set: Token;
      elements: ParsedElement[];
      create: boolean;
    }
  | { kind: "add-rule"; ref: TableRef; chain: Token; rule: ParsedRule; where: "append" | "insert" }
  | { kind: "delete-rule"; ref: TableRef; chain: Token; handle: Token }
  | { kind: "flush-ruleset" | "list-ruleset" | "list-tables" };

interface ParsedElement {
  /** Values as typed, checked against the set's types once the set is known. */
  readonly values: Token[];
  readonly span: { start: number; end: number };
  readonly comment: string | null;
  readonly verdict: { verdict: NftVerdict; target: Token | null } | null;
}

interface ParsedRule {
  readonly items: NftItem[];
  readonly comment: string | null;
  /** Jump and goto targets, for the carets of a refusal. */
  readonly targets: Map<string, Token>;
  /** Set references to check once the table is known. */
  readonly lookups: {
    set: Token;
    key: NftSelector[];
    keySpan: { start: number; end: number };
    map: boolean;
  }[];
}

const FAMILIES = new Set(["ip", "ip6", "inet", "arp", "bridge", "netdev"]);

function family(c: Cursor, lineLength: number): Family {
  const t = c.peek();
  if (t && !t.quoted && FAMILIES.has(t.text) && c.peek(1) !== undefined) {
    c.next();
    if (t.text !== "ip")
      throw notModelled(
        t,
        `the ${t.text} family (kube-proxy's IPv4 table is family ip)`,
        lineLength,
      );
    return { token: t };
  }
  return { token: null };
}

function tableRef(c: Cursor, n: number): TableRef {
  const fam = family(c, n);
  return { family: fam, table: c.name() };
}

function parseCommand(c: Cursor, n: number): Command {
  const verb = c.next();
  switch (verb.text) {
    case "add":
    case "create":
    case "insert":
      return parseAdd(c, n, verb);
    case "delete":
    case "destroy":
      if (verb.text === "destroy") throw notModelled(verb, "destroy", n);
      return parseDelete(c, n);
    case "flush":
      return parseFlush(c, n);
    case "list":
      return parseList(c, n);
    case "replace":
    case "reset":
    case "rename":
    case "monitor":
    case "describe":
    case "get":
    case "export":
    case "import":
      throw notModelled(verb, `nft ${verb.text}`, n);
    default:
      throw new NftError("syntax error, unexpected string", spanOf(verb));
  }
}

function parseAdd(c: Cursor, n: number, verb: Token): Command {
  const what = c.next();
  const create = verb.text === "create";
  if (verb.text === "insert" && what.text !== "rule") throw c.unexpected();
  switch (what.text) {
    case "table": {
      const ref = tableRef(c, n);
      let comment: string | null = null;
      if (c.accept("{")) {
        while (!c.accept("}")) {
          if (c.accept(";")) continue;
          const word = c.next();
          if (word.text === "comment") comment = c.quoted().text;
          else if (word.text === "flags") throw notModelled(word, "table flags", n);
          else throw new NftError("syntax error, unexpected string", spanOf(word));
        }
      }
      c.end();
      return { kind: "add-table", ref, comment, create };
    }
    case "chain": {
      const ref = tableRef(c, n);
      const chain = c.name();
      let spec: BaseSpec | null = null;
      let comment: string | null = null;
      let policy: "accept" | "drop" | null = null;
      if (c.accept("{")) {
        while (!c.accept("}")) {
          if (c.accept(";")) continue;
          const word = c.next();
          if (word.text === "type") spec = parseBaseSpec(c, n);
          else if (word.text === "policy") {
            const p = c.next();
            if (p.text !== "accept" && p.text !== "drop")
              throw new NftError(
                "syntax error, unexpected string, expecting accept or drop",
                spanOf(p),
              );
            policy = p.text;
          } else if (word.text === "comment") comment = c.quoted().text;
          else if (word.text === "devices" || word.text === "flags")
            throw notModelled(word, `chain ${word.text}`, n);
          else throw new NftError("syntax error, unexpected string", spanOf(word));
        }
      }
      c.end();
      if (policy !== null && spec === null)
        throw new NftError("Could not process rule: Operation not supported", null);
      if (spec) spec = { ...spec, policy };
      return { kind: "add-chain", ref, chain, spec, comment, create };
    }
    case "set":
    case "map": {
      const ref = tableRef(c, n);
      const set = c.name();
      c.expect("{");
      let key: NftKeyType[] | null = null;
      let comment: string | null = null;
      while (!c.accept("}")) {
        if (c.accept(";")) continue;
        const word = c.next();
        if (word.text === "type") key = parseSetType(c, n, what.text);
        else if (word.text === "comment") comment = c.quoted().text;
        else if (
          [
            "flags",
            "timeout",
            "size",
            "policy",
            "elements",
            "gc-interval",
            "counter",
            "auto-merge",
            "typeof",
          ].includes(word.text)
        )
          throw notModelled(word, `set ${word.text}`, n);
        else throw new NftError("syntax error, unexpected string", spanOf(word));
      }
      c.end();
      if (key === null)
        throw new NftError(`${what.text} definition does not specify key`, spanOf(set));
      return { kind: "add-set", ref, set, setKind: what.text, key, comment, create };
    }
    case "element": {
      const ref = tableRef(c, n);
      const set = c.name();
      const elements = parseElements(c, n, true);
      c.end();
      return { kind: "add-element", ref, set, elements, create };
    }
    case "rule": {
      const ref = tableRef(c, n);
      const chain = c.name();
      if (c.is("position") || c.is("handle") || c.is("index"))
        throw notModelled(c.peek(), "rule positions", n);
      const rule = parseRule(c, n);
      return {
        kind: "add-rule",
        ref,
        chain,
        rule,
        where: verb.text === "insert" ? "insert" : "append",
      };
    }
    case "flowtable":
    case "counter":
    case "quota":
    case "limit":
    case "ct":
    case "secmark":
    case "synproxy":
      throw notModelled(what, `nft ${what.text} objects`, n);
    default: {
      // `add` may leave `rule` out: `nft add ip kube-proxy services …` adds a rule.
      c.back();
      const ref = tableRef(c, n);
      const chain = c.name();
      const rule = parseRule(c, n);
      return { kind: "add-rule", ref, chain, rule, where: "append" };
    }
  }
}

function parseBaseSpec(c: Cursor, n: number): BaseSpec {
  const type = c.next();
  if (type.text === "route") throw notModelled(type, "route chains", n);
  if (type.text !== "filter" && type.text !== "nat")
    throw new NftError(`unknown chain type ${type.text}`, spanOf(type));
  c.expect("hook");
  const hookTok = c.next();
  if (hookTok.text === "ingress" || hookTok.text === "egress")
    throw notModelled(hookTok, `the ${hookTok.text} hook`, n);
  if (!(NFT_HOOKS as readonly string[]).includes(hookTok.text))
    throw new NftError(`unknown chain hook`, spanOf(hookTok));
  const hook = hookTok.text as NftHook;
  const prio = c.expect("priority");
  const words: Token[] = [];
  while (!c.done && !c.is(";") && !c.is("}")) words.push(c.next());
  const priority = parsePriority(words, hook, prio);
  return { type: type.text as NftChainType, hook, priority, policy: null };
}

/** `-110`, `0`, `dstnat`, `dstnat - 10`, `filter+5` (src/parser_bison.y, prio_spec). */
function parsePriority(words: readonly Token[], hook: NftHook, keyword: Token): number {
  const first = words[0];
  if (!first) throw new NftError("syntax error, unexpected ';'", spanOf(keyword));
  const text = words.map((w) => w.text).join(" ");
  const span = { start: keyword.start, end: (words[words.length - 1] as Token).end };
  if (/^-?[0-9]+$/.test(text)) return Number(text);
  const m = /^([a-z]+)(?:\s*([+-])\s*([0-9]+))?$/.exec(text);
  const std = m ? NFT_PRIORITIES.find((p) => p.name === m[1]) : undefined;
  if (!m || !std) throw new NftError(`'${text}' is invalid priority.`, span);
  if (!priorityNameFits(std.name, hook))
    throw new NftError("invalid priority expression value in this context.", span);
  const off = m[3] === undefined ? 0 : Number(m[3]) * (m[2] === "-" ? -1 : 1);
  return std.value + off;
}

const KEY_TYPES: readonly NftKeyType[] = ["ipv4_addr", "inet_proto", "inet_service"];

function parseSetType(c: Cursor, n: number, kind: "set" | "map"): NftKeyType[] {
  const key: NftKeyType[] = [];
  for (;;) {
    const t = c.next();
    if (!(KEY_TYPES as readonly string[]).includes(t.text))
      throw notModelled(
        t,
        `the set type ${t.text} (kube-proxy uses ipv4_addr, inet_proto and inet_service)`,
        n,
      );
    key.push(t.text as NftKeyType);
    if (!c.accept(".")) break;
  }
  if (kind === "map") {
    const colon = c.accept(":");
    if (!colon) throw c.unexpected("expecting ':'");
    const data = c.next();
    if (data.text !== "verdict") throw notModelled(data, "maps to anything but verdicts", n);
  } else if (c.is(":")) throw new NftError("a set has no data type; use a map", spanOf(c.next()));
  return key;
}

function parseElements(c: Cursor, n: number, withData: boolean): ParsedElement[] {
  c.expect("{");
  const elements: ParsedElement[] = [];
  for (;;) {
    const values: Token[] = [c.next()];
    while (c.accept(".")) values.push(c.next());
    let comment: string | null = null;
    if (c.accept("comment")) comment = c.quoted().text;
    if (values.some((v) => v.quoted || PUNCT.has(v.text)))
      throw new NftError("syntax error, unexpected element", spanOf(values[0] as Token));
    const span = {
      start: (values[0] as Token).start,
      end: (values[values.length - 1] as Token).end,
    };
    let verdict: ParsedElement["verdict"] = null;
    if (c.accept(":")) {
      if (!withData) throw c.unexpected();
      verdict = parseVerdict(c, n);
      if (verdict === null) throw c.unexpected("expecting verdict");
    }
    if (c.is("timeout") || c.is("expires") || c.is("counter"))
      throw notModelled(c.peek(), `element ${c.peek()?.text}`, n);
    elements.push({ values, span, comment, verdict });
    if (c.accept("}")) break;
    c.expect(",");
    if (c.accept("}")) break;
  }
  return elements;
}

function parseVerdict(c: Cursor, n: number): { verdict: NftVerdict; target: Token | null } | null {
  const t = c.peek();
  if (!t || t.quoted) return null;
  switch (t.text) {
    case "accept":
    case "drop":
    case "return":
    case "continue":
      c.next();
      return { verdict: { kind: t.text }, target: null };
    case "jump":
    case "goto": {
      c.next();
      const target = c.name();
      return { verdict: { kind: t.text, chain: target.text }, target };
    }
    case "queue":
      throw notModelled(t, "queue", n);
    default:
      return null;
  }
}

function parseDelete(c: Cursor, n: number): Command {
  const what = c.next();
  switch (what.text) {
    case "table": {
      const ref = tableRef(c, n);
      c.end();
      return { kind: "delete-table", ref };
    }
    case "chain": {
      const ref = tableRef(c, n);
      const chain = c.name();
      c.end();
      return { kind: "delete-chain", ref, chain };
    }
    case "set":
    case "map": {
      const ref = tableRef(c, n);
      const set = c.name();
      c.end();
      return { kind: "delete-set", ref, set, setKind: what.text };
    }
    case "element": {
      const ref = tableRef(c, n);
      const set = c.name();
      const elements = parseElements(c, n, false);
      c.end();
      return { kind: "delete-element", ref, set, elements, create: false };
    }
    case "rule": {
      const ref = tableRef(c, n);
      const chain = c.name();
      c.expect("handle");
      const handle = c.next();
      if (!/^[0-9]+$/.test(handle.text)) throw c.unexpected();
      c.end();
      return { kind: "delete-rule", ref, chain, handle };
    }
    default:
      throw new NftError("syntax error, unexpected string", spanOf(what));
  }
}

function parseFlush(c: Cursor, n: number): Command {
  const what = c.next();
  switch (what.text) {
    case "ruleset":
      c.end();
      return { kind: "flush-ruleset" };
    case "table": {
      const ref = tableRef(c, n);
      c.end();
      return { kind: "flush-table", ref };
    }
    case "chain": {
      const ref = tableRef(c, n);
      const chain = c.name();
      c.end();
      return { kind: "flush-chain", ref, chain };
    }
    case "set":
    case "map": {
      const ref = tableRef(c, n);
      const set = c.name();
      c.end();
      return { kind: "flush-set", ref, set, setKind: what.text };
    }
    default:
      throw new NftError("syntax error, unexpected string", spanOf(what));
  }
}

function parseList(c: Cursor, n: number): Command {
  const what = c.next();
  switch (what.text) {
    case "ruleset":
      if (c.peek() && FAMILIES.has(c.peek()?.text ?? "")) family(c, n);
      c.end();
      return { kind: "list-ruleset" };
    case "tables":
      c.end();
      return { kind: "list-tables" };
    case "table": {
      const ref = tableRef(c, n);
      c.end();
      return { kind: "list-table", ref };
    }
    case "chain": {
      const ref = tableRef(c, n);
      const chain = c.name();
      c.end();
      return { kind: "list-chain", ref, chain };
    }
    case "set":
    case "map": {
      const ref = tableRef(c, n);
      const set = c.name();
      c.end();
      return { kind: "list-set", ref, set, setKind: what.text };
    }
    default:
      throw notModelled(what, `nft list ${what.text}`, n);
  }
}

// ------------------------------------------------------------------ rules

const OPS = new Set(["==", "!=", "eq", "ne"]);

function op(c: Cursor): NftOp {
  const t = c.peek();
  if (t && !t.quoted && OPS.has(t.text)) {
    c.next();
    return t.text === "!=" || t.text === "ne" ? "!=" : "==";
  }
  return "==";
}

/** A selector, or null when the next words are not one. */
function selector(c: Cursor, n: number): NftSelector | null {
  const a = c.peek();
  const b = c.peek(1);
  if (!a || a.quoted) return null;
  switch (a.text) {
    case "ip":
      if (b?.text === "saddr" || b?.text === "daddr") {
        c.next();
        c.next();
        return { kind: "ip", field: b.text as "saddr" | "daddr" };
      }
      if (b?.text === "protocol") {
        c.next();
        c.next();
        return { kind: "proto", spelling: "ip protocol" };
      }
      if (b && IP_FIELDS.has(b.text)) throw notModelled(b, `ip ${b.text}`, n);
      if (b) throw new NftError("syntax error, unexpected string", spanOf(b));
      return null;
    case "meta":
      if (b?.text === "l4proto") {
        c.next();
        c.next();
        return { kind: "proto", spelling: "meta l4proto" };
      }
      return null;
    case "th":
    case "tcp":
    case "udp":
      if (b?.text === "sport" || b?.text === "dport") {
        c.next();
        c.next();
        return {
          kind: "port",
          proto: a.text as "th" | "tcp" | "udp",
          field: b.text as "sport" | "dport",
        };
      }
      if (b) throw notModelled(b, `${a.text} ${b.text}`, n);
      return null;
    case "numgen": {
      c.next();
      const mode = c.next();
      if (mode.text !== "random") throw notModelled(mode, `numgen ${mode.text}`, n);
      c.expect("mod");
      const m = c.next();
      if (!/^[1-9][0-9]*$/.test(m.text)) throw c.unexpected();
      if (c.is("offset")) throw notModelled(c.peek(), "numgen offset", n);
      return { kind: "numgen", mod: Number(m.text) };
    }
    default:
      return null;
  }
}

/** IPv4 header fields nft knows besides saddr, daddr and protocol. */
const IP_FIELDS = new Set([
  "version",
  "hdrlength",
  "dscp",
  "ecn",
  "length",
  "id",
  "frag-off",
  "ttl",
  "checksum",
]);

const TYPE_TEXT: Readonly<Record<NftKeyType | "integer", string>> = {
  ipv4_addr: "IPv4 address",
  inet_proto: "Internet protocol",
  inet_service: "internet network service",
  integer: "integer",
};

function typesText(types: readonly (NftKeyType | "integer")[]): string {
  return types.length === 1
    ? TYPE_TEXT[types[0] as NftKeyType]
    : `concatenation of (${types.map((t) => TYPE_TEXT[t]).join(", ")})`;
}

function parseProto(t: Token): number {
  const named = PROTO_BY_NAME[t.text];
  if (named !== undefined) return named;
  if (/^[0-9]+$/.test(t.text) && Number(t.text) <= 255) return Number(t.text);
  throw new NftError("Could not resolve protocol name", spanOf(t));
}

function parsePort(t: Token, n: number): number {
  if (/^[0-9]+$/.test(t.text)) {
    const v = Number(t.text);
    if (v > 65535) throw new NftError("Service out of range", spanOf(t));
    return v;
  }
  if (/^[a-z][a-z0-9-]*$/.test(t.text))
    throw notModelled(t, "service names (write the port number)", n);
  throw new NftError(
    "Could not resolve service: Servname not supported for ai_socktype",
    spanOf(t),
  );
}

function parsePrefix(t: Token): { addr: Ipv4; len: number } {
  const cidr = parseCidr(t.text);
  if (cidr === null)
    throw new NftError("Could not resolve hostname: Name or service not known", spanOf(t));
  return { addr: networkOf(cidr.ip, cidr.len), len: cidr.len };
}

function parseNumber(t: Token): number {
  if (/^0x[0-9a-fA-F]+$/.test(t.text) || /^[0-9]+$/.test(t.text)) {
    const v = Number(t.text);
    if (v <= 0xffffffff) return v;
  }
  throw new NftError(`Could not parse integer`, spanOf(t));
}

function parseRule(c: Cursor, n: number): ParsedRule {
  const items: NftItem[] = [];
  const targets = new Map<string, Token>();
  const lookups: ParsedRule["lookups"] = [];
  let comment: string | null = null;
  if (c.done) throw c.unexpected();
  while (!c.done) {
    const start = c.peek() as Token;
    if (c.accept("comment")) {
      comment = c.quoted().text;
      c.end();
      break;
    }
    const key: NftSelector[] = [];
    const first = selector(c, n);
    if (first) {
      key.push(first);
      while (c.accept(".")) {
        const more = selector(c, n);
        if (!more) throw c.unexpected();
        key.push(more);
      }
      items.push(afterSelector(c, n, key, start, lookups, targets));
      continue;
    }
    items.push(statement(c, n, targets));
  }
  return { items, comment, targets, lookups };
}

/** What follows a selector: a vmap, a set lookup or a comparison. */
function afterSelector(
  c: Cursor,
  n: number,
  key: NftSelector[],
  start: Token,
  lookups: ParsedRule["lookups"],
  targets: Map<string, Token>,
): NftItem {
  const last = c.peek(-1) as Token;
  const keySpan = { start: start.start, end: last.end };
  if (c.accept("vmap")) {
    if (c.accept("@")) {
      const map = c.name();
      lookups.push({ set: map, key, keySpan, map: true });
      return { kind: "vmap", key, map: map.text };
    }
    c.expect("{");
    const entries: { key: number[]; verdict: NftVerdict }[] = [];
    for (;;) {
      const values: Token[] = [c.next()];
      while (c.accept(".")) values.push(c.next());
      if (values.length !== key.length)
        throw new NftError(`datatype mismatch, expected ${typesText(key.map(selectorType))}`, {
          start: (values[0] as Token).start,
          end: (values[values.length - 1] as Token).end,
        });
      const parsed = values.map((v, i) => keyValue(key[i] as NftSelector, v, n));
      c.expect(":");
      const v = parseVerdict(c, n);
      if (v === null) throw c.unexpected("expecting verdict");
      if (v.target) targets.set(v.target.text, v.target);
      entries.push({ key: parsed, verdict: v.verdict });
      if (c.accept("}")) break;
      c.expect(",");
    }
    return { kind: "vmap-anon", key, entries };
  }
  const o = op(c);
  if (c.accept("@")) {
    const set = c.name();
    lookups.push({ set, key, keySpan, map: false });
    return { kind: "lookup", key, op: o, set: set.text };
  }
  if (key.length > 1) throw notModelled(c.peek(), "comparing a concatenation with a value", n);
  const s = key[0] as NftSelector;
  if (c.is("{")) {
    if (s.kind !== "ip") throw notModelled(c.peek(), "anonymous sets of anything but addresses", n);
    c.next();
    const prefixes: { addr: Ipv4; len: number }[] = [];
    for (;;) {
      prefixes.push(parsePrefix(c.next()));
      if (c.accept("}")) break;
      c.expect(",");
    }
    // nft turns a one-element anonymous set into a plain comparison (src/evaluate.c).
    if (prefixes.length === 1) {
      const p = prefixes[0] as { addr: Ipv4; len: number };
      return { kind: "addr", field: s.field, op: o, addr: p.addr, len: p.len };
    }
    return { kind: "addr-set", field: s.field, op: o, prefixes };
  }
  const value = c.peek();
  if (!value || value.quoted || PUNCT.has(value.text)) throw c.unexpected();
  c.next();
  switch (s.kind) {
    case "ip": {
      const p = parsePrefix(value);
      return { kind: "addr", field: s.field, op: o, addr: p.addr, len: p.len };
    }
    case "proto":
      return { kind: "proto", spelling: s.spelling, op: o, proto: parseProto(value) };
    case "port":
      return { kind: "port", proto: s.proto, field: s.field, op: o, port: parsePort(value, n) };
    case "numgen":
      throw notModelled(value, "comparing numgen with a value (use a vmap)", n);
    default:
      return unreachable(s);
  }
}

function keyValue(s: NftSelector, t: Token, n: number): number {
  switch (selectorType(s)) {
    case "ipv4_addr": {
      const ip = parseIpv4(t.text);
      if (ip === null)
        throw new NftError("Could not resolve hostname: Name or service not known", spanOf(t));
      return ip;
    }
    case "inet_proto":
      return parseProto(t);
    case "inet_service":
      return parsePort(t, n);
    case "integer":
      return parseNumber(t);
    default:
      throw new NftError("datatype mismatch", spanOf(t));
  }
}

const REJECT_ICMP = new Set([
  "net-unreachable",
  "host-unreachable",
  "prot-unreachable",
  "port-unreachable",
  "net-prohibited",
  "host-prohibited",
  "admin-prohibited",
]);

/** A statement, or an expression that is not a selector (fib, ct, mark). */
function statement(c: Cursor, n: number, targets: Map<string, Token>): NftItem {
  const t = c.peek() as Token;
  const v = parseVerdict(c, n);
  if (v) {
    if (v.target) targets.set(v.target.text, v.target);
    return { kind: "verdict", verdict: v.verdict };
  }
  c.next();
  switch (t.text) {
    case "fib": {
      const field = c.next();
      if (field.text !== "saddr" && field.text !== "daddr")
        throw notModelled(field, `fib ${field.text}`, n);
      if (c.is(".")) throw notModelled(c.peek(), "fib with iif or oif", n);
      c.expect("type");
      const o = op(c);
      const type = c.next();
      if (!["local", "unicast", "broadcast", "multicast"].includes(type.text))
        throw notModelled(type, `fib type ${type.text}`, n);
      return {
        kind: "fib",
        field: field.text as "saddr" | "daddr",
        op: o,
        type: type.text as "local" | "unicast" | "broadcast" | "multicast",
      };
    }
    case "ct": {
      const what = c.next();
      if (what.text !== "state") throw notModelled(what, `ct ${what.text}`, n);
      const o = op(c);
      const names = c.next();
      if (names.text === "{") throw notModelled(names, "ct state sets (write a comma list)", n);
      let states = 0;
      for (const name of names.text.split(",").filter((s) => s !== "")) {
        const bit = CT_STATE_BITS.find((b) => b.name === name);
        if (!bit) throw new NftError(`Could not parse conntrack state`, spanOf(names));
        states |= bit.bit;
      }
      // `ct state new,established` may also be written with spaces after the commas.
      while (c.is(",")) {
        c.next();
        const more = c.next();
        const bit = CT_STATE_BITS.find((b) => b.name === more.text);
        if (!bit) throw new NftError(`Could not parse conntrack state`, spanOf(more));
        states |= bit.bit;
      }
      return { kind: "ct-state", op: o, states };
    }
    case "meta":
    case "mark":
      return markItem(c, n, t);
    case "reject": {
      let w: NftRejectWith = { kind: "icmp", type: "port-unreachable" };
      if (c.accept("with")) {
        const kind = c.next();
        if (kind.text === "tcp") {
          c.expect("reset");
          w = { kind: "tcp-reset" };
        } else if (kind.text === "icmp") {
          c.accept("type");
          const type = c.next();
          if (!REJECT_ICMP.has(type.text))
            throw new NftError(`Could not parse ICMP reject code`, spanOf(type));
          w = { kind: "icmp", type: type.text };
        } else throw notModelled(kind, `reject with ${kind.text}`, n);
      }
      return { kind: "reject", with: w };
    }
    case "dnat":
    case "snat": {
      c.accept("ip");
      c.expect("to");
      const to = c.next();
      const m = /^([0-9.]+)(?::([0-9]+))?$/.exec(to.text);
      const addr = m ? parseIpv4(m[1] as string) : null;
      if (!m || addr === null)
        throw new NftError("Could not resolve hostname: Name or service not known", spanOf(to));
      const port = m[2] === undefined ? null : Number(m[2]);
      if (port !== null && port > 65535) throw new NftError("Service out of range", spanOf(to));
      if (!c.done && (c.is("random") || c.is("fully-random") || c.is("persistent")))
        throw notModelled(c.peek(), `${t.text} flags`, n);
      return { kind: t.text as "dnat" | "snat", addr, port };
    }
    case "masquerade": {
      const flag = c.peek();
      if (
        flag &&
        (flag.text === "random" || flag.text === "fully-random" || flag.text === "persistent")
      ) {
        c.next();
        return { kind: "masquerade", flag: flag.text };
      }
      return { kind: "masquerade", flag: null };
    }
    case "counter":
      throw notModelled(
        t,
        "counter (the simulator's probes do not change the world, so it keeps no packet counts)",
        n,
      );
    case "log":
    case "limit":
    case "queue":
    case "notrack":
    case "redirect":
    case "tproxy":
    case "update":
    case "add":
    case "set":
    case "iifname":
    case "oifname":
    case "iif":
    case "oif":
    case "icmp":
    case "ether":
    case "ip6":
    case "quota":
    case "dup":
    case "fwd":
    case "synproxy":
      throw notModelled(t, t.text, n);
    default:
      throw new NftError("syntax error, unexpected string", spanOf(t));
  }
}

/** `meta mark`/`mark`: a comparison (`mark and 0x4000 == 0`) or `mark set mark or 0x4000`. */
function markItem(c: Cursor, n: number, first: Token): NftItem {
  if (first.text === "meta") {
    const key = c.next();
    if (key.text !== "mark") throw notModelled(key, `meta ${key.text}`, n);
  }
  if (c.accept("set")) {
    const t = c.peek();
    if (t && (t.text === "mark" || t.text === "meta")) {
      c.next();
      if (t.text === "meta") c.expect("mark");
      const o = c.next();
      const ops: Record<string, "or" | "xor" | "and"> = {
        or: "or",
        "|": "or",
        xor: "xor",
        "^": "xor",
        and: "and",
        "&": "and",
      };
      const kind = ops[o.text];
      if (!kind) throw c.unexpected();
      return { kind: "mark-set", op: kind, value: parseNumber(c.next()) };
    }
    return { kind: "mark-set", op: "set", value: parseNumber(c.next()) };
  }
  let mask: number | null = null;
  if (c.is("and") || c.is("&")) {
    c.next();
    mask = parseNumber(c.next());
  }
  const o = op(c);
  return { kind: "mark", mask, op: o, value: parseNumber(c.next()) };
}

// ------------------------------------------------------------------ running

function errorText(line: string, e: NftError): string {
  const marks = new Array(line.length + 1).fill(" ");
  const paint = (span: { start: number; end: number }, ch: string): void => {
    for (let i = span.start; i < Math.max(span.end, span.start + 1); i++) marks[i] = ch;
  };
  if (e.secondary) paint(e.secondary, "~");
  paint(e.span ?? { start: 0, end: line.length + 1 }, "^");
  return `Error: ${e.message}\n${line}\n${marks.join("").trimEnd()}`;
}

/** `nft [-a] COMMAND`: runs one command in a namespace; the value is what nft printed. */
export function runNft(
  world: World,
  args: readonly string[],
  netns: string | null,
): Result<string> {
  const found = netnsByName(world, netns);
  if (!found.ok) return found;
  let handles = false;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "-a" || a === "--handle") handles = true;
    else if (a.startsWith("-") && a !== "-")
      return fail(
        a === "-f" || a === "--file"
          ? "podnet-learn: nft -f is not modelled: write one nft command per line"
          : `nft: unrecognized option '${a}' (podnet-learn models nft [-a] COMMAND)`,
      );
    else break;
  }
  const line = args.slice(i).join(" ");
  if (line.trim() === "")
    return fail("podnet-learn: nft with no command: give one, e.g. nft list ruleset");
  const tokens = lex(line);
  if (tokens instanceof NftError) return fail(errorText(line, tokens));
  // nft runs several commands separated by `;` outside braces, in one transaction.
  const commands: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (!t.quoted && t.text === "{") depth++;
    if (!t.quoted && t.text === "}") depth--;
    if (!t.quoted && t.text === ";" && depth === 0) commands.push([]);
    else (commands[commands.length - 1] as Token[]).push(t);
  }
  let out = "";
  for (const cmdTokens of commands.filter((c) => c.length > 0)) {
    const cursor = new Cursor(cmdTokens, line.length);
    try {
      const cmd = parseCommand(cursor, line.length);
      out += execute(found.value, cmd, handles, line);
    } catch (e) {
      if (e instanceof NftError) return fail(errorText(line, e));
      throw e;
    }
  }
  return ok(out);
}

function refusal(
  r: Extract<NftResult, { ok: false }>,
  spans: (b: NftBlame) => { start: number; end: number } | null,
): NftError {
  const text = ERRNO_TEXT[r.errno];
  return new NftError(r.kernel ? `Could not process rule: ${text}` : text, spans(r.blame));
}

/** Runs a parsed command; refusals are thrown as NftError (caught in runNft). */
function execute(ns: Netns, cmd: Command, handles: boolean, line: string): string {
  const state = nftOf(ns);
  const n = line.length;
  const tableOf = (ref: TableRef): NftTable => {
    const table = state.tables.get(ref.table.text);
    if (!table) throw new NftError(ERRNO_TEXT.ENOENT, spanOf(ref.table));
    return table;
  };
  const check = (
    r: NftResult,
    spans: (b: NftBlame) => { start: number; end: number } | null,
  ): void => {
    if (!r.ok) throw refusal(r, spans);
  };
  const opts = { handles };
  switch (cmd.kind) {
    case "add-table":
      check(addTable(state, cmd.ref.table.text, cmd.comment, cmd.create), () =>
        spanOf(cmd.ref.table),
      );
      return "";
    case "delete-table":
      check(deleteTable(state, cmd.ref.table.text), () => spanOf(cmd.ref.table));
      return "";
    case "flush-table":
      check(flushTable(tableOf(cmd.ref)), () => null);
      return "";
    case "list-table":
      return renderNftTable(tableOf(cmd.ref), opts);
    case "add-chain": {
      const table = tableOf(cmd.ref);
      check(addChain(state, table, cmd.chain.text, cmd.spec, cmd.comment, cmd.create), (b) =>
        b.kind === "object" ? spanOf(cmd.chain) : null,
      );
      return "";
    }
    case "delete-chain": {
      const table = tableOf(cmd.ref);
      check(deleteChain(state, table, cmd.chain.text), () => spanOf(cmd.chain));
      return "";
    }
    case "flush-chain": {
      const table = tableOf(cmd.ref);
      check(flushChain(table, cmd.chain.text), () => spanOf(cmd.chain));
      return "";
    }
    case "list-chain": {
      const table = tableOf(cmd.ref);
      const chain = table.chains.get(cmd.chain.text);
      if (!chain) throw new NftError(ERRNO_TEXT.ENOENT, spanOf(cmd.chain));
      return renderNftChainListing(table, chain, opts);
    }
    case "add-set": {
      const table = tableOf(cmd.ref);
      check(addSet(table, cmd.setKind, cmd.set.text, cmd.key, cmd.comment, cmd.create), () =>
        spanOf(cmd.set),
      );
      return "";
    }
    case "delete-set":
    case "flush-set":
    case "list-set": {
      const table = tableOf(cmd.ref);
      const set = table.sets.get(cmd.set.text);
      if (!set || set.kind !== cmd.setKind) throw new NftError(ERRNO_TEXT.ENOENT, spanOf(cmd.set));
      if (cmd.kind === "list-set") return renderNftSetListing(table, set, opts);
      check(
        cmd.kind === "delete-set" ? deleteSet(table, set.name) : flushSet(table, set.name),
        () => spanOf(cmd.set),
      );
      return "";
    }
    case "add-element":
    case "delete-element": {
      const table = tableOf(cmd.ref);
      const set = table.sets.get(cmd.set.text);
      if (!set) throw new NftError(ERRNO_TEXT.ENOENT, spanOf(cmd.set));
      const elements = cmd.elements.map((e) =>
        typedElement(set, e, n, cmd.kind === "delete-element"),
      );
      const spans = (b: NftBlame): { start: number; end: number } | null =>
        b.kind === "element" ? (cmd.elements[b.index]?.span ?? null) : null;
      if (cmd.kind === "add-element") check(addElements(table, set, elements, cmd.create), spans);
      else
        check(
          deleteElements(
            table,
            set,
            elements.map((e) => e.key),
          ),
          spans,
        );
      return "";
    }
    case "add-rule": {
      const table = tableOf(cmd.ref);
      for (const l of cmd.rule.lookups) {
        const set = table.sets.get(l.set.text);
        if (!set) throw new NftError(ERRNO_TEXT.ENOENT, { start: l.set.start - 1, end: l.set.end });
        const want = l.key.map(selectorType);
        if (want.join(".") !== set.key.join("."))
          throw new NftError(
            `datatype mismatch, expected ${typesText(want)}, expression has type ${typesText(set.key)}`,
            { start: l.set.start - 1, end: l.set.end },
            l.keySpan,
          );
        if (l.map && set.kind !== "map")
          throw new NftError(`Expression is not a map`, { start: l.set.start - 1, end: l.set.end });
      }
      check(addRule(table, cmd.chain.text, cmd.rule.items, cmd.rule.comment, cmd.where), (b) => {
        if (b.kind === "object") return spanOf(cmd.chain);
        if (b.kind === "target") {
          const t = cmd.rule.targets.get(b.chain);
          return t ? spanOf(t) : null;
        }
        return null;
      });
      return "";
    }
    case "delete-rule": {
      const table = tableOf(cmd.ref);
      check(deleteRule(table, cmd.chain.text, Number(cmd.handle.text)), (b) =>
        b.kind === "handle" ? spanOf(cmd.handle) : spanOf(cmd.chain),
      );
      return "";
    }
    case "flush-ruleset":
      check(flushRuleset(state), () => null);
      return "";
    case "list-ruleset":
      return renderNftRuleset(state, opts);
    case "list-tables":
      return renderNftTables(state);
    default:
      return unreachable(cmd);
  }
}

/** An element's words read as the set's key types (nft's datatype check). */
function typedElement(set: NftSet, e: ParsedElement, n: number, keyOnly: boolean): NftElement {
  if (e.values.length !== set.key.length) {
    const got = e.values.map((v) => guessType(v));
    throw new NftError(
      `datatype mismatch, expected ${typesText(set.key)}, expression has type ${typesText(got)}`,
      e.span,
    );
  }
  const key = e.values.map((v, i) => {
    const type = set.key[i] as NftKeyType;
    switch (type) {
      case "ipv4_addr": {
        const ip = parseIpv4(v.text);
        if (ip === null) {
          if (parseCidr(v.text) !== null)
            throw notModelled(v, "prefixes in named sets (interval sets)", n);
          throw new NftError("Could not resolve hostname: Name or service not known", spanOf(v));
        }
        return ip;
      }
      case "inet_proto":
        return parseProto(v);
      case "inet_service":
        return parsePort(v, n);
      default:
        return unreachable(type);
    }
  });
  if (set.kind === "map" && e.verdict === null && !keyOnly)
    throw new NftError("syntax error, unexpected '}', expecting ':'", {
      start: e.span.end,
      end: e.span.end + 1,
    });
  if (set.kind === "set" && e.verdict !== null)
    throw new NftError(`${set.name} is a set, not a map: its elements have no data`, e.span);
  return { key, verdict: e.verdict?.verdict ?? null, comment: e.comment };
}

function guessType(t: Token): NftKeyType {
  if (parseIpv4(t.text) !== null) return "ipv4_addr";
  if (PROTO_BY_NAME[t.text] !== undefined) return "inet_proto";
  return "inet_service";
}
