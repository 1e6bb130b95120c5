import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { runScript, runShow, type World } from "../../src/sim";

/**
 * A bridge remembers what it took from its ports while only ports join (state/links.ts,
 * `knownPorts`); whatever else changes its ports must make it look again. After any sequence of
 * changes, a port joining leaves the bridge with its smallest port's MTU and (its MAC never set)
 * its lowest port's MAC, as a pass over every port gives.
 */
const DEVICES = ["d0", "d1", "v0", "br0", "br1"];
const BRIDGES = ["br0", "br1"];
const NAMESPACES = ["sw", "pe"];
const MTUS = [1000, 1400, 1500, 9000];
const MACS = ["02:00:00:00:00:01", "02:00:00:00:00:09", "06:00:00:00:00:00", "02:00:00:00:00:00"];
/** Not a command: every bridge gets a port joining, and what it takes is checked. */
const CHECK = "check";

const ns = fc.constantFrom(...NAMESPACES);
const dev = fc.constantFrom(...DEVICES);
const command = fc.oneof(
  fc.constant(CHECK),
  fc.tuple(ns, dev).map(([n, d]) => `ip -n ${n} link add ${d} type dummy`),
  fc.tuple(ns, fc.constantFrom(...BRIDGES)).map(([n, b]) => `ip -n ${n} link add ${b} type bridge`),
  fc.tuple(ns, ns).map(([n, p]) => `ip -n ${n} link add v0 type veth peer name p0 netns ${p}`),
  fc
    .tuple(ns, dev, fc.constantFrom(...BRIDGES))
    .map(([n, d, b]) => `ip -n ${n} link set ${d} master ${b}`),
  fc.tuple(ns, dev).map(([n, d]) => `ip -n ${n} link set ${d} nomaster`),
  fc
    .tuple(ns, dev, fc.constantFrom(...MTUS))
    .map(([n, d, m]) => `ip -n ${n} link set ${d} mtu ${m}`),
  fc
    .tuple(ns, dev, fc.constantFrom(...MACS))
    .map(([n, d, m]) => `ip -n ${n} link set ${d} address ${m}`),
  fc.tuple(ns, dev).map(([n, d]) => `ip -n ${n} link del ${d}`),
  fc.tuple(ns, dev, dev).map(([n, d, e]) => `ip -n ${n} link set ${d} name ${e}`),
  fc.tuple(ns, dev, ns).map(([n, d, to]) => `ip -n ${n} link set ${d} netns ${to}`),
  fc.constantFrom("ip netns del pe", "ip netns add pe"),
);

/** What a bridge should have taken from its ports, from a pass over them. */
function expected(world: World, netns: string, bridge: string): { mtu: number; mac: string } {
  const links = [...(world.netns.get(netns)?.links.values() ?? [])];
  const ports = links.filter((l) => l.master === bridge);
  const macs = ports.map((p) => p.mac).sort();
  return { mtu: Math.min(...ports.map((p) => p.mtu)), mac: macs[0] as string };
}

/** A port joins every bridge in turn (and leaves again): each takes what its ports give. */
function checkBridges(world: World, mtu: number): void {
  for (const netns of NAMESPACES) {
    const links = [...(world.netns.get(netns)?.links.values() ?? [])];
    for (const bridge of links) {
      if (bridge.kind !== "bridge") continue;
      for (const line of [
        "ip link add joiner type dummy",
        `ip link set joiner mtu ${mtu}`,
        `ip link set joiner master ${bridge.name}`,
      ])
        expect(runShow(world, netns, line.split(" ")).ok, line).toBe(true);
      const want = expected(world, netns, bridge.name);
      expect(bridge.mtu).toBe(want.mtu);
      if (!bridge.macSet) expect(bridge.mac).toBe(want.mac);
      expect(runShow(world, netns, ["ip", "link", "del", "joiner"]).ok).toBe(true);
    }
  }
}

describe("a bridge's MTU and MAC follow its ports", () => {
  test("after any changes, a port joining leaves the smallest MTU and the lowest MAC", () => {
    fc.assert(
      fc.property(
        fc.array(command, { minLength: 10, maxLength: 60 }),
        fc.constantFrom(...MTUS),
        (commands, mtu) => {
          const { world } = runScript("ip netns add sw\nip netns add pe");
          for (const line of commands)
            if (line === CHECK) checkBridges(world, mtu);
            else runScript(line, world);
          checkBridges(world, mtu);
        },
      ),
      { numRuns: 6000 },
    );
  });
});
