// Routed underlays: hosts on two subnets joined by a router netns (wired directly, or through a
// switch per subnet), and two routers in series. Routes, gateways, forwarding, the FORWARD
// chain, NAT on the router, MTU on a hop, blackholes and routing loops.
import {
  addHost,
  addRouter,
  addSwitch,
  defaultVia,
  expand,
  forwarding,
  ifUp,
  mac,
  picker,
  ping,
  type Scenario,
  type Script,
  tcp,
  type Variant,
  wire,
} from "./common";

const FAMILY = "routed-underlay";

interface Routed {
  h1: string;
  h2: string;
  ip1: string;
  ip2: string;
  /** router address on h1's / h2's subnet */
  gw1: string;
  gw2: string;
  net1: string;
  net2: string;
}

/** h1 —veth— rt —veth— h2; rt's legs are eth1 (h1's /24) and eth2 (h2's /24). */
function direct(s: Script): Routed {
  const r = picker(21);
  const b = r.int(20, 120);
  const net1 = `10.${b}.1`;
  const net2 = `10.${b}.2`;
  const ip1 = `${net1}.${r.int(10, 200)}`;
  const ip2 = `${net2}.${r.int(10, 200)}`;
  addRouter(s, "rt", []);
  s.netns("h1");
  s.netns("h2");
  wire(s, "h1", "eth0", "rt", "eth1");
  wire(s, "h2", "eth0", "rt", "eth2");
  ifUp(s, "rt", "eth1", `${net1}.1/24`);
  ifUp(s, "rt", "eth2", `${net2}.1/24`);
  ifUp(s, "h1", "eth0", `${ip1}/24`);
  ifUp(s, "h2", "eth0", `${ip2}/24`);
  defaultVia(s, "h1", `${net1}.1`);
  defaultVia(s, "h2", `${net2}.1`);
  return {
    h1: s.ns("h1"),
    h2: s.ns("h2"),
    ip1,
    ip2,
    gw1: `${net1}.1`,
    gw2: `${net2}.1`,
    net1: `${net1}.0/24`,
    net2: `${net2}.0/24`,
  };
}

interface Switched extends Routed {
  h3: string;
  ip3: string;
}

/** sw1 holds h1, h3 (a bystander) and rt's eth1; sw2 holds h2 and rt's eth2. */
function switched(s: Script): Switched {
  const r = picker(22);
  const b = r.int(16, 31);
  const net1 = `172.${b}.${r.int(0, 127)}`;
  const net2 = `172.${b}.${r.int(128, 255)}`;
  const [ip1, ip3] = [r.int(10, 99), r.int(100, 200)].map((n) => `${net1}.${n}`) as [
    string,
    string,
  ];
  const ip2 = `${net2}.${r.int(10, 200)}`;
  addSwitch(s, "sw1");
  addSwitch(s, "sw2");
  addRouter(s, "rt", [
    { dev: "eth1", cidr: `${net1}.1/24`, sw: "sw1" },
    { dev: "eth2", cidr: `${net2}.1/24`, sw: "sw2" },
  ]);
  addHost(s, { name: "h1", cidr: `${ip1}/24`, sw: "sw1", gw: `${net1}.1` });
  addHost(s, { name: "h3", cidr: `${ip3}/24`, sw: "sw1", gw: `${net1}.1` });
  addHost(s, {
    name: "h2",
    cidr: `${ip2}/24`,
    sw: "sw2",
    gw: `${net2}.1`,
    mac: mac(0x02, 0x33, 0, 0, 0, 2),
  });
  return {
    h1: s.ns("h1"),
    h2: s.ns("h2"),
    h3: s.ns("h3"),
    ip1,
    ip2,
    ip3,
    gw1: `${net1}.1`,
    gw2: `${net2}.1`,
    net1: `${net1}.0/24`,
    net2: `${net2}.0/24`,
  };
}

interface TwoRouters extends Routed {
  /** r1's and r2's addresses on the transit /29 */
  t1: string;
  t2: string;
  /** a /24 neither router has a connected route for, and an address in it */
  net3: string;
  ip3: string;
}

