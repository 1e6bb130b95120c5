import type { Ipv4 } from "../ipv4";
import { isMulticastMac, type Mac } from "../mac";
import type {
  BridgeLink,
  GeneveLink,
  Link,
  Neighbour,
  Netns,
  VethLink,
  VxlanLink,
  World,
} from "../model";
import { unreachable } from "../unreachable";
import { addConnectedRoutes, removeRoutesOfDevice } from "./addresses";
import { confOf, deviceNotFound, findLink, netnsNotFound, nextMac, touch } from "./netns";
import { fail, ok, type Result } from "./result";

/** Linux's IFNAMSIZ is 16 bytes with the terminating NUL. */
const MAX_IFNAME = 15;

export type NewLink =
  | { kind: "veth"; name: string; peerName: string; peerNetns: string | null }
  | { kind: "bridge"; name: string }
  | { kind: "dummy"; name: string }
  | { kind: "ipip"; name: string; local: Ipv4 | null; remote: Ipv4 | null }
  | {
      kind: "vxlan";
      name: string;
      vni: number;
      dstport: number;
      local: Ipv4 | null;
      remote: Ipv4 | null;
      dev: string | null;
      learning: boolean;
      /** Collect-metadata mode (`external`). */
      external?: boolean;
    }
  | {
      kind: "geneve";
      name: string;
      vni: number;
      dstport: number;
      remote: Ipv4 | null;
      external: boolean;
    };

function validName(name: string): Result {
  if (
    name.length === 0 ||
    name.length > MAX_IFNAME ||
    /[\s/:]/.test(name) ||
    name === "." ||
    name === ".."
  )
    return fail(`Error: argument "${name}" is wrong: "name" not a valid ifname`);
  return ok();
}

/** A new device takes the namespace's `default` row (shared until written: see `InterfaceConf`). */
function register(ns: Netns, link: Link): void {
  ns.links.set(link.name, link);
  ns.sysctl.conf.set(link.name, confOf(ns, "default"));
}

/**
 * One end of a veth pair, written out in full so that every end has one shape (a 150,000-pod
 * cluster has 300,000 of them). The first end is made with no peer: the caller sets it once the
 * second exists.
 */
function vethEnd(world: World, ns: Netns, name: string, peer: VethLink | null): VethLink {
  return {
    name,
    netns: ns.name,
    adminUp: false,
    master: null,
    everUp: false,
    kind: "veth",
    ifindex: ns.nextIfindex++,
    mtu: 1500,
    mac: nextMac(world),
    peer: peer as VethLink,
  };
}

