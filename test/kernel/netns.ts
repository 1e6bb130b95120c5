// The kernel side of the simulator-vs-kernel comparison: builds a scenario script in real
// network namespaces, one line at a time as a shell would, and probes it with ping and a
// TCP connect. A library for tests, not a test. Needs root, iproute2, iptables, nft, ping, bash.
// What the kernel did that the simulator must match is written down in FINDINGS.md.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";

/** One packet to send from a namespace. */
export interface KernelProbe {
  /** netns name (full name, as in the script) */
  from: string;
  /** IPv4 destination */
  to: string;
  proto: "icmp" | "tcp";
  /** tcp: destination port (default 80) */
  dport?: number;
  /** icmp payload bytes, like `ping -s` (default 56) */
  size?: number;
  /** icmp: `-M do` when true, `-M dont` when false or absent */
  df?: boolean;
}

/** What the kernel did with one probe. */
export interface KernelProbeResult {
  /** netns names whose INPUT saw the request (echo request / TCP SYN); usually 0 or 1 */
  requestDeliveredTo: string[];
  /** ping got its echo reply / TCP connect succeeded (a refusal is not a reply) */
  replyDelivered: boolean;
  /** ping's `From …` lines, e.g. `From 10.244.1.1 icmp_seq=1 Frag needed and DF set (mtu = 1450)` */
  icmpErrors: string[];
  /** the client's error, e.g. `ping: local error: message too long, mtu=1450`, `ping: connect:
   * Network is unreachable`; tcp: `connect: …` except a refusal, and it may stem from a router's
   * ICMP error (net unreachable), which a TCP client cannot tell apart */
  localError: string | null;
  /** raw client stdout then stderr, for debugging */
  output: string;
}

/** A script line the kernel refused. */
export interface SetupError {
  /** 1-based line of the script text */
  line: number;
  command: string;
  /** the command's stderr, trimmed */
  message: string;
}

/** A scenario built in namespaces; call cleanup() when done. */
export interface KernelRun {
  setupErrors: SetupError[];
  /** every netns the script created (and did not delete) */
  namespaces: string[];
  /** whether bridged IPv4 goes through iptables (net.bridge.bridge-nf-call-iptables, one netns) */
  bridgeNfCallIptables: boolean;
  probe(p: KernelProbe): Promise<KernelProbeResult>;
  /** runs `command` with bash inside `netns`, e.g. exec(ns, "ip route get 10.244.2.15") */
  exec(netns: string, command: string): Promise<ShellResult>;
  /** deletes every netns the run created and kills its processes; safe to call twice */
  cleanup(): Promise<void>;
}

export interface ShellResult {
  code: number;
  stdout: string;
  stderr: string;
}

const COMMAND_TIMEOUT_MS = 30_000;
const LISTENER_TIMEOUT_MS = 10_000;
// Comments on the counting rules, so that reading them back cannot confuse them with any other
// rule in the table.
const ICMP_MARK = "podnet-probe-icmp";
const SYN_MARK = "podnet-probe-syn";

// Everything this process started, for the exit-time sweep: a test that crashes or times out
// must not leave namespaces or listeners behind on a developer's machine.
const prefixes = new Set<string>();
const children = new Set<ChildProcess>();
let prefixCount = 0;
let availability: ReturnType<typeof kernelAvailable> | undefined;
let brNetfilterTried = false;

/** A netns name prefix unique to this process and call, e.g. `pk2s1-flannel0-`. */
export function uniquePrefix(tag: string): string {
  // Letters only, then a decimal counter: no two (tag, counter) pairs can spell the same prefix.
  if (!/^[a-z]+$/.test(tag)) {
    throw new Error(`uniquePrefix: tag must be lowercase letters, got "${tag}"`);
  }
  if (prefixes.size === 0) installSweep();
  const prefix = `pk${process.pid.toString(36)}-${tag}${prefixCount++}-`;
  prefixes.add(prefix);
  return prefix;
}

