/**
 * A lab's real state, read back from the kernel, turned into the simulator's world: the JSON of
 * `ip -j -d link`, `ip -j -4 addr`, `ip -j -4 route show table all`, `ip -j -4 neigh`,
 * `bridge -j fdb`, `ip -j netns list-id`, the text of `iptables-save` and the sysctls that move
 * packets are written back as scenario-script lines, which the simulator runs like any script.
 * One engine judges the lab and the tutorial alike. Pure: the CLI runs the tools (src/cli/lab.ts).
 */
import { type Route, runScript, type World } from "../sim";
import { formatIpv4 } from "../sim/ipv4";

/** What the tools printed inside one lab namespace, untouched. */
export interface NamespaceReadout {
  /** The namespace's full name, prefix included. */
  readonly name: string;
  /** `ip -j -d link show` */
  readonly link: string;
  /** `ip -j -4 addr show` */
  readonly addr: string;
  /** `ip -j -4 route show table all` */
  readonly route: string;
  /** `ip -j -4 neigh show` */
  readonly neigh: string;
  /** `bridge -j fdb show` */
  readonly fdb: string;
  /** `ip -j netns list-id`: which namespace a veth peer's `link_netnsid` is */
  readonly nsids: string;
  /** `iptables-save` */
  readonly iptables: string;
  /** `grep -H . FILE…` over `sysctlFiles(…)`: `/proc/sys/…:VALUE` lines */
  readonly sysctl: string;
}

/** Everything read back from one lab. */
export interface LabReadout {
  readonly prefix: string;
  readonly namespaces: readonly NamespaceReadout[];
}

/** The world built from a readout, and what could not be carried into it. */
export interface ReadBackWorld {
  readonly world: World;
  /** The scenario script that built it (names without the prefix). */
  readonly script: string;
  /** What the simulator could not take: state it does not model, or lines it refused. */
  readonly notes: readonly string[];
}

/** Per-interface IPv4 settings the simulator models (net.ipv4.conf.IF.*). */
const CONF_KEYS = ["forwarding", "proxy_arp", "send_redirects", "route_localnet", "rp_filter"];

/** The /proc/sys files that hold the sysctls the simulator models, for these devices. */
export function sysctlFiles(devices: readonly string[]): string[] {
  const files = ["/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/bridge/bridge-nf-call-iptables"];
  for (const row of ["all", "default", ...devices])
    for (const key of CONF_KEYS) files.push(`/proc/sys/net/ipv4/conf/${row}/${key}`);
  for (const row of ["default", ...devices])
    files.push(`/proc/sys/net/ipv4/neigh/${row}/proxy_delay`);
  return files;
}

// The fields of iproute2's JSON this module reads (iproute2 6.1; others are ignored).
interface JsonLink {
  ifindex: number;
  ifname: string;
  flags?: string[];
  mtu?: number;
  address?: string;
  master?: string;
  link_index?: number;
  link_netnsid?: number;
  link_type?: string;
  linkinfo?: {
    info_kind?: string;
    info_data?: {
      id?: number;
      port?: number;
      local?: string;
      remote?: string;
      link?: string;
      learning?: boolean;
      external?: boolean;
    };
  };
}
interface JsonAddr {
  ifname: string;
  addr_info?: {
    family?: string;
    local?: string;
    prefixlen?: number;
    scope?: string;
    broadcast?: string;
  }[];
}
interface JsonRoute {
  type?: string;
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  scope?: string;
  prefsrc?: string;
  metric?: number;
  flags?: string[];
  table?: string;
  nexthops?: unknown[];
}
interface JsonNeigh {
  dst: string;
  dev: string;
  lladdr?: string;
  state?: string[];
}
interface JsonFdb {
  mac: string;
  ifname: string;
  dst?: string;
  master?: string;
  flags?: string[];
  state?: string;
  vlan?: number;
}
interface JsonNsid {
  nsid: number;
  name?: string;
}

/** JSON text as an array; empty output (a tool with nothing to say) is an empty array. */
function jsonArray<T>(text: string, what: string, notes: string[]): T[] {
  if (text.trim() === "") return [];
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return parsed as T[];
  } catch {
    // reported below
  }
  notes.push(`${what}: could not be read as JSON`);
  return [];
}

