// Builds each scenario in the simulator and in real network namespaces and checks the renderers
// print what iproute2, bridge and iptables-save print there. Needs root and `ip netns`; skipped
// without them unless PODNET_REQUIRE_KERNEL=1, which turns the skip into a failure with the reason.
// Every namespace is named `hr<pid in base 36>-…` and deleted afterwards.
import { execFileSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import {
  renderBridgeFdb,
  renderIpAddr,
  renderIpLink,
  renderIpNeigh,
  renderIpRoute,
  renderIptablesRules,
  renderIptablesSave,
} from "../../../src/sim/render";
import {
  addressOrder,
  calicoNode,
  fdbVariety,
  flannelNode,
  iptablesVariety,
  kubeProxy,
  linkStates,
  routeVariety,
} from "./scenarios";
import { Kernel, Twin } from "./twin";

const PREFIX = `hr${process.pid.toString(36)}-`;

function kernelAvailable(): { ok: true } | { ok: false; why: string } {
  if (process.platform !== "linux") return { ok: false, why: `not Linux (${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, why: "not root: network namespaces need it" };
  for (const [tool, arg] of [
    ["ip", "-V"],
    ["bridge", "-V"],
    ["iptables-save", "--version"],
    ["sysctl", "--version"],
  ]) {
    try {
      execFileSync(tool as string, [arg as string], { stdio: "ignore" });
    } catch {
      return { ok: false, why: `\`${tool}\` is missing or does not run` };
    }
  }
  const probe = `${PREFIX}check`;
  try {
    execFileSync("ip", ["netns", "add", probe], { stdio: "pipe" });
    execFileSync("ip", ["netns", "del", probe], { stdio: "pipe" });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
    return { ok: false, why: `\`ip netns add\` failed: ${stderr || (e as Error).message}` };
  }
  return { ok: true };
}

/** What the simulator prints for the same command line. */
function simSays(t: Twin, nsName: string, argv: readonly string[]): string {
  const { world } = t;
  const ns = t.ns(nsName);
  const words = argv.join(" ");
  const dev = /\b(?:show|dev) (?!(?:dev|br)\b)(\S+)/.exec(words)?.[1];
  const br = /\bbr (\S+)/.exec(words)?.[1];
  const table = /-t (filter|nat)/.exec(words)?.[1] as "filter" | "nat" | undefined;
  if (/^ip (-4 )?addr/.test(words))
    return renderIpAddr(world, ns, dev, { inetOnly: words.startsWith("ip -4") });
  if (/^ip (-d )?link/.test(words))
    return renderIpLink(world, ns, { details: words.startsWith("ip -d"), dev });
  if (words.startsWith("ip route")) return renderIpRoute(world, ns, { dev });
  if (words.startsWith("ip neigh")) return renderIpNeigh(world, ns, dev);
  if (words.startsWith("bridge fdb")) return renderBridgeFdb(world, ns, { dev, br });
  if (words.startsWith("iptables-save")) return renderIptablesSave(world, ns, table);
  if (words.startsWith("iptables"))
    return renderIptablesRules(world, ns, table ?? "filter", /-S (\S+)/.exec(words)?.[1]);
  throw new Error(`simSays: no renderer for ${words}`);
}

/**
 * Evens out what differs between any two runs, or with the machine: iptables-save's dated
 * comments, IPv6 multicast groups (the model has no IPv6), running timers, and veth's queue
 * count (one per CPU).
 */