/** Rewrites netns names (after `ip netns add|del|exec`, `-n` and `netns`) that start with `from`. */
export function renamePrefix(script: string, from: string, to: string): string {
  const escaped = from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const nameAfter = new RegExp(
    `(^|\\s)(-n|netns(?:\\s+(?:add|del|delete|exec))?)(\\s+)${escaped}`,
    "gm",
  );
  return script.replace(nameAfter, `$1$2$3${to}`);
}

export function requireKernel(): boolean {
  return process.env.PODNET_REQUIRE_KERNEL === "1";
}

/** Whether this machine can run kernel tests: root, a working `ip netns`, the tools. Cached. */
export function kernelAvailable(): { ok: true } | { ok: false; why: string } {
  availability ??= checkAvailable();
  return availability;
}

function checkAvailable(): { ok: true } | { ok: false; why: string } {
  if (process.platform !== "linux") return { ok: false, why: `not Linux (${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, why: "not root: network namespaces need it" };
  for (const [tool, arg] of [
    ["ip", "-V"],
    ["bridge", "-V"],
    ["iptables", "--version"],
    ["iptables-save", "--version"],
    ["iptables-restore", "--version"],
    // kube-proxy's nftables mode (examples/clusters/services-nftables.yaml) writes with nft.
    ["nft", "--version"],
    ["ping", "-V"],
    ["timeout", "--version"],
    ["bash", "--version"],
  ] as const) {
    try {
      execFileSync(tool, [arg], { stdio: "ignore" });
    } catch {
      return { ok: false, why: `\`${tool}\` is missing or does not run` };
    }
  }
  // Creating one namespace is the real test: containers often have `ip` but not the right.
  const name = `pk${process.pid.toString(36)}-check`;
  try {
    execFileSync("ip", ["netns", "add", name], { stdio: "pipe" });
    execFileSync("ip", ["netns", "del", name], { stdio: "pipe" });
  } catch (e) {
    return { ok: false, why: `\`ip netns add\` failed: ${errorText(e)}` };
  }
  return { ok: true };
}

/**
 * Builds `script` in network namespaces. Lines that would act on the host's namespace, or on a
 * namespace not named with a uniquePrefix(), are refused before anything runs (the promise
 * rejects); lines the kernel refuses are collected in setupErrors and the rest still runs.
 */
