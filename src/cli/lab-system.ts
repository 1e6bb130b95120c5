/**
 * The lab's hands on the machine: runs `ip`, `bridge`, `iptables-save`, `ping` and the like with
 * child_process, each as an argument vector (no shell ever parses a line), only ever against
 * namespaces named with the lab's prefix. Everything the lab does to the machine goes through
 * `LabSystem`, so tests can give it another uid or platform to see the refusals.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { type LabReadout, type NamespaceReadout, sysctlFiles } from "../lab/readback";
import { staysInLab } from "../lab/scope";

/** What one command did. */
export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The machine as the lab sees it. */
export interface LabSystem {
  /** The effective user id (0 is root); undefined where there is none (Windows). */
  readonly uid: number | undefined;
  readonly platform: string;
  /** Runs a program with these arguments, no shell, `LC_ALL=C`; never throws. */
  run(file: string, args: readonly string[], input?: string): Ran;
  /** Starts a long-running program (a probe's listener); the caller stops it. */
  start(file: string, args: readonly string[]): ChildProcess;
}

/**
 * The real machine. `PODNET_LAB_UID` and `PODNET_LAB_PLATFORM` can only make the lab refuse
 * (a test sees the refusals of a non-root user or another system while running as root).
 */
export function realSystem(env: NodeJS.ProcessEnv = process.env): LabSystem {
  const uidOverride = env.PODNET_LAB_UID;
  const realUid = process.getuid?.();
  const uid =
    uidOverride !== undefined && /^\d+$/.test(uidOverride) && Number(uidOverride) !== 0
      ? Number(uidOverride)
      : realUid;
  const platform = env.PODNET_LAB_PLATFORM || process.platform;
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LC_ALL: "C" };
  return {
    uid,
    platform,
    run(file, args, input) {
      const r = spawnSync(file, [...args], {
        encoding: "utf8",
        env: childEnv,
        input: input ?? "",
        timeout: 30_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      if (r.error) return { code: 127, stdout: "", stderr: r.error.message };
      return { code: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
    },
    start(file, args) {
      return spawn(file, [...args], { env: childEnv, stdio: ["pipe", "pipe", "pipe"] });
    },
  };
}

/** Why the lab cannot run on this machine, or null when it can. */
export function environmentProblem(system: LabSystem): string | null {
  if (system.platform !== "linux")
    return `the lab builds Linux network namespaces; this system is ${system.platform}, not Linux (the tutorial and the other commands work here)`;
  if (system.uid !== 0) return "lab needs root (sudo podnet-learn lab …)";
  const ip = system.run("ip", ["-V"]);
  if (ip.code !== 0)
    return "`ip` (iproute2) is missing: install iproute2 (apt-get install iproute2)";
  return null;
}

/** Namespaces on the machine whose names start with `prefix`. */
export function labNamespaces(system: LabSystem, prefix: string): string[] {
  const listed = system.run("ip", ["netns", "list"]);
  if (listed.code !== 0) return [];
  return listed.stdout
    .split("\n")
    .map((l) => l.split(" ")[0] ?? "")
    .filter((name) => name.startsWith(prefix));
}

/** Runs one build command; the last guard: a command that leaves the lab is never run. */
export function runLabCommand(system: LabSystem, words: readonly string[], prefix: string): Ran {
  if (!staysInLab(words, prefix))
    return { code: 1, stdout: "", stderr: "refused: the line names a namespace outside the lab" };
  const [file, ...args] = words;
  return system.run(file as string, args);
}

/** Deletes namespaces (only those with the prefix); returns the ones that could not be. */
export function deleteNamespaces(system: LabSystem, names: readonly string[], prefix: string) {
  const failed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const r = system.run("ip", ["netns", "del", name]);
    if (r.code !== 0) failed.push(`${name}: ${r.stderr.trim()}`);
  }
  return failed;
}

/** Processes still running inside a namespace (a learner's shell), by pid. */
export function pidsIn(system: LabSystem, name: string): string[] {
  const r = system.run("ip", ["netns", "pids", name]);
  return r.code === 0 ? r.stdout.split("\n").filter((l) => /^\d+$/.test(l.trim())) : [];
}

/** Reads back every lab namespace with the tools a learner would use. */
export function readLab(system: LabSystem, prefix: string): LabReadout {
  const namespaces: NamespaceReadout[] = labNamespaces(system, prefix).map((name) => {
    const ip = (...args: string[]) => system.run("ip", ["-n", name, ...args]).stdout;
    const link = ip("-j", "-d", "link", "show");
    let devices: string[] = [];
    try {
      devices = (JSON.parse(link) as { ifname: string }[]).map((l) => l.ifname);
    } catch {
      devices = [];
    }
    const inside = (...args: string[]) => system.run("ip", ["netns", "exec", name, ...args]);
    return {
      name,
      link,
      addr: ip("-j", "-4", "addr", "show"),
      route: ip("-j", "-4", "route", "show", "table", "all"),
      neigh: ip("-j", "-4", "neigh", "show"),
      fdb: system.run("bridge", ["-n", name, "-j", "fdb", "show"]).stdout,
      nsids: ip("-j", "netns", "list-id"),
      iptables: inside("iptables-save").stdout,
      // -s: a file a device does not have (lo has no proxy_delay row in every kernel) is skipped.
      sysctl: inside("grep", "-s", "-H", ".", ...sysctlFiles(devices)).stdout,
    };
  });
  return { prefix, namespaces };
}

/** What the kernel did with one probe. */
export interface KernelAnswer {
  /** The reply came back (a ping's echo reply, an accepted TCP connection). */
  readonly replied: boolean;
  /** What the client printed, trimmed, for the learner. */
  readonly output: string;
}

// A TCP listener that answers every connection and exits when its stdin closes, and a client
// that exits 0 once connected (the same probe as the kernel tests: a connect, not a request).
const LISTENER =
  "const net=require('net');const ports=process.argv.slice(1).map(Number);let n=0;for(const p of ports)net.createServer(s=>{s.on('error',()=>{});s.end()}).on('error',e=>{console.error(e.message);process.exit(1)}).listen(p,'0.0.0.0',()=>{if(++n===ports.length)console.log('ready')});process.stdin.on('end',()=>process.exit()).resume();";
const CLIENT =
  "const s=require('net').connect(Number(process.argv[2]),process.argv[1]);s.setTimeout(2000,()=>{console.log('timed out');process.exit(1)});s.on('connect',()=>{console.log('connected');process.exit(0)});s.on('error',e=>{console.log(e.message);process.exit(1)});";

/** Sends one ping from a lab namespace (the route cache flushed first, as the kernel tests do). */
export function kernelPing(
  system: LabSystem,
  namespaces: readonly string[],
  from: string,
  to: string,
  size: number,
  df: boolean,
): KernelAnswer {
  for (const ns of namespaces) system.run("ip", ["-n", ns, "route", "flush", "cache"]);
  const r = system.run("ip", [
    "netns",
    "exec",
    from,
    "ping",
    "-n",
    "-c1",
    "-W2",
    "-s",
    String(size),
    "-M",
    df ? "do" : "dont",
    to,
  ]);
  const replied = /\b[1-9]\d* received/.test(r.stdout);
  const lines = `${r.stdout}${r.stderr}`
    .split("\n")
    .filter((l) => /^(From |ping: |\d+ bytes from|1 packets)/.test(l.trim()));
  return { replied, output: lines.join("; ") };
}

/**
 * Opens one TCP connection from a lab namespace, with a listener in every lab namespace on every
 * port in `listen` (the probe's port and the ports a Service translates it to): the simulator
 * assumes something listens everywhere, and so must the kernel for the two to be compared.
 */
export async function kernelConnect(
  system: LabSystem,
  namespaces: readonly string[],
  from: string,
  to: string,
  port: number,
  listen: readonly number[],
): Promise<KernelAnswer> {
  const ports = [...new Set([port, ...listen])].map(String);
  const listeners = namespaces.map((ns) =>
    system.start("ip", ["netns", "exec", ns, process.execPath, "-e", LISTENER, ...ports]),
  );
  try {
    await Promise.all(listeners.map(ready));
    for (const ns of namespaces) system.run("ip", ["-n", ns, "route", "flush", "cache"]);
    const r = system.run("ip", [
      "netns",
      "exec",
      from,
      process.execPath,
      "-e",
      CLIENT,
      to,
      String(port),
    ]);
    return { replied: r.code === 0, output: r.stdout.trim() };
  } finally {
    for (const l of listeners) {
      l.stdin?.end();
      if (l.exitCode === null) l.kill("SIGKILL");
    }
  }
}

/** Resolves when a listener says it listens (or fails or exits: the probe then shows it). */
function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 5_000);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    child.stdout?.on("data", (d) => {
      if (String(d).includes("ready")) done();
    });
    child.on("exit", done);
    child.on("error", done);
  });
}
