import { parseIpv4 } from "../ipv4";
import { parseMac } from "../mac";
import type { NeighbourState, Netns, World } from "../model";
import { renderIpNeigh } from "../render";
import { addNeighbour, deleteNeighbour } from "../state/neighbours";
import { fail, ok, type Result } from "../state/result";
import { type Args, garbage, matches } from "./tokenize";

const STATES: Record<string, NeighbourState> = {
  permanent: "PERMANENT",
  noarp: "NOARP",
  reachable: "REACHABLE",
  stale: "STALE",
};

/** `ip neigh add|replace|change|del|show|flush`. */
export function runIpNeigh(world: World, ns: Netns, args: Args): Result<string> {
  const sub = args.next();
  if (sub === undefined || matches(sub, "show") || matches(sub, "list")) {
    let dev: string | undefined;
    while (!args.done) {
      const w = args.next() as string;
      if (w === "dev") dev = args.next();
    }
    if (dev !== undefined && !ns.links.has(dev)) return fail(`Cannot find device "${dev}"`);
    return ok(renderIpNeigh(world, ns, dev));
  }
  if (matches(sub, "flush")) {
    let dev = args.next();
    if (dev === "dev") dev = args.next();
    if (dev === undefined) return fail("Flush requires arguments.");
    const table = ns.neighbours.get(dev);
    // `flush` leaves permanent entries alone, as iproute2 does without `nud all`.
    if (table) for (const [ip, n] of table) if (n.state !== "PERMANENT") table.delete(ip);
    return ok("");
  }
  const parsed = parseNeighCommand(sub, args);
  if (!parsed.ok) return parsed;
  const { mode, ip, mac, dev, state } = parsed.value;
  if (!ns.links.has(dev)) return fail(`Cannot find device "${dev}"`);
  if (mode === "del") {
    const deleted = deleteNeighbour(ns, ip, dev);
    return deleted.ok ? ok("") : deleted;
  }
  if (mac === null && state !== "NOARP") return fail("Error: No link layer address given.");
  const added = addNeighbour(ns, { ip, dev, mac, state }, mode);
  return added.ok ? ok("") : added;
}

export interface NeighCommand {
  mode: "add" | "replace" | "change" | "del";
  ip: number;
  mac: string | null;
  dev: string;
  state: NeighbourState;
}

/** The words after `ip neigh SUB` (add, replace, change, del), as typed values. */
export function parseNeighCommand(sub: string, args: Args): Result<NeighCommand> {
  const mode = matches(sub, "add")
    ? "add"
    : matches(sub, "replace")
      ? "replace"
      : matches(sub, "change")
        ? "change"
        : sub === "del" || matches(sub, "delete")
          ? "del"
          : null;
  if (mode === null) return fail(`Command "${sub}" is unknown, try "ip neigh help".`);
  let ip: number | null = null;
  let mac: string | null = null;
  let dev: string | undefined;
  let state: NeighbourState = "PERMANENT";
  while (!args.done) {
    const w = args.next() as string;
    if (w === "lladdr") {
      const v = args.next() ?? "";
      mac = parseMac(v);
      if (mac === null) return fail(`"${v}" is invalid lladdr.`);
    } else if (w === "dev") dev = args.next();
    else if (w === "nud") {
      const v = args.next() ?? "";
      const s = STATES[v];
      if (!s) return fail(`nud state "${v}" is unknown`);
      state = s;
    } else if (w === "proxy")
      return fail("podnet-learn: proxy neighbour entries are not modelled; use sysctl proxy_arp");
    else if (ip === null) {
      const target = w === "to" ? (args.next() ?? "") : w;
      ip = parseIpv4(target);
      if (ip === null) return fail(`Error: inet address is expected rather than "${target}".`);
    } else return fail(garbage(w));
  }
  if (dev === undefined) return fail("Device and destination are required arguments.");
  if (ip === null) return fail("Device and destination are required arguments.");
  return ok({ mode, ip, mac, dev, state });
}