export async function buildInKernel(
  script: string,
  opts: { listenPorts?: number[] } = {},
): Promise<KernelRun> {
  const lines = parseScript(script);
  const ports = opts.listenPorts ?? [80];
  for (const port of ports) checkPort(port);
  loadBrNetfilter();

  const shell = new Shell();
  const namespaces: string[] = [];
  const listeners: ChildProcess[] = [];
  let listening: Promise<void> | undefined;
  // Probes run one at a time: each reads every namespace's counters before and after its packet.
  let lastProbe: Promise<unknown> = Promise.resolve();
  let cleaned = false;

  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    for (const child of [...listeners, shell.proc]) killGroup(child);
    deleteNamespaces(namespaces);
  };

  try {
    const setupErrors: SetupError[] = [];
    for (const { line, command, words } of lines) {
      const r = await shell.run(command);
      if (r.code !== 0) {
        setupErrors.push({ line, command, message: r.stderr.trim() });
        continue;
      }
      // Track which namespaces exist, so cleanup deletes exactly those.
      const [, sub, verb, name = ""] = words;
      if (sub !== "netns") continue;
      if (verb === "add") namespaces.push(name);
      if ((verb === "del" || verb === "delete") && namespaces.includes(name)) {
        namespaces.splice(namespaces.indexOf(name), 1);
      }
    }
    await addCounters(shell, namespaces);
    const bridgeNf = namespaces[0]
      ? await shell.run(
          `${netnsExec(namespaces[0])}cat /proc/sys/net/bridge/bridge-nf-call-iptables`,
        )
      : undefined;

    const mine = (netns: string) => {
      if (cleaned) throw new Error("this KernelRun was cleaned up");
      if (!namespaces.includes(netns)) {
        throw new Error(`"${netns}" is not a namespace of this run (${namespaces.join(", ")})`);
      }
    };

    return {
      setupErrors,
      namespaces,
      bridgeNfCallIptables: bridgeNf?.stdout.trim() === "1",
      cleanup,
      exec: async (netns, command) => {
        mine(netns);
        return shell.run(`ip netns exec ${quote(netns)} bash -c ${quote(command)}`);
      },
      probe: (p) => {
        const result = lastProbe.then(async () => {
          mine(p.from);
          if (p.proto === "tcp") {
            listening ??= startListeners(namespaces, ports, listeners);
            await listening;
          }
          return probe(shell, namespaces, p);
        });
        lastProbe = result.catch(() => {});
        return result;
      },
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

interface ScriptLine {
  line: number;
  command: string;
  words: string[];
}

/** Splits a script into commands and refuses, all at once, every line that could reach the host. */
function parseScript(script: string): ScriptLine[] {
  const commands: ScriptLine[] = [];
  const problems: string[] = [];
  script.split("\n").forEach((text, i) => {
    const command = text.trim();
    if (command === "" || command.startsWith("#")) return;
    try {
      const words = shellWords(command);
      checkScope(words);
      commands.push({ line: i + 1, command, words });
    } catch (e) {
      problems.push(`line ${i + 1}: ${(e as Error).message}: ${command}`);
    }
  });
  if (problems.length > 0) {
    throw new Error(`refusing to run this script in the kernel:\n${problems.join("\n")}`);
  }
  return commands;
}

/**
 * Splits a line into words as bash will, refusing anything that makes the shell do more than run
 * one command (`;`, `&&`, `|`, redirections, `$(…)`, backquotes, braces): the part after a `;`
 * would run in the host's namespace.
 */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quoteChar: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i);
    if (quoteChar === "'") {
      if (c === "'") quoteChar = undefined;
      else word += c;
    } else if (quoteChar === '"') {
      if (c === '"') quoteChar = undefined;
      else if (c === "$" || c === "`") throw new Error(`shell expansion \`${c}\` is not allowed`);
      else if (c === "\\" && '"\\'.includes(line.charAt(i + 1))) word += line.charAt(++i);
      else word += c;
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "#" && word === undefined) {
      break;
    } else if (";&|<>()$`{}".includes(c)) {
      throw new Error(`shell syntax \`${c}\` is not allowed (one command a line)`);
    } else {
      word ??= "";
      if (c === "'" || c === '"') quoteChar = c;
      else if (c === "\\") word += line.charAt(++i);
      else word += c;
    }
  }
  if (quoteChar) throw new Error(`unterminated ${quoteChar} quote`);
  if (word !== undefined) words.push(word);
  return words;
}

/** Accepts only the four forms that name their namespace, all named with a uniquePrefix(). */
function checkScope(words: string[]): void {
  const [tool, opt, a, b] = words;
  let named: (string | undefined)[];
  if (tool === "ip" && opt === "netns" && (a === "add" || a === "del" || a === "delete")) {
    if (words.length !== 4) throw new Error("expected `ip netns add|del NAME`");
    named = [b];
  } else if (tool === "ip" && opt === "netns" && a === "exec" && words.length >= 5) {
    named = [b];
  } else if ((tool === "ip" || tool === "bridge") && opt === "-n" && words.length >= 4) {
    named = [a];
  } else {
    throw new Error(
      "acts on the host's namespace; a line must be `ip netns add|del NS`, `ip -n NS …`, " +
        "`bridge -n NS …` or `ip netns exec NS …`",
    );
  }
  // `… netns X` moves a device into X; a number there is a PID, and PID 1 is the host.
  words.forEach((w, i) => {
    if (i >= 3 && w === "netns") named.push(words[i + 1]);
  });
  for (const name of named) {
    if (!name || ![...prefixes].some((p) => name.startsWith(p))) {
      throw new Error(
        `namespace "${name ?? ""}" is not named with a uniquePrefix(); rename it first, ` +
          `e.g. renamePrefix(script, "ex-", uniquePrefix("flannel"))`,
      );
    }
  }
}