/** `ip link add NAME type …`. */
export function addLink(world: World, ns: Netns, spec: NewLink): Result<Link> {
  touch(ns);
  const named = validName(spec.name);
  if (!named.ok) return named;
  if (ns.links.has(spec.name)) return fail("RTNETLINK answers: File exists");
  const base = { name: spec.name, netns: ns.name, adminUp: false, master: null, everUp: false };
  switch (spec.kind) {
    case "veth": {
      const peerNs = spec.peerNetns === null ? ns : world.netns.get(spec.peerNetns);
      if (!peerNs) return fail(netnsNotFound(spec.peerNetns as string));
      const peerNamed = validName(spec.peerName);
      if (!peerNamed.ok) return peerNamed;
      if (peerNs.links.has(spec.peerName) || (peerNs === ns && spec.peerName === spec.name))
        return fail("RTNETLINK answers: File exists");
      // The kernel registers the peer first, so in one namespace it gets the lower index.
      const peerLink = vethEnd(world, peerNs, spec.peerName, null);
      const link = vethEnd(world, ns, spec.name, peerLink);
      peerLink.peer = link;
      register(peerNs, peerLink);
      register(ns, link);
      return ok(link);
    }
    case "bridge": {
      const mac = nextMac(world);
      const link: BridgeLink = {
        ...base,
        kind: "bridge",
        ifindex: ns.nextIfindex++,
        mtu: 1500,
        mac,
        fdb: new Map(),
        macSet: false,
        hadPort: false,
      };
      link.fdb.set(mac, { mac, port: link.name, state: "permanent" });
      register(ns, link);
      return ok(link);
    }
    case "dummy": {
      const link: Link = {
        ...base,
        kind: "dummy",
        ifindex: ns.nextIfindex++,
        mtu: 1500,
        mac: nextMac(world),
      };
      register(ns, link);
      return ok(link);
    }
    case "ipip": {
      // MTU 1480: a 1500-byte underlay less the outer IPv4 header. No MAC: it is a layer-3 device.
      const link: Link = {
        ...base,
        kind: "ipip",
        ifindex: ns.nextIfindex++,
        mtu: 1480,
        mac: "00:00:00:00:00:00",
        local: spec.local,
        remote: spec.remote,
      };
      register(ns, link);
      return ok(link);
    }
    case "vxlan": {
      if (spec.vni < 0 || spec.vni > 0xffffff)
        return fail(`Error: argument "${spec.vni}" is wrong: invalid id`);
      let lower: Link | null = null;
      if (spec.dev !== null) {
        const found = findLink(ns, spec.dev);
        if (!found.ok) return found;
        lower = found.value;
      }
      for (const other of ns.links.values())
        if (
          other.kind === "vxlan" &&
          other.vni === spec.vni &&
          other.dstport === spec.dstport &&
          !other.external === !spec.external
        )
          return fail("Error: A VXLAN device with the specified VNI already exists.");
      // Without `dev` the kernel starts from 1500; with it, the lower device's MTU less 50 bytes.
      const mtu = lower ? lower.mtu - 50 : 1500;
      const link: VxlanLink = {
        ...base,
        kind: "vxlan",
        ifindex: ns.nextIfindex++,
        mtu,
        mac: nextMac(world),
        vni: spec.vni,
        dstport: spec.dstport,
        local: spec.local,
        remote: spec.remote,
        dev: spec.dev,
        learning: spec.learning,
        ...(spec.external ? { external: true } : {}),
        fdb: new Map(),
      };
      register(ns, link);
      return ok(link);
    }
    case "geneve": {
      if (spec.vni < 0 || spec.vni > 0xffffff)
        return fail(`Error: argument "${spec.vni}" is wrong: invalid id`);
      for (const other of ns.links.values())
        if (
          other.kind === "geneve" &&
          other.dstport === spec.dstport &&
          (other.external || spec.external
            ? other.external === spec.external
            : other.vni === spec.vni)
        )
          return fail("RTNETLINK answers: File exists");
      // geneve_setup: a 1500-byte device; with no lower device nothing lowers it.
      const link: GeneveLink = {
        ...base,
        kind: "geneve",
        ifindex: ns.nextIfindex++,
        mtu: 1500,
        mac: nextMac(world),
        vni: spec.vni,
        dstport: spec.dstport,
        remote: spec.remote,
        external: spec.external,
      };
      register(ns, link);
      return ok(link);
    }
    default:
      return unreachable(spec);
  }
}

/** `ip link del DEV`: a veth takes its peer with it. */
export function deleteLink(world: World, ns: Netns, name: string): Result {
  touch(ns);
  const found = findLink(ns, name);
  if (!found.ok) return found;
  const link = found.value;
  if (link.kind === "loopback") return fail("RTNETLINK answers: Operation not supported");
  destroy(world, ns, link);
  if (link.kind === "veth") {
    const peerNs = world.netns.get(link.peer.netns);
    if (peerNs && peerNs.links.get(link.peer.name) === link.peer) destroy(world, peerNs, link.peer);
  }
  return ok();
}

function destroy(world: World, ns: Netns, link: Link): void {
  setDown(world, ns, link);
  for (let i = ns.addresses.length - 1; i >= 0; i--)
    if (ns.addresses[i]?.dev === link.name) ns.addresses.splice(i, 1);
  if (link.kind === "bridge") {
    forgetPorts(link);
    for (const port of ns.links.values()) if (port.master === link.name) port.master = null;
  }
  if (link.master) detachFromBridge(ns, link);
  ns.links.delete(link.name);
  ns.sysctl.conf.delete(link.name);
  ns.neighbours.delete(link.name);
}

/** `ip link set DEV arp on|off` (IFF_NOARP). */
export function setArp(ns: Netns, link: Link, on: boolean): void {
  touch(ns);
  if (on) delete link.noarp;
  else link.noarp = true;
}

/** `ip link set DEV up`. */
export function setUp(world: World, ns: Netns, link: Link): void {
  touch(ns);
  if (link.adminUp) return;
  link.adminUp = true;
  link.everUp = true;
  // The kernel configures 127.0.0.1/8 on lo when lo comes up.
  if (link.kind === "loopback" && !ns.addresses.some((a) => a.dev === "lo" && a.ip === 0x7f000001))
    ns.addresses.unshift({ ip: 0x7f000001, len: 8, dev: "lo", scope: "host", broadcast: null });
  addConnectedRoutes(world, ns, link.name);
}

/**
 * `ip link set DEV down`. IPv4 forgets every route through the device (they do not come back when
 * it is up again, only the connected ones do) and flushes its neighbour entries, permanent too;
 * a bridge or vxlan forgets what it learned.
 */
