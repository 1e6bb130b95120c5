/**
 * The `nft` command: its grammar (what kube-proxy writes), nft's errors, and `nft list` as nft
 * v1.0.6 prints it. The expected listings were printed by the real nft on the same commands (the
 * kernel replay in test/kernel/clusters.test.ts compares kube-proxy's whole table again).
 */

import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { clusterFileScript, runCluster, runScript, runShow } from "../../src/sim";
import type { PlannedService, PlannedServicePort } from "../../src/sim/cluster/services";
import { nftEndpointChain, nftServiceChain } from "../../src/sim/proxy/names";

/** A namespace `x` after `nft` ran each command (each one shell word, as the installer writes it). */
function nftWorld(commands: readonly string[]) {
  const script = ["ip netns add x", ...commands.map((c) => `ip netns exec x nft '${c}'`)].join(
    "\n",
  );
  return runScript(script);
}

function nft(commands: readonly string[], ...show: string[]) {
  const { world, setupErrors } = nftWorld(commands);
  return { out: runShow(world, "x", ["nft", ...show]), setupErrors };
}

const lines = (...l: string[]): string => `${l.join("\n")}\n`;

describe("nft list prints what nft prints", () => {
  test("kube-proxy's table on node1 of services-nftables, as nft 1.0.6 listed it in the kernel", () => {
    const text = readFileSync(
      new URL("../../examples/clusters/services-nftables.yaml", import.meta.url),
      "utf8",
    );
    const built = clusterFileScript(text);
    if (!built.ok) throw new Error(JSON.stringify(built.errors));
    const { world, setupErrors } = runCluster(built);
    expect(setupErrors).toEqual([]);
    const web = built.plan.services[0] as PlannedService;
    const port = web.ports[0] as PlannedServicePort;
    const svc = nftServiceChain("service", web, port);
    const ep = nftEndpointChain(web, port, "10.244.2.2", 8080);
    expect([svc, ep]).toEqual([
      "service-PFISGYVC-default/web/tcp/",
      "endpoint-K52L44CG-default/web/tcp/__10.244.2.2/8080",
    ]);
    expect(runShow(world, "node1", ["nft", "list", "table", "ip", "kube-proxy"]).output).toBe(
      lines(
        "table ip kube-proxy {",
        '\tcomment "rules for kube-proxy"',
        "\tset cluster-ips {",
        "\t\ttype ipv4_addr",
        '\t\tcomment "Active ClusterIPs"',
        "\t\telements = { 10.96.0.80 }",
        "\t}",
        "",
        "\tset nodeport-ips {",
        "\t\ttype ipv4_addr",
        '\t\tcomment "IPs that accept NodePort traffic"',
        "\t\telements = { 192.168.1.11 }",
        "\t}",
        "",
        "\tmap no-endpoint-services {",
        "\t\ttype ipv4_addr . inet_proto . inet_service : verdict",
        '\t\tcomment "vmap to drop or reject packets to services with no endpoints"',
        "\t}",
        "",
        "\tmap no-endpoint-nodeports {",
        "\t\ttype inet_proto . inet_service : verdict",
        '\t\tcomment "vmap to drop or reject packets to service nodeports with no endpoints"',
        "\t}",
        "",
        "\tmap firewall-ips {",
        "\t\ttype ipv4_addr . inet_proto . inet_service : verdict",
        '\t\tcomment "destinations that are subject to LoadBalancerSourceRanges"',
        "\t}",
        "",
        "\tmap service-ips {",
        "\t\ttype ipv4_addr . inet_proto . inet_service : verdict",
        '\t\tcomment "ClusterIP, ExternalIP and LoadBalancer IP traffic"',
        "\t\telements = { 10.96.0.80 . tcp . 80 : goto service-PFISGYVC-default/web/tcp/ }",
        "\t}",
        "",
        "\tmap service-nodeports {",
        "\t\ttype inet_proto . inet_service : verdict",
        '\t\tcomment "NodePort traffic"',
        "\t}",
        "",
        "\tchain filter-prerouting-pre-dnat {",
        "\t\ttype filter hook prerouting priority dstnat - 10; policy accept;",
        "\t\tct state new jump firewall-check",
        "\t}",
        "",
        "\tchain filter-output-pre-dnat {",
        "\t\ttype filter hook output priority -110; policy accept;",
        "\t\tct state new jump firewall-check",
        "\t}",
        "",
        "\tchain filter-input {",
        "\t\ttype filter hook input priority filter; policy accept;",
        "\t\tct state new jump nodeport-endpoints-check",
        "\t\tct state new jump service-endpoints-check",
        "\t}",
        "",
        "\tchain filter-forward {",
        "\t\ttype filter hook forward priority filter; policy accept;",
        "\t\tct state new jump service-endpoints-check",
        "\t\tct state new jump cluster-ips-check",
        "\t}",
        "",
        "\tchain filter-output {",
        "\t\ttype filter hook output priority filter; policy accept;",
        "\t\tct state new jump service-endpoints-check",
        "\t\tct state new jump cluster-ips-check",
        "\t}",
        "",
        "\tchain nat-prerouting {",
        "\t\ttype nat hook prerouting priority dstnat; policy accept;",
        "\t\tjump services",
        "\t}",
        "",
        "\tchain nat-output {",
        "\t\ttype nat hook output priority -100; policy accept;",
        "\t\tjump services",
        "\t}",
        "",
        "\tchain nat-postrouting {",
        "\t\ttype nat hook postrouting priority srcnat; policy accept;",
        "\t\tjump masquerading",
        "\t}",
        "",
        "\tchain nodeport-endpoints-check {",
        "\t\tip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports",
        "\t}",
        "",
        "\tchain service-endpoints-check {",
        "\t\tip daddr . meta l4proto . th dport vmap @no-endpoint-services",
        "\t}",
        "",
        "\tchain firewall-check {",
        "\t\tip daddr . meta l4proto . th dport vmap @firewall-ips",
        "\t}",
        "",
        "\tchain services {",
        "\t\tip daddr . meta l4proto . th dport vmap @service-ips",
        "\t\tip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports",
        "\t}",
        "",
        "\tchain masquerading {",
        "\t\tmeta mark & 0x00004000 == 0x00000000 return",
        "\t\tmeta mark set meta mark ^ 0x00004000",
        "\t\tmasquerade fully-random",
        "\t}",
        "",
        "\tchain cluster-ips-check {",
        '\t\tip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"',
        '\t\tip daddr 10.96.0.0/12 drop comment "Drop traffic to unallocated ClusterIPs"',
        "\t}",
        "",
        "\tchain mark-for-masquerade {",
        "\t\tmeta mark set meta mark | 0x00004000",
        "\t}",
        "",
        "\tchain reject-chain {",
        '\t\tcomment "helper for @no-endpoint-services / @no-endpoint-nodeports"',
        "\t\treject",
        "\t}",
        "",
        "\tchain endpoint-K52L44CG-default/web/tcp/__10.244.2.2/8080 {",
        "\t\tip saddr 10.244.2.2 jump mark-for-masquerade",
        "\t\tmeta l4proto tcp dnat to 10.244.2.2:8080",
        "\t}",
        "",
        "\tchain service-PFISGYVC-default/web/tcp/ {",
        "\t\tip daddr 10.96.0.80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade",
        "\t\tnumgen random mod 1 vmap { 0 : goto endpoint-K52L44CG-default/web/tcp/__10.244.2.2/8080 }",
        "\t}",
        "}",
      ),
    );
  });

  test("elements are sorted as nft sorts them: addresses by value two a line, concatenations by their last byte first", () => {
    const { out, setupErrors } = nft(
      [
        "add table ip q",
        "add set ip q s { type ipv4_addr ; }",
        ...["10.96.0.9", "10.96.0.3", "10.96.0.200", "10.96.0.1", "10.1.0.1"].map(
          (ip) => `add element ip q s { ${ip} }`,
        ),
        "add map ip q m { type ipv4_addr . inet_proto . inet_service : verdict ; }",
        ...["10.96.0.9", "10.96.0.3", "10.96.0.200", "10.96.0.1", "10.1.0.1"].map(
          (ip) => `add element ip q m { ${ip} . tcp . 80 : drop }`,
        ),
        "add map ip q n { type inet_proto . inet_service : verdict ; }",
        "add element ip q n { tcp . 30080 : drop }",
        "add element ip q n { tcp . 30001 : drop }",
        "add element ip q n { udp . 30002 : drop }",
      ],
      "list",
      "ruleset",
    );
    expect(setupErrors).toEqual([]);
    expect(out.output).toBe(
      lines(
        "table ip q {",
        "\tset s {",
        "\t\ttype ipv4_addr",
        "\t\telements = { 10.1.0.1, 10.96.0.1,",
        "\t\t\t     10.96.0.3, 10.96.0.9,",
        "\t\t\t     10.96.0.200 }",
        "\t}",
        "",
        "\tmap m {",
        "\t\ttype ipv4_addr . inet_proto . inet_service : verdict",
        "\t\telements = { 10.1.0.1 . tcp . 80 : drop,",
        "\t\t\t     10.96.0.1 . tcp . 80 : drop,",
        "\t\t\t     10.96.0.3 . tcp . 80 : drop,",
        "\t\t\t     10.96.0.9 . tcp . 80 : drop,",
        "\t\t\t     10.96.0.200 . tcp . 80 : drop }",
        "\t}",
        "",
        "\tmap n {",
        "\t\ttype inet_proto . inet_service : verdict",
        "\t\telements = { tcp . 30001 : drop,",
        "\t\t\t     udp . 30002 : drop,",
        "\t\t\t     tcp . 30080 : drop }",
        "\t}",
        "}",
      ),
    );
  });

  test("rules in nft's normal form: named priorities, folded protocol matches, meta mark, reject defaults, handles", () => {
    const { out, setupErrors } = nft(
      [
        'add table ip r { comment "c1" ; }',
        "add chain ip r x",
        'add chain ip r b { type filter hook forward priority 0 ; policy drop ; comment "bc" ; }',
        "add chain ip r e { type filter hook output priority 10 ; }",
        "add chain ip r i { type filter hook input priority -110 ; }",
        "add rule ip r b reject with icmp type port-unreachable",
        "add rule ip r b reject with icmp admin-prohibited",
        "add rule ip r b ip daddr 10.0.0.1/32 accept",
        "add rule ip r b ip daddr 10.0.0.1/8 accept",
        "add rule ip r b mark 0x4000 accept",
        "add rule ip r b mark set mark and 0xff",
        "add rule ip r b ct state new,established accept",
        "add rule ip r b meta l4proto 6 accept",
        "add rule ip r b meta l4proto udp th dport 53 drop",
        "add rule ip r b ip daddr != { 1.2.3.4, 10.0.0.0/8 } accept",
        "add rule ip r b numgen random mod 3 vmap { 0 : goto x, 1 : jump x, 2 : drop }",
        'add rule ip r b ip saddr 10.244.2.2 tcp dport != 80 jump x comment "hi there"',
        "add rule ip r b fib daddr type != local accept",
      ],
      "-a",
      "list",
      "ruleset",
    );
    expect(setupErrors).toEqual([]);
    // The real nft printed these lines for the same commands (anonymous sets take a handle).
    expect(out.output).toBe(
      lines(
        "table ip r { # handle 1",
        '\tcomment "c1"',
        "\tchain x { # handle 1",
        "\t}",
        "",
        "\tchain b { # handle 2",
        '\t\tcomment "bc"',
        "\t\ttype filter hook forward priority filter; policy drop;",
        "\t\treject # handle 5",
        "\t\treject with icmp admin-prohibited # handle 6",
        "\t\tip daddr 10.0.0.1 accept # handle 7",
        "\t\tip daddr 10.0.0.0/8 accept # handle 8",
        "\t\tmeta mark 0x00004000 accept # handle 9",
        "\t\tmeta mark set meta mark & 0x000000ff # handle 10",
        "\t\tct state established,new accept # handle 11",
        "\t\tmeta l4proto tcp accept # handle 12",
        "\t\tudp dport 53 drop # handle 13",
        "\t\tip daddr != { 1.2.3.4, 10.0.0.0/8 } accept # handle 15",
        "\t\tnumgen random mod 3 vmap { 0 : goto x, 1 : jump x, 2 : drop } # handle 17",
        '\t\tip saddr 10.244.2.2 tcp dport != 80 jump x comment "hi there" # handle 18',
        "\t\tfib daddr type != local accept # handle 19",
        "\t}",
        "",
        "\tchain e { # handle 3",
        "\t\ttype filter hook output priority filter + 10; policy accept;",
        "\t}",
        "",
        "\tchain i { # handle 4",
        "\t\ttype filter hook input priority -110; policy accept;",
        "\t}",
        "}",
      ),
    );
  });

  test("list chain, set and tables print just that, inside the table", () => {
    const cmds = [
      'add table ip t { comment "not printed for one chain" ; }',
      "add chain ip t c",
      "add rule ip t c drop",
      "add set ip t s { type inet_service ; }",
      "add element ip t s { 1, 2, 3, 4, 5, 6, 7 }",
    ];
    expect(nft(cmds, "list", "chain", "ip", "t", "c").out.output).toBe(
      lines("table ip t {", "\tchain c {", "\t\tdrop", "\t}", "}"),
    );
    expect(nft(cmds, "list", "set", "ip", "t", "s").out.output).toBe(
      lines(
        "table ip t {",
        "\tset s {",
        "\t\ttype inet_service",
        "\t\telements = { 1, 2, 3, 4, 5,",
        "\t\t\t     6, 7 }",
        "\t}",
        "}",
      ),
    );
    expect(nft(cmds, "list", "tables").out.output).toBe("table ip t\n");
  });
});

