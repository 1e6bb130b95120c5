import { describe, expect, test } from "vitest";
import { runScript, runShow } from "../../src/sim";

/** A namespace `lb` with `lines` run in it through `ipvsadm` (or anything else). */
function lb(lines: string[]) {
  const script = ["ip netns add lb", ...lines.map((l) => `ip netns exec lb ${l}`)].join("\n");
  return runScript(script);
}

/** What the last line was refused with, the lines before it all accepted. */
function refusal(lines: string[]): string | null {
  const { setupErrors } = lb(lines);
  const earlier = setupErrors.filter((e) => e.line <= lines.length);
  expect(earlier, "the setup itself must run").toEqual([]);
  return setupErrors.find((e) => e.line === lines.length + 1)?.message ?? null;
}

function show(lines: string[], ...argv: string[]): { ok: boolean; output: string } {
  const { world, setupErrors } = lb(lines);
  expect(setupErrors).toEqual([]);
  return runShow(world, "lb", argv);
}

describe("ipvsadm -Ln prints the table as ipvsadm 1.31 does", () => {
  test("the version line, the title, services sorted by protocol, address and port, real servers by address", () => {
    const out = show(
      [
        "ipvsadm -A -u 10.96.0.10:53 -s rr",
        "ipvsadm -A -t 10.96.0.80:8080 -s sh",
        "ipvsadm -A -t 10.96.0.80:80 -s rr -p 10800",
        "ipvsadm -a -t 10.96.0.80:80 -r 10.244.2.2:8080 -m",
        "ipvsadm -a -t 10.96.0.80:80 -r 10.244.1.7:8080 -m -w 3",
        "ipvsadm -a -t 10.96.0.80:8080 -r 10.0.0.3 -g",
        "ipvsadm -a -t 10.96.0.80:8080 -r 10.0.0.4 -i -w 0",
      ],
      "ipvsadm",
      "-Ln",
    );
    expect(out).toEqual({
      ok: true,
      output: [
        "IP Virtual Server version 1.2.1 (size=4096)",
        "Prot LocalAddress:Port Scheduler Flags",
        "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn",
        "TCP  10.96.0.80:80 rr persistent 10800",
        "  -> 10.244.1.7:8080              Masq    3      0          0         ",
        "  -> 10.244.2.2:8080              Masq    1      0          0         ",
        "TCP  10.96.0.80:8080 sh",
        "  -> 10.0.0.3:8080                Route   1      0          0         ",
        "  -> 10.0.0.4:8080                Tunnel  0      0          0         ",
        "UDP  10.96.0.10:53 rr",
        "",
      ].join("\n"),
    });
  });

  test("addresses more than 2^31 apart sort as libipvs's signed difference does: 192.168/16 before 10/8", () => {
    const out = show(
      ["ipvsadm -A -t 10.96.0.80:80 -s rr", "ipvsadm -A -t 192.168.1.11:30080 -s rr"],
      "ipvsadm",
      "-Ln",
    );
    expect(out.output.split("\n").slice(3, 5)).toEqual([
      "TCP  192.168.1.11:30080 rr",
      "TCP  10.96.0.80:80 rr",
    ]);
  });

  test("-Ln -t VIP:PORT prints the title and that service only, without the version line", () => {
    const lines = ["ipvsadm -A -t 10.96.0.80:80 -s rr", "ipvsadm -A -t 10.96.0.81:80 -s rr"];
    expect(show(lines, "ipvsadm", "-Ln", "-t", "10.96.0.81:80").output).toBe(
      [
        "Prot LocalAddress:Port Scheduler Flags",
        "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn",
        "TCP  10.96.0.81:80 rr",
        "",
      ].join("\n"),
    );
    expect(show(lines, "ipvsadm", "-L", "-n", "-t", "10.96.0.82:80")).toEqual({
      ok: false,
      output: "No such service\n",
    });
  });

  test("-Sn writes the commands that rebuild the table", () => {
    expect(
      show(
        [
          "ipvsadm -A -t 10.96.0.80:80 -s wrr -p",
          "ipvsadm -a -t 10.96.0.80:80 -r 10.244.2.2:8080 -m -w 2",
        ],
        "ipvsadm",
        "-Sn",
      ).output,
    ).toBe("-A -t 10.96.0.80:80 -s wrr -p 300\n-a -t 10.96.0.80:80 -r 10.244.2.2:8080 -m -w 2\n");
  });

  test("an empty table is the version line and the title", () => {
    expect(show([], "ipvsadm", "-Ln").output).toBe(
      "IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n",
    );
  });

  test("-C clears every service; -D deletes one; -d deletes a real server", () => {
    const base = [
      "ipvsadm -A -t 10.0.0.1:80 -s rr",
      "ipvsadm -A -t 10.0.0.2:80 -s rr",
      "ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.1:80 -m",
      "ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.2:80 -m",
    ];
    expect(show([...base, "ipvsadm -C"], "ipvsadm", "-Ln").output.split("\n")).toHaveLength(4);
    const deleted = show(
      [...base, "ipvsadm -D -t 10.0.0.2:80", "ipvsadm -d -t 10.0.0.1:80 -r 10.0.1.1:80"],
      "ipvsadm",
      "-Ln",
    ).output;
    expect(deleted).not.toContain("10.0.0.2:80");
    expect(deleted).not.toContain("10.0.1.1:80");
    expect(deleted).toContain("10.0.1.2:80");
  });
});

