// Builds one network state twice: in the simulator, through the state operations, and (when
// given a kernel) in real network namespaces with iproute2 and iptables, so a test can compare
// what the renderers print with what the tools print. A library for tests, not a test.
import { execFileSync } from "node:child_process";
import { parseCidr, parseIpv4 } from "../../../src/sim/ipv4";
import type { Link, NeighbourState, Netns, Route, World } from "../../../src/sim/model";
import type { Chain, Rule, TableName } from "../../../src/sim/netfilter/model";
import { addAddress } from "../../../src/sim/state/addresses";
import { changeFdb } from "../../../src/sim/state/fdb";
import {
  addLink,
  setAddress,
  setDown,
  setMaster,
  setMtu,
  setUp,
} from "../../../src/sim/state/links";
import { addNeighbour } from "../../../src/sim/state/neighbours";
import { addNetns, newWorld } from "../../../src/sim/state/netns";
import type { Result } from "../../../src/sim/state/result";
import { addRoute, type RouteSpec } from "../../../src/sim/state/routes";

/** Real namespaces for a Twin; every name it creates starts with `prefix`. */
export class Kernel {
  readonly created: string[] = [];
  constructor(readonly prefix: string) {}

  run(argv: readonly string[]): string {
    const [tool, ...args] = argv;
    try {
      return execFileSync(tool as string, args, {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, LC_ALL: "C" },
      });
    } catch (e) {
      const stderr = (e as { stderr?: string }).stderr ?? "";
      throw new Error(`\`${argv.join(" ")}\` failed: ${stderr.trim() || (e as Error).message}`);
    }
  }

  /** Deletes every namespace this kernel created, carrying on past failures. */
  cleanup(): void {
    for (const name of this.created.splice(0)) {
      try {
        execFileSync("ip", ["netns", "del", name], { stdio: "ignore" });
      } catch {
        // already gone
      }
    }
  }
}

export interface VxlanSpec {
  vni: number;
  dstport: number;
  local?: string;
  remote?: string;
  dev?: string;
  learning?: boolean;
}

/**
 * A scenario built in the simulator and, with a Kernel, in namespaces named `prefix + name`. The
 * simulator's namespaces carry the same full names, so `link-netns NAME` reads alike on both.
 */
export class Twin {
  readonly world: World = newWorld();

  constructor(
    private readonly kernel: Kernel | null = null,
    readonly prefix = kernel?.prefix ?? "",
  ) {}

  /** The full name of namespace `name` (with the prefix). */
  name(name: string): string {
    return `${this.prefix}${name}`;
  }

  ns(name: string): Netns {
    const ns = this.world.netns.get(this.name(name));
    if (!ns) throw new Error(`no namespace ${name}`);
    return ns;
  }

  link(ns: string, dev: string): Link {
    const link = this.ns(ns).links.get(dev);
    if (!link) throw new Error(`no device ${dev} in ${ns}`);
    return link;
  }

  /**
   * `ip netns add`. IPv6 is switched off in the kernel's namespace so that nothing the model
   * lacks (link-local addresses, router solicitations that bridges learn from) shows up.
   */
  netns(name: string): this {
    must(addNetns(this.world, this.name(name)));
    if (this.kernel) {
      this.kernel.run(["ip", "netns", "add", this.name(name)]);
      this.kernel.created.push(this.name(name));
      for (const scope of ["all", "default"])
        this.kernel.run([
          "ip",
          "netns",
          "exec",
          this.name(name),
          "sysctl",
          "-qw",
          `net.ipv6.conf.${scope}.disable_ipv6=1`,
        ]);
    }
    return this;
  }

  private ip(ns: string, ...args: string[]): void {
    this.kernel?.run(["ip", "-n", this.name(ns), ...args]);
  }

  veth(ns: string, name: string, peer: string, peerNs?: string): this {
    must(
      addLink(this.world, this.ns(ns), {
        kind: "veth",
        name,
        peerName: peer,
        peerNetns: peerNs ? this.name(peerNs) : null,
      }),
    );
    this.ip(
      ns,
      "link",
      "add",
      name,
      "type",
      "veth",
      "peer",
      "name",
      peer,
      ...(peerNs ? ["netns", this.name(peerNs)] : []),
    );
    return this;
  }