/** h1 — r1 —(transit /29)— r2 — h2, direct veths; r1 knows net2 via r2, r2 net1 via r1. */
function twoRouters(s: Script): TwoRouters {
  const r = picker(23);
  const b = r.int(130, 200);
  const net1 = `10.${b}.10`;
  const net2 = `10.${b}.20`;
  const net3 = `10.${b}.30`;
  const transit = `10.255.${r.int(0, 255)}`;
  const ip1 = `${net1}.${r.int(10, 200)}`;
  const ip2 = `${net2}.${r.int(10, 200)}`;
  const t1 = `${transit}.1`;
  const t2 = `${transit}.2`;
  addRouter(s, "r1", []);
  addRouter(s, "r2", []);
  s.netns("h1");
  s.netns("h2");
  wire(s, "h1", "eth0", "r1", "eth1");
  wire(s, "r1", "eth2", "r2", "eth1");
  wire(s, "h2", "eth0", "r2", "eth2");
  ifUp(s, "r1", "eth1", `${net1}.1/24`);
  ifUp(s, "r1", "eth2", `${t1}/29`);
  ifUp(s, "r2", "eth1", `${t2}/29`);
  ifUp(s, "r2", "eth2", `${net2}.1/24`);
  ifUp(s, "h1", "eth0", `${ip1}/24`);
  ifUp(s, "h2", "eth0", `${ip2}/24`);
  defaultVia(s, "h1", `${net1}.1`);
  defaultVia(s, "h2", `${net2}.1`);
  s.ip("r1", `route add ${net2}.0/24 via ${t2} dev eth2`, "r1:route:net2");
  s.ip("r2", `route add ${net1}.0/24 via ${t1} dev eth1`, "r2:route:net1");
  return {
    h1: s.ns("h1"),
    h2: s.ns("h2"),
    ip1,
    ip2,
    gw1: `${net1}.1`,
    gw2: `${net2}.1`,
    net1: `${net1}.0/24`,
    net2: `${net2}.0/24`,
    t1,
    t2,
    net3: `${net3}.0/24`,
    ip3: `${net3}.7`,
  };
}

const pingTcp = (t: Routed) => [ping(t.h1, t.ip2), tcp(t.h1, t.ip2, 80)];

