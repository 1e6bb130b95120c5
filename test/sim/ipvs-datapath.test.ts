import { describe, expect, test } from "vitest";
import { runScript } from "../../src/sim";
import { formatIpv4, type Ipv4, parseIpv4 } from "../../src/sim/ipv4";
import type { IpvsState } from "../../src/sim/ipvs/state";
import type { Netns } from "../../src/sim/model";
import { hash32, IpvsWalk, shBuckets } from "../../src/sim/proxy/ipvs-datapath";
import { type Datagram, IPV4_HEADER, TCP_SYN_HEADER } from "../../src/sim/walk/packet";

const ip = (text: string): Ipv4 => parseIpv4(text) as Ipv4;

/** A namespace with IPVS state written by `ipvsadm` lines. */
function director(lines: string[]): { ns: Netns; state: IpvsState } {
  const { world, setupErrors } = runScript(
    ["ip netns add lb", ...lines.map((l) => `ip netns exec lb ipvsadm ${l}`)].join("\n"),
  );
  expect(setupErrors).toEqual([]);
  const ns = world.netns.get("lb") as Netns;
  return { ns, state: ns.ipvs as IpvsState };
}

function syn(src: string, sport: number, dst: string, dport: number): Datagram {
  return {
    src: ip(src),
    dst: ip(dst),
    ttl: 64,
    proto: 6,
    df: true,
    length: IPV4_HEADER + TCP_SYN_HEADER,
    l4: { kind: "tcp", sport, dport, flags: "SYN" },
  };
}

/** The real servers `n` new connections from one client go to, in order. */
function picks(lines: string[], n: number, client = "10.0.9.1"): string[] {
  const { ns, state } = director(lines);
  const walk = new IpvsWalk();
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const v = walk.in(ns, state, syn(client, 40000 + i, "10.0.0.1", 80));
    out.push(v.kind === "xmit" ? formatIpv4(v.conn.daddr) : v.kind);
  }
  return out;
}

const three = (sched: string, weights = [1, 1, 1]) => [
  `-A -t 10.0.0.1:80 -s ${sched}`,
  ...weights.map((w, i) => `-a -t 10.0.0.1:80 -r 10.0.1.${i + 1}:80 -m -w ${w}`),
];

describe("IPVS schedulers in a walk (net/netfilter/ipvs/ip_vs_*.c)", () => {
  test("rr starts at the head of the kernel's list, the server added last, and goes round", () => {
    expect(picks(three("rr"), 4)).toEqual(["10.0.1.3", "10.0.1.2", "10.0.1.1", "10.0.1.3"]);
  });

  test("rr skips a server of weight 0 (quiesced)", () => {
    expect(picks(three("rr", [1, 0, 1]), 3)).toEqual(["10.0.1.3", "10.0.1.1", "10.0.1.3"]);
  });

  test("wrr gives each server connections in proportion to its weight", () => {
    const got = picks(three("wrr", [1, 2, 3]), 6);
    const count = (a: string) => got.filter((x) => x === a).length;
    expect([count("10.0.1.1"), count("10.0.1.2"), count("10.0.1.3")]).toEqual([1, 2, 3]);
    // The heaviest server is first: the current weight starts at the maximum.
    expect(got[0]).toBe("10.0.1.3");
  });

  test("lc and wlc send the next connection to the server with the fewest", () => {
    expect(picks(three("lc"), 3)).toEqual(["10.0.1.3", "10.0.1.2", "10.0.1.1"]);
    // wlc divides by weight: the weight-3 server takes three before the others take one more.
    const got = picks(three("wlc", [1, 1, 3]), 5);
    expect(got.filter((x) => x === "10.0.1.3")).toHaveLength(3);
  });

  test("sh sends a client to the same server every time, whatever its source port", () => {
    const got = picks(three("sh"), 5, "10.244.1.2");
    expect(new Set(got).size).toBe(1);
  });

  test("sh picks the bucket hash_32(client, 8) of a 256-bucket table filled from the list by weight", () => {
    const lines = three("sh", [2, 1, 1]);
    const { state } = director(lines);
    const dests = [...(state.services.values().next().value?.dests ?? [])];
    const buckets = shBuckets(dests);
    // The list is 10.0.1.3, .2, .1 (newest first); weight 2 takes two buckets in a row.
    expect(buckets.slice(0, 8).map((d) => formatIpv4(d?.ip ?? 0))).toEqual([
      "10.0.1.3",
      "10.0.1.2",
      "10.0.1.1",
      "10.0.1.1",
      "10.0.1.3",
      "10.0.1.2",
      "10.0.1.1",
      "10.0.1.1",
    ]);
    for (const client of ["10.244.1.2", "10.244.2.9", "192.168.1.7"]) {
      const expected = formatIpv4(buckets[hash32(ip(client), 8)]?.ip ?? 0);
      expect(picks(lines, 1, client)).toEqual([expected]);
    }
    // hash_32 is the top bits of the product with the golden ratio 0x61c88647.
    expect(hash32(1, 8)).toBe(0x61);
  });

  test("persistence (-p, sessionAffinity ClientIP) keeps a client on its first server, even with rr", () => {
    const lines = [
      "-A -t 10.0.0.1:80 -s rr -p 10800",
      "-a -t 10.0.0.1:80 -r 10.0.1.1:80 -m",
      "-a -t 10.0.0.1:80 -r 10.0.1.2:80 -m",
    ];
    expect(picks(lines, 3)).toEqual(["10.0.1.2", "10.0.1.2", "10.0.1.2"]);
    // Another client is scheduled afresh: rr moves on.
    const { ns, state } = director(lines);
    const walk = new IpvsWalk();
    const a = walk.in(ns, state, syn("10.0.9.1", 1000, "10.0.0.1", 80));
    const b = walk.in(ns, state, syn("10.0.9.2", 1000, "10.0.0.1", 80));
    expect([a, b].map((v) => (v.kind === "xmit" ? formatIpv4(v.conn.daddr) : v.kind))).toEqual([
      "10.0.1.2",
      "10.0.1.1",
    ]);
  });

  test("a virtual service without a real server leaves the packet to ip_vs_leave (port unreachable)", () => {
    expect(picks(["-A -t 10.0.0.1:80 -s rr"], 1)).toEqual(["no-dest"]);
  });
});

