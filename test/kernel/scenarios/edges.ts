// Edge cases a review found where the simulator and Linux 6.18 disagreed: ICMP errors crossing
// MASQUERADE / SNAT / DNAT, hairpin DNAT on a bridge, nat-table lines iptables refuses, subnet
// broadcasts, --ctstate DNAT, MASQUERADE's source picked from the next hop, source selection
// skipping link-scope addresses, a gateway that is a local address, 127/8 arriving from outside,
// rp_filter corners, send_redirects (all OR interface), the errno a client sees for each
// --reject-with, and route add/append/replace/del matching. Small hand-made topologies:
//
//   R:    a (eth0 10.1.0.2/24) — (ra 10.1.0.1/24) r (rb 10.2.0.1/24) — b (eth0 10.2.0.2/24)
//         a and b default via r, r forwards.
//   PAIR: a (eth0 10.1.0.2/24) — b (eth0 10.1.0.3/24) on one veth.
//
// Each description says what the kernel did (Linux 6.18, iproute2 6.1, iptables 1.8.9 nf_tables).
import {
  addSwitch,
  defaultVia,
  expand,
  forwarding,
  ifUp,
  mac,
  ping,
  plug,
  type Scenario,
  type Script,
  tcp,
  type Variant,
  wire,
} from "./common";

const FAMILY = "edges";

interface Routed {
  a: string;
  r: string;
  b: string;
}

/** R: a — r — b, veths named eth0 / ra / rb / eth0, a and b default via r. */
function routed(s: Script): Routed {
  s.netns("a");
  s.netns("r");
  s.netns("b");
  wire(s, "a", "eth0", "r", "ra");
  wire(s, "r", "rb", "b", "eth0");
  forwarding(s, "r");
  ifUp(s, "a", "eth0", "10.1.0.2/24");
  ifUp(s, "r", "ra", "10.1.0.1/24");
  ifUp(s, "r", "rb", "10.2.0.1/24");
  ifUp(s, "b", "eth0", "10.2.0.2/24");
  defaultVia(s, "a", "10.1.0.1");
  defaultVia(s, "b", "10.2.0.1");
  return { a: s.ns("a"), r: s.ns("r"), b: s.ns("b") };
}

interface Pair {
  a: string;
  b: string;
}

/** PAIR: a 10.1.0.2/24 and b 10.1.0.3/24 on one veth. */
function pair(s: Script): Pair {
  s.netns("a");
  s.netns("b");
  wire(s, "a", "eth0", "b", "eth0");
  ifUp(s, "a", "eth0", "10.1.0.2/24");
  ifUp(s, "b", "eth0", "10.1.0.3/24");
  return { a: s.ns("a"), b: s.ns("b") };
}

// ---------------------------------------------------------------------------------------------
// 1. ICMP errors coming back through MASQUERADE / SNAT on r

/** R plus host c behind b (b eth1 10.3.0.1/24 — c eth0 10.3.0.2/24, both MTU 1400), b forwards. */
function routedBehindB(s: Script): Routed & { c: string } {
  const t = routed(s);
  s.netns("c");
  wire(s, "b", "eth1", "c", "eth0");
  ifUp(s, "b", "eth1", "10.3.0.1/24", { mtu: 1400 });
  ifUp(s, "c", "eth0", "10.3.0.2/24", { mtu: 1400 });
  defaultVia(s, "c", "10.3.0.1");
  forwarding(s, "b");
  s.ip("r", "route add 10.3.0.0/24 via 10.2.0.2 dev rb");
  return { ...t, c: s.ns("c") };
}

