import type { Ipv4 } from "../ipv4";
import type { Mac } from "../mac";
import type { Neighbour, NeighbourState, Netns } from "../model";
import { findLink } from "./netns";
import { fail, ok, type Result } from "./result";

export interface NeighbourSpec {
  ip: Ipv4;
  dev: string;
  mac: Mac | null;
  state: NeighbourState;
}

/** `ip neigh add|replace|change IP lladdr MAC dev DEV nud STATE`. */
export function addNeighbour(
  ns: Netns,
  spec: NeighbourSpec,
  mode: "add" | "replace" | "change",
): Result<Neighbour> {
  const found = findLink(ns, spec.dev);
  if (!found.ok) return found;
  let table = ns.neighbours.get(spec.dev);
  const existing = table?.get(spec.ip);
  if (mode === "add" && existing) return fail("RTNETLINK answers: File exists");
  if (mode === "change" && !existing) return fail("RTNETLINK answers: No such file or directory");
  if (!table) {
    table = new Map();
    ns.neighbours.set(spec.dev, table);
  }
  // Entries are immutable, so the spec object itself is stored (an installer may share it).
  const entry: Neighbour = spec;
  table.set(spec.ip, entry);
  return ok(entry);
}

export function deleteNeighbour(ns: Netns, ip: Ipv4, dev: string): Result {
  const found = findLink(ns, dev);
  if (!found.ok) return found;
  const table = ns.neighbours.get(dev);
  if (!table?.delete(ip)) return fail("RTNETLINK answers: No such file or directory");
  return ok();
}

export function neighbourOf(ns: Netns, dev: string, ip: Ipv4): Neighbour | null {
  return ns.neighbours.get(dev)?.get(ip) ?? null;
}
