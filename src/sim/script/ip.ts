import type { World } from "../model";
import { forgetPorts } from "../state/links";
import { addNetns, netnsNotFound } from "../state/netns";
import { fail, ok, type Result } from "../state/result";
import { netnsByName, runCommand } from "./command";
import { runIpAddr } from "./ip-addr";
import { runIpLink } from "./ip-link";
import { runIpNeigh } from "./ip-neigh";
import { runIpRoute } from "./ip-route";
import { Args, INCOMPLETE, matches } from "./tokenize";

export interface IpOptions {
  details: boolean;
  /** `ip -4`: IPv4 only (the model has nothing else, but `ip -4 addr` prints a shorter form). */
  inetOnly: boolean;
}

/** iproute2's objects in its own matching order (ip/ip.c, cmds[]), for prefix matching. */
const OBJECTS = [
  "address",
  "addrlabel",
  "maddress",
  "route",
  "rule",
  "neighbor",
  "neighbour",
  "ntable",
  "link",
  "l2tp",
  "fou",
  "ila",
  "macsec",
  "tunnel",
  "tuntap",
  "token",
  "tcpmetrics",
  "monitor",
  "xfrm",
  "mroute",
  "mrule",
  "netns",
  "netconf",
  "vrf",
  "sr",
  "nexthop",
  "mptcp",
  "ioam",
  "stats",
] as const;

type IpObject = (typeof OBJECTS)[number];

/** Every prefix of every object's name, resolved once in iproute2's matching order. */
const BY_PREFIX = new Map<string, IpObject>();
for (const name of OBJECTS)
  for (let end = 1; end <= name.length; end++) {
    const prefix = name.slice(0, end);
    if (!BY_PREFIX.has(prefix))
      BY_PREFIX.set(prefix, OBJECTS.find((o) => matches(prefix, o)) as IpObject);
  }

/** The object a word names (`a` is address, `n` neighbour, `net` netns), without a search. */
function objectNamed(word: string): IpObject | undefined {
  return BY_PREFIX.get(word);
}

/** No option given: shared by the commands that give none (the subcommands only read options). */
const PLAIN: Readonly<IpOptions> = { details: false, inetOnly: false };

/** `ip [-n NS] [-d] [-4] OBJECT …`. */
export function runIp(
  world: World,
  words: readonly string[],
  netns: string | null,
): Result<string> {
  const args = new Args(words);
  let options: IpOptions = PLAIN;
  let target = netns;
  while (!args.done && (args.peek() as string).startsWith("-")) {
    if (options === PLAIN) options = { ...PLAIN };
    const opt = (args.next() as string).replace(/^--?/, "-");
    if (opt === "-n" || matches(opt.slice(1), "netns")) {
      const name = args.value();
      if (name === undefined) return fail("No netns name specified");
      target = name;
    } else if (opt === "-d" || matches(opt.slice(1), "details")) options.details = true;
    else if (opt === "-4") options.inetOnly = true;
    else if (opt === "-s" || matches(opt.slice(1), "statistics")) {
      // Statistics are not tracked, so `-s` prints the plain form.
    } else return fail(`Option "${opt}" is unknown, try "ip -help".`);
  }
  const object = args.next();
  if (object === undefined) return fail("Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }");
  // iproute2 tries its objects in this order, so `ip a` is address, `ip n` neighbour, `ip net` netns.
  const kind = objectNamed(object);
  if (kind === "netns") return runIpNetns(world, args, target);
  if (kind === undefined) return fail(`Object "${object}" is unknown, try "ip help".`);
  const ns = netnsByName(world, target);
  if (!ns.ok) return ns;
  switch (kind) {
    case "address":
      return runIpAddr(world, ns.value, args, options);
    case "route":
      return runIpRoute(world, ns.value, args, options);
    case "neighbor":
    case "neighbour":
      return runIpNeigh(world, ns.value, args);
    case "link":
      return runIpLink(world, ns.value, args, options);
    default:
      return fail(
        `podnet-learn: "ip ${kind}" is not modelled (address, route, neighbour, link and netns are)`,
      );
  }
}

function runIpNetns(world: World, args: Args, netns: string | null): Result<string> {
  const sub = args.next();
  if (sub === undefined || matches(sub, "list") || matches(sub, "show")) {
    const names = [...world.netns.keys()].filter((n) => n !== "host").reverse();
    return ok(names.map((n) => `${n}\n`).join(""));
  }
  if (matches(sub, "add")) {
    const name = args.next();
    if (name === undefined) return fail("No netns name specified");
    const added = addNetns(world, name);
    return added.ok ? ok("") : added;
  }
  if (matches(sub, "delete")) {
    const name = args.next();
    if (name === undefined) return fail("No netns name specified");
    if (!world.netns.has(name))
      return fail(`Cannot remove namespace file "/run/netns/${name}": No such file or directory`);
    return deleteNetns(world, name);
  }
  if (matches(sub, "exec")) {
    const name = args.next();
    if (name === undefined) return fail("No netns name specified");
    if (!world.netns.has(name))
      return fail(`Cannot open network namespace "${name}": No such file or directory`);
    const command = args.rest();
    if (command.length === 0) return fail(INCOMPLETE);
    return runCommand(world, command, name);
  }
  void netns;
  return fail(`Command "${sub}" is unknown, try "ip netns help".`);
}

function deleteNetns(world: World, name: string): Result<string> {
  const ns = world.netns.get(name);
  if (!ns) return fail(netnsNotFound(name));
  // A namespace's veths die with it, and so do their peers elsewhere.
  for (const link of ns.links.values()) {
    if (link.kind !== "veth") continue;
    const peerNs = world.netns.get(link.peer.netns);
    if (peerNs && peerNs !== ns && peerNs.links.get(link.peer.name) === link.peer) {
      peerNs.links.delete(link.peer.name);
      peerNs.routes.removeWhere((r) => r.dev === link.peer.name);
      peerNs.neighbours.delete(link.peer.name);
      for (let i = peerNs.addresses.length - 1; i >= 0; i--)
        if (peerNs.addresses[i]?.dev === link.peer.name) peerNs.addresses.splice(i, 1);
      if (link.peer.master) {
        const bridge = peerNs.links.get(link.peer.master);
        forgetPorts(bridge);
        if (bridge?.kind === "bridge")
          for (const [mac, e] of bridge.fdb) if (e.port === link.peer.name) bridge.fdb.delete(mac);
      }
    }
  }
  world.netns.delete(name);
  return ok("");
}
