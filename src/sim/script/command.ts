import type { Netns, World } from "../model";
import { addNetns, netnsNotFound } from "../state/netns";
import { fail, type Result } from "../state/result";
import { runBridge } from "./bridge";
import { runCilium } from "./cilium";
import { runIp } from "./ip";
import { runIpset } from "./ipset";
import { runIptables, runIptablesSave } from "./iptables";
import { runIpvsadm } from "./ipvsadm";
import { runNft } from "./nft";
import { runSysctl } from "./sysctl";

/** The namespace commands act on when they name none (the host's own, as on a real machine). */
export const HOST_NETNS = "host";

export function hostNetns(world: World): Netns {
  const existing = world.netns.get(HOST_NETNS);
  if (existing) return existing;
  const created = addNetns(world, HOST_NETNS);
  if (!created.ok) throw new Error(created.message);
  return created.value;
}

export function netnsByName(world: World, name: string | null): Result<Netns> {
  if (name === null) return { ok: true, value: hostNetns(world) };
  const ns = world.netns.get(name);
  return ns ? { ok: true, value: ns } : fail(netnsNotFound(name));
}

/** Runs one command (already split into words) in a namespace; the value is what it printed. */
export function runCommand(
  world: World,
  words: readonly string[],
  netns: string | null,
): Result<string> {
  // Any command may change the world; derived indexes (the walk's L2 segments) rebuild lazily.
  world.changes.count++;
  const [tool, ...args] = words;
  switch (tool) {
    case "ip":
      return runIp(world, args, netns);
    case "bridge":
      return runBridge(world, args, netns);
    case "sysctl":
      return runSysctl(world, args, netns);
    case "iptables":
    case "iptables-legacy":
    case "iptables-nft":
      return runIptables(world, args, netns);
    case "iptables-save":
    case "iptables-nft-save":
    case "iptables-legacy-save":
      return runIptablesSave(world, args, netns);
    case "cilium":
    case "cilium-dbg":
      return runCilium(world, args, netns);
    case "nft":
      return runNft(world, args, netns);
    case "ipvsadm":
      return runIpvsadm(world, args, netns);
    case "ipset":
      return runIpset(world, args, netns);
    case undefined:
      return { ok: true, value: "" };
    default:
      return fail(
        `${tool}: command not found (the simulator models ip, bridge, sysctl, iptables, iptables-save, nft, ipvsadm, ipset and cilium-dbg)`,
      );
  }
}
