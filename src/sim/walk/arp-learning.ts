import type { Ipv4 } from "../ipv4";
import type { Mac } from "../mac";
import type { Link, World } from "../model";
import { localTree, overlayEnd, overlayJoined, sleeveAt, type VxlanDevice } from "./segments";

/** An entry a learning device makes while an ARP request and its reply cross it. */
export type LearnedEntry =
  | {
      readonly kind: "bridge";
      readonly netns: string;
      readonly bridge: string;
      readonly mac: Mac;
      readonly port: string;
    }
  | {
      readonly kind: "vxlan";
      readonly netns: string;
      readonly dev: string;
      readonly mac: Mac;
      readonly remote: Ipv4;
    }
  | {
      /** Weave's sleeve router's MAC cache: the peer the MAC is at, null for a local one. */
      readonly kind: "sleeve";
      readonly netns: string;
      readonly mac: Mac;
      readonly peer: Ipv4 | null;
    };

const cache = new WeakMap<
  World,
  { version: number; paths: Map<Link, Map<Link, LearnedEntry[]>> }
>();

/**
 * What an ARP exchange between `requester` and `responder` teaches the devices between them. The
 * request is broadcast, so every bridge on the way learns the requester's MAC on the port it came
 * in by; the reply is unicast back the same way, so they learn the responder's MAC on the other
 * port (net/bridge/br_fdb.c, br_fdb_update). A learning VXLAN device learns the inner source MAC
 * behind the outer source address (drivers/net/vxlan, vxlan_snoop); Weave's sleeve router learns
 * the MACs it captures as local and those it receives at the peer that captured them
 * (router/network_router.go, handleCapturedPacket and handleForwardedPacket). Frames that follow
 * are then forwarded, not flooded, as on a real host after its first ARP.
 *
 * The way is found within each end's host (veth pairs, bridges and their ports) and across one
 * overlay hop between a flooding device or sleeve router on each side, so a mesh of 5,000 nodes
 * is not searched.
 */
export function arpLearning(
  world: World,
  requester: Link,
  responder: Link,
): readonly LearnedEntry[] {
  let entry = cache.get(world);
  if (!entry || entry.version !== world.changes.count) {
    entry = { version: world.changes.count, paths: new Map() };
    cache.set(world, entry);
  }
  let byResponder = entry.paths.get(requester);
  if (!byResponder) {
    byResponder = new Map();
    entry.paths.set(requester, byResponder);
  }
  let learned = byResponder.get(responder);
  if (!learned) {
    const path = wayBetween(world, requester, responder);
    learned = path ? entriesAlong(world, path, requester.mac, responder.mac) : [];
    byResponder.set(responder, learned);
  }
  return learned;
}

/** The devices from `from` to `to`, both included; null when no way is found. */
function wayBetween(world: World, from: Link, to: Link): Link[] | null {
  const near = localTree(world, from);
  if (near.has(to)) return pathTo(near, to);
  const far = localTree(world, to);
  for (const a of near.keys()) {
    if (!overlayEnd(world, a)) continue;
    for (const b of far.keys()) {
      if (!overlayJoined(world, a, b)) continue;
      const back = pathTo(far, b).reverse();
      return [...pathTo(near, a), ...back];
    }
  }
  return null;
}

function pathTo(tree: ReadonlyMap<Link, Link | null>, end: Link): Link[] {
  const path: Link[] = [];
  for (let at: Link | null | undefined = end; at; at = tree.get(at)) path.push(at);
  return path.reverse();
}

/** The outer source address a VXLAN device sends from: its `local`, else its host's first address. */
function outerSource(world: World, dev: VxlanDevice): Ipv4 | null {
  if (dev.local !== null) return dev.local;
  const host = world.netns.get(dev.netns);
  return host?.addresses.find((a) => a.scope === "global")?.ip ?? null;
}

function entriesAlong(
  world: World,
  path: readonly Link[],
  requesterMac: Mac,
  responderMac: Mac,
): LearnedEntry[] {
  const out: LearnedEntry[] = [];
  for (let i = 1; i < path.length - 1; i++) {
    const [prev, here, next] = [path[i - 1] as Link, path[i] as Link, path[i + 1] as Link];
    if (here.kind === "bridge" && prev.master === here.name && next.master === here.name) {
      out.push({
        kind: "bridge",
        netns: here.netns,
        bridge: here.name,
        mac: requesterMac,
        port: prev.name,
      });
      out.push({
        kind: "bridge",
        netns: here.netns,
        bridge: here.name,
        mac: responderMac,
        port: next.name,
      });
    }
  }
  for (let i = 0; i < path.length - 1; i++) {
    const [a, b] = [path[i] as Link, path[i + 1] as Link];
    const [x, y] = [sleeveAt(world, a), sleeveAt(world, b)];
    if (x && y && a.netns !== b.netns) {
      // a's router captures the request and sends it to b's; the reply goes the other way.
      out.push({ kind: "sleeve", netns: a.netns, mac: requesterMac, peer: null });
      out.push({ kind: "sleeve", netns: b.netns, mac: requesterMac, peer: x.name });
      out.push({ kind: "sleeve", netns: b.netns, mac: responderMac, peer: null });
      out.push({ kind: "sleeve", netns: a.netns, mac: responderMac, peer: y.name });
      continue;
    }
    if (a.kind !== "vxlan" || b.kind !== "vxlan") continue;
    const fromA = outerSource(world, a);
    const fromB = outerSource(world, b);
    // The request arrives at b from a; the reply arrives at a from b.
    if (b.learning && !b.external && fromA !== null)
      out.push({ kind: "vxlan", netns: b.netns, dev: b.name, mac: requesterMac, remote: fromA });
    if (a.learning && !a.external && fromB !== null)
      out.push({ kind: "vxlan", netns: a.netns, dev: a.name, mac: responderMac, remote: fromB });
  }
  return out;
}