/**
 * br_netfilter makes bridged IPv4 traverse iptables (Kubernetes nodes need it); load it once if
 * it is a module. Failure is fine: it may be built in (then the sysctl exists) or absent.
 */
function loadBrNetfilter(): void {
  if (brNetfilterTried) return;
  brNetfilterTried = true;
  try {
    execFileSync("modprobe", ["br_netfilter"], { stdio: "ignore" });
  } catch {
    // reported through bridgeNfCallIptables
  }
}

/**
 * Counting rules in the security table's INPUT chain tell which namespace received the request.
 * That chain runs after filter INPUT (priority 50 against 0), so a packet a scenario drops or
 * rejects in filter INPUT is not counted: "delivered" means what the simulator means, that the
 * packet reached a socket. The rules only count, so they change no verdict.
 */
async function addCounters(shell: Shell, namespaces: string[]): Promise<void> {
  const rules = [
    "*security",
    `-A INPUT -p icmp --icmp-type echo-request -m comment --comment ${ICMP_MARK}`,
    `-A INPUT -p tcp --syn -m comment --comment ${SYN_MARK}`,
    "COMMIT",
    "",
  ].join("\n");
  for (const ns of namespaces) {
    const r = await shell.run(
      `printf %s ${quote(rules)} | ip netns exec ${quote(ns)} iptables-restore --noflush`,
    );
    if (r.code !== 0) throw new Error(`adding counting rules in ${ns}: ${r.stderr.trim()}`);
  }
}

async function probe(
  shell: Shell,
  namespaces: string[],
  p: KernelProbe,
): Promise<KernelProbeResult> {
  if (!/^(\d{1,3}\.){3}\d{1,3}$/.test(p.to)) throw new Error(`not an IPv4 address: "${p.to}"`);
  // Flush the route cache first: a PMTU learned from an earlier probe's "Frag needed" would
  // otherwise turn the next big ping into a local error, and the simulator has no such memory.
  await shell.run(namespaces.map((ns) => `ip -n ${quote(ns)} route flush cache`).join("; "));
  // Counters are compared before and after rather than zeroed: with the nf_tables backend
  // `iptables -Z` is a ruleset commit, ~15 ms a namespace, while reading one costs ~3 ms.
  const mark = p.proto === "icmp" ? ICMP_MARK : SYN_MARK;
  const before = await readCounters(shell, namespaces, mark);

  const from = netnsExec(p.from);
  let r: ShellResult;
  if (p.proto === "icmp") {
    const size = p.size ?? 56;
    if (!Number.isInteger(size) || size < 0) throw new Error(`bad icmp size ${size}`);
    const df = p.df ? "do" : "dont";
    // Two seconds: room for Calico's default 0.8 s proxy-ARP delay on a loaded machine, still
    // short of the ~3 s after which a failed ARP turns into "Destination Host Unreachable".
    r = await shell.run(`${from}ping -n -c1 -W2 -s ${size} -M ${df} ${p.to}`);
  } else {
    const port = p.dport ?? 80;
    checkPort(port);
    r = await shell.run(`${from}timeout 2 bash -c 'exec 3<>/dev/tcp/${p.to}/${port}'`);
  }

  const after = await readCounters(shell, namespaces, mark);
  const requestDeliveredTo = namespaces.filter(
    (ns) => (after.get(ns) ?? 0) > (before.get(ns) ?? 0),
  );
  const output = r.stdout + r.stderr;
  if (p.proto === "icmp") {
    return {
      requestDeliveredTo,
      replyDelivered: /\b[1-9]\d* received/.test(r.stdout),
      icmpErrors: r.stdout.split("\n").filter((l) => l.startsWith("From ")),
      localError: r.stderr.split("\n").find((l) => l.startsWith("ping: ")) ?? null,
      output,
    };
  }
  // bash says "bash: connect: <reason>"; a refusal means the SYN got an RST back, not a reply,
  // and a timeout (status 124) prints nothing.
  const reason = /^bash: connect: (.*)$/m.exec(r.stderr)?.[1];
  return {
    requestDeliveredTo,
    replyDelivered: r.code === 0,
    icmpErrors: [],
    localError: reason && reason !== "Connection refused" ? `connect: ${reason}` : null,
    output: r.code === 124 ? `${output}timed out\n` : output,
  };
}