describe("kube-proxy's chain names", () => {
  test("are hashed as kube-proxy hashes them (its own test's ns1/svc1:p80 and endpoint 10.180.0.1:80)", () => {
    const svc = { namespace: "ns1", name: "svc1" } as PlannedService;
    const port = { name: "p80", protocol: "TCP" } as PlannedServicePort;
    expect(nftServiceChain("service", svc, port)).toBe("service-ULMVA6XW-ns1/svc1/tcp/p80");
    expect(nftEndpointChain(svc, port, "10.180.0.1", 80)).toBe(
      "endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80",
    );
  });
});

describe("bad nft lines are refused as nft refuses them", () => {
  const setup = [
    "add table ip kube-proxy",
    "add chain ip kube-proxy foo",
    "add chain ip kube-proxy nat-prerouting { type nat hook prerouting priority -100 ; }",
    "add map ip kube-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; }",
    "add set ip kube-proxy cluster-ips { type ipv4_addr ; }",
    "add rule ip kube-proxy nat-prerouting ip daddr . meta l4proto . th dport vmap @service-ips",
  ];
  const refusal = (line: string): string => {
    const { world, setupErrors } = nftWorld(setup);
    expect(setupErrors).toEqual([]);
    const r = runShow(world, "x", ["nft", line]);
    expect(r.ok).toBe(false);
    return r.output;
  };

  // Each message, command and caret line as the real nft printed them.
  test.each([
    [
      "add rule ip kube-proxy nochain accept",
      "Error: Could not process rule: No such file or directory",
      "                       ^^^^^^^",
    ],
    [
      "add rule ip kube-proxy foo ip daddr @noset accept",
      "Error: No such file or directory",
      "                                    ^^^^^^",
    ],
    [
      "add rule ip kube-proxy foo ip dadr 1.2.3.4",
      "Error: syntax error, unexpected string",
      "                              ^^^^",
    ],
    ["add foo", "Error: syntax error, unexpected newline, expecting string", "       ^"],
    [
      "add rule ip kube-proxy foo ip daddr @service-ips accept",
      "Error: datatype mismatch, expected IPv4 address, expression has type concatenation of (IPv4 address, Internet protocol, internet network service)",
      `${" ".repeat(27)}~~~~~~~~ ^^^^^^^^^^^^`,
    ],
    [
      "add element ip kube-proxy service-ips { 10.96.0.80 . tcp : drop }",
      "Error: datatype mismatch, expected concatenation of (IPv4 address, Internet protocol, internet network service), expression has type concatenation of (IPv4 address, Internet protocol)",
      "                                        ^^^^^^^^^^^^^^^^",
    ],
    [
      "add element ip kube-proxy service-ips { 10.96.0.90 . tcp . 80 : goto nochain }",
      "Error: Could not process rule: No such file or directory",
      "                                        ^^^^^^^^^^^^^^^^^^^^^",
    ],
    [
      "add rule ip kube-proxy foo tcp dport 99999 accept",
      "Error: Service out of range",
      "                                     ^^^^^",
    ],
    [
      "add chain ip kube-proxy out { type nat hook output priority dstnat ; }",
      "Error: invalid priority expression value in this context.",
      "                                                   ^^^^^^^^^^^^^^^",
    ],
    [
      "add chain ip kube-proxy nat-prerouting { type filter hook prerouting priority -100 ; }",
      "Error: Could not process rule: File exists",
      "                        ^^^^^^^^^^^^^^",
    ],
    [
      "delete map ip kube-proxy service-ips",
      "Error: Could not process rule: Device or resource busy",
      "                         ^^^^^^^^^^^",
    ],
    [
      "add rule ip kube-proxy foo goto nat-prerouting",
      "Error: Could not process rule: Operation not supported",
      "                                ^^^^^^^^^^^^^^",
    ],
  ])("%s", (line, message, carets) => {
    expect(refusal(line)).toBe(`${message}\n${line}\n${carets}\n`);
  });

  test("a jump that closes a loop is refused (the kernel's ELOOP check says Too many links)", () => {
    const { world } = nftWorld([
      ...setup,
      "add chain ip kube-proxy bar",
      "add rule ip kube-proxy bar jump foo",
    ]);
    const r = runShow(world, "x", ["nft", "add rule ip kube-proxy foo jump bar"]);
    expect(r.output).toBe(
      `Error: Could not process rule: Too many links\nadd rule ip kube-proxy foo jump bar\n${"^".repeat(36)}\n`,
    );
  });

  test("dnat in a chain a filter hook reaches, or masquerade reached from prerouting, is refused", () => {
    const { world } = nftWorld([
      ...setup,
      "add chain ip kube-proxy fwd { type filter hook forward priority 0 ; }",
      "add rule ip kube-proxy fwd jump foo",
    ]);
    const dnat = runShow(world, "x", [
      "nft",
      "add rule ip kube-proxy foo meta l4proto tcp dnat to 10.1.1.1:80",
    ]);
    expect(dnat.output.split("\n")[0]).toBe(
      "Error: Could not process rule: Operation not supported",
    );
    // An element that sends nat-prerouting's lookups to a chain that masquerades.
    const masq = nftWorld([
      ...setup,
      "add chain ip kube-proxy m",
      "add rule ip kube-proxy m masquerade",
    ]);
    const el = runShow(masq.world, "x", [
      "nft",
      "add element ip kube-proxy service-ips { 10.96.0.1 . tcp . 80 : goto m }",
    ]);
    expect(el.output.split("\n")[0]).toBe("Error: Could not process rule: Operation not supported");
  });

  test("what kube-proxy never writes is refused as not modelled, pointing at it", () => {
    expect(refusal("add rule ip kube-proxy foo counter")).toContain(
      "counter (the simulator's probes do not change the world",
    );
    expect(refusal("add table inet x")).toContain("the inet family");
    expect(refusal("add rule ip kube-proxy foo limit rate 10/second")).toBe(
      "Error: podnet-learn: limit is not modelled (the simulator models the nft statements kube-proxy writes)\nadd rule ip kube-proxy foo limit rate 10/second\n                           ^^^^^\n",
    );
    const f = runShow(nftWorld([]).world, "x", ["nft", "-f", "rules.nft"]);
    expect(f.output).toContain("nft -f is not modelled");
  });

  test("a refused command changes nothing", () => {
    const { world } = nftWorld(setup);
    const before = runShow(world, "x", ["nft", "list", "ruleset"]).output;
    runShow(world, "x", [
      "nft",
      "add element ip kube-proxy service-ips { 10.96.0.1 . tcp . 80 : goto foo, 10.96.0.2 . tcp . 80 : goto nochain }",
    ]);
    expect(runShow(world, "x", ["nft", "list", "ruleset"]).output).toBe(before);
  });
});

