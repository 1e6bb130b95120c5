/**
 * `bridge fdb show [dev DEV] [br BR]` (bridge/fdb.c print_fdb over the kernel's rtnl_fdb_dump).
 * Verified against Linux 6.18 with iproute2 6.1; pinned in test/sim/render/bridge-fdb.test.ts.
 *
 * The kernel walks the devices by interface index. For each, it prints first what the device's
 * bridge knows about it (`MAC dev PORT master BR STATE`, when it is a port), then the device's
 * own table: a vxlan's FDB (`MAC dev V dst IP self permanent`), a bridge's own addresses
 * (`MAC dev BR master BR permanent`, after its multicast list), or for any other Ethernet device
 * its multicast list (`01:00:5e:00:00:01 dev eth0 self permanent`).
 *
 * Multicast lists: a real node also shows IPv6 groups (`33:33:…`) there. The model has no IPv6,
 * so those are left out, and the IPv4 ones an up device joins are printed: 224.0.0.1 (all hosts,
 * joined by every IPv4 device when it comes up) and, on a bridge, 224.0.0.106 (joined by IGMP
 * snooping). So the kernel's output without its `33:33:` lines is ours, line for line. (A dummy
 * device joins 224.0.0.1 too, IFF_MULTICAST or not; that one is read from net/ipv4/igmp.c, not
 * checked: the test kernel had no dummy module.)
 */
import { formatIpv4 } from "../ipv4";
import { type Mac, ZERO_MAC } from "../mac";
import type {
  BridgeFdbEntry,
  BridgeLink,
  Link,
  Netns,
  VxlanFdbEntry,
  VxlanLink,
  World,
} from "../model";
import { unreachable } from "../unreachable";

export interface BridgeFdbFilter {
  /** `dev DEV` (or `brport DEV`): only entries of DEV, printed without `dev DEV`. */
  dev?: string;
  /** `br BR`: only BR and its ports. */
  br?: string;
}

/** 224.0.0.1, the all-hosts group, as an Ethernet multicast address (RFC 1112 mapping). */
const ALL_HOSTS_MAC: Mac = "01:00:5e:00:00:01";
/** 224.0.0.106, the all-snoopers group a bridge with IGMP snooping joins (br_multicast.c). */
const ALL_SNOOPERS_MAC: Mac = "01:00:5e:00:00:6a";

export function renderBridgeFdb(world: World, ns: Netns, filter: BridgeFdbFilter = {}): string {
  void world;
  const lines: string[] = [];
  const devices = [...ns.links.values()].sort((a, b) => a.ifindex - b.ifindex);
  for (const link of devices) {
    if (filter.dev !== undefined && link.name !== filter.dev) continue;
    if (filter.br !== undefined && link.name !== filter.br && link.master !== filter.br) continue;
    const show = filter.dev === undefined ? `dev ${link.name} ` : "";
    const bridge = link.master === null ? undefined : ns.links.get(link.master);
    if (bridge?.kind === "bridge") {
      for (const entry of bridgeEntriesOf(ns, bridge, link.name))
        lines.push(bridgeLine(entry, show, bridge));
    }
    lines.push(...ownLines(ns, link, show));
  }
  return lines.join("");
}

function ownLines(ns: Netns, link: Link, show: string): string[] {
  switch (link.kind) {
    case "vxlan":
      return vxlanEntries(link).map(({ mac, dst, via, state }) => {
        const viaText = via === null ? "" : `via ${via} `;
        return `${mac} ${show}dst ${formatIpv4(dst)} ${viaText}self ${stateText(state)}\n`;
      });
    case "bridge": {
      const groups = link.adminUp
        ? [ALL_SNOOPERS_MAC, ALL_HOSTS_MAC].map((mac) => multicastLine(mac, show))
        : [];
      const own = bridgeEntriesOf(ns, link, link.name).map((entry) =>
        bridgeLine(entry, show, link),
      );
      return [...groups, ...own];
    }
    case "veth":
    case "dummy":
    case "geneve":
      return link.adminUp ? [multicastLine(ALL_HOSTS_MAC, show)] : [];
    case "loopback":
    case "ipip":
      // Not Ethernet devices: the kernel's default dump skips them.
      return [];
    default:
      return unreachable(link);
  }
}

function multicastLine(mac: Mac, show: string): string {
  return `${mac} ${show}self permanent\n`;
}

/** `MAC [dev PORT ]master BR STATE`; a learned entry's state is empty, leaving a trailing space. */
function bridgeLine(entry: BridgeFdbEntry, show: string, bridge: BridgeLink): string {
  return `${entry.mac} ${show}master ${bridge.name} ${stateText(entry.state)}\n`;
}

/** bridge/fdb.c state_n2a: NUD_PERMANENT, NUD_NOARP ("static"), NUD_REACHABLE (learned) → "". */
function stateText(state: BridgeFdbEntry["state"] | VxlanFdbEntry["state"]): string {
  switch (state) {
    case "permanent":
      return "permanent";
    case "static":
      return "static";
    case "learned":
      return "";
    default:
      return unreachable(state);
  }
}

/**
 * The bridge's entries whose port is `port`, newest first (the kernel adds to the head of the
 * bridge's list). The model files a port's own address under the bridge's name; the kernel files
 * it under the port, so such an entry is shown on the port whose address it is.
 */
function bridgeEntriesOf(ns: Netns, bridge: BridgeLink, port: string): BridgeFdbEntry[] {
  return [...bridge.fdb.values()].reverse().filter((entry) => portOf(ns, bridge, entry) === port);
}

function portOf(ns: Netns, bridge: BridgeLink, entry: BridgeFdbEntry): string {
  if (entry.port !== bridge.name) return entry.port;
  const owner = [...ns.links.values()]
    .filter((l) => l.master === bridge.name && l.mac === entry.mac)
    .sort((a, b) => a.ifindex - b.ifindex)[0];
  return owner?.name ?? bridge.name;
}

interface VxlanDestination {
  mac: Mac;
  dst: number;
  /** The underlay device of the default destination (`remote IP dev DEV`). */
  via: string | null;
  state: VxlanFdbEntry["state"];
}

/**
 * A vxlan's FDB, newest MAC first (vxlan_fdb_dump walks its list, new entries at the head), each
 * MAC's destinations in the order they were appended. `remote IP` at creation is the all-zeros
 * entry made with the device, so it is the oldest, and destinations appended to 00:00:00:00:00:00
 * later follow it.
 */
function vxlanEntries(link: VxlanLink): VxlanDestination[] {
  const macs = [...link.fdb.keys()].reverse();
  if (link.remote !== null) {
    const appended = macs.indexOf(ZERO_MAC);
    if (appended >= 0) macs.splice(appended, 1);
    macs.push(ZERO_MAC);
  }
  const out: VxlanDestination[] = [];
  for (const mac of macs) {
    if (mac === ZERO_MAC && link.remote !== null)
      out.push({ mac, dst: link.remote, via: link.dev, state: "permanent" });
    for (const entry of link.fdb.get(mac) ?? [])
      out.push({ mac, dst: entry.dst, via: null, state: entry.state });
  }
  return out;
}