export function setDown(world: World, ns: Netns, link: Link): void {
  touch(ns);
  if (!link.adminUp) return;
  link.adminUp = false;
  removeRoutesOfDevice(ns, link.name);
  ns.neighbours.delete(link.name);
  if (link.kind === "bridge")
    for (const [mac, e] of link.fdb) if (e.state === "learned") link.fdb.delete(mac);
  if (link.kind === "vxlan")
    for (const [mac, list] of link.fdb) {
      const kept = list.filter((e) => e.state === "permanent");
      if (kept.length === 0) link.fdb.delete(mac);
      else link.fdb.set(mac, kept);
    }
  void world;
}

export function setMaster(ns: Netns, link: Link, masterName: string | null): Result {
  touch(ns);
  if (masterName === null) {
    if (link.master) detachFromBridge(ns, link);
    return ok();
  }
  const master = ns.links.get(masterName);
  if (!master) return fail(`Error: argument "${masterName}" is wrong: Device does not exist\n`);
  if (master.kind !== "bridge") return fail("Error: Device does not allow enslaving to a master.");
  if (master === link) return fail("Error: Can not enslave a bridge to itself.");
  if (link.kind === "bridge") return fail("Error: Can not enslave a bridge to a bridge.");
  if (link.kind === "loopback") return fail("Error: Can not enslave loopback device.");
  if (link.master && link.master !== masterName) detachFromBridge(ns, link);
  link.master = master.name;
  master.hadPort = true;
  // A port's own address is a permanent local entry of the bridge.
  master.fdb.set(link.mac, { mac: link.mac, port: master.name, state: "permanent" });
  const known = knownPorts.get(master);
  const ports = known ? withPort(known, link, master) : portsOf(ns, master);
  followLowestPortMac(ns, master, ports);
  // A bridge's MTU follows its smallest port.
  master.mtu = ports.smallestMtu;
  // The bridge may have taken the lowest port's MAC, which a port then has.
  const haveBridgeMac = ports.haveBridgeMac || ports.lowestMac === master.mac;
  knownPorts.set(master, { ...ports, haveBridgeMac });
  return ok();
}

/** What a bridge takes from its ports. */
interface Ports {
  readonly smallestMtu: number;
  /** Null when the bridge has no port. */
  readonly lowestMac: Mac | null;
  /** Some port has the bridge's current MAC. */
  readonly haveBridgeMac: boolean;
}

/**
 * Each bridge's `Ports` while only ports joining have changed them: a switch namespace gets
 * 5,000 ports one at a time, and a pass over every device for each would be quadratic. Whatever
 * else changes them (a port leaving, a port's MTU or MAC, the bridge's own MAC, the bridge
 * leaving) forgets them, and the next port to join makes a pass again.
 */
const knownPorts = new WeakMap<Link, Ports>();

/** Forgets what `bridge` took from its ports (see `knownPorts`). */
export function forgetPorts(bridge: Link | undefined): void {
  if (bridge) knownPorts.delete(bridge);
}

/** `known` with `port` joined (or joined again, which changes nothing). */
function withPort(known: Ports, port: Link, bridge: Link): Ports {
  return {
    smallestMtu: Math.min(known.smallestMtu, port.mtu),
    lowestMac: known.lowestMac === null || port.mac < known.lowestMac ? port.mac : known.lowestMac,
    haveBridgeMac: known.haveBridgeMac || port.mac === bridge.mac,
  };
}

/** One pass over the namespace's devices, without sorting: a switch namespace has 5,000 ports. */
function portsOf(ns: Netns, bridge: Link): Ports {
  let smallestMtu = Number.POSITIVE_INFINITY;
  let lowestMac: Mac | null = null;
  let haveBridgeMac = false;
  for (const p of ns.links.values()) {
    if (p.master !== bridge.name) continue;
    if (p.mtu < smallestMtu) smallestMtu = p.mtu;
    if (lowestMac === null || p.mac < lowestMac) lowestMac = p.mac;
    if (p.mac === bridge.mac) haveBridgeMac = true;
  }
  return { smallestMtu, lowestMac, haveBridgeMac };
}

function detachFromBridge(ns: Netns, link: Link): void {
  const bridge = link.master ? ns.links.get(link.master) : undefined;
  forgetPorts(bridge);
  link.master = null;
  if (bridge?.kind !== "bridge") return;
  for (const [mac, e] of bridge.fdb)
    if (e.port === link.name || (e.mac === link.mac && e.port === bridge.name))
      bridge.fdb.delete(mac);
  followLowestPortMac(ns, bridge);
}

/**
 * A bridge whose MAC was never set takes the lowest MAC among its ports (br_stp_recalculate_bridge_id),
 * and all zeros once the last port has left.
 */