describe("the commands change what they name", () => {
  test("delete rule by handle, delete element, flush chain, flush table, delete chain, flush ruleset", () => {
    const { world } = nftWorld([
      "add table ip t",
      "add chain ip t c",
      "add rule ip t c drop",
      "add rule ip t c accept",
      "add set ip t s { type ipv4_addr ; }",
      "add element ip t s { 10.0.0.1, 10.0.0.2 }",
    ]);
    const run = (line: string) => runShow(world, "x", ["nft", line]);
    expect(run("delete rule ip t c handle 2").ok).toBe(true);
    expect(run("delete element ip t s { 10.0.0.1 }").ok).toBe(true);
    expect(run("list table ip t").output).toBe(
      lines(
        "table ip t {",
        "\tset s {",
        "\t\ttype ipv4_addr",
        "\t\telements = { 10.0.0.2 }",
        "\t}",
        "",
        "\tchain c {",
        "\t\taccept",
        "\t}",
        "}",
      ),
    );
    expect(run("flush table ip t").ok).toBe(true);
    expect(run("list chain ip t c").output).toBe(lines("table ip t {", "\tchain c {", "\t}", "}"));
    expect(run("delete chain ip t c").ok).toBe(true);
    expect(run("list chain ip t c").output).toContain("Error: No such file or directory");
    expect(run("flush ruleset").ok).toBe(true);
    expect(run("list ruleset").output).toBe("");
  });
});
