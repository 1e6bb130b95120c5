/**
 * What `ip -d link` adds after the link/ether address (ip/ipaddress.c print_linkinfo, with the
 * kind-specific parts from ip/iplink_vxlan.c and ip/iplink_bridge.c / iplink_bridge_slave.c).
 * The values are what Linux 6.18 and iproute2 6.1 printed for default devices in a network
 * namespace; everything the model does not track is printed at those defaults.
 */
import { formatIpv4 } from "../ipv4";
import type { BridgeLink, Link, Netns, VxlanLink, World } from "../model";
import { hasCarrier } from "../state/carrier";
import { unreachable } from "../unreachable";

/**
 * veth gets one queue per possible CPU (veth_get_num_queues), so the kernel's number varies by
 * machine; 2 is what the 2-CPU machine the outputs were taken on printed.
 */
const VETH_QUEUES = 2;
/** GSO_MAX_SIZE: what veth and lo allow (netif_set_tso_max_size in their setup). */
const TSO_MAX = 524280;
/** GSO_LEGACY_MAX_SIZE: the default for devices that do not raise it (a bridge with no port). */
const TSO_LEGACY = 65536;
/**
 * A bridge's `gc_timer` counts down from its ageing interval (300 s) and restarts, so a running
 * bridge prints a different value every time; this is the value just after a restart.
 */
const GC_TIMER_UP = 300;

/**
 * The text after `link/ether … brd …[ link-netns NS]` on the second line, up to the end of the
 * last line (each field followed by a space, as iproute2 prints them).
 */
export function linkDetails(world: World, ns: Netns, link: Link): string {
  const bridge = link.master === null ? undefined : ns.links.get(link.master);
  const port = bridge?.kind === "bridge";
  const [minMtu, maxMtu] = link.kind === "loopback" ? [0, 0] : MTU_RANGE[link.kind];
  // A bridge port is promiscuous and all-multicast: the bridge asks for both on every port.
  const promiscuity = port ? 1 : 0;
  // The double space after the promiscuity count is iproute2's own.
  let text = fields([
    `promiscuity ${promiscuity} `,
    `allmulti ${promiscuity}`,
    `minmtu ${minMtu}`,
    `maxmtu ${maxMtu}`,
  ]);
  if (link.kind !== "loopback") {
    text += `\n    ${fields([link.kind, ...kindFields(link)])}`;
    if (bridge?.kind === "bridge")
      text += `\n    ${fields(["bridge_slave", ...bridgePortFields(world, ns, bridge, link)])}`;
  }
  return text + fields(genericFields(ns, link));
}

/**
 * dummy's 0/0 (no limit) is from drivers/net/dummy.c (dummy_setup); the test kernel had no dummy
 * module, so dummy is the one kind here read from the source rather than checked.
 */
const MTU_RANGE: Record<Exclude<Link["kind"], "loopback">, [number, number]> = {
  veth: [68, 65535],
  bridge: [68, 65535],
  vxlan: [68, 65535],
  geneve: [68, 65535],
  dummy: [0, 0],
  ipip: [0, 65515],
};

function fields(parts: readonly string[]): string {
  return parts.map((p) => `${p} `).join("");
}

function kindFields(link: Link): string[] {
  switch (link.kind) {
    case "vxlan":
      return vxlanFields(link);
    case "geneve":
      // ip/iplink_geneve.c prints only `external` for a collect-metadata device.
      if (link.external) return ["external"];
      return [
        `id ${link.vni}`,
        ...(link.remote === null ? [] : [`remote ${formatIpv4(link.remote)}`]),
        "ttl inherit",
        `dstport ${link.dstport}`,
        "udpcsum",
      ];
    case "bridge":
      return bridgeFields(link);
    case "ipip": {
      const remote = link.remote === null ? "any" : formatIpv4(link.remote);
      const local = link.local === null ? "any" : formatIpv4(link.local);
      return ["ipip/ip", "remote", remote, "local", local, "ttl", "inherit", "nopmtudisc"];
    }
    case "veth":
    case "dummy":
    case "loopback":
      return [];
    default:
      return unreachable(link);
  }
}

/**
 * ip/iplink_vxlan.c's order. `learning` is the default and prints nothing; `remote` is `group`
 * when it is a multicast address. Checksum and ttl settings are not modelled: these are defaults.
 */
function vxlanFields(link: VxlanLink): string[] {
  const out = link.external ? ["external", `id ${link.vni}`] : [`id ${link.vni}`];
  if (link.remote !== null)
    out.push(`${isMulticast(link.remote) ? "group" : "remote"} ${formatIpv4(link.remote)}`);
  if (link.local !== null) out.push(`local ${formatIpv4(link.local)}`);
  if (link.dev !== null) out.push(`dev ${link.dev}`);
  out.push("srcport 0 0", `dstport ${link.dstport}`);
  if (!link.learning) out.push("nolearning");
  out.push("ttl auto", "ageing 300", "udpcsum", "noudp6zerocsumtx", "noudp6zerocsumrx");
  return out;
}

function isMulticast(ip: number): boolean {
  return ip >>> 28 === 14;
}

