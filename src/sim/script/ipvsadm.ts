/**
 * `ipvsadm` (ipvsadm 1.31, ipvsadm.c): adds, edits and deletes IPVS virtual services and real
 * servers, and lists them. Options are read as popt reads them: the first must be a command
 * (`-A`, `-a`, `-L`…), short ones may be bundled (`-Ln`, `-At 10.96.0.80:80`), and the legal
 * combinations are ipvsadm's own table (commands_v_options), with its messages. The kernel's
 * refusals come from ipvs/state.ts, worded as libipvs's ipvs_strerror words them.
 */
import { type Ipv4, parseIpv4 } from "../ipv4";
import {
  addDest,
  addService,
  DEFAULT_PERSISTENT_TIMEOUT,
  type DestSpec,
  deleteDest,
  deleteService,
  editDest,
  editService,
  findService,
  flushServices,
  type IpvsForward,
  type IpvsProtocol,
  type IpvsResult,
  type ServiceSpec,
} from "../ipvs/state";
import type { World } from "../model";
import { renderIpvsadmList, renderIpvsadmSave } from "../render/ipvsadm";
import { fail, ok, type Result } from "../state/result";
import { unreachable } from "../unreachable";
import { netnsByName } from "./command";

const TRY_HELP = "Try `ipvsadm -h' or 'ipvsadm --help' for more information.";

/** ipvsadm's default scheduler when `-A` names none (DEF_SCHED). */
const DEFAULT_SCHEDULER = "wlc";

/** 31 days: the longest persistence timeout ipvsadm takes (MAX_TIMEOUT). */
const MAX_TIMEOUT = 86400 * 31;

type CommandKind =
  | "add-service"
  | "edit-service"
  | "delete-service"
  | "flush"
  | "list"
  | "add-server"
  | "delete-server"
  | "edit-server"
  | "set"
  | "start-daemon"
  | "stop-daemon"
  | "restore"
  | "save"
  | "zero";

/** The options of ipvsadm's check table, in its column order (optnames[]). */
const OPTIONS = [
  "numeric",
  "connection",
  "service-address",
  "scheduler",
  "persistent",
  "netmask",
  "real-server",
  "forwarding-method",
  "weight",
  "u-threshold",
  "l-threshold",
  "mcast-interface",
  "timeout",
  "daemon",
  "stats",
  "rate",
  "thresholds",
  "persistent-conn",
  "nosort",
  "syncid",
  "exact",
  "ops",
] as const;

type OptionName = (typeof OPTIONS)[number];

/**
 * commands_v_options: per command, per option column: `+` compulsory, `x` illegal, `1` at most
 * one of the `1`s, ` ` optional.
 */
const LEGAL: Record<CommandKind, string> = {
  "add-service": "xx+   xxxxxxxxxxxxxxx ",
  "edit-service": "xx+   xxxxxxxxxxxxxxx ",
  "delete-service": "xx+xxxxxxxxxxxxxxxxxxx",
  flush: "xxxxxxxxxxxxxxxxxxxxxx",
  list: " 11xxxxxxxxx11       x",
  "add-server": "xx+xxx+    xxxxxxxxxxx",
  "delete-server": "xx+xxx+xxxxxxxxxxxxxxx",
  "edit-server": "xx+xxx+    xxxxxxxxxxx",
  set: "xxxxxxxxxxxxxxxxxxxxxx",
  "start-daemon": "xxxxxxxxxxx xxxxxxx xx",
  "stop-daemon": "xxxxxxxxxxxxxxxxxxx xx",
  restore: "xxxxxxxxxxxxxxxxxxxxxx",
  save: " xxxxxxxxxxxxxxxxxxxxx",
  zero: "xx xxxxxxxxxxxxxxxxxxx",
};

interface Spec {
  /** The command an option letter or long name stands for, or the option it sets. */
  readonly command?: CommandKind;
  readonly option?: OptionName;
  readonly arg: "none" | "required" | "optional";
  /** Set when the simulator refuses the option rather than model it. */
  readonly unmodelled?: boolean;
}

