import { describe, expect, test } from "vitest";
import { runScript, runShow } from "../../src/sim";
import { example } from "../helpers/examples";

/** Runs `setup` then one more line, and returns what that line was refused with (or null). */
function refusal(setup: string[], line: string): string | null {
  const { setupErrors } = runScript([...setup, line].join("\n"));
  const last = setupErrors.find((e) => e.line === setup.length + 1);
  const earlier = setupErrors.filter((e) => e.line <= setup.length);
  expect(earlier, "the setup itself must build").toEqual([]);
  return last?.message ?? null;
}

const twoEnds = [
  "ip netns add a",
  "ip -n a link add eth0 type veth peer name eth1",
  "ip -n a addr add 10.0.0.1/24 dev eth0",
];
const up = [...twoEnds, "ip -n a link set eth0 up", "ip -n a link set eth1 up"];

describe("the kernel's refusals, word for word (checked against Linux 6.18)", () => {
  test.each([
    [
      twoEnds,
      "ip -n a route add 10.1.0.0/24 via 10.0.0.2 dev eth0",
      "Error: Nexthop has invalid gateway.",
    ],
    [twoEnds, "ip -n a route add 10.1.0.0/24 dev eth0", "Error: Device for nexthop is not up."],
    [
      twoEnds,
      "ip -n a route add 10.8.0.0/24 via 10.8.0.1 dev eth0 onlink",
      "Error: Nexthop device is not up.",
    ],
    [up, "ip -n a route add 10.2.0.0/24 via 10.9.0.2", "Error: Nexthop has invalid gateway."],
    [
      [...up, "ip -n a route add 10.1.0.0/24 via 10.0.0.2"],
      "ip -n a route add 10.1.0.0/24 via 10.0.0.3",
      "RTNETLINK answers: File exists",
    ],
    [up, "ip -n a route del 10.7.0.0/24", "RTNETLINK answers: No such process"],
    [
      up,
      "ip -n a route change 10.7.0.0/24 dev eth0",
      "RTNETLINK answers: No such file or directory",
    ],
    [
      up,
      "ip -n a route add 10.1.0.1/24 dev eth0",
      "Error: Invalid prefix for given prefix length.",
    ],
    [
      up,
      "ip -n a route add 10.9.0.0/33 dev eth0",
      'Error: any valid prefix is expected rather than "10.9.0.0/33".',
    ],
    [up, "ip -n a route add 10.9.0.0/24 dev eth0 src 10.0.0.9", "Error: Invalid prefsrc address."],
    [up, "ip -n a route add 10.4.0.0/24 dev foo", 'Cannot find device "foo"'],
    [up, "ip -n a addr add 10.0.0.1/24 dev eth0", "Error: ipv4: Address already assigned."],
    [up, "ip -n a link add eth0 type bridge", "RTNETLINK answers: File exists"],
    [up, "ip -n a link set eth0 mtu 67", "Error: mtu less than device minimum."],
    [
      up,
      "ip -n a link set eth0 master nosuch",
      'Error: argument "nosuch" is wrong: Device does not exist',
    ],
    [
      ["ip netns add a"],
      "ip netns add a",
      'Cannot create namespace file "/run/netns/a": File exists',
    ],
    [
      [],
      "ip -n nosuch link set lo up",
      'Cannot open network namespace "nosuch": No such file or directory',
    ],
    [
      ["ip netns add a"],
      "ip netns exec a sysctl -w net.ipv4.conf.nosuch.proxy_arp=1",
      "sysctl: cannot stat /proc/sys/net/ipv4/conf/nosuch/proxy_arp: No such file or directory",
    ],
    [
      ["ip netns add a", "ip netns exec a iptables -t nat -N FOO"],
      "ip netns exec a iptables -t nat -N FOO",
      "iptables: Chain already exists.",
    ],
    [
      ["ip netns add a"],
      "ip netns exec a iptables -A NOSUCH -j ACCEPT",
      "iptables: No chain/target/match by that name.",
    ],
    [
      ["ip netns add a"],
      "ip netns exec a iptables -P FOO DROP",
      "iptables: Bad built-in chain name.",
    ],
    [
      ["ip netns add a"],
      "ip netns exec a iptables -D INPUT -p tcp -j DROP",
      "iptables: Bad rule (does a matching rule exist in that chain?).",
    ],
    [
      ["ip netns add a"],
      "ip netns exec a iptables -A FORWARD -p tcp -j DNAT --to-destination 10.0.0.1",
      "iptables v1.8.9 (nf_tables):  RULE_APPEND failed (Invalid argument): rule in chain FORWARD",
    ],
    [
      ["ip netns add a", "ip -n a link add vx0 type vxlan id 1 dstport 8472"],
      "ip -n a link add vx1 type vxlan id 1 dstport 8472",
      "Error: A VXLAN device with the specified VNI already exists.",
    ],
  ])("%#: %s", (setup, line, message) => {
    expect(refusal(setup, line)).toBe(message);
  });

  test("a gateway that is one of the namespace's own addresses is accepted, as the kernel accepts it", () => {
    expect(refusal(up, "ip -n a route add 10.3.0.0/24 via 10.0.0.1 dev eth0")).toBeNull();
  });
});

