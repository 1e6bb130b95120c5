import type { Ipv4 } from "../ipv4";
import type { Link, Netns, World } from "../model";
import { effectiveConf } from "../state/sysctl";

/**
 * The world's Ethernet segments (broadcast domains): which devices hear each other's ARP
 * broadcasts. Two ends of a veth are joined when both are up; a bridge port is joined to its
 * bridge when both are up. Built once per world version and reused by every probe, so resolving
 * a neighbour on a 1,000-port switch is a map lookup, not a flood.
 */
export interface Segments {
  /** Segment number of a device. */
  readonly of: Map<Link, number>;
  /** Per segment: the devices that answer ARP for an address (their namespace owns it). */
  readonly owners: Map<number, Map<Ipv4, Link[]>>;
  /** Per segment: up devices with proxy_arp on (they may answer for addresses they route elsewhere). */
  readonly proxies: Map<number, Link[]>;
}

const cache = new WeakMap<World, { version: number; segments: Segments }>();

export function segmentsOf(world: World): Segments {
  const hit = cache.get(world);
  if (hit && hit.version === world.changes.count) return hit.segments;
  const segments = build(world);
  cache.set(world, { version: world.changes.count, segments });
  return segments;
}

function build(world: World): Segments {
  const parent = new Map<Link, Link>();
  const find = (l: Link): Link => {
    let root = l;
    for (let p = parent.get(root); p !== undefined && p !== root; p = parent.get(root)) root = p;
    let cur = l;
    while (cur !== root) {
      const next = parent.get(cur) as Link;
      parent.set(cur, root);
      cur = next;
    }
    return root;
  };
  const union = (a: Link, b: Link): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  for (const ns of world.netns.values())
    for (const link of ns.links.values()) {
      parent.set(link, link);
    }
  for (const ns of world.netns.values())
    for (const link of ns.links.values()) {
      if (!link.adminUp) continue;
      if (link.kind === "veth" && link.peer.adminUp && parent.has(link.peer))
        union(link, link.peer);
      if (link.master) {
        const bridge = ns.links.get(link.master);
        if (bridge?.adminUp) union(link, bridge);
      }
    }
  joinVxlanFloodPeers(world, union);
  const ids = new Map<Link, number>();
  const of = new Map<Link, number>();
  const owners = new Map<number, Map<Ipv4, Link[]>>();
  const proxies = new Map<number, Link[]>();
  for (const ns of world.netns.values())
    for (const link of ns.links.values()) {
      const root = find(link);
      let id = ids.get(root);
      if (id === undefined) {
        id = ids.size;
        ids.set(root, id);
      }
      of.set(link, id);
      // A NOARP device answers no ARP request (arp_rcv drops them), so it owns nothing here.
      if (!link.adminUp || link.master !== null || link.kind === "loopback" || link.noarp) continue;
      addOwner(owners, id, ns, link);
      if (effectiveConf(ns, link.name).proxyArp) listIn(proxies, id).push(link);
    }
  return { of, owners, proxies };
}

/**
 * A VXLAN device with flooding destinations (all-zeros FDB entries, or `remote`) carries
 * broadcasts to the VXLAN device with the same VNI and port on each destination: one Ethernet
 * segment across nodes, as Weave's datapath and flood-and-learn VXLAN make. (Whether the underlay
 * delivers those packets is the walk's to find out; the segment assumes it does.)
 */
function joinVxlanFloodPeers(world: World, union: (a: Link, b: Link) => void): void {
  const owner = new Map<number, Netns>();
  for (const ns of world.netns.values()) for (const a of ns.addresses) owner.set(a.ip, ns);
  for (const ns of world.netns.values())
    for (const link of ns.links.values()) {
      if (link.kind !== "vxlan" || !link.adminUp) continue;
      const floods = (link.fdb.get("00:00:00:00:00:00") ?? []).map((e) => e.dst);
      if (link.remote !== null) floods.push(link.remote);
      for (const dst of floods) {
        const peerNs = owner.get(dst);
        if (!peerNs || peerNs === ns) continue;
        for (const peer of peerNs.links.values())
          if (
            peer.kind === "vxlan" &&
            peer.adminUp &&
            peer.vni === link.vni &&
            peer.dstport === link.dstport
          )
            union(link, peer);
      }
    }
}

/** Linux answers ARP on any interface for any address of its namespace (the weak host model). */
function addOwner(owners: Map<number, Map<Ipv4, Link[]>>, id: number, ns: Netns, link: Link): void {
  let byIp = owners.get(id);
  if (!byIp) {
    byIp = new Map();
    owners.set(id, byIp);
  }
  for (const a of ns.addresses) {
    if (a.scope === "host") continue;
    const list = listIn(byIp, a.ip);
    if (!list.includes(link)) list.push(link);
  }
}

function listIn<K>(map: Map<K, Link[]>, key: K): Link[] {
  let list = map.get(key);
  if (!list) {
    list = [];
    map.set(key, list);
  }
  return list;
}
