import type { Ipv4 } from "../ipv4";
import type { Link, Netns, SleeveRouter, World } from "../model";
import { effectiveConf } from "../state/sysctl";

/**
 * One Ethernet segment (broadcast domain): the devices that hear each other's ARP broadcasts.
 * Two ends of a veth are joined when both are up; a bridge port is joined to its bridge when both
 * are up; a VXLAN device that floods (all-zeros FDB entries, or `remote`) is joined to the
 * devices with its VNI and port on the hosts it floods to; a device Weave's sleeve router captures
 * on is joined to the capture devices of the routers it has peers in (it sends broadcasts to all).
 */
export interface Segment {
  /** The devices that answer ARP for an address (their namespace owns it), in world order. */
  owners(ip: Ipv4): readonly Link[];
  /** Up devices with proxy_arp on (they may answer for addresses they route elsewhere). */
  proxies(): readonly Link[];
}

/**
 * What one world version knows about its segments. Each segment is worked out the first time a
 * device on it asks (a walk of its own devices), and who answers for an address the first time
 * it is asked, so a probe in a 150,000-pod cluster looks at the few segments it crosses, not at
 * every device of the world; the result is reused until the world changes.
 */
interface SegmentIndex {
  readonly version: number;
  readonly of: Map<Link, Segment>;
  /** Each device's own host's Ethernet (see `localTree`). */
  readonly trees: Map<Link, ReadonlyMap<Link, Link | null>>;
  /** One pass over the world, made when first needed. */
  world: WorldScan | null;
}

interface WorldScan {
  /** The namespaces holding each address, in world order. */
  readonly holders: Map<Ipv4, Netns[]>;
  /** Up VXLAN devices by VNI and port. */
  readonly vxlanGroups: Map<string, VxlanDevice[]>;
  /** Namespace position in the world, so a segment lists its devices as a full scan would. */
  readonly nsOrder: Map<string, number>;
  /** Every sleeve router and the device it captures on. */
  readonly routers: readonly SleeveDevice[];
}

/** A device Weave's sleeve router captures frames on, with the router. */
export interface SleeveDevice {
  readonly link: Link;
  readonly router: SleeveRouter;
}

export type VxlanDevice = Link & { kind: "vxlan" };

const cache = new WeakMap<World, SegmentIndex>();

/** The segment a device is on; null when the device is not in the world. */
export function segmentOf(world: World, dev: Link): Segment | null {
  let index = cache.get(world);
  if (!index || index.version !== world.changes.count) {
    index = { version: world.changes.count, of: new Map(), trees: new Map(), world: null };
    cache.set(world, index);
  }
  const hit = index.of.get(dev);
  if (hit) return hit;
  if (world.netns.get(dev.netns)?.links.get(dev.name) !== dev) return null;
  const segment = describe(world, index, dev);
  index.of.set(dev, segment);
  return segment;
}

/**
 * Breadth-first over one host's Ethernet: veth to its peer, port to its bridge, bridge to its
 * ports (all up), not across VXLAN. Maps each device reached to the one it was reached from.
 */
export function localTree(world: World, start: Link): ReadonlyMap<Link, Link | null> {
  const index = cache.get(world);
  const hit = index?.version === world.changes.count ? index.trees.get(start) : undefined;
  if (hit) return hit;
  const parent = new Map<Link, Link | null>([[start, null]]);
  const queue: Link[] = start.adminUp ? [start] : [];
  const visit = (next: Link | undefined, from: Link): void => {
    if (!next?.adminUp || parent.has(next)) return;
    parent.set(next, from);
    queue.push(next);
  };
  const ports = portsIndex();
  for (let i = 0; i < queue.length; i++) {
    const link = queue[i] as Link;
    const ns = world.netns.get(link.netns) as Netns;
    if (link.kind === "veth" && inWorld(world, link.peer)) visit(link.peer, link);
    if (link.master) visit(ns.links.get(link.master), link);
    for (const port of ports(ns).get(link.name) ?? []) visit(port, link);
  }
  if (index?.version === world.changes.count) index.trees.set(start, parent);
  return parent;
}