describe("malformed lines get iproute2's kind of message, and the rest of the script still runs", () => {
  test.each([
    [
      "ip -n a route add 10.0.0.300/24 dev eth0",
      'Error: any valid prefix is expected rather than "10.0.0.300/24".',
    ],
    [
      "ip -n a route add 10.5.0.0/24 via banana",
      'Error: inet address is expected rather than "banana".',
    ],
    [
      "ip -n a route add 10.5.0.0/24 dev eth0 sideways",
      'Error: either "to" is duplicate, or "sideways" is a garbage.',
    ],
    ["ip -n a route frobnicate", 'Command "frobnicate" is unknown, try "ip route help".'],
    ["ip -n a rouet", 'Object "rouet" is unknown, try "ip help".'],
    ["ip -n a neigh add 10.0.0.9 lladdr zz:zz dev eth0", '"zz:zz" is invalid lladdr.'],
    ["ip -n a addr add 10.0.0.5 dev", 'Not enough information: "dev" argument is required.'],
    ["ip -n a link set eth0 mtu", 'Command line is not complete. Try option "help"'],
    [
      "ip netns exec a iptables -A INPUT -p tcp --dport 80 -j DROP 'unclosed",
      "syntax error: unexpected end of line: unterminated ' quote",
    ],
    [
      "ip netns exec a tcpdump -i eth0",
      "tcpdump: command not found (the simulator models ip, bridge, sysctl, iptables, iptables-save, nft, ipvsadm, ipset and cilium-dbg)",
    ],
  ])("%s", (line, message) => {
    const { world, setupErrors } = runScript(
      [...up, line, "ip -n a route add 10.9.0.0/24 via 10.0.0.2"].join("\n"),
    );
    expect(setupErrors).toEqual([{ line: up.length + 1, command: line, message }]);
    // The line after the bad one was applied.
    expect(runShow(world, "a", ["ip", "route"]).output).toContain(
      "10.9.0.0/24 via 10.0.0.2 dev eth0",
    );
  });

  test("blank lines and comments are skipped but keep the line numbers honest", () => {
    const { setupErrors } = runScript(
      "# a comment\n\nip netns add a\n   # indented comment\nip -n a route add 10.0.0.0/8 dev nope\n",
    );
    expect(setupErrors.map((e) => e.line)).toEqual([5]);
  });
});

describe("state as the real tools print it", () => {
  const { world } = runScript(example("flannel-vxlan"));

  test("ip route on node1, byte for byte as the kernel printed it", () => {
    expect(runShow(world, "ex-node1", ["ip", "route"]).output).toBe(
      [
        "default via 192.168.1.1 dev eth0 ",
        "10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1 ",
        "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink ",
        "192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.12 ",
        "",
      ].join("\n"),
    );
  });

  test("ip route get picks flannel.1 and its /32 address as the source", () => {
    expect(runShow(world, "ex-node1", ["ip", "route", "get", "10.244.2.15"]).output).toBe(
      "10.244.2.15 via 10.244.2.0 dev flannel.1 src 10.244.1.0 uid 0 \n    cache \n",
    );
    expect(runShow(world, "ex-node1", ["ip", "route", "get", "192.168.1.12"]).output).toBe(
      "local 192.168.1.12 dev lo src 192.168.1.12 uid 0 \n    cache <local> \n",
    );
  });

  test("ip route get reports a missing route the way RTNETLINK does", () => {
    const { world: bare } = runScript("ip netns add z\nip -n z link set lo up");
    expect(runShow(bare, "z", ["ip", "route", "get", "10.1.1.1"])).toEqual({
      ok: false,
      output: "RTNETLINK answers: Network is unreachable\n",
    });
  });

  test("the permanent neighbour and FDB entry flanneld installs", () => {
    expect(runShow(world, "ex-node1", ["ip", "neigh", "show", "dev", "flannel.1"]).output).toBe(
      "10.244.2.0 lladdr 0a:58:0a:f4:02:00 PERMANENT \n",
    );
    expect(
      runShow(world, "ex-node1", ["bridge", "fdb", "show", "dev", "flannel.1"]).output,
    ).toContain("0a:58:0a:f4:02:00 dst 192.168.1.13 self permanent\n");
  });

  test("show does not exist for a namespace that does not", () => {
    expect(runShow(world, "ex-nope", ["ip", "route"])).toEqual({
      ok: false,
      output: 'Cannot open network namespace "ex-nope": No such file or directory\n',
    });
  });
});

describe("what a device going down does", () => {
  test("routes through it disappear for good; only the connected route returns when it is up again", () => {
    const script = [
      ...up,
      "ip -n a route add 10.8.0.0/24 via 10.0.0.9 dev eth0",
      "ip -n a link set eth0 down",
      "ip -n a link set eth0 up",
    ].join("\n");
    const { world } = runScript(script);
    expect(runShow(world, "a", ["ip", "route"]).output).toBe(
      "10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.1 \n",
    );
  });

  test("a route through a veth whose peer is down is kept and marked linkdown", () => {
    const { world } = runScript([...up, "ip -n a link set eth1 down"].join("\n"));
    expect(runShow(world, "a", ["ip", "route"]).output).toBe(
      "10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.1 linkdown \n",
    );
  });
});