describe("ipvsadm's options, as ipvsadm reads them", () => {
  test("-r without a port takes the virtual port; -g and -i always do; -m keeps the one given", () => {
    const out = show(
      [
        "ipvsadm -A -t 10.0.0.1:80 -s rr",
        "ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.1 -m",
        "ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.2:8080 -g",
        "ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.3:8080 -m",
      ],
      "ipvsadm",
      "-Sn",
    ).output;
    expect(out).toContain("-r 10.0.1.1:80 -m");
    expect(out).toContain("-r 10.0.1.2:80 -g");
    expect(out).toContain("-r 10.0.1.3:8080 -m");
  });

  test("a real server without -m, -g or -i is direct routing, of weight 1 (ipvsadm's defaults)", () => {
    const out = show(
      ["ipvsadm -A -t 10.0.0.1:80", "ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.1"],
      "ipvsadm",
      "-Sn",
    ).output;
    // The default scheduler is wlc (DEF_SCHED).
    expect(out).toBe("-A -t 10.0.0.1:80 -s wlc\n-a -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 1\n");
  });

  test("bundled short options and long ones read the same", () => {
    const out = show(
      [
        "ipvsadm --add-service --tcp-service 10.0.0.1:80 --scheduler rr",
        "ipvsadm -at 10.0.0.1:80 -r 10.0.1.1:81 -m",
      ],
      "ipvsadm",
      "-Ln",
    ).output;
    expect(out).toContain("TCP  10.0.0.1:80 rr\n  -> 10.0.1.1:81");
  });

  test.each([
    [
      ["ipvsadm -A -t 10.0.0.1:80 -s rr"],
      "ipvsadm -A -t 10.0.0.1:80 -s rr",
      "Service already exists",
    ],
    [[], "ipvsadm -A -t 10.0.0.1:80 -s fastest", "Scheduler or persistence engine not found"],
    [[], "ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.1 -m", "Service not defined"],
    [
      ["ipvsadm -A -t 10.0.0.1:80 -s rr", "ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.1 -m"],
      "ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.1 -m",
      "Destination already exists",
    ],
    [
      ["ipvsadm -A -t 10.0.0.1:80 -s rr"],
      "ipvsadm -d -t 10.0.0.1:80 -r 10.0.1.1",
      "No such destination",
    ],
    [
      ["ipvsadm -A -t 10.0.0.1:80 -s rr"],
      "ipvsadm -e -t 10.0.0.1:80 -r 10.0.1.1 -w 3",
      "No such destination",
    ],
    [[], "ipvsadm -D -t 10.0.0.1:80", "No such service"],
    [[], "ipvsadm -E -t 10.0.0.1:80 -s rr", "No such service"],
    [
      ["ipvsadm -A -t 10.0.0.1:80 -s rr"],
      "ipvsadm -a -t 10.0.0.1:80 -r 224.0.0.1 -m",
      "Invalid operation.  Possibly wrong module version, address not unicast, ...",
    ],
    [[], "ipvsadm -A -t 10.0.0.1 -s rr", "Zero port specified for non-persistent service"],
    [[], "ipvsadm -A -t 10.0.0.300:80", "illegal virtual server address[:port] specified"],
    [
      ["ipvsadm -A -t 10.0.0.1:80 -s rr"],
      "ipvsadm -a -t 10.0.0.1:80 -r nowhere -m",
      "illegal real server address[:port] specified",
    ],
    [
      ["ipvsadm -A -t 10.0.0.1:80 -s rr"],
      "ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.1 -w 70000",
      "illegal weight specified",
    ],
    [[], "ipvsadm -A -t 10.0.0.1:80 -p 0", "invalid timeout value `0' specified"],
    [
      [],
      "ipvsadm -a -t 10.0.0.1:80 -m",
      "You need to supply the 'real-server' option for the 'add-server' command",
    ],
    [
      [],
      "ipvsadm -A -t 10.0.0.1:80 -w 2",
      "Illegal 'weight' option with the 'add-service' command",
    ],
    [
      [],
      "ipvsadm -A -s rr",
      "You need to supply the 'service-address' option for the 'add-service' command",
    ],
    [
      [],
      "ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.1 -m -g",
      "multiple 'forwarding-method' options specified",
    ],
    [[], "ipvsadm -t 10.0.0.1:80 -A", "Try `ipvsadm -h' or 'ipvsadm --help' for more information."],
    [[], "ipvsadm -A -t 10.0.0.1:80 -q", "-q: unknown option"],
    [[], "ipvsadm -A -t", "-t: missing argument"],
    [[], "ipvsadm -A -t 10.0.0.1:80 extra", "unexpected argument extra"],
    [[], "ipvsadm -A -t 10.0.0.1:80 -a", "invalid option `-a'"],
  ])("%j then %s: %s", (setup, line, message) => {
    expect(refusal([...setup, line])).toBe(message);
  });

  test("schedulers the kernel has but the simulator does not model are refused as such", () => {
    expect(refusal(["ipvsadm -A -t 10.0.0.1:80 -s mh"])).toBe(
      "podnet-learn: the mh scheduler is not modelled (rr, wrr, lc, wlc, dh, sh, sed, nq are)",
    );
  });

  test("listing without -n would resolve names, so the simulator asks for -n", () => {
    expect(show([], "ipvsadm", "-L").ok).toBe(false);
  });
});