/** Packets counted so far by the rule commented `mark`, per namespace. */
async function readCounters(
  shell: Shell,
  namespaces: string[],
  mark: string,
): Promise<Map<string, number>> {
  const listing = await shell.run(
    namespaces
      .map((ns) => `echo ${quote(`== ${ns}`)}; ${netnsExec(ns)}iptables-save -c -t security`)
      .join("; "),
  );
  const counts = new Map<string, number>();
  let current = "";
  for (const line of listing.stdout.split("\n")) {
    if (line.startsWith("== ")) current = line.slice(3);
    const rule = /^\[(\d+):\d+\] -A INPUT .*--comment (\S+)/.exec(line);
    if (rule?.[2] === mark) counts.set(current, Number(rule[1]));
  }
  return counts;
}

/** Starts one listener per namespace on every port, in parallel, and waits until all listen. */
function startListeners(namespaces: string[], ports: number[], listeners: ChildProcess[]) {
  // The listener exits when its stdin closes, so it dies with this process even on SIGKILL.
  const program = [
    'const net = require("net"); let n = 0; const ports = process.argv.slice(1).map(Number);',
    "for (const port of ports) net.createServer((s) => { s.on('error', () => {}); s.end(); })",
    "  .on('error', (e) => { console.error(e.message); process.exit(1); })",
    "  .listen(port, '0.0.0.0', () => { if (++n === ports.length) console.log('ready'); });",
    "process.stdin.on('end', () => process.exit()).resume();",
  ].join("\n");
  return Promise.all(
    namespaces.map((ns) => {
      const child = spawn(
        "ip",
        ["netns", "exec", ns, "node", "-e", program, ...ports.map(String)],
        {
          detached: true,
        },
      );
      track(child);
      listeners.push(child);
      return new Promise<void>((resolve, reject) => {
        let err = "";
        const timer = setTimeout(() => fail("did not start in time"), LISTENER_TIMEOUT_MS);
        const fail = (why: string) => {
          clearTimeout(timer);
          reject(new Error(`listener in ${ns} on ports ${ports.join(",")}: ${why} ${err.trim()}`));
        };
        child.stderr?.on("data", (d) => {
          err += d;
        });
        child.stdout?.on("data", (d) => {
          if (String(d).includes("ready")) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.on("exit", (code) => fail(`exited (${code})`));
      });
    }),
  ).then(() => undefined);
}

/**
 * One long-lived bash per run, fed one command at a time: spawning a process per line from Node
 * costs more than the `ip` command itself. After each command it prints a random token with the
 * exit status on stdout and the token on stderr, which ends that command's output on both.
 */
class Shell {
  readonly proc: ChildProcess;
  private readonly token = `__podnet_${randomBytes(8).toString("hex")}__`;
  private out = "";
  private err = "";
  private waiting?: { resolve: (r: ShellResult) => void; reject: (e: Error) => void };
  private queue: Promise<unknown> = Promise.resolve();

  constructor() {
    const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: "C" }; // messages untranslated
    delete env.BASH_ENV; // a non-interactive bash would source it
    this.proc = spawn("bash", ["--noprofile", "--norc"], { env, detached: true });
    track(this.proc);
    this.proc.stdout?.setEncoding("utf8").on("data", (d: string) => {
      this.out += d;
      this.settle();
    });
    this.proc.stderr?.setEncoding("utf8").on("data", (d: string) => {
      this.err += d;
      this.settle();
    });
    this.proc.on("exit", () => this.waiting?.reject(new Error("the harness's bash exited")));
    this.proc.stdin?.on("error", () => {}); // reported by the exit handler above
  }

  /** Runs one command line (stdin from /dev/null), after every earlier one has finished. */
  run(command: string): Promise<ShellResult> {
    const result = this.queue.then(() => this.send(command));
    this.queue = result.catch(() => {});
    return result;
  }

  private send(command: string): Promise<ShellResult> {
    return new Promise((resolve, reject) => {
      if (!isRunning(this.proc)) return reject(new Error(`the harness's bash is gone: ${command}`));
      const timer = setTimeout(() => {
        killGroup(this.proc);
        reject(new Error(`command did not finish in ${COMMAND_TIMEOUT_MS} ms: ${command}`));
      }, COMMAND_TIMEOUT_MS);
      this.waiting = {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      // eval of a quoted string: a syntax error becomes that command's failure, not a hang.
      const t = this.token;
      this.proc.stdin?.write(
        `eval -- ${quote(command)} </dev/null\nprintf '%s %d\\n' ${t} $?; printf '%s\\n' ${t} >&2\n`,
      );
    });
  }

  private settle(): void {
    const o = this.out.indexOf(this.token);
    const e = this.err.indexOf(this.token);
    if (!this.waiting || o < 0 || e < 0) return;
    const status = /^ (\d+)\n/.exec(this.out.slice(o + this.token.length));
    const errEnd = this.err.indexOf("\n", e);
    if (!status?.[1] || errEnd < 0) return;
    const result = {
      code: Number(status[1]),
      stdout: this.out.slice(0, o),
      stderr: this.err.slice(0, e),
    };
    this.out = this.out.slice(o + this.token.length + status[0].length);
    this.err = this.err.slice(errEnd + 1);
    const { resolve } = this.waiting;
    this.waiting = undefined;
    resolve(result);
  }
}

/** `ip netns exec NS ` with NS quoted, to prefix a command. */
function netnsExec(ns: string): string {
  return `ip netns exec ${quote(ns)} `;
}

function quote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`bad port ${port}`);
}

