import { generatedMac } from "../mac";
import type { InterfaceConf, Link, Netns, World } from "../model";
import { emptyNetfilter } from "../netfilter/model";
import { RouteTable } from "../route-table";
import { fail, ok, type Result } from "./result";

export function newWorld(): World {
  return { netns: new Map(), macCounter: 0, changes: { count: 0 } };
}

/** Records that a namespace changed, so indexes derived from the world are rebuilt. */
export function touch(ns: Netns): void {
  ns.changes.count++;
}

export function defaultConf(): InterfaceConf {
  // A new namespace starts from the kernel's defaults, not the host's: forwarding off, rp_filter 0.
  return {
    forwarding: false,
    proxyArp: false,
    rpFilter: 0,
    proxyDelay: 80,
    sendRedirects: true,
    routeLocalnet: false,
  };
}

/** `ip netns add NAME`: a namespace holds only `lo`, down, with no address. */
export function addNetns(world: World, name: string): Result<Netns> {
  if (world.netns.has(name))
    return fail(`Cannot create namespace file "/run/netns/${name}": File exists`);
  if (name === "" || name.includes("/") || name === "." || name === "..")
    return fail(`Invalid netns name "${name}"`);
  world.changes.count++;
  const ns: Netns = {
    name,
    changes: world.changes,
    links: new Map(),
    nextIfindex: 1,
    addresses: [],
    routes: new RouteTable(),
    neighbours: new Map(),
    sysctl: {
      ipForward: false,
      conf: new Map([
        ["all", defaultConf()],
        ["default", defaultConf()],
      ]),
      bridgeNfCallIptables: true,
    },
    netfilter: emptyNetfilter(),
  };
  world.netns.set(name, ns);
  const lo: Link = {
    kind: "loopback",
    name: "lo",
    ifindex: ns.nextIfindex++,
    netns: name,
    mtu: 65536,
    mac: "00:00:00:00:00:00",
    adminUp: false,
    master: null,
    everUp: false,
  };
  ns.links.set("lo", lo);
  ns.sysctl.conf.set("lo", { ...(ns.sysctl.conf.get("default") as InterfaceConf) });
  return ok(ns);
}

export function netnsNotFound(name: string): string {
  return `Cannot open network namespace "${name}": No such file or directory`;
}

export function nextMac(world: World): string {
  world.macCounter += 1;
  return generatedMac(world.macCounter);
}

/** `Cannot find device "x"`, the message iproute2 prints before it asks the kernel anything. */
export function deviceNotFound(name: string): string {
  return `Cannot find device "${name}"`;
}

export function findLink(ns: Netns, name: string): Result<Link> {
  const link = ns.links.get(name);
  return link ? ok(link) : fail(deviceNotFound(name));
}

export function confOf(ns: Netns, dev: string): InterfaceConf {
  return ns.sysctl.conf.get(dev) ?? (ns.sysctl.conf.get("default") as InterfaceConf);
}