function natErrorVariants(rule: string, what: string): Variant<Routed & { c: string }>[] {
  return [
    {
      fault: "reject-icmp-error",
      description: `r ${what}; b REJECTs everything in INPUT (icmp-port-unreachable to r's rb address): r un-NATs the error, a's ping prints \`From 10.2.0.2 icmp_seq=1 Destination Port Unreachable\`, TCP is refused.`,
      apply: (s) => {
        s.ipt("r", rule);
        s.ipt("b", "-A INPUT -j REJECT");
      },
      probes: (t) => [ping(t.a, "10.2.0.2"), tcp(t.a, "10.2.0.2", 80)],
      listenPorts: [80],
    },
    {
      fault: "unreachable-route-icmp-error",
      description: `r ${what} and routes 10.7.0.0/24 via b, which forwards and has \`unreachable 10.7.0.0/24\`: b answers r's rb address with host unreachable, r un-NATs it, a's ping prints \`From 10.2.0.2 icmp_seq=1 Destination Host Unreachable\`, TCP \`connect: No route to host\`.`,
      apply: (s) => {
        s.ipt("r", rule);
        s.ip("b", "route add unreachable 10.7.0.0/24");
        s.ip("r", "route add 10.7.0.0/24 via 10.2.0.2 dev rb");
      },
      probes: (t) => [ping(t.a, "10.7.0.5"), tcp(t.a, "10.7.0.5", 80)],
      listenPorts: [80],
    },
    {
      fault: "frag-needed-icmp-error",
      description: `r ${what}; host c sits behind b on a 1400-MTU link: a 1472-byte DF ping from a makes b send Frag needed to r's rb address, r un-NATs it, a prints \`From 10.2.0.2 icmp_seq=1 Frag needed and DF set (mtu = 1400)\`; a small ping and TCP to c are answered.`,
      apply: (s) => s.ipt("r", rule),
      probes: (t) => [
        ping(t.a, "10.3.0.2", 1472, true),
        ping(t.a, "10.3.0.2"),
        tcp(t.a, "10.3.0.2", 80),
      ],
      listenPorts: [80],
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// 2. ICMP errors about a DNATed packet

const VIP = "10.2.0.100";

const dnatVariants: Variant<Routed>[] = [
  {
    fault: "no-route-to-target",
    description:
      "r DNATs 10.2.0.100 to 10.7.0.5, for which it has no route: r's net unreachable goes back with its source rewritten to the VIP by conntrack, a's ping prints `From 10.2.0.100 icmp_seq=1 Destination Net Unreachable`, TCP `connect: Network is unreachable`.",
    apply: (s) => s.ipt("r", `-t nat -A PREROUTING -d ${VIP} -j DNAT --to-destination 10.7.0.5`),
    probes: (t) => [ping(t.a, VIP), tcp(t.a, VIP, 80)],
    listenPorts: [80],
  },
  {
    fault: "target-host-prohibited",
    description:
      "r DNATs 10.2.0.100 to b, which REJECTs everything with icmp-host-prohibited: r rewrites the error's source (b) to the VIP, a's ping prints `From 10.2.0.100 icmp_seq=1 Destination Host Prohibited`, TCP `connect: No route to host`.",
    apply: (s) => {
      s.ipt("r", `-t nat -A PREROUTING -d ${VIP} -j DNAT --to-destination 10.2.0.2`);
      s.ipt("b", "-A INPUT -j REJECT --reject-with icmp-host-prohibited");
    },
    probes: (t) => [ping(t.a, VIP), tcp(t.a, VIP, 80)],
    listenPorts: [80],
  },
];

// ---------------------------------------------------------------------------------------------
// 3. Hairpin DNAT on a bridge: pod A pings a Service address DNATed to pod B on the same cni0

interface Bridged {
  pa: string;
  pb: string;
}

/** Node n: cni0 10.244.0.1/24 with pods pa (.2) and pb (.3), ip_forward=1, the ICMP DNAT. */
function hairpinNode(s: Script): Bridged {
  s.netns("n");
  forwarding(s, "n");
  s.ip("n", "link add cni0 type bridge");
  ifUp(s, "n", "cni0", "10.244.0.1/24");
  for (const [pod, ip] of [
    ["pa", "10.244.0.2"],
    ["pb", "10.244.0.3"],
  ] as const) {
    s.netns(pod);
    wire(s, "n", `v${pod}`, pod, "eth0");
    s.ip("n", `link set v${pod} master cni0`);
    s.ip("n", `link set v${pod} up`);
    ifUp(s, pod, "eth0", `${ip}/24`);
    defaultVia(s, pod, "10.244.0.1");
  }
  s.ipt("n", "-t nat -A PREROUTING -d 10.96.0.1 -p icmp -j DNAT --to-destination 10.244.0.3");
  return { pa: s.ns("pa"), pb: s.ns("pb") };
}

const BRNF_OFF = "net.bridge.bridge-nf-call-iptables=0";
const HAIRPIN_MASQ = "-t nat -A POSTROUTING -o cni0 -j MASQUERADE";

const hairpinVariants: Variant<Bridged>[] = [
  {
    fault: "bridge-nf-on",
    description:
      "Pod A pings 10.96.0.1, DNATed on the node to pod B on the same cni0, br_netfilter on (the default): the DNATed request is bridged straight to pod B (no routing, no redirect, reply ttl=64) and conntrack un-DNATs the bridged reply: answered from 10.96.0.1.",
    probes: (t) => [ping(t.pa, "10.96.0.1")],
  },
  {
    fault: "bridge-nf-off",
    description:
      "The same hairpin with bridge-nf-call-iptables=0: the node routes the DNATed request back out cni0 (its ICMP redirect is counted in OutRedirects but dropped by NAT, which drops redirects about NATed connections: nothing printed); pod B answers pod A directly over the bridge, unseen by conntrack, and ping counts `64 bytes from 10.244.0.3 ... (DIFFERENT ADDRESS!)` as the reply.",
    apply: (s) => s.sysctl("n", BRNF_OFF),
    probes: (t) => [ping(t.pa, "10.96.0.1")],
  },
  {
    fault: "masquerade",
    description:
      "Hairpin plus `-t nat -A POSTROUTING -o cni0 -j MASQUERADE`, br_netfilter on: still bridged (reply ttl=64), pod B sees the node's 10.244.0.1 (conntrack reply tuple dst=10.244.0.1), answered from 10.96.0.1 with no redirect.",
    apply: (s) => s.ipt("n", HAIRPIN_MASQ),
    probes: (t) => [ping(t.pa, "10.96.0.1")],
  },
  {
    fault: "masquerade-bridge-nf-off",
    description:
      "Hairpin plus MASQUERADE with bridge-nf-call-iptables=0: routed (reply ttl=63), pod B answers the node's 10.244.0.1 and the node un-NATs it: answered from 10.96.0.1; the node's two redirects (request and reply both leave cni0 where they came in) are dropped by NAT, nothing printed.",
    apply: (s) => {
      s.sysctl("n", BRNF_OFF);
      s.ipt("n", HAIRPIN_MASQ);
    },
    probes: (t) => [ping(t.pa, "10.96.0.1")],
  },
  {
    fault: "forward-drop-cni0-to-cni0",
    description:
      "The node has `-A FORWARD -i cni0 -o cni0 -j DROP`: the hairpin ping to 10.96.0.1 is silent, and so is pod A to pod B directly, since br_netfilter shows bridged frames to FORWARD with cni0 as both in and out.",
    apply: (s) => s.ipt("n", "-A FORWARD -i cni0 -o cni0 -j DROP"),
    probes: (t) => [ping(t.pa, "10.96.0.1"), ping(t.pa, "10.244.0.3")],
  },
];

// ---------------------------------------------------------------------------------------------
// 4. Lines iptables refuses (targets in chains that cannot hold them, -i/-o where they make no
// sense); the refused lines change nothing, the probes still run

const refusalVariants: Variant<Routed>[] = [
  {
    fault: "nat-targets",
    description:
      "Five lines on r are refused and change nothing: `-t nat -A OUTPUT -j DROP` (iptables: 'The nat table is not intended for filtering, the use of DROP is therefore inhibited.'), then REJECT in nat PREROUTING, MASQUERADE in PREROUTING, DNAT in POSTROUTING and SNAT in OUTPUT (`RULE_APPEND failed (Invalid argument)`); the valid MASQUERADE after them stays; ping and TCP a to b answered.",
    apply: (s) => {
      s.ipt("r", "-t nat -A OUTPUT -j DROP");
      s.ipt("r", "-t nat -A PREROUTING -j REJECT");
      s.ipt("r", "-t nat -A PREROUTING -j MASQUERADE");
      s.ipt("r", `-t nat -A POSTROUTING -d ${VIP} -j DNAT --to-destination 10.2.0.2`);
      s.ipt("r", "-t nat -A OUTPUT -j SNAT --to-source 10.2.0.1");
      s.ipt("r", "-t nat -A POSTROUTING -o rb -j MASQUERADE");
    },
    probes: (t) => [ping(t.a, "10.2.0.2"), tcp(t.a, "10.2.0.2", 80)],
    listenPorts: [80],
  },
  {
    fault: "interface-matches",
    description:
      "iptables refuses `-o` in INPUT and in nat PREROUTING and `-i` in OUTPUT and in nat POSTROUTING (`Can't use -o with INPUT` ..., before the kernel sees them); `-A FORWARD -i ra -o rb -j ACCEPT` is accepted; ping and TCP a to b answered.",
    apply: (s) => {
      s.ipt("r", "-A INPUT -o ra -j DROP");
      s.ipt("r", "-t nat -A PREROUTING -o rb -j ACCEPT");
      s.ipt("r", "-A OUTPUT -i ra -j DROP");
      s.ipt("r", "-t nat -A POSTROUTING -i ra -j ACCEPT");
      s.ipt("r", "-A FORWARD -i ra -o rb -j ACCEPT");
    },
    probes: (t) => [ping(t.a, "10.2.0.2"), tcp(t.a, "10.2.0.2", 80)],
    listenPorts: [80],
  },
];

// ---------------------------------------------------------------------------------------------
// 5. The subnet's broadcast address

const broadcastVariants: Variant<Pair>[] = [
  {
    fault: "no-brd",
    description:
      "a's address was added without `brd`: the kernel still puts `broadcast 10.1.0.255` in table local (`ip route get` prints `broadcast 10.1.0.255 dev eth0 src 10.1.0.2` and `cache <local,brd>`), so ping refuses (`ping: Do you want to ping broadcast? Then -b. If not, check your local firewall rules`) and TCP fails with `connect: Network is unreachable`; b gets nothing.",
    probes: (t) => [ping(t.a, "10.1.0.255"), tcp(t.a, "10.1.0.255", 80)],
    listenPorts: [80],
  },
  {
    fault: "brd-plus",
    description:
      "Both addresses added with `brd +`: the same as without, ping refuses to ping the broadcast address without -b and TCP fails with `connect: Network is unreachable`.",
    apply: (s) => {
      s.edit("a:eth0:addr", "/24", "/24 brd +");
      s.edit("b:eth0:addr", "/24", "/24 brd +");
    },
    probes: (t) => [ping(t.a, "10.1.0.255"), tcp(t.a, "10.1.0.255", 80)],
    listenPorts: [80],
  },
];

// ---------------------------------------------------------------------------------------------
// 6. --ctstate DNAT in a FORWARD chain whose policy is DROP

function ctstateDnat(s: Script): Routed {
  const t = routed(s);
  s.ipt("r", `-t nat -A PREROUTING -d ${VIP} -j DNAT --to-destination 10.2.0.2`);
  s.ipt("r", "-P FORWARD DROP");
  s.ipt("r", "-A FORWARD -m conntrack --ctstate DNAT -j ACCEPT");
  return t;
}

const ctstateProbes = (t: Routed) => [ping(t.a, VIP), tcp(t.a, VIP, 80), ping(t.a, "10.2.0.2")];

const ctstateVariants: Variant<Routed>[] = [
  {
    fault: "dnat-only",
    description:
      "r DNATs 10.2.0.100 to b, FORWARD policy DROP and only `--ctstate DNAT` accepted: the DNAT state belongs to the connection, so it accepts the replies too: ping and TCP to the VIP answered; ping to b's own address (not DNATed) silent.",
    probes: ctstateProbes,
    listenPorts: [80],
  },
  {
    fault: "with-established",
    description:
      "The same plus `--ctstate ESTABLISHED -j ACCEPT`: ping and TCP to the VIP answered, ping to b's own address still silent (its first packet is NEW and not DNATed).",
    apply: (s) => s.ipt("r", "-A FORWARD -m conntrack --ctstate ESTABLISHED -j ACCEPT"),
    probes: ctstateProbes,
    listenPorts: [80],
  },
];

// ---------------------------------------------------------------------------------------------
// 7. MASQUERADE picks the address facing the next hop, not the destination

const masqueradeNextHop: Variant<Routed> = {
  fault: "source-from-next-hop",
  description:
    "r also has 10.8.0.1/24 on rb, routes 10.8.0.5/32 via b (10.2.0.2) and MASQUERADEs out of rb; b owns 10.8.0.5/32 and has no default route: MASQUERADE takes the rb address on the next hop's subnet (10.2.0.1), not the one matching the destination (10.8.0.1, which b could not answer): ping and TCP answered.",
  apply: (s) => {
    s.ip("r", "addr add 10.8.0.1/24 dev rb");
    s.ip("r", "route add 10.8.0.5/32 via 10.2.0.2");
    s.ipt("r", "-t nat -A POSTROUTING -o rb -j MASQUERADE");
    s.ip("b", "addr add 10.8.0.5/32 dev eth0");
    s.ip("b", "route del default");
  },
  probes: (t) => [ping(t.a, "10.8.0.5"), tcp(t.a, "10.8.0.5", 80)],
  listenPorts: [80],
};

// ---------------------------------------------------------------------------------------------
// 8. Source selection skips a link-scope address for a gateway route

interface LinkScope {
  h: string;
}

/** h: eth0 169.254.0.2/16 scope link, lo 10.50.0.1/32, default via peer p (169.254.0.1). */
function linkScopeHost(s: Script): LinkScope {
  s.netns("h");
  s.netns("p");
  wire(s, "h", "eth0", "p", "eth0");
  s.ip("h", "addr add 169.254.0.2/16 dev eth0 scope link");
  s.ip("h", "link set eth0 up");
  s.ip("h", "addr add 10.50.0.1/32 dev lo");
  defaultVia(s, "h", "169.254.0.1");
  ifUp(s, "p", "eth0", "169.254.0.1/16");
  s.ip("p", "addr add 10.60.0.1/32 dev lo");
  s.ip("p", "route add 10.50.0.1 via 169.254.0.2 dev eth0", "p:route:back");
  return { h: s.ns("h") };
}

const sourceVariants: Variant<LinkScope>[] = [
  {
    fault: "link-scope-skipped",
    description:
      "h has only a link-scope address on eth0 (169.254.0.2/16) and 10.50.0.1/32 on lo, default via p: for the gateway route the source skips the link-scope address and takes lo's (`ip route get 10.60.0.1` prints `10.60.0.1 via 169.254.0.1 dev eth0 src 10.50.0.1`); p routes 10.50.0.1 back, ping and TCP answered; 169.254.0.1 on the link answered from 169.254.0.2.",
    probes: (t) => [ping(t.h, "10.60.0.1"), tcp(t.h, "10.60.0.1", 80), ping(t.h, "169.254.0.1")],
    listenPorts: [80],
  },
  {
    fault: "no-route-back-to-lo-address",
    description:
      "The same without p's route to 10.50.0.1: the request reaches p from 10.50.0.1 and its reply has no route, silent; 169.254.0.1 itself is still answered (source 169.254.0.2).",
    apply: (s) => s.remove("p:route:back"),
    probes: (t) => [ping(t.h, "10.60.0.1"), ping(t.h, "169.254.0.1")],
  },
];

// ---------------------------------------------------------------------------------------------
// 9. A gateway that is one of the sender's own addresses

const localGateway: Variant<Pair> = {
  fault: "own-address",
  description:
    "a adds `10.9.0.0/24 via 10.1.0.2`, its own address: accepted, and the kernel uses it as an on-link route (`ip route get 10.9.0.1` prints `10.9.0.1 dev eth0 src 10.1.0.2`, no via), so a sends straight to 10.9.0.1 on eth0, where b has it: ping and TCP answered.",
  apply: (s) => s.ip("a", "route add 10.9.0.0/24 via 10.1.0.2"),
  probes: (t) => [ping(t.a, "10.9.0.1"), tcp(t.a, "10.9.0.1", 80)],
  listenPorts: [80],
};

// ---------------------------------------------------------------------------------------------
// 10. 127/8 arriving from outside

/** PAIR, except that a's lo is never brought up; a's default route points at b. */
function pairLoDown(s: Script): Pair {
  s.push(`ip netns add ${s.ns("a")}`, "a:netns");
  s.netns("b");
  wire(s, "a", "eth0", "b", "eth0");
  ifUp(s, "a", "eth0", "10.1.0.2/24");
  ifUp(s, "b", "eth0", "10.1.0.3/24");
  defaultVia(s, "a", "10.1.0.3");
  return { a: s.ns("a"), b: s.ns("b") };
}

const loDownVariant: Variant<Pair> = {
  fault: "lo-down-default-via-peer",
  description:
    "a never brought lo up, so it has no 127/8 local route: it sends 127.0.0.1 out its default route (`ip route get` prints `127.0.0.1 via 10.1.0.3 dev eth0 src 10.1.0.2`); b sees the packet in PREROUTING and drops it as a martian destination (route_localnet=0): ping silent, TCP times out.",
  probes: (t) => [ping(t.a, "127.0.0.1"), tcp(t.a, "127.0.0.1", 80)],
  listenPorts: [80],
};

const DNAT_LOCALHOST = `-t nat -A PREROUTING -d ${VIP} -p tcp -j DNAT --to-destination 127.0.0.1:80`;

const localhostDnatVariants: Variant<Routed>[] = [
  {
    fault: "dnat-to-localhost",
    description:
      "r DNATs TCP to 10.2.0.100 to 127.0.0.1:80: arriving on ra, the DNATed SYN is a martian destination (route_localnet=0) and is dropped; TCP times out.",
    apply: (s) => s.ipt("r", DNAT_LOCALHOST),
    probes: (t) => [tcp(t.a, VIP, 80)],
    listenPorts: [80],
  },
  {
    fault: "dnat-to-localhost-route-localnet",
    description:
      "The same with `net.ipv4.conf.all.route_localnet=1` on r: the DNATed SYN reaches r's listener on 127.0.0.1:80 and the reply goes back through conntrack: connected, delivered to r.",
    apply: (s) => {
      s.ipt("r", DNAT_LOCALHOST);
      s.sysctl("r", "net.ipv4.conf.all.route_localnet=1");
    },
    probes: (t) => [tcp(t.a, VIP, 80)],
    listenPorts: [80],
  },
];

// ---------------------------------------------------------------------------------------------
// 11. rp_filter

/** R plus b's eth1 (10.3.0.2/24) to host x (10.3.0.1/24). */
function routedWithX(s: Script): Routed {
  const t = routed(s);
  s.netns("x");
  wire(s, "b", "eth1", "x", "eth0");
  ifUp(s, "b", "eth1", "10.3.0.2/24");
  ifUp(s, "x", "eth0", "10.3.0.1/24");
  return t;
}

const rpStrictVariants: Variant<Routed>[] = [
  {
    fault: "strict-gateway-host-route",
    description:
      "b routes r's address 10.2.0.1/32 via eth1 (towards x) and has rp_filter=1: b's default route still goes out eth0, but b ignores r's ARP request for 10.2.0.2, whose sender 10.2.0.1 fails the strict reverse-path check on eth0; r's neighbour entry stays INCOMPLETE, a's ping is silent and never delivered.",
    apply: (s) => {
      s.ip("b", "route add 10.2.0.1/32 via 10.3.0.1 dev eth1");
      s.sysctl("b", "net.ipv4.conf.all.rp_filter=1");
    },
    probes: (t) => [ping(t.a, "10.2.0.2")],
  },
];

const RA_MAC = mac(0x02, 0xed, 0x00, 0x00, 0x01, 0x01);

/**
 * R where r's route back to a (10.1.0.2/32) goes out a third leg rc to host c (10.3.0.2), which
 * does not forward; a reaches r through a permanent neighbour entry for 10.1.0.1 (ra's MAC).
 * `raAddress`: whether ra has 10.1.0.1/24 at all.
 */
function routedReturnViaRc(raAddress: boolean): (s: Script) => Routed {
  return (s) => {
    s.netns("a");
    s.netns("r");
    s.netns("b");
    s.netns("c");
    wire(s, "a", "eth0", "r", "ra");
    wire(s, "r", "rb", "b", "eth0");
    wire(s, "r", "rc", "c", "eth0");
    forwarding(s, "r");
    ifUp(s, "a", "eth0", "10.1.0.2/24");
    if (raAddress) {
      ifUp(s, "r", "ra", "10.1.0.1/24", { mac: RA_MAC });
    } else {
      s.ip("r", `link set ra address ${RA_MAC}`);
      s.ip("r", "link set ra up");
    }
    ifUp(s, "r", "rb", "10.2.0.1/24");
    ifUp(s, "r", "rc", "10.3.0.1/24");
    ifUp(s, "b", "eth0", "10.2.0.2/24");
    ifUp(s, "c", "eth0", "10.3.0.2/24");
    s.ip("a", `neigh add 10.1.0.1 lladdr ${RA_MAC} dev eth0 nud permanent`);
    defaultVia(s, "a", "10.1.0.1");
    defaultVia(s, "b", "10.2.0.1");
    s.ip("r", "route add 10.1.0.2/32 via 10.3.0.2 dev rc");
    return { a: s.ns("a"), r: s.ns("r"), b: s.ns("b") };
  };
}

const LOOSE = "net.ipv4.conf.all.rp_filter=2";

const rpNoAddressVariants: Variant<Routed>[] = [
  {
    fault: "loose-no-address-on-iif",
    description:
      "r has no address on ra (a reaches it through a permanent neighbour entry) and routes 10.1.0.2 back out rc; with rp_filter=2 (loose) the request from a is still dropped on r (TcpExtIPReversePathFilter 1): with no address on the incoming interface, a source reachable only through another interface fails even loose mode; silent.",
    apply: (s) => s.sysctl("r", LOOSE),
    probes: (t) => [ping(t.a, "10.2.0.2")],
  },
  {
    fault: "off-no-address-on-iif",
    description:
      "The same with rp_filter=0 (the default): forwarded and delivered to b; b's reply leaves r through rc towards c, which does not forward: lost, silent.",
    probes: (t) => [ping(t.a, "10.2.0.2")],
  },
];

const rpWithAddressVariants: Variant<Routed>[] = [
  {
    fault: "strict-with-address-on-iif",
    description:
      "ra has 10.1.0.1/24 but r routes 10.1.0.2/32 back out rc; rp_filter=1 (strict): the request from a fails the reverse-path check on ra and is dropped, silent.",
    apply: (s) => s.sysctl("r", "net.ipv4.conf.all.rp_filter=1"),
    probes: (t) => [ping(t.a, "10.2.0.2")],
  },
  {
    fault: "loose-with-address-on-iif",
    description:
      "ra has 10.1.0.1/24 but r routes 10.1.0.2/32 back out rc; rp_filter=2 (loose): a route back exists, so the request is forwarded and delivered to b; the reply goes out rc to c, lost: silent.",
    apply: (s) => s.sysctl("r", LOOSE),
    probes: (t) => [ping(t.a, "10.2.0.2")],
  },
];

// ---------------------------------------------------------------------------------------------
// 12. send_redirects: all OR the interface

interface TwoRouters {
  a: string;
}

/**
 * Switch sw with host a (10.1.0.2/24), router r1 (10.1.0.1, second leg to b 10.2.0.2/24) and
 * router r2 (10.1.0.254, default via r1); a's default route points at r2, the wrong one.
 */
function twoRouters(s: Script): TwoRouters {
  addSwitch(s, "sw");
  s.netns("a");
  plug(s, "a", "eth0", "sw", "swa");
  ifUp(s, "a", "eth0", "10.1.0.2/24");
  defaultVia(s, "a", "10.1.0.254");
  s.netns("r1");
  forwarding(s, "r1");
  plug(s, "r1", "eth0", "sw", "swr1");
  ifUp(s, "r1", "eth0", "10.1.0.1/24");
  s.netns("r2");
  forwarding(s, "r2");
  plug(s, "r2", "eth0", "sw", "swr2");
  ifUp(s, "r2", "eth0", "10.1.0.254/24");
  defaultVia(s, "r2", "10.1.0.1");
  s.netns("b");
  wire(s, "r1", "eth1", "b", "eth0");
  ifUp(s, "r1", "eth1", "10.2.0.1/24");
  ifUp(s, "b", "eth0", "10.2.0.2/24");
  defaultVia(s, "b", "10.2.0.1");
  return { a: s.ns("a") };
}

const redirectProbes = (t: TwoRouters) => [ping(t.a, "10.2.0.2"), tcp(t.a, "10.2.0.2", 80)];

const redirectVariants: Variant<TwoRouters>[] = [
  {
    fault: "default",
    description:
      "a's default route points at r2, which forwards out the link it came in on to r1: answered (ttl=63) and a's ping prints `From 10.1.0.254: icmp_seq=1 Redirect Host(New nexthop: 10.1.0.1)`; TCP connects.",
    probes: redirectProbes,
    listenPorts: [80],
  },
  {
    fault: "all-off",
    description:
      "r2 sets `net.ipv4.conf.all.send_redirects=0` alone: eth0's own send_redirects is still 1 and the kernel ORs the two, so the redirect is still printed; answered, TCP connects.",
    apply: (s) => s.sysctl("r2", "net.ipv4.conf.all.send_redirects=0"),
    probes: redirectProbes,
    listenPorts: [80],
  },
  {
    fault: "all-and-interface-off",
    description:
      "r2 sets send_redirects=0 for both all and eth0: no redirect is sent (OutRedirects 0), answered, TCP connects.",
    apply: (s) => {
      s.sysctl("r2", "net.ipv4.conf.all.send_redirects=0");
      s.sysctl("r2", "net.ipv4.conf.eth0.send_redirects=0");
    },
    probes: redirectProbes,
    listenPorts: [80],
  },
];

// ---------------------------------------------------------------------------------------------
// 13. What a client hears for each --reject-with on a router

const REJECT_WITH: [string, string][] = [
  [
    "icmp-proto-unreachable",
    "ping prints `From 10.1.0.1 icmp_seq=1 Destination Protocol Unreachable`, TCP `connect: Protocol not available`.",
  ],
  [
    "icmp-net-prohibited",
    "ping prints `From 10.1.0.1 icmp_seq=1 Destination Net Prohibited`, TCP `connect: Network is unreachable`.",
  ],
  [
    "icmp-host-prohibited",
    "ping prints `From 10.1.0.1 icmp_seq=1 Destination Host Prohibited`, TCP `connect: No route to host`.",
  ],
  [
    "icmp-admin-prohibited",
    "ping prints `From 10.1.0.1 icmp_seq=1 Packet filtered`, TCP `connect: No route to host`.",
  ],
];

const rejectVariants: Variant<Routed>[] = REJECT_WITH.map(([kind, heard]) => ({
  fault: kind,
  description: `r has \`-A FORWARD -j REJECT --reject-with ${kind}\`: ${heard}`,
  apply: (s) => s.ipt("r", `-A FORWARD -j REJECT --reject-with ${kind}`),
  probes: (t) => [ping(t.a, "10.2.0.2"), tcp(t.a, "10.2.0.2", 80)],
  listenPorts: [80],
}));

// ---------------------------------------------------------------------------------------------
// 14. Route edits: add / append / replace of one prefix, del matching metric 0 and src

/** PAIR plus 10.9.0.1/32 on b, so that a route to 10.9.0.0/24 via b gets answers. */
function pairWithTarget(s: Script): Pair {
  const t = pair(s);
  s.ip("b", "addr add 10.9.0.1/32 dev eth0");
  return t;
}

const routeEditVariants: Variant<Pair>[] = [
  {
    fault: "append-then-replace",
    description:
      "a adds 10.9.0.0/24 via 10.1.0.3 and appends a second via 10.1.0.4; then `route replace 10.9.0.0/24 via 10.1.0.4` is refused with `RTNETLINK answers: File exists` (an identical route exists that is not the first of that prefix and metric): both routes stay, the first (via b) is used, answered.",
    apply: (s) => {
      s.ip("a", "route add 10.9.0.0/24 via 10.1.0.3");
      s.ip("a", "route append 10.9.0.0/24 via 10.1.0.4");
      s.ip("a", "route replace 10.9.0.0/24 via 10.1.0.4");
    },
    probes: (t) => [ping(t.a, "10.9.0.1")],
  },
  {
    fault: "del-metric-zero",
    description:
      "a adds 10.9.0.0/24 via 10.1.0.3 metric 100; `route del 10.9.0.0/24 metric 0` deletes it (metric 0 matches any metric): ping fails with `ping: connect: Network is unreachable`.",
    apply: (s) => {
      s.ip("a", "route add 10.9.0.0/24 via 10.1.0.3 metric 100");
      s.ip("a", "route del 10.9.0.0/24 metric 0");
    },
    probes: (t) => [ping(t.a, "10.9.0.1")],
  },
  {
    fault: "del-wrong-src",
    description:
      "a adds 10.9.0.0/24 via 10.1.0.3 (no src); `route del 10.9.0.0/24 via 10.1.0.3 src 10.1.0.2` is refused with `RTNETLINK answers: No such process` (a given src must equal the route's own), the route stays: answered.",
    apply: (s) => {
      s.ip("a", "route add 10.9.0.0/24 via 10.1.0.3");
      s.ip("a", "route del 10.9.0.0/24 via 10.1.0.3 src 10.1.0.2");
    },
    probes: (t) => [ping(t.a, "10.9.0.1")],
  },
];

export function edges(prefix: string): Scenario[] {
  const masq = "-t nat -A POSTROUTING -o rb -j MASQUERADE";
  const snat = "-t nat -A POSTROUTING -o rb -j SNAT --to-source 10.2.0.1";
  return [
    ...expand(
      prefix,
      FAMILY,
      "masquerade",
      routedBehindB,
      natErrorVariants(masq, "MASQUERADEs out of rb"),
    ),
    ...expand(prefix, FAMILY, "masquerade", routed, [masqueradeNextHop]),
    ...expand(
      prefix,
      FAMILY,
      "snat",
      routedBehindB,
      natErrorVariants(snat, "SNATs out of rb to 10.2.0.1"),
    ),
    ...expand(prefix, FAMILY, "dnat", routed, dnatVariants),
    ...expand(prefix, FAMILY, "hairpin-dnat", hairpinNode, hairpinVariants),
    ...expand(prefix, FAMILY, "iptables-refusals", routed, refusalVariants),
    ...expand(prefix, FAMILY, "subnet-broadcast", pair, broadcastVariants),
    ...expand(prefix, FAMILY, "ctstate-dnat", ctstateDnat, ctstateVariants),
    ...expand(prefix, FAMILY, "source-selection", linkScopeHost, sourceVariants),
    ...expand(prefix, FAMILY, "local-gateway", pairWithTarget, [localGateway]),
    ...expand(prefix, FAMILY, "loopback", pairLoDown, [loDownVariant]),
    ...expand(prefix, FAMILY, "loopback", routed, localhostDnatVariants),
    ...expand(prefix, FAMILY, "rp-filter", routedWithX, rpStrictVariants),
    ...expand(prefix, FAMILY, "rp-filter", routedReturnViaRc(false), rpNoAddressVariants),
    ...expand(prefix, FAMILY, "rp-filter", routedReturnViaRc(true), rpWithAddressVariants),
    ...expand(prefix, FAMILY, "send-redirects", twoRouters, redirectVariants),
    ...expand(prefix, FAMILY, "reject-with", routed, rejectVariants),
    ...expand(prefix, FAMILY, "route-edits", pairWithTarget, routeEditVariants),
  ];
}
