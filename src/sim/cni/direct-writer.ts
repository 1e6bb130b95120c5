import type { ClusterPlan, PlannedNode } from "../cluster/load";
import type { Link, Neighbour, Netns, Route, VxlanFdbEntry, World } from "../model";
import { OverlayMap } from "../overlay-map";
import { RouteTable } from "../route-table";
import { parseFdbCommand, runBridge } from "../script/bridge";
import { runIp } from "../script/ip";
import { parseNeighCommand } from "../script/ip-neigh";
import { parseRouteSpec } from "../script/ip-route";
import { runIpset } from "../script/ipset";
import { runIptables } from "../script/iptables";
import { runIpvsadm } from "../script/ipvsadm";
import { runNft } from "../script/nft";
import { runSysctl } from "../script/sysctl";
import { Args, tokenize } from "../script/tokenize";
import { addNetns, netnsNotFound } from "../state/netns";
import type { Result } from "../state/result";
import { resolveRoute, routeOf } from "../state/routes";
import type { Words } from "./command";
import type { Emitter, PeerLine, PeerTable } from "./emitter";

type Tool = "ip" | "bridge" | "sysctl" | "iptables" | "nft" | "ipvsadm" | "ipset";

/** Each tool, as `runCommand` calls it once it has read the tool's name. */
const TOOLS: Record<
  Tool,
  (world: World, words: readonly string[], netns: string | null) => Result<string>
> = {
  ip: runIp,
  bridge: runBridge,
  sysctl: runSysctl,
  iptables: runIptables,
  nft: runNft,
  ipvsadm: runIpvsadm,
  ipset: runIpset,
};

const LO_UP: readonly string[] = ["link", "set", "lo", "up"];

/** A command the direct build ran that the kernel (or the tool) refused. */
export interface DirectError {
  readonly command: string;
  readonly message: string;
}

type PeerOp =
  | { kind: "route"; mode: "add" | "replace" | "append"; route: Route }
  | { kind: "neigh"; mode: "add" | "replace"; entry: Neighbour }
  | { kind: "fdb"; mode: "add" | "append" | "replace"; dev: string; entry: VxlanFdbEntry };

interface Owned<T> {
  readonly value: T;
  readonly owner: string;
}

interface FdbList {
  entries: VxlanFdbEntry[];
  owners: string[];
}

/** One view's shared entries, each tagged with the peer it is for (its node does not hold it). */
interface ViewBase {
  readonly rep: PlannedNode;
  readonly routes: RouteTable;
  readonly routeOwner: Map<Route, string>;
  readonly ownedRoutes: Map<string, number>;
  readonly neigh: Map<string, Map<number, Owned<Neighbour>>>;
  readonly fdb: Map<string, Map<string, FdbList>>;
  repDone: boolean;
  /**
   * An entry of the view could not be parsed or resolved (a gateway the kernel refuses): no node
   * of the view shares the base, each runs its commands one by one and gets the kernel's refusal.
   */
  broken: boolean;
}

/**
 * Builds an installer's state straight into a world. Node and pod commands run one at a time, as
 * the script would run them (no script text is kept); what nodes install for each other
 * (`peers`) is worked out once per view and shared: routes through a `RouteTable` base, neighbour
 * and FDB entries through `OverlayMap`s, so 5,000 nodes hold 5,000 entries, not 25 million.
 */
export class DirectWriter implements Emitter {
  readonly errors: DirectError[] = [];
  /** Nodes whose peer tables are shared, and those that had to run the commands one by one. */
  readonly nodes = { shared: 0, unshared: 0 };
  private readonly bases = new Map<string, ViewBase>();

  constructor(
    readonly world: World,
    readonly prefix: string,
  ) {}

  ns(name: string): string {
    return `${this.prefix}${name}`;
  }

  comment(): void {}

  netns(name: string): void {
    const ns = this.ns(name);
    this.world.changes.count++;
    const added = addNetns(this.world, ns);
    if (!added.ok)
      this.errors.push({ command: `ip netns add ${ns}`, message: added.message.trimEnd() });
    this.runWords("ip", ns, LO_UP, false, "link set lo up");
  }

  ip(name: string, words: Words): void {
    this.run("ip", this.ns(name), words, false);
  }

  bridge(name: string, words: Words): void {
    this.run("bridge", this.ns(name), words, false);
  }

  sysctl(name: string, key: string, value: string | number): void {
    const setting = `${key}=${value}`;
    this.runWords("sysctl", this.ns(name), ["-w", setting], true, `-w ${setting}`);
  }

  iptables(name: string, words: string): void {
    this.run("iptables", this.ns(name), words, true);
  }

