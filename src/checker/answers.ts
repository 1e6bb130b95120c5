/**
 * Applying a typed answer to a built scenario: a route goes through the simulator's own
 * `ip route` parser and the kernel's checks in the step's node; a fix's lines run in a node
 * shell (src/shell/). A refusal comes back as the failure, with the kernel's or tool's message.
 */

import { parseLine } from "../shell/line";
import type { NodeShell } from "../shell/session";
import { changesState, isSimulatedTool } from "../shell/tools";
import type { World } from "../sim";
import { runCommand } from "../sim/script/command";
import { matches, tokenize } from "../sim/script/tokenize";
import type { Failure } from "./verdict";

function unparsable(message: string): Failure {
  return { kind: "unparsable", probe: null, netns: null, dropReason: null, message };
}

function refused(netns: string, command: string, message: string): Failure {
  return {
    kind: "refused",
    probe: null,
    netns,
    dropReason: null,
    message: message.trimEnd(),
    command,
  };
}

/** `sudo ip …` is `ip …`: the simulated shell is root already. */
function withoutSudo(words: string[]): string[] {
  return words[0] === "sudo" ? words.slice(1) : words;
}

/**
 * The words of a route answer as a whole command: a bare route (`10.244.2.0/24 via …`) becomes
 * `ip route add …`; `ip route add|replace|append …` is taken as it is. Anything else is a
 * failure that says what a route answer looks like.
 */
export function routeCommand(answer: string): string[] | Failure {
  const text = answer.trim();
  if (text === "")
    return unparsable("type one route, like `10.244.2.0/24 via 192.168.1.12 dev eth0`");
  if (text.includes("\n")) return unparsable("type one route, on one line");
  const words = tokenize(text);
  if (!words.ok) return unparsable(words.message);
  const w = withoutSudo(words.words);
  if (w[0] !== "ip") return ["ip", "route", "add", ...w];
  if (!matches(w[1], "route"))
    return unparsable(
      "the answer is a route: `ip route add …` (or the route alone); other commands belong in a shell",
    );
  // iproute2 takes the first keyword a prefix matches, in this order (ip/iproute.c).
  const sub = w[2];
  if (matches(sub, "add") || matches(sub, "replace") || matches(sub, "append")) return w;
  return unparsable(
    `\`${sub === undefined ? "ip route" : `ip route ${sub}`}\` does not put a route in the table: use ip route add, replace or append`,
  );
}

/** Adds the route answer to `node`'s table; null when the kernel took it. */
export function applyRoute(world: World, node: string, answer: string): Failure | null {
  const words = routeCommand(answer);
  if (!Array.isArray(words)) return words;
  const result = runCommand(world, words, node);
  return result.ok ? null : refused(node, words.join(" "), result.message);
}

/** A shell on one of the scenario's nodes or pods: the node shell (src/shell/session.ts). */
export type Shell = Pick<NodeShell, "node" | "run">;

/** Tools that only look (or only send a probe); a failure of theirs refuses nothing. */
const LOOKING_TOOLS = new Set([
  "ping",
  "curl",
  "nc",
  "netcat",
  "conntrack",
  "help",
  "hostname",
  "clear",
  "exit",
  "logout",
  "iptables-save",
  "iptables-nft-save",
  "iptables-legacy-save",
]);

const LOOKING_KUBECTL = new Set(["get", "describe", "logs", "version", "cluster-info", "explain"]);

/**
 * Whether a failed line refuses the answer: a command that would change the node and was refused,
 * an `ssh` that went nowhere, a command the node does not have. A diagnostic that fails (a
 * `ping` that gets no answer, `ip route get` to an unreachable address, a `grep` that matches
 * nothing) only looks, and the answer goes on.
 */
export function refusesAnswer(line: string): boolean {
  const parsed = parseLine(line);
  if (!parsed.ok) return true;
  if (parsed.stages.length !== 1) return false;
  const words = withoutSudo([...(parsed.stages[0]?.words ?? [])]);
  const [tool, sub] = words;
  if (tool === undefined || LOOKING_TOOLS.has(tool)) return false;
  if (tool === "kubectl") return !LOOKING_KUBECTL.has(sub ?? "");
  if (isSimulatedTool(tool)) return changesState(words);
  return true;
}

/** The lines a fix answer runs: blank lines and `#` comments left out. */
export function fixLines(answer: string): string[] {
  return answer
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/** Runs a fix answer's lines in `shell`; the first refused line is the failure. */
export function applyFix(shell: Shell, answer: string): Failure | null {
  const lines = fixLines(answer);
  if (lines.length === 0)
    return unparsable("type the shell commands that repair the node, one a line");
  for (const line of lines) {
    const where = shell.node;
    const ran = shell.run(line);
    if (!ran.ok && refusesAnswer(line)) return refused(where, line, ran.output);
  }
  return null;
}

/** An option answer: its id, or a failure naming the options. */
export function optionAnswer(answer: string, ids: readonly string[]): string | Failure {
  const id = answer.trim();
  if (ids.includes(id)) return id;
  return unparsable(
    id === ""
      ? `pick one of ${ids.join(", ")}`
      : `there is no option "${id}"; the options are ${ids.join(", ")}`,
  );
}
