/**
 * `ip link`, `ip -d link`, `ip addr` and `ip -4 addr` as iproute2 prints them
 * (ip/ipaddress.c: print_linkinfo, print_link_flags, print_addrinfo). Verified against Linux 6.18
 * with iproute2 6.1; the exact lines are pinned in test/sim/render/ip-addr.test.ts.
 *
 * IPv4 only: the simulator models no IPv6, so the `inet6` lines a real device has (its fe80::
 * link-local, ::1 on lo) are left out of `ip addr`. `ip -4 addr` has none on a real node either,
 * which makes it the form to compare with the kernel line for line.
 *
 * Carrier and `state` come from state/carrier.ts (hasCarrier, operState), which follows the
 * kernel's rules, a fresh bridge's carrier included.
 */
import { formatIpv4, networkOf } from "../ipv4";
import type { Address, Link, Netns, World } from "../model";
import { hasCarrier, operState } from "../state/carrier";
import { linkDetails } from "./link-details";

export interface IpLinkOptions {
  /** `ip -d link`: the kind-specific and generic attributes. */
  details: boolean;
  /** `ip link show DEV` */
  dev?: string;
}

export interface IpAddrOptions {
  /**
   * `ip -4 addr`: only devices with an IPv4 address, without their link/ether line (and iproute2
   * then moves a veth's `link-netns NAME` onto the first line).
   */
  inetOnly?: boolean;
}

/** `ip link [show DEV]`, by interface index like the kernel's dump. */
export function renderIpLink(world: World, ns: Netns, options: IpLinkOptions): string {
  return linksOf(ns, options.dev)
    .map((link) => {
      const second = `    ${linkLayer(link)}${options.details ? ` ${linkDetails(world, ns, link)}` : ""}`;
      return `${header(world, link, "link")}\n${second}\n`;
    })
    .join("");
}

/** `ip addr [show DEV]` (`ip -4 addr` with `inetOnly`). */
export function renderIpAddr(
  world: World,
  ns: Netns,
  dev?: string,
  options: IpAddrOptions = {},
): string {
  return linksOf(ns, dev)
    .map((link) => {
      const inet = addressLines(ns, link);
      if (!options.inetOnly)
        return `${header(world, link, "addr")}\n    ${linkLayer(link)}\n${inet}`;
      if (inet === "") return "";
      const netns = peerNetns(link);
      return `${header(world, link, "addr")}${netns === null ? "" : ` link-netns ${netns}`}\n${inet}`;
    })
    .join("");
}

function linksOf(ns: Netns, dev: string | undefined): Link[] {
  return [...ns.links.values()]
    .filter((l) => dev === undefined || l.name === dev)
    .sort((a, b) => a.ifindex - b.ifindex);
}

/**
 * `5: veth1a2b3c4d@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master cni0
 * state UP mode DEFAULT group default qlen 1000`; `ip addr` leaves out `mode DEFAULT`.
 */
function header(world: World, link: Link, object: "link" | "addr"): string {
  const master = link.master === null ? "" : ` master ${link.master}`;
  const mode = object === "link" ? "mode DEFAULT " : "";
  // Every modelled kind gets the default 1000-packet txqueuelen (ether_setup, loopback_setup).
  return (
    `${link.ifindex}: ${link.name}${peerSuffix(link)}: <${flags(world, link)}> mtu ${link.mtu} ` +
    `qdisc ${qdisc(link)}${master} state ${operState(world, link)} ${mode}group default qlen 1000`
  );
}

/**
 * A veth names its peer: `eth1@eth0` when the peer is in the same namespace, `eth0@if5` (the
 * peer's index) when it is elsewhere, because the kernel then sends IFLA_LINK_NETNSID and
 * iproute2 does not look the index up.
 */
function peerSuffix(link: Link): string {
  if (link.kind !== "veth") return "";
  return link.peer.netns === link.netns ? `@${link.peer.name}` : `@if${link.peer.ifindex}`;
}

/**
 * The namespace of a veth's peer when it is another one. iproute2 prints `link-netns NAME` when it
 * can name the peer's namespace (every namespace made with `ip netns add` has a name, and this is
 * what `ip -n NODE link` printed), `link-netnsid N` only for unnamed ones, which the model has not.
 */
function peerNetns(link: Link): string | null {
  return link.kind === "veth" && link.peer.netns !== link.netns ? link.peer.netns : null;
}