/** A namespace's name inside the simulator: the lab's prefix taken off. */
function shortName(name: string, prefix: string): string {
  return name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

/** A route as a comparable key, from the fields both the kernel and the simulator have. */
interface RouteKey {
  readonly type: string;
  readonly dst: string;
  readonly gateway: string | null;
  readonly dev: string | null;
  readonly onlink: boolean;
  readonly proto: string;
  readonly scope: string;
  readonly src: string | null;
  readonly metric: number;
}

function keyText(r: RouteKey): string {
  return [r.type, r.dst, r.gateway, r.dev, r.onlink, r.proto, r.scope, r.src, r.metric].join(" ");
}

/** `ip route` words for a route (after `add` or `del`). */
function routeWords(r: RouteKey, full: boolean): string {
  const words = [r.type === "unicast" ? "" : r.type, r.dst];
  if (r.gateway !== null) words.push("via", r.gateway);
  if (r.dev !== null) words.push("dev", r.dev);
  if (full && r.onlink) words.push("onlink");
  words.push("proto", r.proto);
  if (full) words.push("scope", r.scope);
  if (full && r.src !== null) words.push("src", r.src);
  words.push("metric", String(r.metric));
  return words.filter((w) => w !== "").join(" ");
}

function kernelRouteKey(r: JsonRoute): RouteKey {
  const dst = r.dst === "default" ? "0.0.0.0/0" : r.dst.includes("/") ? r.dst : `${r.dst}/32`;
  return {
    type: r.type ?? "unicast",
    dst,
    gateway: r.gateway ?? null,
    dev: r.dev ?? null,
    onlink: (r.flags ?? []).includes("onlink"),
    proto: r.protocol ?? "boot",
    scope: r.scope ?? "global",
    src: r.prefsrc ?? null,
    metric: r.metric ?? 0,
  };
}

function simRouteKey(r: Route): RouteKey {
  return {
    type: r.type,
    dst: `${formatIpv4(r.dst)}/${r.len}`,
    gateway: r.gateway === null ? null : formatIpv4(r.gateway),
    dev: r.dev,
    onlink: r.onlink,
    proto: r.proto,
    scope: r.scope,
    src: r.src === null ? null : formatIpv4(r.src),
    metric: r.metric,
  };
}

/** Devices every namespace may have that no lab made (tunnel modules' fallback devices). */
const FALLBACK_DEVICES = /^(tunl0|gre0|gretap0|erspan0|ip_vti0|sit0|ip6tnl0|ip6gre0|ip6_vti0)$/;

/** The lines that make the namespaces and their devices, addresses and sysctls. */
function deviceLines(readout: LabReadout, notes: string[]): string[] {
  const { prefix } = readout;
  const inLab = new Set(readout.namespaces.map((n) => n.name));
  const links = new Map<string, JsonLink[]>();
  for (const ns of readout.namespaces)
    links.set(ns.name, jsonArray<JsonLink>(ns.link, `ip -j -d link in ${ns.name}`, notes));
  const made: string[] = [];
  const create: string[] = [];
  const masters: string[] = [];
  const settings: string[] = [];
  const ups: string[] = [];
  const madePeers = new Set<string>();
  for (const ns of readout.namespaces) {
    const me = shortName(ns.name, prefix);
    made.push(`ip netns add ${me}`);
    const nsids = jsonArray<JsonNsid>(ns.nsids, `ip -j netns list-id in ${ns.name}`, notes);
    for (const link of links.get(ns.name) ?? []) {
      const kind = link.linkinfo?.info_kind ?? (link.link_type === "loopback" ? "loopback" : "");
      const up = (link.flags ?? []).includes("UP");
      const at = `ip -n ${me} link`;
      if (kind === "loopback") {
        if (up) ups.push(`${at} set ${link.ifname} up`);
        continue;
      }
      if (kind === "veth") {
        if (madePeers.has(`${ns.name}/${link.ifindex}`)) {
          // made from the other end
        } else {
          const peerNs =
            link.link_netnsid === undefined
              ? ns.name
              : nsids.find((n) => n.nsid === link.link_netnsid)?.name;
          const peer =
            peerNs === undefined
              ? undefined
              : links.get(peerNs)?.find((l) => l.ifindex === link.link_index);
          if (peerNs === undefined || !inLab.has(peerNs) || peer === undefined) {
            notes.push(`${me}: veth ${link.ifname}'s peer is not in the lab; left out`);
            continue;
          }
          madePeers.add(`${peerNs}/${peer.ifindex}`);
          madePeers.add(`${ns.name}/${link.ifindex}`);
          const where = peerNs === ns.name ? "" : ` netns ${shortName(peerNs, prefix)}`;
          create.push(`${at} add ${link.ifname} type veth peer name ${peer.ifname}${where}`);
        }
      } else if (kind === "bridge" || kind === "dummy") {
        create.push(`${at} add ${link.ifname} type ${kind}`);
      } else if (kind === "vxlan") {
        const d = link.linkinfo?.info_data ?? {};
        if (d.external) {
          notes.push(`${me}: ${link.ifname} is a VXLAN in external mode, not modelled; left out`);
          continue;
        }
        const words = [`${at} add ${link.ifname} type vxlan id ${d.id ?? 0}`];
        words.push(`dstport ${d.port ?? 8472}`);
        if (d.local !== undefined) words.push(`local ${d.local}`);
        if (d.remote !== undefined) words.push(`remote ${d.remote}`);
        if (d.link !== undefined) words.push(`dev ${d.link}`);
        if (d.learning === false) words.push("nolearning");
        create.push(words.join(" "));
      } else {
        // A down fallback device (tunl0 when the ipip module is loaded) carries nothing.
        if (!(FALLBACK_DEVICES.test(link.ifname) && !up))
          notes.push(`${me}: ${link.ifname} (${kind || "unknown kind"}) is not read back`);
        continue;
      }
      if (link.master !== undefined) masters.push(`${at} set ${link.ifname} master ${link.master}`);
      if (link.mtu !== undefined) settings.push(`${at} set ${link.ifname} mtu ${link.mtu}`);
      if (link.address !== undefined)
        settings.push(`${at} set ${link.ifname} address ${link.address}`);
      if ((link.flags ?? []).includes("NOARP")) settings.push(`${at} set ${link.ifname} arp off`);
      if (up) ups.push(`${at} set ${link.ifname} up`);
    }
  }
  const addresses: string[] = [];
  const sysctls: string[] = [];
  for (const ns of readout.namespaces) {
    const me = shortName(ns.name, prefix);
    for (const dev of jsonArray<JsonAddr>(ns.addr, `ip -j addr in ${ns.name}`, notes))
      for (const a of dev.addr_info ?? []) {
        if (a.family !== "inet" || a.local === undefined) continue;
        // lo gets 127.0.0.1/8 when it comes up, in the simulator as in the kernel.
        if (dev.ifname === "lo" && a.local === "127.0.0.1" && a.prefixlen === 8) continue;
        const brd = a.broadcast === undefined ? "" : ` brd ${a.broadcast}`;
        const scope = a.scope === undefined || a.scope === "global" ? "" : ` scope ${a.scope}`;
        addresses.push(
          `ip -n ${me} addr add ${a.local}/${a.prefixlen ?? 32}${brd}${scope} dev ${dev.ifname}`,
        );
      }
    sysctls.push(...sysctlLines(me, ns.sysctl));
  }
  return [...made, ...create, ...masters, ...settings, ...ups, ...addresses, ...sysctls];
}

const BRIDGE_NF = "net/bridge/bridge-nf-call-iptables";

/** `sysctl -w` lines from `grep -H .` output; `ip_forward` first (writing it resets every row). */
function sysctlLines(me: string, text: string): string[] {
  const first: string[] = [];
  // Without br_netfilter the key does not exist and bridged frames skip iptables: as if it were 0.
  const rest: string[] = text.includes(`/proc/sys/${BRIDGE_NF}:`)
    ? []
    : [`ip netns exec ${me} sysctl -w ${BRIDGE_NF}=0`];
  for (const line of text.split("\n")) {
    const m = /^\/proc\/sys\/(net\/[^:]+):(-?\d+)$/.exec(line.trim());
    if (!m) continue;
    const [, path, value] = m as unknown as [string, string, string];
    // all.forwarding is ip_forward under another name (devinet.c): written once, as ip_forward.
    if (path === "net/ipv4/conf/all/forwarding") continue;
    const write = `ip netns exec ${me} sysctl -w ${path}=${value}`;
    (path === "net/ipv4/ip_forward" ? first : rest).push(write);
  }
  return [...first, ...rest];
}

/** The lines that make the main table what the kernel's is, given what the simulator already has. */
function routeLines(readout: LabReadout, world: World, notes: string[]): string[] {
  const lines: string[] = [];
  for (const ns of readout.namespaces) {
    const me = shortName(ns.name, readout.prefix);
    const kernel = jsonArray<JsonRoute>(ns.route, `ip -j route in ${ns.name}`, notes);
    const main: RouteKey[] = [];
    for (const r of kernel) {
      const table = r.table ?? "main";
      if (table === "local") continue; // the simulator derives it from the addresses
      if (table !== "main") {
        notes.push(`${me}: routes in table ${table} are not modelled (only main); left out`);
        continue;
      }
      if (r.nexthops !== undefined) {
        notes.push(`${me}: multipath route ${r.dst} is not modelled; left out`);
        continue;
      }
      main.push(kernelRouteKey(r));
    }
    const wanted = new Set(main.map(keyText));
    const have = world.netns.get(me)?.routes.all().map(simRouteKey) ?? [];
    const present = new Set(have.map(keyText));
    for (const r of have)
      if (!wanted.has(keyText(r))) lines.push(`ip -n ${me} route del ${routeWords(r, false)}`);
    const added = new Set<string>();
    // A gateway must be reachable when its route is added (fib_check_nh): routes without one
    // first (a Calico pod's `169.254.1.1 dev eth0 scope link` before its default route).
    const ordered = [
      ...main.filter((r) => r.gateway === null),
      ...main.filter((r) => r.gateway !== null),
    ];
    for (const r of ordered) {
      if (present.has(keyText(r))) continue;
      // A second route to the same prefix and metric is appended, as the kernel holds it.
      const slot = `${r.dst} ${r.metric}`;
      const verb = added.has(slot) || have.some((h) => `${h.dst} ${h.metric}` === slot);
      lines.push(`ip -n ${me} route ${verb ? "append" : "add"} ${routeWords(r, true)}`);
      added.add(slot);
    }
  }
  return lines;
}

/** Permanent neighbours, VXLAN and static bridge FDB entries, then iptables. */
function tableLines(readout: LabReadout, notes: string[]): string[] {
  const lines: string[] = [];
  for (const ns of readout.namespaces) {
    const me = shortName(ns.name, readout.prefix);
    for (const n of jsonArray<JsonNeigh>(ns.neigh, `ip -j neigh in ${ns.name}`, notes)) {
      const state = n.state ?? [];
      // Learned entries are left out: the simulator resolves with ARP as the kernel does.
      const nud = state.includes("PERMANENT")
        ? "permanent"
        : state.includes("NOARP")
          ? "noarp"
          : "";
      if (nud === "" || n.lladdr === undefined) continue;
      lines.push(`ip -n ${me} neigh replace ${n.dst} lladdr ${n.lladdr} dev ${n.dev} nud ${nud}`);
    }
    const links = jsonArray<JsonLink>(ns.link, `ip -j -d link in ${ns.name}`, notes);
    const kindOf = new Map(links.map((l) => [l.ifname, l.linkinfo?.info_kind ?? ""]));
    const ownMacs = new Set(links.map((l) => l.address));
    for (const f of jsonArray<JsonFdb>(ns.fdb, `bridge -j fdb in ${ns.name}`, notes)) {
      const self = (f.flags ?? []).includes("self");
      if (kindOf.get(f.ifname) === "vxlan" && self && f.dst !== undefined) {
        if (f.state !== "permanent") continue; // learned (flannel turns learning off)
        const remote = links.find((l) => l.ifname === f.ifname)?.linkinfo?.info_data?.remote;
        if (f.mac === "00:00:00:00:00:00" && remote === f.dst) continue; // made by `remote`
        lines.push(
          `bridge -n ${me} fdb append ${f.mac} dev ${f.ifname} dst ${f.dst} self permanent`,
        );
      } else if (f.master !== undefined && !self) {
        // Learned entries age out; a port's own address is made by the bridge itself.
        if (f.state === "static")
          lines.push(`bridge -n ${me} fdb add ${f.mac} dev ${f.ifname} master static`);
        else if (f.state === "permanent" && !ownMacs.has(f.mac))
          lines.push(`bridge -n ${me} fdb add ${f.mac} dev ${f.ifname} master permanent`);
      }
    }
    lines.push(...iptablesLines(me, ns.iptables));
  }
  return lines;
}

/** `iptables-save` output as iptables commands: chains first, then policies, then rules. */
export function iptablesLines(me: string, text: string): string[] {
  const lines: string[] = [];
  let table = "filter";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line === "COMMIT") continue;
    const at = `ip netns exec ${me} iptables -t ${table}`;
    if (line.startsWith("*")) table = line.slice(1);
    else if (line.startsWith(":")) {
      const [chain, policy] = line.slice(1).split(" ");
      if (policy === "-") lines.push(`${at} -N ${chain}`);
      else if (policy !== undefined && policy !== "ACCEPT")
        lines.push(`${at} -P ${chain} ${policy}`);
    } else if (line.startsWith("-A ")) lines.push(`${at} ${line}`);
  }
  return lines;
}

/**
 * Builds the simulator's world from what a lab's namespaces hold: devices, addresses and sysctls
 * first; then the main table made equal to the kernel's (what the simulator made by itself, the
 * connected routes, is removed where the kernel no longer has it); then neighbours, FDB entries
 * and iptables.
 */
export function worldFromReadout(readout: LabReadout): ReadBackWorld {
  const notes: string[] = [];
  const first = deviceLines(readout, notes);
  const built = runScript(first.join("\n"));
  const second = [...routeLines(readout, built.world, notes), ...tableLines(readout, notes)];
  const rest = runScript(second.join("\n"), built.world);
  const refused = (errors: typeof built.setupErrors, lines: string[]) =>
    errors.map((e) => `not carried over: ${lines[e.line - 1] ?? e.command} (${e.message})`);
  notes.push(...refused(built.setupErrors, first), ...refused(rest.setupErrors, second));
  return { world: rest.world, script: [...first, ...second].join("\n"), notes };
}