  /** Runs one command given as the words after the tool (and `-n NS`), split as a shell would. */
  private run(tool: Tool, netns: string, words: Words, exec: boolean): void {
    const split = typeof words === "string" ? tokenize(words) : words.split();
    if (split.ok) this.runWords(tool, netns, split.words, exec, words);
    else this.refused(tool, netns, words, exec, `syntax error: ${split.message}`);
  }

  nft(name: string, command: string): void {
    // nft reads the command as one string (the script quotes it as one shell word).
    this.runWords("nft", this.ns(name), [command], true, command);
  }

  ipvsadm(name: string, words: string): void {
    this.run("ipvsadm", this.ns(name), words, true);
  }

  ipset(name: string, words: string): void {
    this.run("ipset", this.ns(name), words, true);
  }

  /**
   * Runs a command as its script line would, without writing the line: `ip -n NS …` and
   * `ip netns exec NS …` are the tool run in NS, so the tool is handed NS and the words after it
   * (`exec`: the line is `ip netns exec NS tool …`, which first needs NS to exist).
   */
  private runWords(
    tool: Tool,
    netns: string,
    argv: readonly string[],
    exec: boolean,
    words: Words,
  ): void {
    if (exec && !this.world.netns.has(netns)) {
      this.refused(tool, netns, words, exec, netnsNotFound(netns));
      return;
    }
    // As `runCommand` does for every command: derived indexes rebuild lazily.
    this.world.changes.count++;
    const result = TOOLS[tool](this.world, argv, netns);
    if (!result.ok) this.refused(tool, netns, words, exec, result.message.trimEnd());
  }

  /** Records a refused command as the script line that would have run it. */
  private refused(tool: Tool, netns: string, words: Words, exec: boolean, message: string): void {
    const text = typeof words === "string" ? words : words.text();
    const command = exec
      ? `ip netns exec ${netns} ${`${tool} ${text}`.trim()}`
      : `${tool} -n ${netns} ${text}`.trim();
    this.errors.push({ command, message });
  }

  private runLines(node: PlannedNode, lines: readonly PeerLine[]): void {
    for (const line of lines)
      if ("tool" in line)
        line.tool === "ip" ? this.ip(node.name, line.words) : this.bridge(node.name, line.words);
  }

  peers(plan: ClusterPlan, node: PlannedNode, table: PeerTable): void {
    const key = `${table.name}\u0000${table.view(node)}`;
    let base = this.bases.get(key);
    if (!base) {
      base = this.newBase(plan, node, table);
      this.bases.set(key, base);
      if (!this.attach(base, node, null)) this.unshared(plan, node, table);
      return;
    }
    const ns = this.netnsOf(node);
    if (!base.repDone) {
      // The representative's own entry, as this (the view's second) node installs it.
      const ops = this.parse(ns, node, table.entries(node, base.rep));
      const toRep = ops ? this.rebindTo(plan, table, node, base.rep, this.netnsOf(base.rep)) : null;
      if (ops && toRep !== undefined) {
        for (const op of ops) this.addToBase(base, rebound(op, toRep), base.rep, plan, true);
        base.repDone = true;
      } else {
        this.unshared(plan, node, table);
        return;
      }
    }
    const rebind = this.rebindTo(plan, table, base.rep, node, ns);
    if (rebind === undefined || !this.attach(base, node, rebind)) this.unshared(plan, node, table);
  }

  /** What the installer writes, command by command, when sharing cannot reproduce it. */
  private unshared(plan: ClusterPlan, node: PlannedNode, table: PeerTable): void {
    this.nodes.unshared++;
    for (const peer of plan.nodes)
      if (peer !== node) this.runLines(node, table.entries(node, peer));
  }

  private netnsOf(node: PlannedNode): Netns {
    return this.world.netns.get(this.ns(node.name)) as Netns;
  }

  private newBase(plan: ClusterPlan, rep: PlannedNode, table: PeerTable): ViewBase {
    const base: ViewBase = {
      rep,
      routes: new RouteTable(),
      routeOwner: new Map(),
      ownedRoutes: new Map(),
      neigh: new Map(),
      fdb: new Map(),
      repDone: false,
      broken: false,
    };
    const ns = this.netnsOf(rep);
    for (const peer of plan.nodes) {
      if (peer === rep) continue;
      const ops = this.parse(ns, rep, table.entries(rep, peer));
      if (ops) for (const op of ops) this.addToBase(base, op, peer, plan);
      else base.broken = true;
    }
    return base;
  }

