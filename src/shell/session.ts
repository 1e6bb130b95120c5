/**
 * The simulated node shell of `fix` steps (docs/lessons.md, "The fix kind"; docs/node-shell.md):
 * a learner types lines as on a Kubernetes node, and each runs against the simulator, which
 * prints what the real tool would and changes the cluster as the real command would. The shell
 * computes nothing about packets itself: routes, probes and their verdicts are the simulator's.
 * Pure, like the simulator: no clock, no randomness (probe seeds count up), no I/O.
 */
import { type ClusterPlan, type ProbeResult, type ProbeSpec, probe, type World } from "../sim";
import { formatIpv4 } from "../sim/ipv4";
import type { ConntrackEntry } from "../sim/netfilter/conntrack";
import { CLEAR_SCREEN } from "./clear";
import { isFilter, runFilter } from "./filters";
import { helpText } from "./help";
import { runKubectl } from "./kubectl";
import { parseLine, type Redirects, type Stage } from "./line";
import { parsePing, pingOutput } from "./ping";
import { type Chunk, type Printed, stderr, stdout, streamText } from "./printed";
import { type Place, resolveHost } from "./resolve";
import { connectionOf, curlOutput, ncOutput, parseCurl, parseNc } from "./tcp";
import { isSimulatedTool, runConntrack, runTool } from "./tools";

export { CLEAR_SCREEN };

/** What one line did, as the TUI shows it and the checker reads it. */
export interface ShellResult {
  /** What the terminal shows: stdout and stderr in the order written, each line ending in \n. */
  readonly output: string;
  /** The exit status was 0 (`$?`): false for a refused command, a failed ping or curl, a grep that matched nothing. */
  readonly ok: boolean;
  /** The line changed the simulated cluster (a route, a sysctl, a rule…); moving with ssh does not. */
  readonly changed: boolean;
}

export interface NodeShellOptions {
  /** The simulator's world, built from `plan` with namespace prefix "". The shell changes it. */
  readonly world: World;
  readonly plan: ClusterPlan;
  /** Where the first prompt is: a node's name (a pod's works too). */
  readonly node: string;
}

/** Where `exit` goes back to, and how the learner came from there. */
interface Session {
  readonly place: Place;
  readonly via: "ssh" | "exec";
}

/** The shells `kubectl exec -it POD -- …` opens and stays in. */
const SHELLS = new Set(["sh", "bash", "ash", "/bin/sh", "/bin/bash", "/bin/ash"]);

const HELP_POINTER = "podnet-learn: type help for the commands of this simulated node\n";

export class NodeShell {
  private readonly world: World;
  private readonly plan: ClusterPlan;
  private place: Place;
  private readonly sessions: Session[] = [];
  private readonly typed: string[] = [];
  /** Probes sent so far: the next one's seed, so each connection differs (and replays). */
  private probes = 0;
  private lastProbe: ProbeResult | null = null;
  /** The netfilter connections the last probe left (`conntrack -F` empties a namespace's). */
  private connections: readonly ConntrackEntry[] = [];

  constructor(options: NodeShellOptions) {
    this.world = options.world;
    this.plan = options.plan;
    const place = this.placeNamed(options.node);
    if (place === null)
      throw new Error(
        `NodeShell: no node or pod named "${options.node}" in the cluster (nodes: ${this.plan.nodes.map((n) => n.name).join(", ")})`,
      );
    this.place = place;
  }

  /** Where the prompt is now: a node's name, or a pod's after `kubectl exec -it POD -- sh`. */
  get node(): string {
    return this.place.name;
  }

  /** Every non-blank line run, in order, as typed (for the TUI's up-arrow). */
  get history(): readonly string[] {
    return this.typed;
  }

  /** Runs one line where the prompt is. */
  run(line: string): ShellResult {
    const text = line.replace(/\r?\n$/, "");
    if (text.trim() === "") return { output: "", ok: true, changed: false };
    this.typed.push(text);
    const printed = this.runLine(text.trim(), this.place, true);
    return {
      output: printed.chunks.map((c) => c.text).join(""),
      ok: printed.status === 0,
      changed: printed.changed,
    };
  }

  /**
   * A line with its pipes: the first command's stdout feeds the filters, every stderr goes to the
   * terminal; the status is the last command's (bash without pipefail). `interactive` is false for
   * a line run by `ssh NAME 'COMMAND'` or `sh -c`, which cannot move the prompt.
   */
  private runLine(line: string, place: Place, interactive: boolean): Printed {
    const parsed = parseLine(line);
    if (!parsed.ok) return stderr(`${parsed.message}\n`, 2);
    const [first, ...filters] = parsed.stages;
    if (first === undefined) return stdout("");
    const head = redirect(this.command(first.words, place, interactive), first.redirects);
    let result = head;
    const shown: Chunk[] = [];
    for (const stage of filters) {
      shown.push(...result.chunks.filter((c) => c.stream === "stderr"));
      result = redirect(this.filter(stage, streamText(result, "stdout"), place), stage.redirects);
    }
    // What the filters print comes first: the tools before them write their complaints (and
    // conntrack its count) to stderr once their output is done.
    return {
      chunks: [...result.chunks, ...shown],
      status: result.status,
      changed: head.changed,
    };
  }