/** The options as ipvsadm's popt table has them, by short letter. */
const SHORT: Record<string, Spec & { long: string }> = {
  A: { long: "add-service", command: "add-service", arg: "none" },
  E: { long: "edit-service", command: "edit-service", arg: "none" },
  D: { long: "delete-service", command: "delete-service", arg: "none" },
  C: { long: "clear", command: "flush", arg: "none" },
  L: { long: "list", command: "list", arg: "none" },
  l: { long: "list", command: "list", arg: "none" },
  Z: { long: "zero", command: "zero", arg: "none" },
  a: { long: "add-server", command: "add-server", arg: "none" },
  e: { long: "edit-server", command: "edit-server", arg: "none" },
  d: { long: "delete-server", command: "delete-server", arg: "none" },
  R: { long: "restore", command: "restore", arg: "none", unmodelled: true },
  S: { long: "save", command: "save", arg: "none" },
  t: { long: "tcp-service", option: "service-address", arg: "required" },
  u: { long: "udp-service", option: "service-address", arg: "required" },
  f: { long: "fwmark-service", option: "service-address", arg: "required", unmodelled: true },
  s: { long: "scheduler", option: "scheduler", arg: "required" },
  p: { long: "persistent", option: "persistent", arg: "optional" },
  M: { long: "netmask", option: "netmask", arg: "required" },
  r: { long: "real-server", option: "real-server", arg: "required" },
  m: { long: "masquerading", option: "forwarding-method", arg: "none" },
  i: { long: "ipip", option: "forwarding-method", arg: "none" },
  g: { long: "gatewaying", option: "forwarding-method", arg: "none" },
  w: { long: "weight", option: "weight", arg: "required" },
  x: { long: "u-threshold", option: "u-threshold", arg: "required", unmodelled: true },
  y: { long: "l-threshold", option: "l-threshold", arg: "required", unmodelled: true },
  n: { long: "numeric", option: "numeric", arg: "none" },
  c: { long: "connection", option: "connection", arg: "none" },
  X: { long: "exact", option: "exact", arg: "none" },
  o: { long: "ops", option: "ops", arg: "none", unmodelled: true },
  "6": { long: "ipv6", arg: "none", unmodelled: true },
  h: { long: "help", arg: "none", unmodelled: true },
  v: { long: "version", arg: "none", unmodelled: true },
};

/** Long-only options. */
const LONG_ONLY: Record<string, Spec> = {
  set: { command: "set", arg: "none", unmodelled: true },
  "start-daemon": { command: "start-daemon", arg: "required", unmodelled: true },
  "stop-daemon": { command: "stop-daemon", arg: "required", unmodelled: true },
  "mcast-interface": { option: "mcast-interface", arg: "required", unmodelled: true },
  syncid: { option: "syncid", arg: "required", unmodelled: true },
  timeout: { option: "timeout", arg: "none" },
  daemon: { option: "daemon", arg: "none", unmodelled: true },
  stats: { option: "stats", arg: "none", unmodelled: true },
  rate: { option: "rate", arg: "none", unmodelled: true },
  thresholds: { option: "thresholds", arg: "none", unmodelled: true },
  "persistent-conn": { option: "persistent-conn", arg: "none", unmodelled: true },
  nosort: { option: "nosort", arg: "none", unmodelled: true },
  sort: { arg: "none" },
};

interface Parsed {
  command: CommandKind;
  options: Set<OptionName>;
  protocol: IpvsProtocol;
  vip: Ipv4;
  port: number;
  /** `-s`, or "" for ipvsadm's default. */
  scheduler: string;
  persistent: number | null;
  netmask: Ipv4;
  dest: { ip: Ipv4; port: number; portGiven: boolean } | null;
  forward: IpvsForward;
  weight: number;
}

/** One option as popt hands it over: its spec, the text it was written as, and its argument. */
interface Token {
  readonly spec: Spec;
  readonly text: string;
  readonly arg: string | null;
}

/**
 * Splits the words into options the way popt does (bundled short options, `--long[=value]`).
 * popt failing on the very first option makes ipvsadm print only its "Try" line
 * (tryhelp_exit); on a later one, `OPTION: unknown option` or `OPTION: missing argument`.
 */
function tokens(words: readonly string[]): Result<{ list: Token[]; rest: string[] }> {
  const list: Token[] = [];
  const rest: string[] = [];
  const refuse = (message: string): Result<never> => ({
    ok: false,
    message: list.length === 0 ? TRY_HELP : message,
  });
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    if (w.startsWith("--") && w.length > 2) {
      const eq = w.indexOf("=");
      const name = eq < 0 ? w.slice(2) : w.slice(2, eq);
      const short = Object.values(SHORT).find((s) => s.long === name);
      const spec: Spec | undefined = short ?? LONG_ONLY[name];
      if (!spec) return refuse(`${w}: unknown option`);
      let arg: string | null = eq < 0 ? null : w.slice(eq + 1);
      if (arg === null && spec.arg === "required") {
        const next = words[i + 1];
        if (next === undefined) return refuse(`${w}: missing argument`);
        arg = next;
        i++;
      } else if (arg === null && spec.arg === "optional") {
        const next = words[i + 1];
        if (next !== undefined && !next.startsWith("-")) {
          arg = next;
          i++;
        }
      }
      list.push({ spec, text: w, arg });
      continue;
    }
    if (w.startsWith("-") && w.length > 1) {
      for (let k = 1; k < w.length; k++) {
        const letter = w[k] as string;
        const spec = SHORT[letter];
        if (!spec) return refuse(`-${letter}: unknown option`);
        if (spec.arg === "none") {
          list.push({ spec, text: `-${letter}`, arg: null });
          continue;
        }
        // An option with an argument takes the rest of the bundle, or the next word.
        let arg: string | null = k + 1 < w.length ? w.slice(k + 1) : null;
        if (arg === null) {
          const next = words[i + 1];
          if (spec.arg === "required") {
            if (next === undefined) return refuse(`-${letter}: missing argument`);
            arg = next;
            i++;
          } else if (next !== undefined && !next.startsWith("-")) {
            arg = next;
            i++;
          }
        }
        list.push({ spec, text: `-${letter}`, arg });
        break;
      }
      continue;
    }
    rest.push(w);
  }
  return ok({ list, rest });
}