  /**
   * The fields in which `to`'s entries differ from `from`'s for the same peer (the node's own
   * router IP), found on a third node's entries; null when none differ, undefined when they are
   * not entries a shared table can hold.
   */
  private rebindTo(
    plan: ClusterPlan,
    table: PeerTable,
    from: PlannedNode,
    to: PlannedNode,
    toNs: Netns,
  ): Partial<Route> | null | undefined {
    const sample = plan.nodes.find((n) => n !== from && n !== to);
    if (!sample) return null;
    const a = this.parse(this.netnsOf(from), from, table.entries(from, sample));
    const b = this.parse(toNs, to, table.entries(to, sample));
    if (!a || !b || a.length !== b.length) return undefined;
    let delta: Partial<Route> | null = null;
    for (let i = 0; i < a.length; i++) {
      const x = a[i] as PeerOp;
      const y = b[i] as PeerOp;
      if (x.kind !== y.kind || x.mode !== y.mode) return undefined;
      if (x.kind === "route" && y.kind === "route") {
        for (const f of Object.keys(x.route) as (keyof Route)[]) {
          if (x.route[f] === y.route[f]) continue;
          if (f === "dst" || f === "len") return undefined;
          if (delta && f in delta && delta[f] !== y.route[f]) return undefined;
          delta = { ...(delta ?? {}), [f]: y.route[f] };
        }
      } else if (JSON.stringify(x) !== JSON.stringify(y)) return undefined;
    }
    return delta;
  }

  /** The typed entries of a peer's lines, checked as the kernel would on `ns`; null if refused. */
  private parse(ns: Netns, node: PlannedNode, lines: readonly PeerLine[]): PeerOp[] | null {
    const ops: PeerOp[] = [];
    for (const line of lines) {
      if (!("tool" in line)) continue;
      const words = tokenize(line.words);
      if (!words.ok) return null;
      const args = new Args(words.words);
      const object = args.next();
      const sub = args.next() ?? "";
      if (
        line.tool === "ip" &&
        object === "route" &&
        (sub === "add" || sub === "replace" || sub === "append")
      ) {
        const spec = parseRouteSpec(args);
        if (!spec.ok) return null;
        const route = resolveRoute(ns, routeOf(spec.value));
        if (!route.ok) return null;
        ops.push({ kind: "route", mode: sub, route: route.value });
      } else if (line.tool === "ip" && object === "neigh" && (sub === "add" || sub === "replace")) {
        const cmd = parseNeighCommand(sub, args);
        if (!cmd.ok || !ns.links.has(cmd.value.dev)) return null;
        if (cmd.value.mac === null && cmd.value.state !== "NOARP") return null;
        const { ip, dev, mac, state } = cmd.value;
        ops.push({ kind: "neigh", mode: sub, entry: { ip, dev, mac, state } });
      } else if (
        line.tool === "bridge" &&
        object === "fdb" &&
        (sub === "add" || sub === "append" || sub === "replace")
      ) {
        const cmd = parseFdbCommand(sub, args);
        if (!cmd.ok || cmd.value.dst === null) return null;
        const link = ns.links.get(cmd.value.dev);
        if (link?.kind !== "vxlan" || cmd.value.target === "master") return null;
        const entry: VxlanFdbEntry = { mac: cmd.value.mac, dst: cmd.value.dst, state: "permanent" };
        ops.push({ kind: "fdb", mode: sub, dev: cmd.value.dev, entry });
      } else return null;
      void node;
    }
    return ops;
  }

  /** Adds one peer's entry to the base as the command would add it to a table of its own. */
  private addToBase(
    base: ViewBase,
    op: PeerOp,
    owner: PlannedNode,
    plan: ClusterPlan,
    late = false,
  ): void {
    if (op.kind === "route") {
      const { route } = op;
      const same = base.routes.exact(route.dst, route.len).find((r) => r.metric === route.metric);
      if (same && op.mode === "add") return;
      if (same && op.mode === "replace") {
        base.routes.replaceAt(same, route);
        this.disown(base, same);
      } else base.routes.insert(route);
      base.routeOwner.set(route, owner.name);
      base.ownedRoutes.set(owner.name, (base.ownedRoutes.get(owner.name) ?? 0) + 1);
      return;
    }
    if (op.kind === "neigh") {
      let map = base.neigh.get(op.entry.dev);
      if (!map) {
        map = new Map();
        base.neigh.set(op.entry.dev, map);
      }
      if (map.has(op.entry.ip) && op.mode === "add") return;
      map.set(op.entry.ip, { value: op.entry, owner: owner.name });
      if (late) inPlanOrder(map, plan);
      return;
    }
    let map = base.fdb.get(op.dev);
    if (!map) {
      map = new Map();
      base.fdb.set(op.dev, map);
    }
    const list = map.get(op.entry.mac) ?? { entries: [], owners: [] };
    const { mac, dst } = op.entry;
    if (op.mode === "add" && list.entries.length > 0) return;
    if (op.mode === "append") {
      if (list.entries.some((e) => e.dst === dst)) return;
      const multi = mac === "00:00:00:00:00:00" || (Number.parseInt(mac.slice(0, 2), 16) & 1) === 1;
      if (list.entries.length > 0 && !multi) return;
      const at = insertionPoint(list.owners, owner.name, plan);
      list.entries.splice(at, 0, op.entry);
      list.owners.splice(at, 0, owner.name);
    } else {
      list.entries = [op.entry];
      list.owners = [owner.name];
    }
    map.set(mac, list);
    if (late) inPlanOrder(map, plan, (l) => l.owners[0] as string);
  }