/**
 * Whether two devices on different hosts are joined by an overlay: two VXLAN devices one of which
 * floods to the other's host, or two devices sleeve routers capture on, one of which has the
 * other as a peer.
 */
export function overlayJoined(world: World, a: Link, b: Link): boolean {
  if (a.kind === "vxlan") return b.kind === "vxlan" && floodJoined(world, a, b);
  const x = sleeveAt(world, a);
  const y = x ? sleeveAt(world, b) : null;
  return x !== null && y !== null && sleeveJoined(a, x, b, y);
}

/** Whether `link` can be an end of an overlay hop: a VXLAN device, or a sleeve capture device. */
export function overlayEnd(world: World, link: Link): boolean {
  return link.kind === "vxlan" || sleeveAt(world, link) !== null;
}

/** The sleeve router capturing on `link`, or null. */
export function sleeveAt(world: World, link: Link): SleeveRouter | null {
  const programs = world.netns.get(link.netns)?.programs;
  if (!programs || link.kind !== "veth") return null;
  return programs.find((p) => p.kind === "weave-sleeve" && p.capture === link.name) ?? null;
}

/** Two routers on different hosts, on the same port, one listing the other as a peer. */
function sleeveJoined(a: Link, x: SleeveRouter, b: Link, y: SleeveRouter): boolean {
  if (a.netns === b.netns || x.port !== y.port) return false;
  return x.peers.includes(y.name) || y.peers.includes(x.name);
}

/** Whether either device floods to the other's host (the join a VXLAN segment makes). */
export function floodJoined(world: World, a: VxlanDevice, b: VxlanDevice): boolean {
  if (!sameGroup(a, b)) return false;
  const floodsTo = (x: VxlanDevice, y: VxlanDevice): boolean => {
    const host = world.netns.get(y.netns);
    if (!host || x.netns === y.netns) return false;
    const floods = floodDestinations(x);
    return host.addresses.some((addr) => floods.includes(addr.ip));
  };
  return floodsTo(a, b) || floodsTo(b, a);
}

/**
 * Whether `b` is on `a`'s segment by a short way: in the same host's Ethernet, or one overlay hop
 * (VXLAN or sleeve) between the two hosts. False means "not shown this way", not "not joined".
 */
function nearlyJoined(world: World, a: Link, b: Link): boolean {
  const near = localTree(world, a);
  if (near.has(b)) return true;
  const far = localTree(world, b);
  for (const x of near.keys()) {
    if (!overlayEnd(world, x)) continue;
    for (const y of far.keys()) if (overlayJoined(world, x, y)) return true;
  }
  return false;
}

function scan(world: World, index: SegmentIndex): WorldScan {
  if (index.world) return index.world;
  const holders = new Map<Ipv4, Netns[]>();
  const vxlanGroups = new Map<string, VxlanDevice[]>();
  const nsOrder = new Map<string, number>();
  const routers: SleeveDevice[] = [];
  for (const ns of world.netns.values()) {
    nsOrder.set(ns.name, nsOrder.size);
    for (const a of ns.addresses) {
      const list = listIn(holders, a.ip);
      if (list[list.length - 1] !== ns) list.push(ns);
    }
    for (const link of ns.links.values())
      if (link.kind === "vxlan" && link.adminUp) listIn(vxlanGroups, groupKey(link)).push(link);
    for (const router of ns.programs ?? []) {
      const link = ns.links.get(router.capture);
      if (router.kind === "weave-sleeve" && link?.adminUp) routers.push({ link, router });
    }
  }
  index.world = { holders, vxlanGroups, nsOrder, routers };
  return index.world;
}

