import { generatedMac } from "../mac";
import type { ChangeCounter, InterfaceConf, Link, Netns, World } from "../model";
import { emptyNetfilter, type Netfilter } from "../netfilter/model";
import { RouteTable } from "../route-table";
import { fail, ok, type Result } from "./result";

export function newWorld(): World {
  return { netns: new Map(), macCounter: 0, changes: { count: 0 } };
}

/** Records that a namespace changed, so indexes derived from the world are rebuilt. */
export function touch(ns: Netns): void {
  ns.changes.count++;
}

/**
 * A new namespace starts from the kernel's defaults, not the host's: forwarding off, rp_filter 0.
 * One row for every namespace: rows are replaced when written, never changed (see `InterfaceConf`).
 */
const KERNEL_DEFAULTS: InterfaceConf = {
  forwarding: false,
  proxyArp: false,
  rpFilter: 0,
  proxyDelay: 80,
  sendRedirects: true,
  routeLocalnet: false,
};

/** `ip netns add NAME`: a namespace holds only `lo`, down, with no address. */
export function addNetns(world: World, name: string): Result<Netns> {
  if (world.netns.has(name))
    return fail(`Cannot create namespace file "/run/netns/${name}": File exists`);
  if (name === "" || name.includes("/") || name === "." || name === "..")
    return fail(`Invalid netns name "${name}"`);
  world.changes.count++;
  const ns: Netns = new NetnsState(name, world.changes);
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
  ns.sysctl.conf.set("lo", confOf(ns, "default"));
  return ok(ns);
}

/**
 * A namespace as `ip netns add` leaves it. Its iptables tables and its neighbour table are made
 * when first read: a 150,000-pod cluster's pods never get a rule or a neighbour entry while it is
 * built, and two tables of built-in chains each would be much of a pod's memory. Reading gives
 * the empty tables, so nothing can tell the difference.
 */
class NetnsState implements Netns {
  readonly links = new Map<string, Link>();
  nextIfindex = 1;
  readonly addresses: Netns["addresses"] = [];
  readonly routes = new RouteTable();
  readonly sysctl: Netns["sysctl"] = {
    ipForward: false,
    conf: new Map<string, InterfaceConf>()
      .set("all", KERNEL_DEFAULTS)
      .set("default", KERNEL_DEFAULTS),
    bridgeNfCallIptables: true,
  };
  bpf?: Netns["bpf"];
  ipvs?: Netns["ipvs"];
  ipsets?: Netns["ipsets"];
  private tables: Netfilter | null = null;
  private neighbourTable: Netns["neighbours"] | null = null;

  constructor(
    readonly name: string,
    readonly changes: ChangeCounter,
  ) {}

  get netfilter(): Netfilter {
    this.tables ??= emptyNetfilter();
    return this.tables;
  }

  get neighbours(): Netns["neighbours"] {
    this.neighbourTable ??= new Map();
    return this.neighbourTable;
  }
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