  bridge(ns: string, name: string): this {
    must(addLink(this.world, this.ns(ns), { kind: "bridge", name }));
    this.ip(ns, "link", "add", name, "type", "bridge");
    return this;
  }

  vxlan(ns: string, name: string, spec: VxlanSpec): this {
    const ip = (text: string | undefined) => (text === undefined ? null : parseIpv4(text));
    const learning = spec.learning ?? true;
    must(
      addLink(this.world, this.ns(ns), {
        kind: "vxlan",
        name,
        vni: spec.vni,
        dstport: spec.dstport,
        local: ip(spec.local),
        remote: ip(spec.remote),
        dev: spec.dev ?? null,
        learning,
      }),
    );
    const args = [
      "link",
      "add",
      name,
      "type",
      "vxlan",
      "id",
      String(spec.vni),
      "dstport",
      String(spec.dstport),
    ];
    if (spec.remote) args.push("remote", spec.remote);
    if (spec.local) args.push("local", spec.local);
    if (spec.dev) args.push("dev", spec.dev);
    if (!learning) args.push("nolearning");
    this.ip(ns, ...args);
    return this;
  }

  up(ns: string, dev: string): this {
    setUp(this.world, this.ns(ns), this.link(ns, dev));
    this.ip(ns, "link", "set", dev, "up");
    return this;
  }

  down(ns: string, dev: string): this {
    setDown(this.world, this.ns(ns), this.link(ns, dev));
    this.ip(ns, "link", "set", dev, "down");
    return this;
  }

  mac(ns: string, dev: string, mac: string): this {
    must(setAddress(this.ns(ns), this.link(ns, dev), mac));
    this.ip(ns, "link", "set", dev, "address", mac);
    return this;
  }

  mtu(ns: string, dev: string, mtu: number): this {
    must(setMtu(this.ns(ns), this.link(ns, dev), mtu));
    this.ip(ns, "link", "set", dev, "mtu", String(mtu));
    return this;
  }

  master(ns: string, dev: string, bridge: string): this {
    must(setMaster(this.ns(ns), this.link(ns, dev), bridge));
    this.ip(ns, "link", "set", dev, "master", bridge);
    return this;
  }

  /** `ip addr add CIDR [brd +|IP] [scope S] dev DEV`. */
  addr(
    ns: string,
    cidr: string,
    dev: string,
    opts: { brd?: string; scope?: "global" | "link" | "host" } = {},
  ): this {
    const parsed = parseCidr(cidr);
    if (!parsed) throw new Error(`bad cidr ${cidr}`);
    const broadcast =
      opts.brd === undefined ? null : opts.brd === "+" ? "auto" : parseIpv4(opts.brd);
    must(
      addAddress(this.world, this.ns(ns), {
        ip: parsed.ip,
        len: parsed.len,
        dev,
        broadcast,
        scope: opts.scope ?? null,
      }),
    );
    this.ip(
      ns,
      "addr",
      "add",
      cidr,
      ...(opts.brd ? ["brd", opts.brd] : []),
      ...(opts.scope ? ["scope", opts.scope] : []),
      "dev",
      dev,
    );
    return this;
  }

  /** `ip route add ARGS` with the words iproute2 takes: `[TYPE] DST [via GW] [dev D] [onlink] [proto P] [scope S] [src IP] [metric N]`. */
  route(ns: string, args: string): this {
    must(addRoute(this.ns(ns), routeSpec(args), "add"));
    this.ip(ns, "route", "add", ...args.split(" "));
    return this;
  }

  neigh(
    ns: string,
    ip: string,
    mac: string,
    dev: string,
    state: NeighbourState = "PERMANENT",
  ): this {
    const parsedIp = parseIpv4(ip);
    if (parsedIp === null) throw new Error(`bad ip ${ip}`);
    must(addNeighbour(this.ns(ns), { ip: parsedIp, dev, mac, state }, "add"));
    this.ip(ns, "neigh", "add", ip, "lladdr", mac, "dev", dev, "nud", state.toLowerCase());
    return this;
  }