/** Every device joined to `start`, breadth first. */
function collect(world: World, index: SegmentIndex, start: Link): Set<Link> {
  const members = new Set<Link>();
  if (!start.adminUp) return new Set([start]);
  const queue: Link[] = [];
  /** Per group key, how many of its devices are on the segment already. */
  const joined = new Map<string, number>();
  const add = (l: Link): void => {
    if (members.has(l)) return;
    members.add(l);
    queue.push(l);
    if (l.kind === "vxlan") joined.set(groupKey(l), (joined.get(groupKey(l)) ?? 0) + 1);
  };
  add(start);
  const ports = portsIndex();
  /** Sleeve routers on the segment, and the peer lists already read (per port). */
  const sleeves = new Map<number, SleeveRouter>();
  const listsRead = new Map<readonly Ipv4[], Set<number>>();
  for (;;) {
    while (queue.length > 0) {
      const link = queue.pop() as Link;
      const ns = world.netns.get(link.netns) as Netns;
      const router = sleeveAt(world, link);
      if (router) {
        sleeves.set(router.name, router);
        // weave-kube hands every router the same list: once read, another adds nothing.
        const read = listsRead.get(router.peers) ?? new Set<number>();
        if (!read.has(router.port)) {
          read.add(router.port);
          listsRead.set(router.peers, read);
          sleevePeers(world, index, router, add);
        }
      }
      if (link.kind === "veth" && link.peer.adminUp && inWorld(world, link.peer)) add(link.peer);
      if (link.master) {
        const bridge = ns.links.get(link.master);
        if (bridge?.adminUp) add(bridge);
      }
      for (const port of ports(ns).get(link.name) ?? []) add(port);
      if (link.kind === "vxlan") {
        const key = groupKey(link);
        // Once every device of the group is on the segment, another flood list adds nothing (a
        // mesh of 5,000 nodes reads one list, not 5,000).
        const size = vxlanGroups(world, index).get(key)?.length ?? 0;
        if ((joined.get(key) ?? 0) < size) floodPeers(world, index, link, add);
      }
    }
    // A device that floods to one of ours is joined to it too (the join goes both ways).
    for (const [key, count] of joined) {
      const group = vxlanGroups(world, index).get(key) ?? [];
      if (count >= group.length) continue;
      for (const other of group)
        if (!members.has(other) && floodsToAny(world, index, other, members)) add(other);
    }
    // So is a sleeve router that has one of ours as a peer (it connects to ours).
    if (sleeves.size > 0)
      for (const other of scan(world, index).routers)
        if (
          !members.has(other.link) &&
          other.router.peers.some((p) => sleeves.get(p)?.port === other.router.port)
        )
          add(other.link);
    if (queue.length === 0) return members;
  }
}

/** Per namespace, the up ports of each master device (worked out once per namespace met). */
function portsIndex(): (ns: Netns) => Map<string, Link[]> {
  const byNs = new Map<Netns, Map<string, Link[]>>();
  return (ns) => {
    let ports = byNs.get(ns);
    if (!ports) {
      ports = new Map();
      for (const l of ns.links.values()) if (l.master && l.adminUp) listIn(ports, l.master).push(l);
      byNs.set(ns, ports);
    }
    return ports;
  };
}

function inWorld(world: World, link: Link): boolean {
  return world.netns.get(link.netns)?.links.get(link.name) === link;
}

function groupKey(link: VxlanDevice): string {
  return `${link.vni}|${link.dstport}`;
}

/** The hosts a VXLAN device sends broadcasts to: its all-zeros FDB entries and its `remote`. */
export function floodDestinations(link: VxlanDevice): Ipv4[] {
  const floods = (link.fdb.get("00:00:00:00:00:00") ?? []).map((e) => e.dst);
  if (link.remote !== null) floods.push(link.remote);
  return floods;
}

/** The devices the routers of `router`'s peers capture on (it sends broadcasts to each). */
function sleevePeers(
  world: World,
  index: SegmentIndex,
  router: SleeveRouter,
  add: (l: Link) => void,
): void {
  for (const dst of router.peers) {
    if (dst === router.name) continue;
    const peerNs = ownerOf(world, index, dst);
    for (const other of peerNs?.programs ?? []) {
      if (other.kind !== "weave-sleeve" || other.port !== router.port) continue;
      const link = peerNs?.links.get(other.capture);
      if (link?.adminUp) add(link);
    }
  }
}

