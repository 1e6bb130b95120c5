import type { Ipv4 } from "../ipv4";
import type { Mac } from "../mac";
import type { Netns, VxlanFdbEntry } from "../model";
import { findLink, touch } from "./netns";
import { fail, ok, type Result } from "./result";

export interface FdbSpec {
  mac: Mac;
  dev: string;
  dst: Ipv4 | null;
  /** `self` programs the device itself (a vxlan's table); `master` its bridge's table. */
  target: "self" | "master" | null;
  /** A bridge entry's state keyword; without one `bridge fdb add` assumes permanent (bridge/fdb.c). */
  state?: "permanent" | "static";
}

/**
 * `bridge fdb add|append|replace|del`. On a vxlan device the entry maps an inner MAC to an outer
 * IP (`add` refuses a second entry for the MAC, `append` adds another destination, the way
 * flanneld and the all-zeros flooding list use it); on a bridge port it pins the MAC to the port.
 */
export function changeFdb(
  ns: Netns,
  spec: FdbSpec,
  mode: "add" | "append" | "replace" | "del",
): Result {
  touch(ns);
  const found = findLink(ns, spec.dev);
  if (!found.ok) return found;
  const link = found.value;
  const toBridge =
    spec.target === "master" ||
    (spec.target === null && link.kind !== "vxlan" && link.master !== null);
  if (toBridge) {
    const bridge = link.master ? ns.links.get(link.master) : undefined;
    if (bridge?.kind !== "bridge") return fail("RTNETLINK answers: Operation not supported");
    const existing = bridge.fdb.get(spec.mac);
    if (mode === "del") {
      if (!existing || existing.port !== link.name)
        return fail("RTNETLINK answers: No such file or directory");
      bridge.fdb.delete(spec.mac);
      return ok();
    }
    if (existing && existing.state !== "learned" && mode === "add")
      return fail("RTNETLINK answers: File exists");
    // `bridge fdb add … master` without a state keyword makes a permanent entry.
    bridge.fdb.set(spec.mac, { mac: spec.mac, port: link.name, state: spec.state ?? "permanent" });
    return ok();
  }
  if (link.kind !== "vxlan") return fail("RTNETLINK answers: Operation not supported");
  const list = link.fdb.get(spec.mac) ?? [];
  if (mode === "del") {
    const kept = spec.dst === null ? [] : list.filter((e) => e.dst !== spec.dst);
    if (kept.length === list.length) return fail("RTNETLINK answers: No such file or directory");
    if (kept.length === 0) link.fdb.delete(spec.mac);
    else link.fdb.set(spec.mac, kept);
    return ok();
  }
  if (spec.dst === null) return fail("RTNETLINK answers: Invalid argument");
  const entry = { mac: spec.mac, dst: spec.dst, state: "permanent" as const };
  if (mode === "add" && list.length > 0) return fail("RTNETLINK answers: File exists");
  if (mode === "append") {
    if (list.some((e) => e.dst === spec.dst)) return fail("RTNETLINK answers: File exists");
    // Only the all-zeros (flooding) and multicast MACs take several destinations: for a unicast
    // MAC that already has one, the kernel accepts the append and changes nothing.
    const multi =
      spec.mac === "00:00:00:00:00:00" || (Number.parseInt(spec.mac.slice(0, 2), 16) & 1) === 1;
    if (list.length > 0 && !multi) return ok();
    link.fdb.set(spec.mac, [...list, entry]);
  } else link.fdb.set(spec.mac, [entry]);
  return ok();
}

/**
 * Sets a vxlan device's whole entry list for one MAC, as an installer does after computing it.
 * The list is kept as given (entries are immutable), so the same list may serve many nodes.
 */
export function setVxlanFdb(
  ns: Netns,
  dev: string,
  mac: Mac,
  entries: readonly VxlanFdbEntry[],
): Result {
  const found = findLink(ns, dev);
  if (!found.ok) return found;
  if (found.value.kind !== "vxlan") return fail("RTNETLINK answers: Operation not supported");
  touch(ns);
  if (entries.length === 0) found.value.fdb.delete(mac);
  else found.value.fdb.set(mac, entries);
  return ok();
}
