import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { probe, runScript } from "../../src/sim";
import { formatIpv4, parseIpv4 } from "../../src/sim/ipv4";
import { example } from "../helpers/examples";

const WORDS = [
  "ip",
  "-n",
  "ns1",
  "ns2",
  "netns",
  "add",
  "del",
  "exec",
  "link",
  "addr",
  "route",
  "neigh",
  "set",
  "up",
  "down",
  "type",
  "veth",
  "bridge",
  "vxlan",
  "peer",
  "name",
  "master",
  "dev",
  "eth0",
  "eth1",
  "br0",
  "via",
  "onlink",
  "10.0.0.1",
  "10.0.0.0/24",
  "10.0.0.1/24",
  "300.1.1.1",
  "default",
  "blackhole",
  "metric",
  "5",
  "lladdr",
  "02:00:00:00:00:01",
  "nud",
  "permanent",
  "fdb",
  "append",
  "dst",
  "id",
  "1",
  "dstport",
  "8472",
  "sysctl",
  "-w",
  "net.ipv4.ip_forward=1",
  "iptables",
  "-t",
  "nat",
  "-A",
  "-I",
  "-D",
  "-P",
  "-N",
  "-F",
  "INPUT",
  "FORWARD",
  "PREROUTING",
  "-p",
  "tcp",
  "udp",
  "icmp",
  "--dport",
  "80",
  "-j",
  "DROP",
  "ACCEPT",
  "DNAT",
  "--to-destination",
  "10.0.0.2:8080",
  "-m",
  "statistic",
  "--mode",
  "random",
  "--probability",
  "0.5",
  "!",
  "-s",
  "'quoted word'",
  '"unterminated',
  "get",
  "show",
  "mtu",
  "1450",
  "address",
  "nolearning",
  "local",
  "#",
  "--comment",
  "x",
];

const line = fc
  .array(fc.constantFrom(...WORDS), { minLength: 0, maxLength: 12 })
  .map((w) => w.join(" "));
const script = fc
  .array(fc.oneof(line, fc.string({ maxLength: 40 })), { maxLength: 40 })
  .map((lines) => lines.join("\n"));

describe("the script parser and the walker never crash", () => {
  test("random lines give setup errors with valid line numbers, never a throw", () => {
    fc.assert(
      fc.property(script, (text) => {
        const { setupErrors } = runScript(text);
        const count = text.split("\n").length;
        for (const e of setupErrors) {
          expect(e.line).toBeGreaterThanOrEqual(1);
          expect(e.line).toBeLessThanOrEqual(count);
          expect(e.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 400 },
    );
  });

  test("random lines appended to a working cluster still end every probe with a verdict", () => {
    const base = example("flannel-vxlan");
    const namespaces = ["ex-pod-a", "ex-pod-b", "ex-node1", "ex-node2", "ex-router"];
    const cluster = fc.array(
      line.map((l) => l.replaceAll("ns1", "ex-node1").replaceAll("ns2", "ex-node2")),
      { maxLength: 15 },
    );
    fc.assert(
      fc.property(
        cluster,
        fc.constantFrom(...namespaces),
        fc.constantFrom(
          "10.244.2.15",
          "10.244.1.10",
          "192.168.1.13",
          "10.0.0.1",
          "10.244.2.1",
          "127.0.0.1",
        ),
        fc.constantFrom("icmp" as const, "tcp" as const, "udp" as const),
        fc.integer({ min: 0, max: 1600 }),
        fc.boolean(),
        (extra, from, to, proto, size, df) => {
          const { world } = runScript(`${base}\n${extra.join("\n")}`);
          if (!world.netns.has(from)) return;
          const r = probe(world, { from, to, proto, size, df, hopLimit: 800 });
          if ("error" in r) throw new Error(r.error);
          expect(r.hops.length).toBeLessThanOrEqual(800);
          expect(r.request.delivered || r.request.drop !== null).toBe(true);
          if (r.request.delivered) expect(r.reply.delivered || r.reply.drop !== null).toBe(true);
          // Deterministic: the same world and spec give the same walk.
          const again = probe(world, { from, to, proto, size, df, hopLimit: 800 });
          expect(JSON.stringify(again)).toBe(JSON.stringify(r));
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("IPv4 addresses", () => {
  test("format and parse are inverse over all 32-bit values", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        expect(parseIpv4(formatIpv4(n))).toBe(n);
      }),
    );
  });

  test("leading zeros, short forms and out-of-range parts are refused", () => {
    for (const bad of [
      "010.1.1.1",
      "10.1",
      "256.0.0.1",
      "1.2.3.4.5",
      "1.2.3.",
      " 1.2.3.4",
      "1.2.3.-4",
    ])
      expect(parseIpv4(bad)).toBeNull();
  });
});
