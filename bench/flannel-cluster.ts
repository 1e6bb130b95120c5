/**
 * A Flannel VXLAN cluster of `n` nodes on one switched subnet, built through the state API (the
 * way an installer builds it) rather than by parsing a script: per node a cni0 bridge, flannel.1,
 * and for every other node the route, permanent neighbour and FDB entry flanneld installs.
 */
import { parseIpv4 } from "../src/sim/ipv4";
import type { Neighbour, Route, VxlanFdbEntry, World } from "../src/sim/model";
import { addAddress } from "../src/sim/state/addresses";
import { setVxlanFdb } from "../src/sim/state/fdb";
import { addLink, setAddress, setMaster, setMtu, setUp } from "../src/sim/state/links";
import { addNeighbour } from "../src/sim/state/neighbours";
import { addNetns, newWorld } from "../src/sim/state/netns";
import type { Result } from "../src/sim/state/result";
import { addRoute, insertRoute } from "../src/sim/state/routes";
import { setSysctl } from "../src/sim/state/sysctl";

function must<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

const ip = (text: string): number => parseIpv4(text) as number;
const NODE_NET = ip("172.16.0.0");
const POD_NET = ip("10.0.0.0");
const nodeIp = (i: number): number => NODE_NET + 10 + i;
const vtepMac = (i: number): string =>
  `0a:58:0a:f4:${((i >> 8) & 255).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`;
/** Node i leases 10.244.i.0/24 (a /16 holds 256 nodes, so larger clusters use 10.0.0.0/8 /24s). */
const podNet = (i: number): number => POD_NET + (i + 1) * 256;

export function flannelCluster(n: number): World {
  const world = newWorld();
  const sw = must(addNetns(world, "sw"));
  const br = must(addLink(world, sw, { kind: "bridge", name: "br0" }));
  setUp(world, sw, br);
  for (let i = 0; i < n; i++) {
    const node = must(addNetns(world, `node${i}`));
    setUp(world, node, node.links.get("lo") as never);
    const eth = must(
      addLink(world, node, { kind: "veth", name: "eth0", peerName: `p${i}`, peerNetns: "sw" }),
    );
    if (eth.kind !== "veth") throw new Error("veth expected");
    must(setMaster(sw, eth.peer, "br0"));
    setUp(world, sw, eth.peer);
    must(
      addAddress(world, node, {
        ip: nodeIp(i),
        len: 16,
        dev: "eth0",
        broadcast: null,
        scope: null,
      }),
    );
    setUp(world, node, eth);
    must(setSysctl(node, "net.ipv4.ip_forward", "1"));
    const cni = must(addLink(world, node, { kind: "bridge", name: "cni0" }));
    must(
      addAddress(world, node, {
        ip: podNet(i) + 1,
        len: 24,
        dev: "cni0",
        broadcast: null,
        scope: null,
      }),
    );
    setUp(world, node, cni);
    const vx = must(
      addLink(world, node, {
        kind: "vxlan",
        name: "flannel.1",
        vni: 1,
        dstport: 8472,
        local: nodeIp(i),
        remote: null,
        dev: "eth0",
        learning: false,
      }),
    );
    must(setAddress(node, vx, vtepMac(i)));
    must(setMtu(node, vx, 1450));
    must(
      addAddress(world, node, {
        ip: podNet(i),
        len: 32,
        dev: "flannel.1",
        broadcast: null,
        scope: null,
      }),
    );
    setUp(world, node, vx);
  }
  // What flanneld installs for node j is the same on every other node: one route, neighbour and
  // FDB entry object per node, shared by all the tables (they are immutable).
  const macs = Array.from({ length: n }, (_, j) => vtepMac(j));
  const routes: Route[] = macs.map((_, j) => ({
    type: "unicast",
    dst: podNet(j),
    len: 24,
    gateway: podNet(j),
    dev: "flannel.1",
    onlink: true,
    proto: "boot",
    scope: "global",
    src: null,
    metric: 0,
  }));
  const fdb: (readonly VxlanFdbEntry[])[] = macs.map((mac, j) => [
    { mac, dst: nodeIp(j), state: "permanent" },
  ]);
  const neighbours: Neighbour[] = macs.map((mac, j) => ({
    ip: podNet(j),
    dev: "flannel.1",
    mac,
    state: "PERMANENT",
  }));
  for (let i = 0; i < n; i++) {
    const node = world.netns.get(`node${i}`) as NonNullable<ReturnType<typeof world.netns.get>>;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      must(insertRoute(node, routes[j] as Route, "add"));
      must(addNeighbour(node, neighbours[j] as Neighbour, "add"));
      must(setVxlanFdb(node, "flannel.1", macs[j] as string, fdb[j] as readonly VxlanFdbEntry[]));
    }
  }
  // One pod on the first and one on the last node.
  for (const [i, name] of [
    [0, "pod-a"],
    [n - 1, "pod-b"],
  ] as const) {
    const node = world.netns.get(`node${i}`) as NonNullable<ReturnType<typeof world.netns.get>>;
    const pod = must(addNetns(world, name));
    const veth = must(
      addLink(world, node, {
        kind: "veth",
        name: `veth${name.slice(-1)}`,
        peerName: "eth0",
        peerNetns: name,
      }),
    );
    if (veth.kind !== "veth") throw new Error("veth expected");
    must(setMaster(node, veth, "cni0"));
    setUp(world, node, veth);
    must(
      addAddress(world, pod, {
        ip: podNet(i) + 10,
        len: 24,
        dev: "eth0",
        broadcast: null,
        scope: null,
      }),
    );
    must(setMtu(pod, veth.peer, 1450));
    setUp(world, pod, veth.peer);
    must(
      addRoute(
        pod,
        {
          type: "unicast",
          dst: 0,
          len: 0,
          gateway: podNet(i) + 1,
          dev: null,
          onlink: false,
          proto: null,
          scope: null,
          src: null,
          metric: null,
        },
        "add",
      ),
    );
  }
  return world;
}

export const podBAddress = (n: number): string => {
  const v = podNet(n - 1) + 10;
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
};