function track(child: ChildProcess): void {
  children.add(child);
  child.on("exit", () => children.delete(child));
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Kills a process we spawned (detached, so it leads its own group) with whatever it started. */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || !isRunning(child)) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Deletes namespaces with one `ip -batch`, carrying on past any already gone. */
function deleteNamespaces(names: string[]): void {
  if (names.length === 0) return;
  const input = names.map((n) => `netns del "${n}"\n`).join("");
  try {
    execFileSync("ip", ["-force", "-batch", "-"], { input, stdio: ["pipe", "ignore", "ignore"] });
  } catch {
    // -force reports failures in its status after doing the rest; nothing more to do here
  }
  names.length = 0;
}

/** At exit (or SIGINT/SIGTERM), kill what we started and delete namespaces with our prefixes. */
function installSweep(): void {
  const sweep = () => {
    for (const child of children) killGroup(child);
    let listed = "";
    try {
      listed = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
    } catch {
      return;
    }
    const ours = listed
      .split("\n")
      .map((l) => l.split(" ")[0] ?? "")
      .filter((name) => [...prefixes].some((p) => name.startsWith(p)));
    deleteNamespaces(ours);
  };
  process.once("exit", sweep);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      sweep();
      // Re-raise only if nobody else (vitest) handles it, so the default exit still happens.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

function errorText(e: unknown): string {
  const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
  return stderr || (e as Error).message;
}