  /** A stage after `|`: one of the filters, reading `input`. */
  private filter(stage: Stage, input: string, place: Place): Printed {
    const [name, ...args] = stage.words;
    if (isFilter(name)) return runFilter(name, args, input);
    return stderr(
      isKnown(name)
        ? `podnet-learn: after | this shell runs grep, head, tail and wc, not ${name}\n`
        : `${notFound(place, name ?? "")}${HELP_POINTER}`,
      127,
    );
  }

  /** One command, run in `place`. */
  private command(words: readonly string[], place: Place, interactive: boolean): Printed {
    const [name, ...args] = words;
    switch (name) {
      case undefined:
        return stdout("");
      case "sudo":
        return this.sudo(args, place, interactive);
      case "help":
        return stdout(helpText());
      case "hostname":
        return stdout(`${place.name}\n`);
      case "clear":
        return stdout(CLEAR_SCREEN);
      case "exit":
      case "logout":
        return interactive ? this.exit() : stdout("");
      case "ssh":
        return this.ssh(args, place, interactive);
      case "kubectl":
        return place.kind === "node"
          ? this.kubectl(args, interactive)
          : stderr(`${notFound(place, "kubectl")}podnet-learn: kubectl runs on the nodes\n`, 127);
      case "ping":
        return this.ping(args, place);
      case "curl":
        return this.curl(args, place);
      case "nc":
      case "netcat":
        return this.nc(args, place);
      case "conntrack": {
        const { printed, kept } = runConntrack(place.name, args, this.connections);
        this.connections = kept;
        return printed;
      }
      default:
        if (isSimulatedTool(name)) return runTool(this.world, place.name, words, this.lastProbe);
        if (isFilter(name))
          return stderr(
            `podnet-learn: ${name} reads what a command prints here: COMMAND | ${name} …\n`,
            2,
          );
        return stderr(`${notFound(place, name)}${HELP_POINTER}`, 127);
    }
  }

  /**
   * Every command here already runs as root: `sudo [-E] [-u USER] CMD` runs CMD, and a root
   * shell (`sudo -i`, `sudo su`, `sudo bash`) is the shell the learner is in.
   */
  private sudo(args: readonly string[], place: Place, interactive: boolean): Printed {
    if (args.length === 0) return stderr("usage: sudo -h | -K | -k | -V\n");
    let i = 0;
    while (i < args.length && (args[i] as string).startsWith("-")) i += args[i] === "-u" ? 2 : 1;
    const command = args.slice(i);
    const [first] = command;
    if (first === undefined || first === "su" || SHELLS.has(first)) return stdout("");
    return this.command(command, place, interactive);
  }

  private exit(): Printed {
    const previous = this.sessions.pop();
    if (!previous)
      return stderr(
        `podnet-learn: this is the shell the exercise opened on ${this.place.name}; there is no earlier one to go back to\n`,
      );
    const left = this.place.name;
    this.place = previous.place;
    // A login shell over ssh says `logout`, then the client reports the closed connection;
    // a shell started by kubectl exec ends silently.
    return stdout(previous.via === "ssh" ? `logout\nConnection to ${left} closed.\n` : "");
  }