  /** `bridge fdb add|append MAC dev DEV [dst IP] [self|master]`. */
  fdb(
    ns: string,
    mode: "add" | "append",
    mac: string,
    dev: string,
    opts: { dst?: string; target?: "self" | "master" } = {},
  ): this {
    const dst = opts.dst === undefined ? null : parseIpv4(opts.dst);
    // Bridge entries are made `static` here on both sides, to exercise the state keyword.
    const state = opts.target === "master" ? (["static"] as const) : [];
    must(
      changeFdb(this.ns(ns), { mac, dev, dst, target: opts.target ?? null, state: state[0] }, mode),
    );
    const args = [
      "fdb",
      mode,
      mac,
      "dev",
      dev,
      ...(opts.dst ? ["dst", opts.dst] : []),
      ...(opts.target ? [opts.target] : []),
      ...state,
    ];
    this.kernel?.run(["bridge", "-n", this.name(ns), ...args]);
    return this;
  }

  private iptables(ns: string, table: TableName, args: readonly string[]): void {
    this.kernel?.run(["ip", "netns", "exec", this.name(ns), "iptables", "-t", table, ...args]);
  }

  /** `iptables -t T -N CHAIN`. */
  chain(ns: string, table: TableName, name: string): this {
    const chain: Chain = { name, builtin: false, policy: null, rules: [] };
    this.ns(ns).netfilter.tables[table].chains.set(name, chain);
    this.ns(ns).netfilter.tables[table].touched = true;
    this.iptables(ns, table, ["-N", name]);
    return this;
  }

  /** `iptables -t T -P CHAIN POLICY`. */
  policy(ns: string, table: TableName, name: string, policy: "ACCEPT" | "DROP"): this {
    const chain = this.ns(ns).netfilter.tables[table].chains.get(name);
    if (!chain?.builtin) throw new Error(`no built-in chain ${name}`);
    chain.policy = policy;
    this.ns(ns).netfilter.tables[table].touched = true;
    this.iptables(ns, table, ["-P", name, policy]);
    return this;
  }

  /** `iptables -t T -A CHAIN ARGS…`, with the rule the simulator holds for those words. */
  append(ns: string, table: TableName, name: string, args: readonly string[], rule: Rule): this {
    const chain = this.ns(ns).netfilter.tables[table].chains.get(name);
    if (!chain) throw new Error(`no chain ${name}`);
    chain.rules.push(rule);
    this.ns(ns).netfilter.tables[table].touched = true;
    this.iptables(ns, table, ["-A", name, ...args]);
    return this;
  }

  /** What a tool prints in the kernel's namespace (`argv` starts with the tool's name). */
  kernelSays(ns: string, argv: readonly string[]): string {
    if (!this.kernel) throw new Error("this twin has no kernel");
    const [tool, ...args] = argv;
    if (tool === "ip" || tool === "bridge")
      return this.kernel.run([tool, "-n", this.name(ns), ...args]);
    return this.kernel.run(["ip", "netns", "exec", this.name(ns), ...argv]);
  }
}

export function must<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

/** The RouteSpec `ip route add ARGS` describes. */
export function routeSpec(args: string): RouteSpec {
  const words = args.split(" ");
  const types = ["blackhole", "unreachable", "prohibit"] as const;
  const type = types.find((t) => t === words[0]) ?? "unicast";
  if (type !== "unicast") words.shift();
  const dstText = words.shift() as string;
  const dst = dstText === "default" ? { ip: 0, len: 0 } : parseCidr(dstText);
  if (!dst) throw new Error(`bad destination ${dstText}`);
  const spec: RouteSpec = {
    type,
    dst: dst.ip,
    len: dst.len,
    gateway: null,
    dev: null,
    onlink: false,
    proto: null,
    scope: null,
    src: null,
    metric: null,
  };
  while (words.length > 0) {
    const word = words.shift() as string;
    const value = () => words.shift() as string;
    if (word === "via") spec.gateway = parseIpv4(value());
    else if (word === "dev") spec.dev = value();
    else if (word === "onlink") spec.onlink = true;
    else if (word === "proto") spec.proto = value();
    else if (word === "scope") spec.scope = value() as Route["scope"];
    else if (word === "src") spec.src = parseIpv4(value());
    else if (word === "metric") spec.metric = Number(value());
    else throw new Error(`routeSpec: unknown word ${word}`);
  }
  return spec;
}

/** Expected output, one quoted string a line, so that trailing spaces stay visible in a review. */
export function lines(...text: string[]): string {
  return text.map((l) => `${l}\n`).join("");
}