/**
 * parse_service: `ADDRESS[:PORT]` with a numeric address (a host name would need DNS, which a
 * namespace here does not have). Null when it does not parse.
 */
function parseAddress(text: string): { ip: Ipv4; port: number | null } | null {
  if (/^[0-9]+$/.test(text)) return null;
  const colon = text.lastIndexOf(":");
  const ip = parseIpv4(colon < 0 ? text : text.slice(0, colon));
  if (ip === null) return null;
  if (colon < 0) return { ip, port: null };
  const portText = text.slice(colon + 1);
  if (!/^[0-9]+$/.test(portText) || Number(portText) > 65535) return null;
  return { ip, port: Number(portText) };
}

/** string_to_number: a whole decimal number within [min, max], or null. */
function numberIn(text: string, min: number, max: number): number | null {
  if (!/^-?[0-9]+$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}

function parse(words: readonly string[]): Result<Parsed> {
  const split = tokens(words);
  if (!split.ok) return split;
  const [first, ...more] = split.value.list;
  if (!first?.spec.command) return fail(TRY_HELP);
  const p: Parsed = {
    command: first.spec.command,
    options: new Set(),
    protocol: "TCP",
    vip: 0,
    port: 0,
    scheduler: "",
    persistent: null,
    netmask: 0xffffffff,
    dest: null,
    forward: "route",
    weight: 1,
  };
  if (first.spec.unmodelled) return fail(`podnet-learn: ipvsadm ${first.text} is not modelled`);
  for (const t of more) {
    const spec = t.spec;
    if (spec.command) return fail(`invalid option \`${t.text}'`);
    if (spec.unmodelled) return fail(`podnet-learn: ipvsadm ${t.text} is not modelled`);
    const option = spec.option;
    if (option === undefined) continue;
    if (p.options.has(option)) return fail(`multiple '${option}' options specified`);
    p.options.add(option);
    const arg = t.arg ?? "";
    switch (t.text) {
      case "-t":
      case "--tcp-service":
      case "-u":
      case "--udp-service": {
        p.protocol = t.text === "-t" || t.text === "--tcp-service" ? "TCP" : "UDP";
        const a = parseAddress(arg);
        if (!a) return fail("illegal virtual server address[:port] specified");
        p.vip = a.ip;
        p.port = a.port ?? 0;
        break;
      }
      case "-s":
      case "--scheduler":
        p.scheduler = arg;
        break;
      case "-p":
      case "--persistent": {
        if (t.arg === null) p.persistent = DEFAULT_PERSISTENT_TIMEOUT;
        else {
          const n = numberIn(arg, 1, MAX_TIMEOUT);
          if (n === null) return fail(`invalid timeout value \`${arg}' specified`);
          p.persistent = n;
        }
        break;
      }
      case "-M":
      case "--netmask": {
        const mask = parseIpv4(arg);
        if (mask === null) return fail("illegal virtual server persistent mask specified");
        p.netmask = mask;
        break;
      }
      case "-r":
      case "--real-server": {
        const a = parseAddress(arg);
        if (!a) return fail("illegal real server address[:port] specified");
        p.dest = { ip: a.ip, port: a.port ?? 0, portGiven: a.port !== null };
        break;
      }
      case "-m":
      case "--masquerading":
        p.forward = "masq";
        break;
      case "-g":
      case "--gatewaying":
        p.forward = "route";
        break;
      case "-i":
      case "--ipip":
        p.forward = "tunnel";
        break;
      case "-w":
      case "--weight": {
        const n = numberIn(arg, 0, 65535);
        if (n === null) return fail("illegal weight specified");
        p.weight = n;
        break;
      }
      default:
        break;
    }
  }
  const extra = split.value.rest[0];
  if (extra !== undefined) return fail(`unexpected argument ${extra}`);
  const problem = checkOptions(p.command, p.options);
  if (problem !== null) return fail(problem);
  // -r without a port takes the virtual port; DR and TUN always use it (process_options).
  if (p.dest && (!p.dest.portGiven || (p.forward !== "masq" && p.command !== "delete-server")))
    p.dest = { ...p.dest, port: p.port };
  return ok(p);
}

/** generic_opt_check: what ipvsadm says about an option a command needs or does not take. */
function checkOptions(command: CommandKind, options: ReadonlySet<OptionName>): string | null {
  const row = LEGAL[command];
  let first: OptionName | null = null;
  for (let j = 0; j < OPTIONS.length; j++) {
    const name = OPTIONS[j] as OptionName;
    const rule = row[j];
    if (!options.has(name)) {
      if (rule === "+")
        return `You need to supply the '${name}' option for the '${command}' command`;
      continue;
    }
    if (rule === "x") return `Illegal '${name}' option with the '${command}' command`;
    if (rule === "1") {
      if (first === null) first = name;
      else
        return `The option '${name}' conflicts with the '${first}' option in the '${command}' command`;
    }
  }
  return null;
}

/** `ipvsadm …` in a namespace. */
export function runIpvsadm(
  world: World,
  words: readonly string[],
  netns: string | null,
): Result<string> {
  const found = netnsByName(world, netns);
  if (!found.ok) return found;
  const ns = found.value;
  // With no argument ipvsadm lists the table, resolving names (list_all(FMT_NONE)).
  if (words.length === 0) return fail(NAMES);
  const parsed = parse(words);
  if (!parsed.ok) return parsed;
  const p = parsed.value;
  const numeric = p.options.has("numeric");
  const spec: ServiceSpec = {
    protocol: p.protocol,
    vip: p.vip,
    port: p.port,
    scheduler: p.scheduler === "" ? DEFAULT_SCHEDULER : p.scheduler,
    persistent: p.persistent,
    netmask: p.netmask,
  };
  const dest = (): DestSpec => ({
    ip: p.dest?.ip ?? 0,
    port: p.dest?.port ?? 0,
    forward: p.forward,
    weight: p.weight,
  });
  switch (p.command) {
    case "list": {
      if (!numeric) return fail(NAMES);
      if (p.options.has("connection"))
        // The connection table lives in a walk, never in the world (see proxy/ipvs-datapath.ts).
        return ok(
          "IPVS connection entries\npro expire state       source             virtual            destination\n",
        );
      if (p.options.has("timeout")) return ok("Timeout (tcp tcpfin udp): 900 120 300\n");
      if (p.options.has("service-address")) {
        const svc = ns.ipvs ? findService(ns.ipvs, p.protocol, p.vip, p.port) : undefined;
        if (!svc) return fail("No such service");
        return ok(renderIpvsadmList(ns.ipvs, svc));
      }
      return ok(renderIpvsadmList(ns.ipvs));
    }
    case "save":
      if (!numeric) return fail(NAMES);
      return ok(renderIpvsadmSave(ns.ipvs));
    case "add-service":
    case "edit-service":
      // process_options: a service without a port must be persistent.
      if (p.port === 0 && p.persistent === null)
        return fail("Zero port specified for non-persistent service");
      return done(p.command === "add-service" ? addService(ns, spec) : editService(ns, spec));
    case "delete-service":
      return done(deleteService(ns, p.protocol, p.vip, p.port));
    case "flush":
      flushServices(ns);
      return ok("");
    case "zero":
      // Counters are not kept in the world: zeroing them changes nothing here.
      if (
        p.options.has("service-address") &&
        !(ns.ipvs && findService(ns.ipvs, p.protocol, p.vip, p.port))
      )
        return fail("No such service");
      return ok("");
    case "add-server":
      return done(addDest(ns, p.protocol, p.vip, p.port, dest()));
    case "edit-server":
      return done(editDest(ns, p.protocol, p.vip, p.port, dest()));
    case "delete-server":
      return done(deleteDest(ns, p.protocol, p.vip, p.port, dest().ip, dest().port));
    case "set":
    case "start-daemon":
    case "stop-daemon":
    case "restore":
      return fail(`podnet-learn: ipvsadm ${p.command} is not modelled`);
    default:
      return unreachable(p.command);
  }
}

/** Listing without `-n` looks addresses and ports up by name (gethostbyaddr, getservbyport). */
const NAMES =
  "podnet-learn: ipvsadm lists with names (DNS, /etc/services) unless given -n; use ipvsadm -Ln (or -Sn to save)";

function done(r: IpvsResult): Result<string> {
  return r.ok ? ok("") : fail(r.message);
}