function followLowestPortMac(ns: Netns, bridge: BridgeLink, ports?: Ports): void {
  if (bridge.macSet) return;
  const { lowestMac, haveBridgeMac } = ports ?? portsOf(ns, bridge);
  const next = lowestMac ?? "00:00:00:00:00:00";
  if (next === bridge.mac) return;
  const own = bridge.fdb.get(bridge.mac);
  if (own?.port === bridge.name && !haveBridgeMac) bridge.fdb.delete(bridge.mac);
  bridge.mac = next;
  if (lowestMac !== null)
    bridge.fdb.set(next, { mac: next, port: bridge.name, state: "permanent" });
}

export function setMtu(ns: Netns, link: Link, mtu: number): Result {
  touch(ns);
  if (mtu < 68) return fail("Error: mtu less than device minimum.");
  if (mtu > 65535 && link.kind !== "loopback")
    return fail("Error: mtu greater than device maximum.");
  link.mtu = mtu;
  if (link.master) {
    const bridge = ns.links.get(link.master);
    forgetPorts(bridge);
    if (bridge) bridge.mtu = portsOf(ns, bridge).smallestMtu;
  }
  return ok();
}

export function setAddress(ns: Netns, link: Link, mac: Mac): Result {
  touch(ns);
  if (isMulticastMac(mac)) return fail("RTNETLINK answers: Cannot assign requested address");
  const old = link.mac;
  link.mac = mac;
  forgetPorts(link);
  if (link.master) forgetPorts(ns.links.get(link.master));
  if (link.kind === "bridge") {
    link.macSet = true;
    link.fdb.delete(old);
    link.fdb.set(mac, { mac, port: link.name, state: "permanent" });
  }
  if (link.master) {
    const bridge = ns.links.get(link.master);
    if (bridge?.kind === "bridge") {
      bridge.fdb.delete(old);
      bridge.fdb.set(mac, { mac, port: bridge.name, state: "permanent" });
      followLowestPortMac(ns, bridge);
    }
  }
  return ok();
}

/** `ip link set DEV name NEW`: every reference to the device follows the new name. */
export function rename(ns: Netns, link: Link, newName: string): Result {
  touch(ns);
  const named = validName(newName);
  if (!named.ok) return named;
  if (ns.links.has(newName)) return fail("RTNETLINK answers: File exists");
  const old = link.name;
  ns.links.delete(old);
  link.name = newName;
  ns.links.set(newName, link);
  const conf = ns.sysctl.conf.get(old);
  if (conf) {
    ns.sysctl.conf.delete(old);
    ns.sysctl.conf.set(newName, conf);
  }
  for (const a of ns.addresses) if (a.dev === old) a.dev = newName;
  // Routes and neighbour entries are immutable (and may be shared): replace them.
  for (const r of ns.routes.all())
    if (r.dev === old) ns.routes.replaceAt(r, { ...r, dev: newName });
  const neigh = ns.neighbours.get(old);
  if (neigh) {
    ns.neighbours.delete(old);
    const renamed = new Map<number, Neighbour>();
    for (const [ip, n] of neigh) renamed.set(ip, { ...n, dev: newName });
    ns.neighbours.set(newName, renamed);
  }
  for (const other of ns.links.values()) {
    if (other.master === old) other.master = newName;
    if (other.kind === "vxlan" && other.dev === old) other.dev = newName;
    if (other.kind === "bridge")
      for (const e of other.fdb.values()) if (e.port === old) e.port = newName;
  }
  return ok();
}

/** `ip link set DEV netns NS`: the device arrives down and without addresses or routes. */
export function moveToNetns(world: World, ns: Netns, link: Link, target: string): Result {
  touch(ns);
  const to = world.netns.get(target);
  if (!to) return fail(netnsNotFound(target));
  if (to === ns) return ok();
  if (to.links.has(link.name)) return fail("RTNETLINK answers: File exists");
  if (link.kind === "loopback") return fail("RTNETLINK answers: Invalid argument");
  setDown(world, ns, link);
  for (let i = ns.addresses.length - 1; i >= 0; i--)
    if (ns.addresses[i]?.dev === link.name) ns.addresses.splice(i, 1);
  if (link.master) detachFromBridge(ns, link);
  if (link.kind === "bridge") {
    forgetPorts(link);
    for (const port of ns.links.values()) if (port.master === link.name) port.master = null;
  }
  ns.links.delete(link.name);
  ns.sysctl.conf.delete(link.name);
  ns.neighbours.delete(link.name);
  link.netns = to.name;
  link.ifindex = to.nextIfindex++;
  link.everUp = false;
  to.links.set(link.name, link);
  to.sysctl.conf.set(link.name, confOf(to, "default"));
  return ok();
}

export { deviceNotFound };