/** A default bridge (STP off, no VLAN filtering, IGMP snooping on), timers as a quiet one shows them. */
function bridgeFields(link: BridgeLink): string[] {
  const id = bridgeId(link);
  return [
    "forward_delay 1500",
    "hello_time 200",
    "max_age 2000",
    "ageing_time 30000",
    "stp_state 0",
    "priority 32768",
    "vlan_filtering 0",
    `bridge_id ${id}`,
    `designated_root ${id}`,
    "root_port 0",
    "root_path_cost 0",
    "topology_change 0",
    "topology_change_detected 0",
    `hello_timer ${timer(0)}`,
    `tcn_timer ${timer(0)}`,
    `topology_change_timer ${timer(0)}`,
    `gc_timer ${timer(link.adminUp ? GC_TIMER_UP : 0)}`,
    "group_fwd_mask 0",
    "group_address 01:80:c2:00:00:00",
    "mcast_snooping 1",
    "no_linklocal_learn 0",
    "mcast_vlan_snooping 0",
    "mcast_router 1",
    "mcast_query_use_ifaddr 0",
    "mcast_querier 0",
    "mcast_hash_elasticity 16",
    "mcast_hash_max 4096",
    "mcast_last_member_count 2",
    "mcast_startup_query_count 2",
    "mcast_last_member_interval 100",
    "mcast_membership_interval 26000",
    "mcast_querier_interval 25500",
    "mcast_query_interval 12500",
    "mcast_query_response_interval 1000",
    "mcast_startup_query_interval 3124",
    "mcast_stats_enabled 0",
    "mcast_igmp_version 2",
    "mcast_mld_version 1",
    // The bridge's own nf_call_* options, not the br_netfilter sysctls: 0 unless set on the bridge.
    "nf_call_iptables 0",
    "nf_call_ip6tables 0",
    "nf_call_arptables 0",
  ];
}

/**
 * The `bridge_slave` line of a port. With STP off a port forwards as soon as it, its carrier and
 * the bridge are up, and is `disabled` otherwise; its forward-delay timer has run out by then.
 */
function bridgePortFields(world: World, ns: Netns, bridge: BridgeLink, port: Link): string[] {
  const id = bridgeId(bridge);
  const forwarding = bridge.adminUp && port.adminUp && hasCarrier(world, port);
  const no = portNumber(ns, bridge, port);
  const portId = 0x8000 + no;
  return [
    `state ${forwarding ? "forwarding" : "disabled"}`,
    "priority 32",
    "cost 2",
    "hairpin off",
    "guard off",
    "root_block off",
    "fastleave off",
    "learning on",
    "flood on",
    `port_id 0x${portId.toString(16)}`,
    `port_no 0x${no.toString(16)}`,
    `designated_port ${portId}`,
    "designated_cost 0",
    `designated_bridge ${id}`,
    `designated_root ${id}`,
    `hold_timer ${timer(0)}`,
    `message_age_timer ${timer(0)}`,
    `forward_delay_timer ${timer(0)}`,
    "topology_change_ack 0",
    "config_pending 0",
    "proxy_arp off",
    "proxy_arp_wifi off",
    "mcast_router 1",
    "mcast_fast_leave off",
    "mcast_flood on",
    "bcast_flood on",
    "mcast_to_unicast off",
    "neigh_suppress off",
    "group_fwd_mask 0",
    "group_fwd_mask_str 0x0",
    "vlan_tunnel off",
    "isolated off",
    "locked off",
  ];
}

/**
 * The kernel numbers ports 1, 2, … in the order they join (lowest free number). The model does
 * not record that order, so ports are numbered by interface index, which is the same order as
 * long as ports join in the order they were created.
 */
function portNumber(ns: Netns, bridge: BridgeLink, port: Link): number {
  const ports = [...ns.links.values()]
    .filter((l) => l.master === bridge.name)
    .sort((a, b) => a.ifindex - b.ifindex);
  return ports.indexOf(port) + 1;
}

/** `8000.2:0:0:0:9:9`: priority as four hex digits, then the MAC's bytes unpadded (br_dump_bridge_id). */
function bridgeId(bridge: BridgeLink): string {
  const bytes = bridge.mac.split(":").map((b) => Number.parseInt(b, 16).toString(16));
  return `8000.${bytes.join(":")}`;
}

/** iproute2's `%4i.%.2i` for a timer in seconds. */
function timer(seconds: number): string {
  const whole = Math.floor(seconds);
  const centis = Math.round((seconds - whole) * 100);
  return `${String(whole).padStart(4, " ")}.${String(centis).padStart(2, "0")}`;
}

function genericFields(ns: Netns, link: Link): string[] {
  const queues = link.kind === "veth" ? VETH_QUEUES : 1;
  return [
    // IPv6 address generation mode: the kernel prints it for every device even if IPv6 is unused.
    "addrgenmode eui64",
    `numtxqueues ${queues}`,
    `numrxqueues ${queues}`,
    "gso_max_size 65536",
    "gso_max_segs 65535",
    `tso_max_size ${tsoMaxSize(ns, link, new Set())}`,
    "tso_max_segs 65535",
    "gro_max_size 65536",
  ];
}

/**
 * lo and veth raise their TSO limit to GSO_MAX_SIZE; a vxlan inherits its underlay device's, a
 * bridge its ports' (the smallest), and both keep the legacy 64 KiB without one.
 */
function tsoMaxSize(ns: Netns, link: Link, seen: Set<Link>): number {
  if (seen.has(link)) return TSO_LEGACY;
  seen.add(link);
  switch (link.kind) {
    case "loopback":
    case "veth":
      return TSO_MAX;
    case "dummy":
    case "ipip":
    case "geneve":
      return TSO_LEGACY;
    case "vxlan": {
      const lower = link.dev === null ? undefined : ns.links.get(link.dev);
      return lower ? tsoMaxSize(ns, lower, seen) : TSO_LEGACY;
    }
    case "bridge": {
      const ports = [...ns.links.values()].filter((l) => l.master === link.name);
      return ports.length === 0
        ? TSO_LEGACY
        : Math.min(...ports.map((p) => tsoMaxSize(ns, p, seen)));
    }
    default:
      return unreachable(link);
  }
}