describe("net.ipv4.vs.conntrack", () => {
  test("is 0 until written, then reads back", () => {
    const { world } = lb(["sysctl -w net.ipv4.vs.conntrack=1"]);
    expect(runShow(world, "lb", ["sysctl", "net.ipv4.vs.conntrack"]).output).toBe(
      "net.ipv4.vs.conntrack = 1\n",
    );
    const { world: fresh } = lb([]);
    expect(runShow(fresh, "lb", ["sysctl", "net.ipv4.vs.conntrack"]).output).toBe(
      "net.ipv4.vs.conntrack = 0\n",
    );
  });

  test("the other net.ipv4.vs keys kube-proxy sets are refused as unmodelled, not unknown", () => {
    expect(refusal(["sysctl -w net.ipv4.vs.expire_nodest_conn=1"])).toBe(
      "podnet-learn: net.ipv4.vs.expire_nodest_conn is a real setting the simulator does not model",
    );
  });
});

describe("ipset and iptables -m set", () => {
  const sets = [
    "ipset create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536",
    "ipset add KUBE-CLUSTER-IP 10.96.0.80,tcp:80",
    "ipset create KUBE-NODE-PORT-TCP bitmap:port range 0-65535",
    "ipset add KUBE-NODE-PORT-TCP 30080",
  ];

  test("ipset save prints the sets and their members; list -n their names", () => {
    expect(show(sets, "ipset", "save").output).toBe(
      [
        "create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536",
        "add KUBE-CLUSTER-IP 10.96.0.80,tcp:80",
        "create KUBE-NODE-PORT-TCP bitmap:port range 0-65535",
        "add KUBE-NODE-PORT-TCP 30080",
        "",
      ].join("\n"),
    );
    expect(show(sets, "ipset", "list", "-n").output).toBe("KUBE-CLUSTER-IP\nKUBE-NODE-PORT-TCP\n");
  });

  test("an element without a protocol is tcp, as ipset parses it", () => {
    const out = show(
      ["ipset create S hash:ip,port", "ipset add S 10.0.0.1,53"],
      "ipset",
      "test",
      "S",
      "10.0.0.1,tcp:53",
    );
    expect(out).toEqual({ ok: true, output: "10.0.0.1,tcp:53 is in set S.\n" });
  });

  test.each([
    [
      sets,
      "ipset create KUBE-CLUSTER-IP hash:ip,port",
      "ipset v7.17: Set cannot be created: set with the same name already exists",
    ],
    [
      sets,
      "ipset add KUBE-CLUSTER-IP 10.96.0.80,tcp:80",
      "ipset v7.17: Element cannot be added to the set: it's already added",
    ],
    [
      sets,
      "ipset del KUBE-CLUSTER-IP 10.96.0.81,tcp:80",
      "ipset v7.17: Element cannot be deleted from the set: it's not added",
    ],
    [sets, "ipset add NOPE 10.0.0.1", "ipset v7.17: The set with the given name does not exist"],
    [[], "ipset create S hash:mac", "ipset v7.17: Syntax error: typename 'hash:mac' is unknown"],
    [
      sets,
      "ipset test KUBE-CLUSTER-IP 10.96.0.80,udp:80",
      "10.96.0.80,udp:80 is NOT in set KUBE-CLUSTER-IP.",
    ],
    [
      [
        ...sets,
        "iptables -t nat -A PREROUTING -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT",
      ],
      "ipset destroy KUBE-CLUSTER-IP",
      "ipset v7.17: Set cannot be destroyed: it is in use by a kernel component",
    ],
    [
      [],
      "iptables -A INPUT -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT",
      "iptables v1.8.9 (nf_tables): Set KUBE-CLUSTER-IP doesn't exist.\n\nTry `iptables -h' or 'iptables --help' for more information.",
    ],
  ])("%j then %s: %s", (setup, line, message) => {
    expect(refusal([...setup, line])).toBe(message);
  });

  test("-exist makes creating the same set again and adding a member again quiet", () => {
    expect(
      refusal([
        ...sets,
        "ipset create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536 -exist",
        "ipset add KUBE-CLUSTER-IP 10.96.0.80,tcp:80 -exist",
      ]),
    ).toBeNull();
  });

  test("iptables-save prints -m set matches as libxt_set saves them, negation included", () => {
    const out = show(
      [
        ...sets,
        "iptables -t nat -N KUBE-SERVICES",
        'iptables -t nat -A KUBE-SERVICES -m comment --comment "masq" -m set --match-set KUBE-CLUSTER-IP dst,dst ! -s 10.244.0.0/16 -j ACCEPT',
        "iptables -A INPUT -p tcp -m set ! --match-set KUBE-NODE-PORT-TCP dst -j DROP",
      ],
      "iptables-save",
    ).output;
    expect(out).toContain(
      "-A KUBE-SERVICES ! -s 10.244.0.0/16 -m comment --comment masq -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT",
    );
    expect(out).toContain("-A INPUT -p tcp -m set ! --match-set KUBE-NODE-PORT-TCP dst -j DROP");
  });
});