describe("IPVS's lookups and translations", () => {
  const web = ["-A -t 10.0.0.1:80 -s rr", "-a -t 10.0.0.1:80 -r 10.0.1.1:8080 -m"];

  test("a new connection costs a connection-table and a service-table lookup; a marked packet the fwmark table too", () => {
    const { ns, state } = director(web);
    const walk = new IpvsWalk();
    expect(walk.in(ns, state, syn("10.0.9.1", 1, "10.0.0.1", 80)).lookups).toBe(2);
    expect(
      walk.in(ns, state, { ...syn("10.0.9.1", 2, "10.0.0.1", 80), mark: 0x4000 }).lookups,
    ).toBe(3);
    // The connection is known now: one lookup, no scheduling.
    expect(walk.in(ns, state, syn("10.0.9.1", 1, "10.0.0.1", 80)).lookups).toBe(1);
  });

  test("masquerading rewrites the destination; the real server's reply gets the virtual source back", () => {
    const { ns, state } = director(web);
    const walk = new IpvsWalk();
    const v = walk.in(ns, state, syn("10.0.9.1", 4321, "10.0.0.1", 80));
    if (v.kind !== "xmit") throw new Error(v.kind);
    expect([formatIpv4(v.packet.dst), v.packet.l4.kind === "tcp" && v.packet.l4.dport]).toEqual([
      "10.0.1.1",
      8080,
    ]);
    const reply: Datagram = {
      ...syn("10.0.1.1", 8080, "10.0.9.1", 4321),
      l4: { kind: "tcp", sport: 8080, dport: 4321, flags: "SYN,ACK" },
    };
    const out = walk.out(ns, state, reply);
    if (out.kind !== "reply") throw new Error(out.kind);
    expect(formatIpv4(out.packet.src)).toBe("10.0.0.1");
    expect(out.packet.l4.kind === "tcp" && out.packet.l4.sport).toBe(80);
    expect(out.lookups).toBe(1);
  });

  test("direct routing leaves the packet as it was: only where it is sent changes", () => {
    const { ns, state } = director(["-A -t 10.0.0.1:80 -s rr", "-a -t 10.0.0.1:80 -r 10.0.1.1 -g"]);
    const d = syn("10.0.9.1", 5, "10.0.0.1", 80);
    const v = new IpvsWalk().in(ns, state, d);
    expect(v.kind === "xmit" && v.packet).toBe(d);
  });

  test("ICMP echo is not IPVS's: no lookup; a packet of a non-IPVS protocol neither", () => {
    const { ns, state } = director(web);
    const echo: Datagram = {
      src: ip("10.0.9.1"),
      dst: ip("10.0.0.1"),
      ttl: 64,
      proto: 1,
      df: false,
      length: 84,
      l4: { kind: "icmp", type: 8, code: 0, id: 1, seq: 1, mtu: null, quoted: null },
    };
    const v = new IpvsWalk().in(ns, state, echo);
    expect(v).toMatchObject({ kind: "pass", lookups: 0 });
    expect(v.kind === "pass" && v.text).toContain("ICMP is not a protocol IPVS balances");
  });

  test("a TCP packet that is not a SYN never starts a connection (no service lookup)", () => {
    const { ns, state } = director(web);
    const ack: Datagram = {
      ...syn("10.0.9.1", 9, "10.0.0.1", 80),
      l4: { kind: "tcp", sport: 9, dport: 80, flags: "RST" },
    };
    expect(new IpvsWalk().in(ns, state, ack)).toEqual({ kind: "pass", lookups: 1, text: null });
  });
});