/**
 * `<NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN>`: NO-CARRIER first when the device is up without
 * carrier, LOWER_UP only when it is up with it (the kernel reports IFF_LOWER_UP only for running
 * devices), and `,M-DOWN` last when a veth's peer in this namespace is down (iproute2 checks the
 * peer's IFF_UP only when it can see the peer).
 */
function flags(world: World, link: Link): string {
  const up = link.adminUp;
  const carrier = up && hasCarrier(world, link);
  const names: string[] = [];
  if (up && !carrier) names.push("NO-CARRIER");
  names.push(...KIND_FLAGS[link.kind]);
  // IFF_NOARP set by hand prints after MULTICAST (print_link_flags' order).
  if (link.noarp && !names.includes("NOARP")) names.push("NOARP");
  if (up) names.push("UP");
  if (carrier) names.push("LOWER_UP");
  const peerDown = link.kind === "veth" && link.peer.netns === link.netns && !link.peer.adminUp;
  return names.join(",") + (peerDown ? ",M-DOWN" : "");
}

/** dummy clears IFF_MULTICAST and sets IFF_NOARP (drivers/net/dummy.c, dummy_setup). */
const KIND_FLAGS: Record<Link["kind"], readonly string[]> = {
  loopback: ["LOOPBACK"],
  veth: ["BROADCAST", "MULTICAST"],
  bridge: ["BROADCAST", "MULTICAST"],
  vxlan: ["BROADCAST", "MULTICAST"],
  geneve: ["BROADCAST", "MULTICAST"],
  dummy: ["BROADCAST", "NOARP"],
  // An IP tunnel has no link-layer broadcast and needs no ARP (net/ipv4/ip_tunnel.c, ip_tunnel_setup).
  ipip: ["NOARP"],
};

/**
 * Every modelled kind is a queueless virtual device: `noqueue` once it has been up (the kernel
 * attaches the qdisc on the first `up` and keeps it), `noop` before.
 */
function qdisc(link: Link): string {
  return link.everUp ? "noqueue" : "noop";
}

function linkLayer(link: Link): string {
  if (link.kind === "loopback") return `link/loopback ${link.mac} brd 00:00:00:00:00:00`;
  if (link.kind === "ipip")
    return `link/ipip ${formatIpv4(link.local ?? 0)} brd ${formatIpv4(link.remote ?? 0)}`;
  const netns = peerNetns(link);
  return `link/ether ${link.mac} brd ff:ff:ff:ff:ff:ff${netns === null ? "" : ` link-netns ${netns}`}`;
}

function addressLines(ns: Netns, link: Link): string {
  return kernelAddressOrder(ns.addresses.filter((a) => a.dev === link.name))
    .map(({ address, secondary }) => {
      const brd = address.broadcast === null ? "" : ` brd ${formatIpv4(address.broadcast)}`;
      const flag = secondary ? " secondary" : "";
      return (
        `    inet ${formatIpv4(address.ip)}/${address.len}${brd} scope ${address.scope}${flag} ${address.dev}\n` +
        "       valid_lft forever preferred_lft forever\n"
      );
    })
    .join("");
}

/** RT_SCOPE_* values: a wider scope is a smaller number. */
const SCOPE_VALUE: Record<Address["scope"], number> = { global: 0, link: 253, host: 254 };

/**
 * The order the kernel keeps a device's addresses in (net/ipv4/devinet.c, __inet_insert_ifa),
 * replayed over the order they were added: an address in the subnet (same prefix length) of one
 * already there is `secondary` and goes last; a new primary goes after the last primary whose
 * scope is as narrow or narrower, so host-scope addresses come first, then link, then global.
 */
export function kernelAddressOrder(
  addresses: readonly Address[],
): { address: Address; secondary: boolean }[] {
  const list: { address: Address; secondary: boolean }[] = [];
  for (const address of addresses) {
    const net = networkOf(address.ip, address.len);
    if (list.some(({ address: a }) => a.len === address.len && networkOf(a.ip, a.len) === net)) {
      list.push({ address, secondary: true });
      continue;
    }
    let at = 0;
    list.forEach((entry, i) => {
      if (!entry.secondary && SCOPE_VALUE[address.scope] <= SCOPE_VALUE[entry.address.scope])
        at = i + 1;
    });
    list.splice(at, 0, { address, secondary: false });
  }
  return list;
}