const directVariants: Variant<Routed>[] = [
  {
    fault: "happy",
    description:
      "h1 and h2 on two /24s, each with a default route via the router netns between them: ping (ttl=63) and TCP 80 answered.",
    probes: pingTcp,
    listenPorts: [80],
  },
  {
    fault: "missing-route",
    description:
      "h1 has no default route (nor any route to h2's /24): ping fails locally, connect: Network is unreachable.",
    apply: (s) => s.remove("h1:route:default"),
    probes: (t) => [ping(t.h1, t.ip2)],
  },
  {
    fault: "missing-return-route",
    description:
      "h2 has no default route: the echo request reaches h2, its reply has no route, silent at h1.",
    apply: (s) => s.remove("h2:route:default"),
    probes: pingTcp,
    listenPorts: [80],
  },
  {
    fault: "ip-forward-off-router",
    description:
      "The router has net.ipv4.ip_forward=0: it drops what it should forward without an ICMP error, silent; its own address still answers.",
    apply: (s) => s.sysctl("rt", "net.ipv4.ip_forward=0"),
    probes: (t) => [ping(t.h1, t.ip2), ping(t.h1, t.gw1)],
  },
  {
    fault: "forward-drop-router",
    description:
      "The router's FORWARD policy is DROP: ping and TCP silent, the router's own address still answers.",
    apply: (s) => s.ipt("rt", "-P FORWARD DROP"),
    probes: (t) => [ping(t.h1, t.ip2), tcp(t.h1, t.ip2, 80), ping(t.h1, t.gw1)],
    listenPorts: [80],
  },
  {
    fault: "forward-reject-router",
    description:
      "The router REJECTs in FORWARD: ping prints Destination Port Unreachable from the router, TCP is refused at once.",
    apply: (s) => s.ipt("rt", "-A FORWARD -j REJECT"),
    probes: pingTcp,
    listenPorts: [80],
  },
  {
    fault: "tcp-port-only-drop-router",
    description:
      "The router drops only TCP to port 80 in FORWARD: ping answered, TCP 80 times out.",
    apply: (s) => s.ipt("rt", "-A FORWARD -p tcp -m tcp --dport 80 -j DROP"),
    probes: pingTcp,
    listenPorts: [80],
  },
  {
    fault: "stateful-firewall",
    description:
      "The router forwards only new flows from h1's side plus ESTABLISHED,RELATED (policy DROP): h1 → h2 ping and TCP answered, h2 → h1 silent.",
    apply: (s) => {
      s.ipt("rt", "-P FORWARD DROP");
      s.ipt("rt", "-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
      s.ipt("rt", "-A FORWARD -i eth1 -o eth2 -j ACCEPT");
    },
    probes: (t) => [ping(t.h1, t.ip2), tcp(t.h1, t.ip2, 80), ping(t.h2, t.ip1)],
    listenPorts: [80],
  },
  {
    fault: "router-input-drop-irrelevant",
    description:
      "The router's INPUT policy is DROP: forwarded traffic never crosses INPUT, h1 → h2 answered; pinging the router itself is silent.",
    apply: (s) => s.ipt("rt", "-P INPUT DROP"),
    probes: (t) => [ping(t.h1, t.ip2), ping(t.h1, t.gw1)],
  },
  {
    fault: "blackhole-router",
    description:
      "The router has a blackhole /32 route for h2: the echo request is discarded without an ICMP error, silent.",
    apply: (s, t) => s.ip("rt", `route add blackhole ${t.ip2}/32`),
    probes: (t) => [ping(t.h1, t.ip2)],
  },
  {
    fault: "blackhole-sender",
    description:
      "h1 has a blackhole route for h2's /24: its own ping fails locally at once (ping: connect: Invalid argument).",
    apply: (s, t) => s.ip("h1", `route add blackhole ${t.net2}`),
    probes: (t) => [ping(t.h1, t.ip2)],
  },
  {
    fault: "router-link-down",
    description:
      "The router's leg towards h2 is set down, deleting its connected route: the router answers h1 with Destination Net Unreachable.",
    apply: (s) => s.ip("rt", "link set eth2 down"),
    probes: (t) => [ping(t.h1, t.ip2)],
  },
  {
    fault: "mtu-underlay-small",
    description:
      "The h2 side of the router has MTU 1400: a 1400-byte DF ping passes, a 1500-byte DF ping gets Frag needed and DF set (mtu = 1400) from the router, the same without DF is fragmented and answered.",
    apply: (s) => {
      s.ip("rt", "link set eth2 mtu 1400");
      s.ip("h2", "link set eth0 mtu 1400");
    },
    probes: (t) => [
      ping(t.h1, t.ip2, 1372, true),
      ping(t.h1, t.ip2, 1472, true),
      ping(t.h1, t.ip2, 1472, false),
    ],
  },
  {
    fault: "wrong-gateway-nonexistent",
    description:
      "h1's default route points at an address nobody holds on its /24: ARP for the gateway fails, silent within the probe's 1 s.",
    apply: (s, t) =>
      s.edit("h1:route:default", `via ${t.gw1}`, `via ${t.gw1.replace(/\d+$/, "254")}`),
    probes: (t) => [ping(t.h1, t.ip2)],
  },
  {
    fault: "masquerade-rescues-return-route",
    description:
      "h2 has no default route, but the router MASQUERADEs what leaves towards h2: h2 answers the router's own address, conntrack un-NATs, ping and TCP answered.",
    apply: (s) => {
      s.remove("h2:route:default");
      s.ipt("rt", "-t nat -A POSTROUTING -o eth2 -j MASQUERADE");
    },
    probes: pingTcp,
    listenPorts: [80],
  },
  {
    fault: "snat-rescues-return-route",
    description:
      "h2 has no default route, the router SNATs h1's subnet to its own address on h2's side: ping and TCP answered.",
    apply: (s, t) => {
      s.remove("h2:route:default");
      s.ipt("rt", `-t nat -A POSTROUTING -s ${t.net1} -o eth2 -j SNAT --to-source ${t.gw2}`);
    },
    probes: pingTcp,
    listenPorts: [80],
  },
  {
    fault: "dnat-port-forward",
    description:
      "The router DNATs TCP 8080 on its h1-side address to h2:80 (a port forward): h1's connect to the router:8080 reaches h2 and succeeds; ping of the router is answered by the router itself.",
    apply: (s, t) =>
      s.ipt(
        "rt",
        `-t nat -A PREROUTING -d ${t.gw1}/32 -p tcp -m tcp --dport 8080 -j DNAT --to-destination ${t.ip2}:80`,
      ),
    probes: (t) => [tcp(t.h1, t.gw1, 8080), ping(t.h1, t.gw1)],
    listenPorts: [80],
  },
];

const switchedVariants: Variant<Switched>[] = [
  {
    fault: "happy",
    description:
      "h1 and h3 on sw1, h2 on sw2, the router plugged into both switches: h1 → h2 ping and TCP answered.",
    probes: pingTcp,
    listenPorts: [80],
  },
  {
    fault: "wrong-gateway",
    description:
      "h1's default route points at h3, a host on its segment that does not forward: h3 drops the packet silently.",
    apply: (s, t) => s.edit("h1:route:default", `via ${t.gw1}`, `via ${t.ip3}`),
    probes: (t) => [ping(t.h1, t.ip2)],
  },
  {
    fault: "wrong-gateway-forwarding",
    description:
      "h1's default route points at h3, which forwards (ip_forward=1) via the router: answered, and h1 also prints h3's ICMP Redirect Host to the router.",
    apply: (s, t) => {
      s.edit("h1:route:default", `via ${t.gw1}`, `via ${t.ip3}`);
      forwarding(s, "h3");
    },
    probes: (t) => [ping(t.h1, t.ip2)],
  },
  {
    fault: "wrong-device-onlink",
    description:
      "h1 routes h2's /24 'dev eth0' as if it were on its own segment: it ARPs for h2 on sw1, nobody answers, silent.",
    apply: (s, t) => s.ip("h1", `route add ${t.net2} dev eth0`),
    probes: (t) => [ping(t.h1, t.ip2)],
  },
  {
    fault: "onlink-route-proxy-arp-rescue",
    description:
      "Same on-link route on h1, but the router has proxy_arp=1 on its sw1 leg: it answers the ARP for h2 with its own MAC and forwards, answered.",
    apply: (s, t) => {
      s.ip("h1", `route add ${t.net2} dev eth0`);
      s.sysctl("rt", "net.ipv4.conf.eth1.proxy_arp=1");
    },
    probes: (t) => [ping(t.h1, t.ip2)],
  },
  {
    fault: "wrong-neigh-mac",
    description:
      "The router holds a permanent neighbour entry for h2 with a MAC nobody owns: h2 discards the frames, silent.",
    apply: (s, t) =>
      s.ip("rt", `neigh add ${t.ip2} lladdr 02:33:00:00:00:99 dev eth2 nud permanent`),
    probes: (t) => [ping(t.h1, t.ip2)],
  },
  {
    fault: "switch-port-down",
    description:
      "sw2's port towards the router is set down: the router's eth2 loses carrier but keeps its route, ARP for h2 fails, silent.",
    apply: (s) => s.ip("sw2", "link set rt down"),
    probes: (t) => [ping(t.h1, t.ip2)],
  },
  {
    fault: "bridge-down",
    description:
      "sw1's bridge is set down: h1 cannot reach its gateway, silent; h1 cannot reach h3 on its own segment either.",
    apply: (s) => s.ip("sw1", "link set br0 down"),
    probes: (t) => [ping(t.h1, t.ip2), ping(t.h1, t.ip3)],
  },
  {
    fault: "forward-drop-switch",
    description:
      "sw2's netns has FORWARD policy DROP: br_netfilter makes the bridged IPv4 between the router and h2 go through it, silent.",
    apply: (s) => s.ipt("sw2", "-P FORWARD DROP"),
    probes: (t) => [ping(t.h1, t.ip2)],
  },
];

const twoRouterVariants: Variant<TwoRouters>[] = [
  {
    fault: "happy",
    description:
      "Two routers in series with a /29 transit, each with a static route to the far /24: ping (ttl=62) and TCP answered.",
    probes: pingTcp,
    listenPorts: [80],
  },
  {
    fault: "missing-route",
    description:
      "r1 lacks its route to h2's /24 and has no default: r1 answers h1 with Destination Net Unreachable.",
    apply: (s) => s.remove("r1:route:net2"),
    probes: (t) => [ping(t.h1, t.ip2)],
  },
  {
    fault: "missing-return-route",
    description:
      "r2 lacks its route back to h1's /24: the request reaches h2, r2 cannot route the reply (its ICMP error goes to h2), silent at h1.",
    apply: (s) => s.remove("r2:route:net1"),
    probes: pingTcp,
    listenPorts: [80],
  },
  {
    fault: "wrong-gateway",
    description:
      "r1's route to h2's /24 points at an unused transit address: r1's ARP fails, silent within the probe's 1 s.",
    apply: (s, t) => s.edit("r1:route:net2", `via ${t.t2}`, `via ${t.t2.replace(/\d+$/, "5")}`),
    probes: (t) => [ping(t.h1, t.ip2)],
  },
  {
    fault: "wrong-device",
    description:
      "r1's route to h2's /24 names the right gateway on the wrong device (h1's side): the kernel refuses it (setup error: Nexthop has invalid gateway), so r1 answers Destination Net Unreachable.",
    apply: (s) => s.edit("r1:route:net2", "dev eth2", "dev eth1"),
    probes: (t) => [ping(t.h1, t.ip2)],
  },
  {
    fault: "ip-forward-off-router",
    description: "r2 has ip_forward=0: silent; r2's transit address still answers h1.",
    apply: (s) => s.sysctl("r2", "net.ipv4.ip_forward=0"),
    probes: (t) => [ping(t.h1, t.ip2), ping(t.h1, t.t2)],
  },
  {
    fault: "forward-drop-router",
    description: "r2's FORWARD policy is DROP: ping and TCP silent.",
    apply: (s) => s.ipt("r2", "-P FORWARD DROP"),
    probes: pingTcp,
    listenPorts: [80],
  },
  {
    fault: "routing-loop",
    description:
      "r1 routes a third /24 via r2 and r2 routes it back via r1: the packet bounces until its TTL runs out, h1 gets Time to live exceeded.",
    apply: (s, t) => {
      s.ip("r1", `route add ${t.net3} via ${t.t2} dev eth2`);
      s.ip("r2", `route add ${t.net3} via ${t.t1} dev eth1`);
    },
    probes: (t) => [ping(t.h1, t.ip3)],
  },
  {
    fault: "routing-loop-defaults",
    description:
      "Each router's default route points at the other: a ping to an address neither knows loops until Time to live exceeded; h2 is still answered.",
    apply: (s, t) => {
      defaultVia(s, "r1", t.t2, "eth2");
      defaultVia(s, "r2", t.t1, "eth1");
    },
    probes: (t) => [ping(t.h1, "198.51.100.7"), ping(t.h1, t.ip2)],
  },
  {
    fault: "blackhole",
    description:
      "r1 has a blackhole route for a third /24: pinging into it is silent, while an address r1 has no route for at all gets Destination Net Unreachable.",
    apply: (s, t) => s.ip("r1", `route add blackhole ${t.net3}`),
    probes: (t) => [ping(t.h1, t.ip3), ping(t.h1, "198.51.100.7")],
  },
  {
    fault: "mtu-underlay-small",
    description:
      "The transit link has MTU 1300: a 1500-byte DF ping gets Frag needed and DF set (mtu = 1300) from r1; without DF it is fragmented and answered.",
    apply: (s) => {
      s.ip("r1", "link set eth2 mtu 1300");
      s.ip("r2", "link set eth1 mtu 1300");
    },
    probes: (t) => [ping(t.h1, t.ip2, 1472, true), ping(t.h1, t.ip2, 1472, false)],
  },
];

export function routedUnderlay(prefix: string): Scenario[] {
  return [
    ...expand(prefix, FAMILY, "direct", direct, directVariants),
    ...expand(prefix, FAMILY, "switched", switched, switchedVariants),
    ...expand(prefix, FAMILY, "two-routers", twoRouters, twoRouterVariants),
  ];
}