  /**
   * `ssh [OPTIONS] [USER@]NAME [COMMAND…]`: a node or pod of the cluster, by name or address. It
   * always connects, whatever the simulated network does: it stands for the console a lesson
   * gives, not for a TCP connection through the cluster (a lesson that breaks node1's network
   * must still let the learner reach node1).
   */
  private ssh(args: readonly string[], place: Place, interactive: boolean): Printed {
    const positional: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const arg = args[i] as string;
      if (positional.length > 0) positional.push(arg);
      else if (/^-[oiplFJ]$/.test(arg)) i++;
      else if (!arg.startsWith("-")) positional.push(arg);
    }
    const [target, ...command] = positional;
    if (target === undefined)
      return stderr(
        "usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface] [-b bind_address]\n           destination [command [argument ...]]\n",
        255,
      );
    const host = target.replace(/^[^@]*@/, "");
    const to = this.placeNamed(host) ?? this.placeAt(host);
    if (to === null)
      return stderr(
        /^\d+\.\d+\.\d+\.\d+$/.test(host)
          ? `ssh: connect to host ${host} port 22: Connection refused\n`
          : `ssh: Could not resolve hostname ${host}: Name or service not known\n`,
        255,
      );
    if (command.length > 0) return this.runLine(command.join(" "), to, false);
    if (!interactive)
      return stderr(
        "Pseudo-terminal will not be allocated because stdin is not a terminal.\n",
        255,
      );
    this.sessions.push({ place, via: "ssh" });
    this.place = to;
    return stdout("");
  }

  /** `kubectl get …` from the plan, or `kubectl exec` into a pod. */
  private kubectl(args: readonly string[], interactive: boolean): Printed {
    const done = runKubectl(this.plan, args);
    if ("chunks" in done) return done;
    const pod = { name: done.pod, kind: "pod" } as const;
    const [program, ...rest] = done.command;
    if (program !== undefined && SHELLS.has(program)) {
      if (rest[0] === "-c" && rest[1] !== undefined)
        return this.inPod(this.runLine(rest[1], pod, false));
      if (rest.length > 0)
        return this.inPod(
          stderr(`${program}: can't open '${rest[0]}': No such file or directory\n`, 2),
        );
      if (!interactive)
        return stderr("podnet-learn: a shell opened from a one-off command would exit at once\n");
      this.sessions.push({ place: this.place, via: "exec" });
      this.place = pod;
      return stdout("");
    }
    return this.inPod(this.command(done.command, pod, false));
  }

  /** kubectl exec reports a command's failure after its output, and exits with its status. */
  private inPod(printed: Printed): Printed {
    if (printed.status === 0) return printed;
    return {
      ...printed,
      chunks: [
        ...printed.chunks,
        { stream: "stderr", text: `command terminated with exit code ${printed.status}\n` },
      ],
    };
  }

  private ping(args: readonly string[], place: Place): Printed {
    const parsed = parsePing(args, (name) => resolveHost(this.plan, place, name));
    if (!parsed.ok) return parsed.printed;
    const { request } = parsed;
    const result = this.send(place, {
      to: request.ip,
      proto: "icmp",
      size: request.size,
      ...(request.df ? { df: true } : {}),
    });
    if ("error" in result) return result.printed;
    return pingOutput(request, result, place.name);
  }

  private curl(args: readonly string[], place: Place): Printed {
    const parsed = parseCurl(args, (name) => resolveHost(this.plan, place, name));
    if (!parsed.ok) return parsed.printed;
    const { request } = parsed;
    const result = this.send(place, { to: request.ip, proto: "tcp", dport: request.port });
    if ("error" in result) return result.printed;
    return curlOutput(request, connectionOf(result, place.name));
  }

  private nc(args: readonly string[], place: Place): Printed {
    const parsed = parseNc(args, (name) => resolveHost(this.plan, place, name));
    if (!parsed.ok) return parsed.printed;
    const { request } = parsed;
    const result = this.send(place, { to: request.ip, proto: "tcp", dport: request.port });
    if ("error" in result) return result.printed;
    return ncOutput(request, connectionOf(result, place.name));
  }

  /**
   * Sends one probe from `place` through the simulator and keeps what it left (for `conntrack
   * -L`). Seeds count up from 1: every connection gets its own source port and ICMP id, so a
   * Service's load balancing shows across curls, and a lesson replays identically.
   */
  private send(
    place: Place,
    spec: Omit<ProbeSpec, "from" | "seed">,
  ): ProbeResult | { error: true; printed: Printed } {
    this.probes++;
    const result = probe(this.world, { ...spec, from: place.name, seed: this.probes });
    if ("error" in result)
      return { error: true, printed: stderr(`podnet-learn: ${result.error}\n`) };
    this.lastProbe = result;
    this.connections = result.conntrack;
    return result;
  }

  private placeNamed(name: string): Place | null {
    if (this.plan.nodes.some((n) => n.name === name)) return { name, kind: "node" };
    if (this.plan.pods.some((p) => p.name === name)) return { name, kind: "pod" };
    return null;
  }

  /** The node or pod that holds an address, for `ssh 192.168.1.13`. */
  private placeAt(address: string): Place | null {
    const node = this.plan.nodes.find((n) => formatIpv4(n.ip) === address);
    if (node) return { name: node.name, kind: "node" };
    const pod = this.plan.pods.find((p) => formatIpv4(p.ip) === address);
    return pod ? { name: pod.name, kind: "pod" } : null;
  }
}

/** What the place's shell says about a command it does not have (bash on nodes, busybox sh in pods). */
function notFound(place: Place, name: string): string {
  return place.kind === "node" ? `bash: ${name}: command not found\n` : `sh: ${name}: not found\n`;
}

function isKnown(name: string | undefined): boolean {
  return (
    name !== undefined &&
    (isSimulatedTool(name) ||
      ["ping", "curl", "nc", "conntrack", "kubectl", "ssh", "help", "hostname"].includes(name))
  );
}

/** Applies a stage's redirections: `2>&1` first, then what goes to /dev/null. */
function redirect(printed: Printed, r: Redirects): Printed {
  let chunks = printed.chunks;
  if (r.stderrToStdout) chunks = chunks.map((c) => ({ stream: "stdout", text: c.text }));
  if (r.dropStdout) chunks = chunks.filter((c) => c.stream !== "stdout");
  if (r.dropStderr) chunks = chunks.filter((c) => c.stream !== "stderr");
  return chunks === printed.chunks ? printed : { ...printed, chunks };
}
