import type { ClusterPlan, PlannedNode } from "../cluster/load";
import type { Words } from "./command";
import type { Emitter, PeerTable } from "./emitter";

/**
 * Installers write the state they create as scenario-script lines: the same text the simulator
 * runs and `export` prints, so what a learner exports and replays on a real machine is exactly
 * what was simulated.
 */
export class ScriptWriter implements Emitter {
  readonly lines: string[] = [];

  constructor(readonly prefix: string) {}

  /** The namespace name for a node, pod, switch or the router. */
  ns(name: string): string {
    return `${this.prefix}${name}`;
  }

  comment(text: string): void {
    this.lines.push(`# ${text}`);
  }

  netns(name: string): void {
    this.lines.push(`ip netns add ${this.ns(name)}`, `ip -n ${this.ns(name)} link set lo up`);
  }

  ip(name: string, words: Words): void {
    this.lines.push(`ip -n ${this.ns(name)} ${textOf(words)}`);
  }

  bridge(name: string, words: Words): void {
    this.lines.push(`bridge -n ${this.ns(name)} ${textOf(words)}`);
  }

  sysctl(name: string, key: string, value: string | number): void {
    this.lines.push(`ip netns exec ${this.ns(name)} sysctl -w ${key}=${value}`);
  }

  iptables(name: string, words: string): void {
    this.lines.push(`ip netns exec ${this.ns(name)} iptables ${words}`);
  }

  nft(name: string, command: string): void {
    this.lines.push(`ip netns exec ${this.ns(name)} nft ${shellQuoted(command)}`);
  }

  ipvsadm(name: string, words: string): void {
    this.lines.push(`ip netns exec ${this.ns(name)} ipvsadm ${words}`);
  }

  ipset(name: string, words: string): void {
    this.lines.push(`ip netns exec ${this.ns(name)} ipset ${words}`);
  }

  peers(plan: ClusterPlan, node: PlannedNode, table: PeerTable): void {
    for (const peer of plan.nodes) {
      if (peer === node) continue;
      for (const line of table.entries(node, peer)) {
        if ("comment" in line) this.comment(line.comment);
        else if (line.tool === "ip") this.ip(node.name, line.words);
        else this.bridge(node.name, line.words);
      }
    }
  }

  text(): string {
    return `${this.lines.join("\n")}\n`;
  }
}

function textOf(words: Words): string {
  return typeof words === "string" ? words : words.text();
}

/**
 * An nft command as one shell word when it needs quoting: nft's braces, semicolons and quoted
 * comments mean nothing to nft once a shell has split them, so `nft 'add chain … { … ; }'`.
 */
function shellQuoted(command: string): string {
  return /^[A-Za-z0-9_./:@=+,-]+( [A-Za-z0-9_./:@=+,-]+)*$/.test(command)
    ? command
    : `'${command.replaceAll("'", "'\\''")}'`;
}