/** The VXLAN devices with `link`'s VNI and port on the hosts it floods to. */
function floodPeers(
  world: World,
  index: SegmentIndex,
  link: VxlanDevice,
  add: (l: Link) => void,
): void {
  for (const dst of floodDestinations(link)) {
    const peerNs = ownerOf(world, index, dst);
    if (!peerNs || peerNs.name === link.netns) continue;
    for (const peer of peerNs.links.values()) if (sameGroup(link, peer)) add(peer);
  }
}

function floodsToAny(
  world: World,
  index: SegmentIndex,
  link: VxlanDevice,
  members: Set<Link>,
): boolean {
  for (const dst of floodDestinations(link)) {
    const peerNs = ownerOf(world, index, dst);
    if (!peerNs || peerNs.name === link.netns) continue;
    for (const peer of peerNs.links.values())
      if (members.has(peer) && sameGroup(link, peer)) return true;
  }
  return false;
}

export function sameGroup(link: VxlanDevice, peer: Link): boolean {
  return (
    peer.kind === "vxlan" && peer.adminUp && peer.vni === link.vni && peer.dstport === link.dstport
  );
}

function vxlanGroups(world: World, index: SegmentIndex): Map<string, VxlanDevice[]> {
  return scan(world, index).vxlanGroups;
}

/** The namespace a VXLAN destination address belongs to (the last to hold it, as a map keeps). */
function ownerOf(world: World, index: SegmentIndex, ip: Ipv4): Netns | undefined {
  const list = scan(world, index).holders.get(ip);
  return list?.[list.length - 1];
}

/** An up device that takes part in ARP: not a bridge port, not loopback, not NOARP. */
function answersArp(link: Link): boolean {
  // A NOARP device answers no ARP request (arp_rcv drops them).
  return link.adminUp && link.master === null && link.kind !== "loopback" && !link.noarp;
}

/**
 * Who answers ARP on `dev`'s segment, its devices taken in world order (namespaces, then links).
 * An address's holders are looked up first and shown to be on the segment by a short way where
 * one exists; only when that fails (or proxy ARP is asked about) is the whole segment walked.
 */
function describe(world: World, index: SegmentIndex, dev: Link): Segment {
  const owners = new Map<Ipv4, Link[]>();
  let members: Set<Link> | null = null;
  const all = (): Set<Link> => {
    members ??= collect(world, index, dev);
    return members;
  };
  let proxies: Link[] | null = null;
  return {
    owners(ip) {
      let list = owners.get(ip);
      if (list) return list;
      list = [];
      // Linux answers ARP on any interface for any address of its namespace (the weak host
      // model), except an address of host scope.
      for (const ns of scan(world, index).holders.get(ip) ?? []) {
        if (!ns.addresses.some((a) => a.ip === ip && a.scope !== "host")) continue;
        for (const link of ns.links.values())
          if (answersArp(link) && (nearlyJoined(world, dev, link) || all().has(link)))
            list.push(link);
      }
      owners.set(ip, list);
      return list;
    },
    proxies() {
      if (proxies) return proxies;
      const order = scan(world, index).nsOrder;
      const on = all();
      const spaces = [...new Set([...on].map((m) => m.netns))].sort(
        (a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0),
      );
      proxies = [];
      for (const name of spaces) {
        const ns = world.netns.get(name) as Netns;
        for (const link of ns.links.values())
          if (on.has(link) && answersArp(link) && effectiveConf(ns, link.name).proxyArp)
            proxies.push(link);
      }
      return proxies;
    },
  };
}

function listIn<K, L>(map: Map<K, L[]>, key: K): L[] {
  let list = map.get(key);
  if (!list) {
    list = [];
    map.set(key, list);
  }
  return list;
}
