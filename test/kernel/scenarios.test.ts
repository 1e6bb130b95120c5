// Fast checks of the scenario generator (no kernel): enough scenarios, unique ids, every line
// scoped to a prefixed namespace, interface names the kernel accepts, every family and every
// fault kind present, and the same prefix always giving the same scenarios.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generateScenarios, type Scenario } from "./scenarios";

const PREFIX = "pk3f-";
const scenarios = generateScenarios(PREFIX);
const ids = scenarios.map((s) => s.id);

const FAMILIES = [
  "flat-l2",
  "routed-underlay",
  "flannel-vxlan",
  "flannel-host-gw",
  "calico-proxyarp",
  "kube-proxy-dnat",
  "same-node",
  "pod-egress",
  "edges",
];

/** Fault kinds the generator must cover, as patterns on ids (family/topology/fault). */
const FAULT_KINDS: Record<string, RegExp> = {
  "missing route on the sender's node": /\/missing-route$/,
  "wrong gateway": /\/wrong-gateway/,
  "wrong device": /\/wrong-device/,
  "missing return route": /\/missing-return-route$/,
  "ip_forward=0 on a node": /\/ip-forward-off-(sender|receiver)-node$/,
  "ip_forward=0 on the router": /\/ip-forward-off-router$/,
  "FORWARD DROP on a node": /\/forward-drop-(sender|receiver)-node$/,
  "FORWARD DROP on the router": /\/forward-drop-router$/,
  "UDP 8472 dropped on INPUT": /^flannel-vxlan\/.*\/udp8472-input-drop$/,
  "UDP 8472 dropped on OUTPUT": /^flannel-vxlan\/.*\/udp8472-output-drop$/,
  "wrong VNI": /^flannel-vxlan\/.*\/wrong-vni$/,
  "wrong dstport": /^flannel-vxlan\/.*\/wrong-dstport$/,
  "missing FDB entry": /^flannel-vxlan\/.*\/missing-fdb$/,
  "wrong FDB dst": /^flannel-vxlan\/.*\/wrong-fdb-dst$/,
  "missing neighbour entry": /\/missing-neigh$/,
  "wrong neighbour MAC": /\/wrong-neigh-mac$/,
  "veth down": /\/veth-down$/,
  "bridge down": /\/bridge-down$/,
  "flannel.1 down": /\/flannel1-down$/,
  "switch port down": /\/switch-port-down$/,
  "pod MTU 1500 with DF": /\/mtu-pod1500-df$/,
  "pod MTU 1450 local error": /\/mtu-pod1450-local-error$/,
  "underlay MTU smaller": /\/mtu-underlay-small$/,
  "routing loop": /\/routing-loop$/,
  "blackhole route": /\/blackhole/,
  REJECT: /reject/,
  DROP: /drop/,
  "missing proxy_arp": /^calico-proxyarp\/.*\/missing-proxy-arp$/,
  "TCP-port-only rule": /\/tcp-port-only-drop$/,
  "ClusterIP pinged": /\/clusterip-ping$/,
  "ClusterIP over TCP": /\/clusterip-tcp/,
  "DNAT to a pod on the other node": /dnat-remote-pod$/,
  "missing DNAT endpoint route": /\/missing-endpoint-route$/,
  SNAT: /\/snat/,
  MASQUERADE: /\/masquerade/,
  "host-gw across subnets refused": /^flannel-host-gw\/two-subnets\/cross-subnet-refused$/,
  "same-node pod to pod": /^same-node\/.*\/happy$/,
  "ICMP errors back through MASQUERADE / SNAT": /^edges\/(masquerade|snat)\/.*-icmp-error$/,
  "ICMP errors about a DNATed packet": /^edges\/dnat\//,
  "MASQUERADE source from the next hop": /^edges\/masquerade\/source-from-next-hop$/,
  "hairpin DNAT on a bridge": /^edges\/hairpin-dnat\//,
  "iptables lines the kernel refuses": /^edges\/iptables-refusals\//,
  "subnet broadcast": /^edges\/subnet-broadcast\//,
  "--ctstate DNAT": /^edges\/ctstate-dnat\//,
  "source selection past link-scope addresses": /^edges\/source-selection\//,
  "a local address as gateway": /^edges\/local-gateway\//,
  "127/8 from outside": /^edges\/loopback\//,
  rp_filter: /^edges\/rp-filter\//,
  send_redirects: /^edges\/send-redirects\//,
  "--reject-with and the client's error": /^edges\/reject-with\//,
  "route append / replace / del matching": /^edges\/route-edits\//,
};

/** The namespaces a line names: after `ip netns add|del|exec`, `-n`, and `… netns NAME`. */
function namedNamespaces(line: string): string[] | null {
  const words = line.trim().split(/\s+/);
  const [tool, opt, a, b] = words;
  let named: string[];
  if (tool === "ip" && opt === "netns" && (a === "add" || a === "del") && words.length === 4) {
    named = [b as string];
  } else if (tool === "ip" && opt === "netns" && a === "exec" && words.length >= 5) {
    named = [b as string];
  } else if ((tool === "ip" || tool === "bridge") && opt === "-n" && words.length >= 4) {
    named = [a as string];
  } else {
    return null;
  }
  words.forEach((w, i) => {
    if (i >= 3 && w === "netns") named.push(words[i + 1] as string);
  });
  return named;
}

