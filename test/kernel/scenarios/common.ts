// Building blocks shared by the scenario families: the Script builder (lines with optional keys,
// so a fault can remove or edit one precise line of a topology), a small seeded PRNG, and the
// underlay pieces every family uses (switch, router, host/node, veth links).

/** One packet the comparison sends; `from` is a full netns name, `to` an IPv4 address. */
export interface ScenarioProbe {
  from: string;
  to: string;
  proto: "icmp" | "tcp";
  dport?: number;
  size?: number;
  df?: boolean;
}

export interface Scenario {
  /** stable and readable: `family/topology/fault` */
  id: string;
  family: string;
  /** one sentence: what it is, which fault, and what the kernel did */
  description: string;
  script: string;
  probes: ScenarioProbe[];
  listenPorts?: number[];
  multipleOutcomes?: boolean;
}

/** mulberry32: a tiny seeded PRNG, so that the scenarios never depend on global randomness. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks integers in [lo, hi], never one picked before by the same picker. */
export function picker(seed: number) {
  const rand = prng(seed);
  const used = new Set<number>();
  const int = (lo: number, hi: number): number => {
    for (;;) {
      const n = lo + Math.floor(rand() * (hi - lo + 1));
      if (!used.has(n)) {
        used.add(n);
        return n;
      }
    }
  };
  const hex = (digits: number): string => {
    let s = "";
    for (let i = 0; i < digits; i++) s += Math.floor(rand() * 16).toString(16);
    return s;
  };
  return { int, hex };
}

/** A MAC from 6 byte values, two hex digits each. */
export function mac(...bytes: number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}

interface Line {
  key?: string;
  text: string;
}

/**
 * A scenario script under construction. Every command names its namespace (`ip -n NS`,
 * `bridge -n NS`, `ip netns exec NS …`), short names get the prefix here. Lines may carry a key
 * (`n1:route:n2`) so that a fault can remove or edit exactly that line.
 */
export class Script {
  private readonly lines: Line[] = [];

  constructor(readonly prefix: string) {}

  /** The full netns name of short name `name`. */
  ns(name: string): string {
    return `${this.prefix}${name}`;
  }

  push(text: string, key?: string): this {
    if (key !== undefined && this.lines.some((l) => l.key === key)) {
      throw new Error(`duplicate script key ${key}`);
    }
    this.lines.push(key === undefined ? { text } : { key, text });
    return this;
  }

  netns(name: string): this {
    this.push(`ip netns add ${this.ns(name)}`, `${name}:netns`);
    return this.ip(name, "link set lo up");
  }

  ip(ns: string, args: string, key?: string): this {
    return this.push(`ip -n ${this.ns(ns)} ${args}`, key);
  }

  bridge(ns: string, args: string, key?: string): this {
    return this.push(`bridge -n ${this.ns(ns)} ${args}`, key);
  }

  sysctl(ns: string, setting: string, key?: string): this {
    return this.push(`ip netns exec ${this.ns(ns)} sysctl -w ${setting}`, key);
  }

  ipt(ns: string, args: string, key?: string): this {
    return this.push(`ip netns exec ${this.ns(ns)} iptables ${args}`, key);
  }

  has(key: string): boolean {
    return this.lines.some((l) => l.key === key);
  }

  private index(key: string): number {
    const i = this.lines.findIndex((l) => l.key === key);
    if (i < 0) throw new Error(`no script line with key ${key}`);
    return i;
  }

  /** Deletes the line with `key` (the fault "this was never done"). */
  remove(key: string): this {
    this.lines.splice(this.index(key), 1);
    return this;
  }

  /** Replaces `from` by `to` in the line with `key`; `from` must occur in it. */
  edit(key: string, from: string, to: string): this {
    const line = this.lines[this.index(key)] as Line;
    if (!line.text.includes(from)) throw new Error(`line ${key} has no "${from}": ${line.text}`);
    line.text = line.text.replace(from, to);
    return this;
  }

  text(): string {
    return `${this.lines.map((l) => l.text).join("\n")}\n`;
  }
}

// ---------------------------------------------------------------------------------------------
// Underlay pieces

/** A switch: a netns holding bridge br0. */
export function addSwitch(s: Script, sw: string): void {
  s.netns(sw);
  s.ip(sw, "link add br0 type bridge", `${sw}:br0`);
  s.ip(sw, "link set br0 up", `${sw}:br0:up`);
}

/** A veth from `ns`:`dev` to a port named `port` on switch `sw` (port up, in br0). */
export function plug(s: Script, ns: string, dev: string, sw: string, port: string): void {
  s.ip(ns, `link add ${dev} type veth peer name ${port} netns ${s.ns(sw)}`, `${ns}:${dev}:add`);
  s.ip(sw, `link set ${port} master br0`, `${sw}:${port}:master`);
  s.ip(sw, `link set ${port} up`, `${sw}:${port}:up`);
}

/** A veth between two namespaces, both ends named by the caller, no addresses, not up. */
export function wire(s: Script, a: string, aDev: string, b: string, bDev: string): void {
  s.ip(a, `link add ${aDev} type veth peer name ${bDev} netns ${s.ns(b)}`, `${a}:${aDev}:add`);
}

/** Address and bring up an interface: keys `NS:DEV:addr`, `NS:DEV:up` (and `:mac`, `:mtu`). */
export function ifUp(
  s: Script,
  ns: string,
  dev: string,
  cidr: string,
  opts: { mac?: string; mtu?: number } = {},
): void {
  if (opts.mac) s.ip(ns, `link set ${dev} address ${opts.mac}`, `${ns}:${dev}:mac`);
  if (opts.mtu) s.ip(ns, `link set ${dev} mtu ${opts.mtu}`, `${ns}:${dev}:mtu`);
  s.ip(ns, `addr add ${cidr} dev ${dev}`, `${ns}:${dev}:addr`);
  s.ip(ns, `link set ${dev} up`, `${ns}:${dev}:up`);
}

