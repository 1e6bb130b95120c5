// Flat L2: hosts on one veth, or on a switch (a netns holding bridge br0). No router, no
// forwarding: ARP, neighbour entries, link state, MTU on a segment, and INPUT/OUTPUT filtering.
import {
  addHost,
  addSwitch,
  expand,
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

const FAMILY = "flat-l2";

interface Pair {
  h1: string;
  h2: string;
  ip1: string;
  ip2: string;
  mac2: string;
}

interface Trio extends Pair {
  h3: string;
  ip3: string;
  mac3: string;
}

/** Two hosts on the two ends of one veth; `sub2` puts h2 on another /24 (no route between). */
function vethPair(s: Script, opts: { sub2?: boolean; len2?: number } = {}): Pair {
  const r = picker(11);
  const net = `10.${r.int(10, 90)}.${r.int(1, 200)}`;
  const net2 = opts.sub2 ? net.replace(/\.(\d+)$/, (_, n) => `.${Number(n) + 1}`) : net;
  const ip1 = `${net}.${r.int(2, 100)}`;
  const ip2 = `${net2}.${r.int(129, 250)}`;
  const mac1 = mac(0x02, 0x11, 0, 0, 0, 0x01);
  const mac2 = mac(0x02, 0x11, 0, 0, 0, 0x02);
  s.netns("h1");
  s.netns("h2");
  wire(s, "h1", "eth0", "h2", "eth0");
  ifUp(s, "h1", "eth0", `${ip1}/24`, { mac: mac1 });
  ifUp(s, "h2", "eth0", `${ip2}/${opts.len2 ?? 24}`, { mac: mac2 });
  return { h1: s.ns("h1"), h2: s.ns("h2"), ip1, ip2, mac2 };
}

/** Three hosts on switch sw (ports h1, h2, h3), one /24, no gateway. */
function switched(s: Script): Trio {
  const r = picker(12);
  const net = `172.${r.int(16, 31)}.${r.int(0, 255)}`;
  const [ip1, ip2, ip3] = [r.int(2, 250), r.int(2, 250), r.int(2, 250)].map((n) => `${net}.${n}`);
  const macs = [1, 2, 3].map((i) => mac(0x02, 0x22, 0, 0, 0, i));
  addSwitch(s, "sw");
  ["h1", "h2", "h3"].forEach((h, i) => {
    addHost(s, { name: h, cidr: `${[ip1, ip2, ip3][i]}/24`, sw: "sw", mac: macs[i] as string });
  });
  return {
    h1: s.ns("h1"),
    h2: s.ns("h2"),
    h3: s.ns("h3"),
    ip1: ip1 as string,
    ip2: ip2 as string,
    ip3: ip3 as string,
    mac2: macs[1] as string,
    mac3: macs[2] as string,
  };
}

const pingAndTcp = (t: Pair) => [ping(t.h1, t.ip2), tcp(t.h1, t.ip2, 80)];

const vethVariants: Variant<Pair>[] = [
  {
    fault: "happy",
    description:
      "Two hosts on the two ends of one veth, one /24: ARP resolves, ping and TCP 80 both answered.",
    probes: pingAndTcp,
    listenPorts: [80],
  },
  {
    fault: "tcp-closed-port",
    description:
      "Nothing listens on TCP 81 on h2: the kernel answers the SYN with a RST, connection refused (ping works).",
    probes: (t) => [ping(t.h1, t.ip2), tcp(t.h1, t.ip2, 81)],
    listenPorts: [80],
  },
  {
    fault: "static-neigh",
    description:
      "h1 holds a permanent neighbour entry with h2's real MAC: no ARP needed, ping answered.",
    apply: (s, t) => s.ip("h1", `neigh add ${t.ip2} lladdr ${t.mac2} dev eth0 nud permanent`),
    probes: (t) => [ping(t.h1, t.ip2)],
  },
  {
    fault: "wrong-neigh-mac",
    description:
      "h1's permanent neighbour entry for h2 has a MAC nobody owns: h2's eth0 discards the frame (other host), silent.",
    apply: (s, t) =>
      s.ip("h1", `neigh replace ${t.ip2} lladdr 02:11:00:00:00:99 dev eth0 nud permanent`),
    probes: (t) => [ping(t.h1, t.ip2)],
  },
  {
    fault: "veth-down",
    description:
      "h2's end of the veth is set down after setup: h1's route stays (linkdown), ARP gets no answer, silent.",
    apply: (s) => s.ip("h2", "link set eth0 down"),
    probes: (t) => [ping(t.h1, t.ip2)],
  },
  {
    fault: "veth-down-sender",
    description:
      "h1's own eth0 is set down: its connected route is deleted, ping fails locally with Network is unreachable.",
    apply: (s) => s.ip("h1", "link set eth0 down"),
    probes: (t) => [ping(t.h1, t.ip2)],
  },
  {
    fault: "mtu-mismatch",
    description:
      "h2's eth0 has MTU 1400, h1's 1500: a 1400-byte DF ping is answered; the veth refuses a 1500-byte frame into h2 and h1's ping fails locally with sendmsg: No buffer space available.",
    apply: (s) => s.ip("h2", "link set eth0 mtu 1400"),
    probes: (t) => [ping(t.h1, t.ip2, 1372, true), ping(t.h1, t.ip2, 1472, true)],
  },
  {
    fault: "icmp-input-drop",
    description:
      "h2 drops ICMP in INPUT: the echo request reaches h2 and dies in filter INPUT, no reply, no error; TCP connects.",
    apply: (s) => s.ipt("h2", "-A INPUT -p icmp -j DROP"),
    probes: pingAndTcp,
    listenPorts: [80],
  },
  {
    fault: "icmp-input-reject",
    description:
      "h2 REJECTs ICMP in INPUT: h1's ping prints Destination Port Unreachable from h2; TCP still connects.",
    apply: (s) => s.ipt("h2", "-A INPUT -p icmp -j REJECT"),
    probes: pingAndTcp,
    listenPorts: [80],
  },
  {
    fault: "tcp-port-only-drop",
    description: "h2 drops only TCP port 80 in INPUT: ping answered, TCP 80 times out.",
    apply: (s) => s.ipt("h2", "-A INPUT -p tcp -m tcp --dport 80 -j DROP"),
    probes: pingAndTcp,
    listenPorts: [80],
  },
  {
    fault: "tcp-port-only-reject",
    description:
      "h2 REJECTs TCP port 80 in INPUT: ping answered, TCP 80 refused at once (ICMP port unreachable).",
    apply: (s) => s.ipt("h2", "-A INPUT -p tcp --dport 80 -j REJECT"),
    probes: pingAndTcp,
    listenPorts: [80],
  },
  {
    fault: "output-drop",
    description:
      "h1 drops its own packets to h2 in OUTPUT: ping is silent (no local error printed) and the TCP connect times out.",
    apply: (s, t) => s.ipt("h1", `-A OUTPUT -d ${t.ip2}/32 -j DROP`),
    probes: pingAndTcp,
    listenPorts: [80],
  },
  {
    fault: "input-policy-drop",
    description:
      "h2's INPUT policy is DROP: ARP is still answered (not IP), the echo request reaches h2 and is dropped, silent; TCP times out.",
    apply: (s) => s.ipt("h2", "-P INPUT DROP"),
    probes: pingAndTcp,
    listenPorts: [80],
  },
];

const otherSubnetVariants: Variant<Pair>[] = [
  {
    fault: "missing-route",
    description:
      "h1 and h2 share a cable but h2's address is on another /24 and h1 has no route to it: ping fails locally, Network is unreachable.",
    probes: (t) => [ping(t.h1, t.ip2)],
  },
  {
    fault: "onlink-route-fix",
    description:
      "Different /24s on one cable, each host with a /32 dev eth0 route to the other: ARP works across the subnets, ping answered.",
    apply: (s, t) => {
      s.ip("h1", `route add ${t.ip2}/32 dev eth0`);
      s.ip("h2", `route add ${t.ip1}/32 dev eth0`);
    },
    probes: (t) => [ping(t.h1, t.ip2)],
  },
  {
    fault: "missing-return-route",
    description:
      "Different /24s on one cable, only h1 has a /32 route to h2: the request reaches h2, which has no route back, silent.",
    apply: (s, t) => s.ip("h1", `route add ${t.ip2}/32 dev eth0`),
    probes: (t) => [ping(t.h1, t.ip2)],
  },
];

const netmaskVariants: Variant<Pair>[] = [
  {
    fault: "netmask-mismatch",
    description:
      "h1 is /24 but h2 is /25 (upper half) and h1 sits in the lower half: the request reaches h2, whose reply has no route, silent.",
    probes: (t) => [ping(t.h1, t.ip2)],
  },
];

const switchVariants: Variant<Trio>[] = [
  {
    fault: "happy",
    description:
      "Three hosts on a switch netns's bridge br0: h1 pings h2 and h3 and connects to h2 on TCP 80; all answered.",
    probes: (t) => [ping(t.h1, t.ip2), ping(t.h1, t.ip3), tcp(t.h1, t.ip2, 80)],
    listenPorts: [80],
  },
  {
    fault: "switch-port-down",
    description: "The switch port facing h2 is set down: h1 → h2 silent, h1 → h3 still answered.",
    apply: (s) => s.ip("sw", "link set h2 down"),
    probes: (t) => [ping(t.h1, t.ip2), ping(t.h1, t.ip3)],
  },
  {
    fault: "bridge-down",
    description:
      "The switch's bridge br0 is set down: its ports stop forwarding, everything silent.",
    apply: (s) => s.ip("sw", "link set br0 down"),
    probes: (t) => [ping(t.h1, t.ip2), ping(t.h1, t.ip3)],
  },
  {
    fault: "missing-switch-port",
    description:
      "h2's switch port is up but was never enslaved to br0: h1 → h2 silent, h1 → h3 answered.",
    apply: (s) => s.remove("sw:h2:master"),
    probes: (t) => [ping(t.h1, t.ip2), ping(t.h1, t.ip3)],
  },
  {
    fault: "forward-drop-on-switch",
    description:
      "The switch netns has iptables FORWARD policy DROP: with br_netfilter (bridge-nf-call-iptables=1 in every netns) bridged IPv4 is dropped, silent.",
    apply: (s) => s.ipt("sw", "-P FORWARD DROP"),
    probes: (t) => [ping(t.h1, t.ip2)],
  },
  {
    fault: "switch-port-mtu",
    description:
      "The switch port towards h2 has MTU 1400: a 1500-byte DF ping is dropped by the bridge (silent), a 1400-byte one is answered.",
    apply: (s) => s.ip("sw", "link set h2 mtu 1400"),
    probes: (t) => [ping(t.h1, t.ip2, 1372, true), ping(t.h1, t.ip2, 1472, true)],
  },
  {
    fault: "wrong-neigh-mac",
    description:
      "h1's permanent neighbour entry for h2 carries h3's MAC: the frame goes to h3, which does not forward (ip_forward=0), silent and not delivered anywhere.",
    apply: (s, t) => s.ip("h1", `neigh add ${t.ip2} lladdr ${t.mac3} dev eth0 nud permanent`),
    probes: (t) => [ping(t.h1, t.ip2)],
  },
  {
    fault: "wrong-neigh-mac-forwarding-host",
    description:
      "Same wrong neighbour MAC (h3's), but h3 forwards: h3 routes the packet on to h2 on the same segment, the ping is answered and h1 also prints h3's ICMP Redirect Host (send_redirects=1 by default).",
    apply: (s, t) => {
      s.ip("h1", `neigh add ${t.ip2} lladdr ${t.mac3} dev eth0 nud permanent`);
      s.sysctl("h3", "net.ipv4.ip_forward=1");
    },
    probes: (t) => [ping(t.h1, t.ip2)],
  },
  {
    fault: "syn-reject",
    description: "h2 REJECTs new TCP connections to port 80 (--syn): ping answered, TCP refused.",
    apply: (s) => s.ipt("h2", "-A INPUT -p tcp -m tcp --dport 80 --syn -j REJECT"),
    probes: (t) => [ping(t.h1, t.ip2), tcp(t.h1, t.ip2, 80)],
    listenPorts: [80],
  },
  {
    fault: "not-source-drop",
    description:
      "h2 drops ICMP from anyone but h3 (! -s): h1's echo request reaches h2 and is dropped (silent), h3's is answered.",
    apply: (s, t) => s.ipt("h2", `-A INPUT ! -s ${t.ip3}/32 -p icmp -j DROP`),
    probes: (t) => [ping(t.h1, t.ip2), ping(t.h3, t.ip2)],
  },
  {
    fault: "user-chain-return",
    description:
      "h2's INPUT jumps to a user chain that RETURNs h3's packets and drops other ICMP: h1 silent, h3 answered.",
    apply: (s, t) => {
      s.ipt("h2", "-N HOST-FW");
      s.ipt("h2", '-A INPUT -m comment --comment "host firewall" -j HOST-FW');
      s.ipt("h2", `-A HOST-FW -s ${t.ip3}/32 -j RETURN`);
      s.ipt("h2", "-A HOST-FW -p icmp -j DROP");
    },
    probes: (t) => [ping(t.h1, t.ip2), ping(t.h3, t.ip2)],
  },
  {
    fault: "insert-accept",
    description:
      "h2 drops ICMP, then an ACCEPT for h1 is inserted (-I) ahead of the drop: h1 answered, h3 silent.",
    apply: (s, t) => {
      s.ipt("h2", "-A INPUT -p icmp -j DROP");
      s.ipt("h2", `-I INPUT -s ${t.ip1}/32 -j ACCEPT`);
    },
    probes: (t) => [ping(t.h1, t.ip2), ping(t.h3, t.ip2)],
  },
  {
    fault: "delete-rule",
    description: "h2 appends an ICMP DROP to INPUT and deletes it again (-D): ping answered.",
    apply: (s) => {
      s.ipt("h2", "-A INPUT -p icmp -j DROP");
      s.ipt("h2", "-D INPUT -p icmp -j DROP");
    },
    probes: (t) => [ping(t.h1, t.ip2)],
  },
  {
    fault: "flush-rules",
    description: "h2 drops ICMP and TCP in INPUT, then flushes INPUT (-F): ping and TCP answered.",
    apply: (s) => {
      s.ipt("h2", "-A INPUT -p icmp -j DROP");
      s.ipt("h2", "-A INPUT -p tcp -j DROP");
      s.ipt("h2", "-F INPUT");
    },
    probes: (t) => [ping(t.h1, t.ip2), tcp(t.h1, t.ip2, 80)],
    listenPorts: [80],
  },
  {
    fault: "delete-missing-rule",
    description:
      "h2 tries to delete a rule that was never added: the -D line is refused (a setup error), nothing changes, ping answered.",
    apply: (s) => s.ipt("h2", "-D INPUT -p icmp -j DROP"),
    probes: (t) => [ping(t.h1, t.ip2)],
  },
];

export function flatL2(prefix: string): Scenario[] {
  return [
    ...expand(prefix, FAMILY, "veth", (s) => vethPair(s), vethVariants),
    ...expand(
      prefix,
      FAMILY,
      "veth-two-subnets",
      (s) => vethPair(s, { sub2: true }),
      otherSubnetVariants,
    ),
    ...expand(prefix, FAMILY, "veth-netmask", (s) => vethPair(s, { len2: 25 }), netmaskVariants),
    ...expand(prefix, FAMILY, "switch", switched, switchVariants),
  ];
}