  private disown(base: ViewBase, route: Route): void {
    const owner = base.routeOwner.get(route);
    if (owner === undefined) return;
    base.routeOwner.delete(route);
    base.ownedRoutes.set(owner, (base.ownedRoutes.get(owner) ?? 1) - 1);
  }

  /**
   * Lays the shared tables under a node's own. False when the node's own entries meet the
   * base's (a route to the same prefix, a device that already holds neighbours or FDB entries),
   * where only running the commands one by one gives the kernel's answer.
   */
  private attach(base: ViewBase, node: PlannedNode, rebind: Partial<Route> | null): boolean {
    if (base.broken) return false;
    const ns = this.netnsOf(node);
    const me = node.name;
    for (const r of ns.routes.all())
      if (base.routes.exact(r.dst, r.len).some((b) => base.routeOwner.get(b) !== me)) return false;
    for (const dev of base.neigh.keys())
      if (!ns.links.has(dev) || (ns.neighbours.get(dev)?.size ?? 0) > 0) return false;
    for (const dev of base.fdb.keys()) {
      const link = ns.links.get(dev);
      if (link?.kind !== "vxlan" || link.fdb.size > 0) return false;
    }
    const owner = base.routeOwner;
    ns.routes.attachBase({
      table: base.routes,
      hides: (r) => owner.get(r) === me,
      rebind,
      visible: base.routes.size - (base.ownedRoutes.get(me) ?? 0),
    });
    for (const [dev, map] of base.neigh)
      ns.neighbours.set(
        dev,
        new OverlayMap<number, Neighbour, Owned<Neighbour>>(map, (s) =>
          s.owner === me ? undefined : s.value,
        ),
      );
    for (const [dev, map] of base.fdb) {
      const link = ns.links.get(dev) as Link & { fdb: Map<string, readonly VxlanFdbEntry[]> };
      link.fdb = new OverlayMap<string, readonly VxlanFdbEntry[], FdbList>(map, (s) => {
        const at = s.owners.indexOf(me);
        if (at < 0) return s.entries;
        if (s.entries.length === 1) return undefined;
        return s.entries.filter((_, i) => i !== at);
      });
    }
    this.world.changes.count++;
    this.nodes.shared++;
    return true;
  }
}

function rebound(op: PeerOp, delta: Partial<Route> | null): PeerOp {
  return op.kind === "route" && delta ? { ...op, route: { ...op.route, ...delta } } : op;
}

/** Where a peer's entry goes in a list kept in plan order (as the script appends them). */
function insertionPoint(owners: readonly string[], owner: string, plan: ClusterPlan): number {
  const order = planIndex(plan);
  const mine = order.get(owner) ?? 0;
  let at = owners.length;
  while (at > 0 && (order.get(owners[at - 1] as string) ?? 0) > mine) at--;
  return at;
}

const indexes = new WeakMap<ClusterPlan, Map<string, number>>();
function planIndex(plan: ClusterPlan): Map<string, number> {
  let order = indexes.get(plan);
  if (!order) {
    order = new Map(plan.nodes.map((n, i) => [n.name, i]));
    indexes.set(plan, order);
  }
  return order;
}

/**
 * Keeps a base map in the order the script would have filled it (peers in plan order): only
 * the representative's own entry arrives out of order, once, so this moves at most a few keys.
 */
function inPlanOrder<K, V extends { owner: string } | FdbList>(
  map: Map<K, V>,
  plan: ClusterPlan,
  ownerOf: (v: V) => string = (v) => (v as { owner: string }).owner,
): void {
  if (map.size < 2) return;
  const order = planIndex(plan);
  const keys = [...map.keys()];
  const last = keys[keys.length - 1] as K;
  const lastAt = order.get(ownerOf(map.get(last) as V)) ?? 0;
  const prev = order.get(ownerOf(map.get(keys[keys.length - 2] as K) as V)) ?? 0;
  if (prev <= lastAt) return;
  // Move every key after the new one's place behind it.
  for (const key of keys) {
    const v = map.get(key) as V;
    if (key !== last && (order.get(ownerOf(v)) ?? 0) > lastAt) {
      map.delete(key);
      map.set(key, v);
    }
  }
}