/** ip_forward=1, key `NS:forward`. */
export function forwarding(s: Script, ns: string): void {
  s.sysctl(ns, "net.ipv4.ip_forward=1", `${ns}:forward`);
}

/** A default route, key `NS:route:default`. */
export function defaultVia(s: Script, ns: string, gw: string, dev = "eth0"): void {
  s.ip(ns, `route add default via ${gw} dev ${dev}`, `${ns}:route:default`);
}

export interface HostSpec {
  name: string;
  /** address with length, e.g. 192.168.1.12/24 */
  cidr: string;
  /** switch to plug eth0 into (port named after the host) */
  sw: string;
  gw?: string;
  forward?: boolean;
  mac?: string;
  mtu?: number;
}

/** A host (or node) with eth0 on a switch, optionally a default route and ip_forward=1. */
export function addHost(s: Script, h: HostSpec): void {
  s.netns(h.name);
  plug(s, h.name, "eth0", h.sw, h.name);
  ifUp(s, h.name, "eth0", h.cidr, { ...(h.mac && { mac: h.mac }), ...(h.mtu && { mtu: h.mtu }) });
  if (h.gw) defaultVia(s, h.name, h.gw);
  if (h.forward) forwarding(s, h.name);
}

export interface RouterLeg {
  dev: string;
  cidr: string;
  /** the switch this leg plugs into (port named after the router), or none: wire it yourself */
  sw?: string;
}

/** A router netns with ip_forward=1 and one leg per subnet (each leg up and addressed). */
export function addRouter(s: Script, name: string, legs: RouterLeg[]): void {
  s.netns(name);
  forwarding(s, name);
  for (const leg of legs) {
    if (leg.sw) plug(s, name, leg.dev, leg.sw, name);
    ifUp(s, name, leg.dev, leg.cidr);
  }
}

export interface UnderlayNode {
  /** short name, e.g. n1 */
  name: string;
  ns: string;
  ip: string;
  gw: string;
  sw: string;
}

export interface Underlay {
  nodes: UnderlayNode[];
  /** the router's address on each subnet */
  routerIps: string[];
}

/**
 * Nodes n1, n2, … on one switched /24 (switch sw, router leg eth0) or on two (sw1/sw2, router
 * legs eth1/eth2), with router `rt` as their default gateway, ip_forward=1. The router knows
 * only its connected subnets, like a cloud VPC router. `base` is the first two octets.
 */
export function underlay(
  s: Script,
  pick: ReturnType<typeof picker>,
  nodeSubnets: number[],
  base = "192.168",
): Underlay {
  const twoSubnets = nodeSubnets.some((n) => n === 1);
  const third = pick.int(1, 120);
  const subnets = twoSubnets ? [third, third + 1] : [third];
  const routerIps = subnets.map((n) => `${base}.${n}.1`);
  const switches = twoSubnets ? ["sw1", "sw2"] : ["sw"];
  for (const sw of switches) addSwitch(s, sw);
  addRouter(
    s,
    "rt",
    switches.map((sw, i) => ({
      dev: twoSubnets ? `eth${i + 1}` : "eth0",
      cidr: `${routerIps[i]}/24`,
      sw,
    })),
  );
  const nodes = nodeSubnets.map((sub, i) => ({
    name: `n${i + 1}`,
    ns: s.ns(`n${i + 1}`),
    ip: `${base}.${subnets[sub]}.${pick.int(10, 99)}`,
    gw: routerIps[sub] as string,
    sw: switches[sub] as string,
  }));
  for (const n of nodes)
    addHost(s, { name: n.name, cidr: `${n.ip}/24`, sw: n.sw, gw: n.gw, forward: true });
  return { nodes, routerIps };
}

/** The address part of a CIDR. */
export function addr(cidr: string): string {
  return cidr.split("/")[0] as string;
}

// ---------------------------------------------------------------------------------------------
// Probes

export function ping(from: string, to: string, size?: number, df?: boolean): ScenarioProbe {
  return {
    from,
    to,
    proto: "icmp",
    ...(size !== undefined && { size }),
    ...(df !== undefined && { df }),
  };
}

export function tcp(from: string, to: string, dport: number): ScenarioProbe {
  return { from, to, proto: "tcp", dport };
}

// ---------------------------------------------------------------------------------------------
// Variants: a topology built fresh for each fault

/** One fault (or none) applied on a freshly built topology `T`. */
export interface Variant<T> {
  /** the fault slug, last part of the id */
  fault: string;
  description: string;
  apply?: (s: Script, t: T) => void;
  probes: (t: T) => ScenarioProbe[];
  listenPorts?: number[];
}

/** Expands `variants` on `topology` (built once per variant) into scenarios. */
export function expand<T>(
  prefix: string,
  family: string,
  topology: string,
  build: (s: Script) => T,
  variants: Variant<T>[],
): Scenario[] {
  return variants.map((v) => {
    const s = new Script(prefix);
    const t = build(s);
    v.apply?.(s, t);
    return {
      id: `${family}/${topology}/${v.fault}`,
      family,
      description: v.description,
      script: s.text(),
      probes: v.probes(t),
      ...(v.listenPorts && { listenPorts: v.listenPorts }),
    };
  });
}