/** Interface names a line creates or refers to. */
function interfaceNames(line: string): string[] {
  const names: string[] = [];
  const patterns = [
    /\blink add (\S+)/g,
    /\bpeer name (\S+)/g,
    /\blink set (\S+)/g,
    /\bmaster (\S+)/g,
    /\bdev (\S+)/g,
    /\bnet\.ipv4\.(?:conf|neigh)\.([^.\s]+)\./g,
    /\s-[io] (\S+)/g,
  ];
  for (const re of patterns) for (const m of line.matchAll(re)) names.push(m[1] as string);
  return names;
}

function lines(s: Scenario): string[] {
  return s.script.split("\n").filter((l) => l.trim() !== "");
}

describe("scenario generator", () => {
  it("makes at least 150 scenarios with unique, well-formed ids", () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(150);
    expect(new Set(ids).size).toBe(ids.length);
    for (const s of scenarios) {
      expect(s.id).toMatch(/^[a-z0-9-]+\/[a-z0-9-]+\/[a-z0-9-]+$/);
      expect(s.id.startsWith(`${s.family}/`)).toBe(true);
      expect(s.description.length).toBeGreaterThan(20);
      expect(s.multipleOutcomes).toBeUndefined();
    }
  });

  it("is deterministic: the same prefix gives identical scenarios", () => {
    expect(generateScenarios(PREFIX)).toEqual(scenarios);
  });

  it("changes only namespace names with another prefix", () => {
    const other = generateScenarios("zz9q-");
    expect(other.map((s) => s.id)).toEqual(ids);
    other.forEach((s, i) => {
      const mine = scenarios[i] as Scenario;
      expect(s.script.replaceAll("zz9q-", PREFIX)).toBe(mine.script);
      expect(JSON.stringify(s.probes).replaceAll("zz9q-", PREFIX)).toBe(
        JSON.stringify(mine.probes),
      );
    });
  });

  it("covers every family", () => {
    const families = new Set(scenarios.map((s) => s.family));
    for (const f of FAMILIES) expect(families, f).toContain(f);
    for (const f of families) expect(FAMILIES, f).toContain(f);
  });

  it.each(Object.entries(FAULT_KINDS))("covers the fault kind: %s", (_, pattern) => {
    expect(ids.filter((id) => pattern.test(id)).length).toBeGreaterThan(0);
  });

  it("scopes every line to a namespace named with the prefix, created before use", () => {
    for (const s of scenarios) {
      const created = new Set<string>();
      for (const line of lines(s)) {
        const named = namedNamespaces(line);
        expect(named, `${s.id}: ${line}`).not.toBeNull();
        for (const ns of named ?? []) {
          expect(ns.startsWith(PREFIX), `${s.id}: ${line}`).toBe(true);
        }
        if (line.startsWith("ip netns add ")) created.add(named?.[0] as string);
        else for (const ns of named ?? []) expect(created, `${s.id}: ${line}`).toContain(ns);
      }
    }
  });

  it("uses interface names of at most 15 characters", () => {
    for (const s of scenarios) {
      for (const line of lines(s)) {
        for (const name of interfaceNames(line)) {
          expect(name.length, `${s.id}: ${line}`).toBeLessThanOrEqual(15);
          expect(name, `${s.id}: ${line}`).toMatch(/^[A-Za-z0-9_.-]+$/);
        }
      }
    }
  });

  it("sets each explicit MAC address on one device only", () => {
    for (const s of scenarios) {
      const macs = lines(s).flatMap((l) => [...l.matchAll(/ address (\S+)/g)].map((m) => m[1]));
      expect(new Set(macs).size, s.id).toBe(macs.length);
      for (const m of macs) expect(m).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    }
  });

  it("has 1-3 probes from namespaces of the script, with listeners for TCP", () => {
    for (const s of scenarios) {
      expect(s.probes.length, s.id).toBeGreaterThanOrEqual(1);
      expect(s.probes.length, s.id).toBeLessThanOrEqual(3);
      for (const p of s.probes) {
        expect(s.script, s.id).toContain(`ip netns add ${p.from}\n`);
        expect(p.to).toMatch(/^(\d{1,3}\.){3}\d{1,3}$/);
        if (p.proto === "tcp") {
          expect(p.dport, s.id).toBeDefined();
          expect(s.listenPorts, s.id).toBeDefined();
        }
        if (p.size !== undefined) expect(p.df, `${s.id}: say df when size matters`).toBeDefined();
      }
    }
  });

  it("never acts on the host and uses no randomness of its own", () => {
    for (const s of scenarios) {
      for (const line of lines(s)) {
        // quoted comments may hold ">", like kube-proxy's "default/web -> 10.244.2.15:8080"
        expect(line.replace(/"[^"$`]*"/g, '""'), `${s.id}: ${line}`).not.toMatch(/[;&|<>`$'\\]/);
      }
    }
    const dir = new URL("./scenarios/", import.meta.url);
    const sources = [
      readFileSync(new URL("./scenarios.ts", import.meta.url), "utf8"),
      ...readdirSync(dir).map((f) => readFileSync(new URL(f, dir), "utf8")),
    ];
    for (const src of sources) expect(src).not.toMatch(/Math\.random|Date\.now/);
  });
});