function normalize(argv: readonly string[], text: string): string {
  let out = text;
  if (argv[0] === "iptables-save") out = out.replace(/^#.*\n/gm, "");
  if (argv[0] === "bridge") out = out.replace(/^33:33:.*\n/gm, "");
  out = out
    .replace(/(\w+_timer) +\d+\.\d+/g, "$1 T")
    .replace(/num(tx|rx)queues \d+/g, "num$1queues N");
  return out;
}

function expectSame(t: Twin, ns: string, argv: readonly string[]): void {
  const kernel = normalize(argv, t.kernelSays(ns, argv));
  const sim = normalize(argv, simSays(t, ns, argv));
  expect(sim, `${ns}: ${argv.join(" ")}`).toBe(kernel);
}

const available = kernelAvailable();
const required = process.env.PODNET_REQUIRE_KERNEL === "1";

// Skipped without a kernel to compare with, unless the run requires one (CI): then the first
// test fails with the reason instead of the suite skipping.
describe.skipIf(!available.ok && !required)("renderers print what the kernel's tools print", () => {
  it("has a kernel to compare with", () => {
    expect(available.ok ? "ok" : available.why).toBe("ok");
  });

  const kernels: Kernel[] = [];
  const sweep = () => {
    for (const k of kernels) k.cleanup();
  };
  process.once("exit", sweep);
  afterAll(sweep);

  /** A twin with its own namespace prefix, so scenarios can reuse names like `node1`. */
  function twin(tag: string): Twin {
    const kernel = new Kernel(`${PREFIX}${tag}-`);
    kernels.push(kernel);
    return new Twin(kernel);
  }

  it("a Flannel vxlan node: routes, neighbours, FDB, addresses and links", () => {
    const t = flannelNode(twin("fl"));
    for (const argv of [
      ["ip", "route"],
      ["ip", "route", "show", "dev", "flannel.1"],
      ["ip", "route", "show", "dev", "cni0"],
      ["ip", "neigh"],
      ["ip", "neigh", "show", "dev", "flannel.1"],
      ["ip", "neigh", "show", "dev", "eth0"],
      ["bridge", "fdb", "show"],
      ["bridge", "fdb", "show", "dev", "flannel.1"],
      ["bridge", "fdb", "show", "br", "cni0"],
      ["bridge", "fdb", "show", "dev", "veth1a2b3c4d"],
      ["ip", "addr"],
      ["ip", "-4", "addr"],
      ["ip", "link"],
      ["ip", "-d", "link"],
      ["ip", "-d", "link", "show", "flannel.1"],
    ])
      expectSame(t, "node1", argv);
    for (const argv of [
      ["ip", "route"],
      ["ip", "addr"],
      ["ip", "-d", "link"],
    ])
      expectSame(t, "pod-a", argv);
    for (const argv of [
      ["ip", "-d", "link"],
      ["bridge", "fdb", "show"],
    ])
      expectSame(t, "sw", argv);
  });

  it("a Calico node and pod: blackhole, proto bird, /32 scope link routes", () => {
    const t = calicoNode(twin("ca"));
    for (const argv of [
      ["ip", "route"],
      ["ip", "link"],
      ["ip", "addr"],
    ])
      expectSame(t, "node1", argv);
    for (const argv of [
      ["ip", "route"],
      ["ip", "neigh"],
      ["ip", "addr"],
    ])
      expectSame(t, "pod-a", argv);
  });

  it("every route type, flag and field, in the kernel's order", () => {
    const t = routeVariety(twin("rt"));
    for (const argv of [
      ["ip", "route"],
      ["ip", "route", "show", "dev", "a0"],
      ["ip", "route", "show", "dev", "b0"],
    ])
      expectSame(t, "r", argv);
  });

  it("addresses in the kernel's order, with secondary and brd", () => {
    const t = addressOrder(twin("ad"));
    for (const argv of [
      ["ip", "addr"],
      ["ip", "-4", "addr"],
      ["ip", "addr", "show", "dev", "p0"],
      ["ip", "-4", "addr", "show", "dev", "p0"],
    ])
      expectSame(t, "a", argv);
  });

  it("link flags and states: NO-CARRIER, M-DOWN, LOWERLAYERDOWN, @ifN, link-netns", () => {
    const t = linkStates(twin("ln"));
    for (const argv of [
      ["ip", "link"],
      ["ip", "-d", "link"],
      ["ip", "addr"],
      ["ip", "-4", "addr"],
    ])
      expectSame(t, "l", argv);
    expectSame(t, "other", ["ip", "link"]);
  });

  it("bridge and vxlan FDB entries, with every filter", () => {
    const t = fdbVariety(twin("fd"));
    for (const argv of [
      ["bridge", "fdb", "show"],
      ["bridge", "fdb", "show", "dev", "vx0"],
      ["bridge", "fdb", "show", "dev", "vx1"],
      ["bridge", "fdb", "show", "dev", "v1"],
      ["bridge", "fdb", "show", "dev", "br0"],
      ["bridge", "fdb", "show", "br", "br0"],
      ["ip", "-d", "link"],
    ])
      expectSame(t, "f", argv);
    // Down devices leave their multicast groups; the bridge keeps its own address.
    t.down("f", "br0").down("f", "v1");
    expectSame(t, "f", ["bridge", "fdb", "show"]);
  });

  it("kube-proxy's and flanneld's iptables rules, saved and listed with -S", () => {
    const t = kubeProxy(twin("kp"));
    for (const argv of [
      ["iptables-save"],
      ["iptables-save", "-t", "nat"],
      ["iptables-save", "-t", "filter"],
      ["iptables", "-S"],
      ["iptables", "-t", "nat", "-S"],
      ["iptables", "-S", "KUBE-FORWARD"],
      ["iptables", "-S", "FORWARD"],
    ])
      expectSame(t, "node1", argv);
  });

  it("rule forms whose saved text differs from what was typed", () => {
    const t = iptablesVariety(twin("iv"));
    expectSame(t, "ipt", ["iptables-save"]);
  });

  it("a device taken down keeps `qdisc noqueue` (the qdisc stays from its first up)", () => {
    const t = twin("kq")
      .netns("n")
      .veth("n", "v1", "v2")
      .mac("n", "v1", "02:00:00:00:00:a1")
      .mac("n", "v2", "02:00:00:00:00:a2")
      .up("n", "v1")
      .up("n", "v2")
      .down("n", "v1");
    expectSame(t, "n", ["ip", "link"]);
  });

  // The kernel decides a bridge's carrier when it first selects port states: on its first port,
  // or when its address is set. Until then it is LOWER_UP, state UNKNOWN (no MAC here, then).
  it("a bridge with no port yet is LOWER_UP, state UNKNOWN, and its routes are not linkdown", () => {
    const t = twin("kb").netns("n").bridge("n", "br0").up("n", "br0");
    t.addr("n", "10.0.0.1/24", "br0");
    expect(t.kernelSays("n", ["ip", "link", "show", "br0"])).toContain(
      "<BROADCAST,MULTICAST,UP,LOWER_UP>",
    );
    expectSame(t, "n", ["ip", "route"]);
  });

  it("a fresh namespace: iptables-save prints nothing, -t TABLE prints the empty table", () => {
    const t = twin("fr").netns("n");
    for (const argv of [
      ["iptables-save"],
      ["iptables-save", "-t", "nat"],
      ["iptables-save", "-t", "filter"],
    ])
      expectSame(t, "n", argv);
  });
});
