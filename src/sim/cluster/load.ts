import { type Document, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { stableHash } from "../cni/names";

export { type Cidr, formatCidr } from "./cidr";

import { formatIpv4, type Ipv4, networkOf, parseCidr, parseIpv4 } from "../ipv4";
import { readBlockYaml } from "./block-yaml";
import { type Cidr, cidrOf, formatCidr, overlaps } from "./cidr";
import { type ClusterFile, clusterSchema } from "./schema";
import { type PlannedKubeProxy, type PlannedService, planServices } from "./services";

/** A problem in a cluster file, with where it is. */
export interface ClusterError {
  line: number;
  col: number;
  message: string;
}

export interface PlannedNode {
  readonly name: string;
  readonly ip: Ipv4;
  /** Index into `subnets`: the segment the node's eth0 is on. */
  readonly subnet: number;
  /** Flannel's lease, Calico's first IPAM block, Weave's share or Cilium's cluster-pool podCIDR. */
  readonly podCidr: Cidr;
  /**
   * Cilium: the cilium_host address (the "router IP", the pods' gateway), the first address the
   * agent allocates from `podCidr`; null for the other plugins.
   */
  readonly routerIp: Ipv4 | null;
}

export interface PlannedPod {
  readonly name: string;
  readonly node: string;
  readonly ip: Ipv4;
}

/** A validated cluster with everything the installers need worked out. */
export interface ClusterPlan {
  readonly file: ClusterFile;
  /** The Service proxy on every node; null when the cluster has no Services. */
  readonly kubeProxy: PlannedKubeProxy | null;
  readonly services: readonly PlannedService[];
  readonly mtu: number;
  readonly subnets: readonly { readonly cidr: Cidr; readonly gateway: Ipv4 }[];
  readonly podNetwork: Cidr;
  readonly nodes: readonly PlannedNode[];
  readonly pods: readonly PlannedPod[];
}

export type LoadResult = { ok: true; plan: ClusterPlan } | { ok: false; errors: ClusterError[] };

/** Keys and indexes from the top of a YAML document to one value. */
export type Path = readonly (string | number)[];

/**
 * Parses and checks a cluster file. Every problem is collected (not just the first) and points at
 * the line and column of the value that is wrong.
 */
export function loadCluster(text: string): LoadResult {
  return planPlain(text) ?? loadLocated(text);
}

/**
 * The quick way, for a file in plain block YAML with no mistake: read without positions, checked
 * and planned. Null on the first problem of any kind, for `loadLocated` to find them all and say
 * where each is; as both check the same value, a file that plans here would plan there too.
 */
function planPlain(text: string): LoadResult | null {
  const read = readBlockYaml(text);
  if (read === null) return null;
  const parsed = clusterSchema.safeParse(read.value);
  if (!parsed.success) return null;
  let problems = 0;
  const plan = plan_(parsed.data, () => {
    problems++;
  });
  return plan === null || problems > 0 ? null : { ok: true, plan };
}

/** Parses the file with `yaml`, keeping each node's position to say where a problem is. */
function loadLocated(text: string): LoadResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): { line: number; col: number } => lineCounter.linePos(offset);
  if (doc.errors.length > 0)
    return {
      ok: false,
      errors: doc.errors.map((e) => ({
        ...at(e.pos[0]),
        message: `YAML: ${e.message.split("\n")[0]}`,
      })),
    };
  const where = locator(doc, lineCounter);
  // toJS throws on an alias to a missing anchor and on alias bombs: both are the file's fault.
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const alias = /: (\S+)$/.exec(message)?.[1];
    const offset = alias === undefined ? -1 : text.indexOf(`*${alias}`);
    return {
      ok: false,
      errors: [{ ...(offset < 0 ? { line: 1, col: 1 } : at(offset)), message: `YAML: ${message}` }],
    };
  }
  const parsed = clusterSchema.safeParse(value);
  if (!parsed.success)
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => ({
        ...where(issue.path as Path),
        message: describeIssue(issue),
      })),
    };
  const errors: ClusterError[] = [];
  const report = (path: Path, message: string): void => {
    errors.push({ ...where(path), message });
  };
  const plan = plan_(parsed.data, report);
  errors.sort((a, b) => a.line - b.line || a.col - b.col);
  if (errors.length > 0 || plan === null) return { ok: false, errors };
  return { ok: true, plan };
}

/**
 * Where a value of a parsed YAML document is: the line and column of the node at `path`, or of
 * the deepest node on the way to it when the path ends at a key that is missing.
 */
export function locator(
  doc: Document,
  lineCounter: LineCounter,
): (path: Path) => { line: number; col: number } {
  return (path) => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as
        | { range?: [number, number, number] }
        | undefined;
      if (node && typeof node === "object" && node.range) return lineCounter.linePos(node.range[0]);
    }
    return { line: 1, col: 1 };
  };
}

/**
 * Checks a cluster that is already a value (an inline cluster in a lesson file) and plans it;
 * every problem is reported at its path in that value. Null when it cannot be planned.
 */
export function planClusterValue(
  value: unknown,
  report: (path: Path, message: string) => void,
): ClusterPlan | null {
  const parsed = clusterSchema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) report(issue.path as Path, describeIssue(issue));
    return null;
  }
  return planCluster(parsed.data, report);
}

/** Plans a checked cluster (a lesson's cluster with its CNI or Service proxy replaced). */
export function planCluster(
  file: ClusterFile,
  report: (path: Path, message: string) => void,
): ClusterPlan | null {
  let problems = 0;
  const plan = plan_(file, (path, message) => {
    problems++;
    report(path, message);
  });
  return problems > 0 ? null : plan;
}

/** The underlay's own namespaces: `router` and one switch per subnet, `sw1`, `sw2`… */
function isReserved(name: string): boolean {
  return name === "router" || /^sw[0-9]+$/.test(name);
}

export function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
  switch (issue.code) {
    case "unrecognized_keys":
      return `${field}unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
    case "invalid_type":
      return `${field}expected ${issue.expected}${"input" in issue && issue.input === undefined ? " (missing)" : ""}`;
    case "invalid_value":
      return `${field}must be ${issue.values.map((v) => JSON.stringify(v)).join(" or ")}`;
    case "invalid_union":
      return `${field}${issue.message}`;
    default:
      return `${field}${issue.message}`;
  }
}

/** Works out subnets, node leases or blocks, and pod addresses; reports what cannot be. */
function plan_(
  file: ClusterFile,
  report: (path: Path, message: string) => void,
): ClusterPlan | null {
  const subnets: { cidr: Cidr; gateway: Ipv4 }[] = [];
  file.underlay.subnets.forEach((s, i) => {
    const cidr = cidrOf(s.cidr);
    if (cidr === null || cidr.len > 30) {
      report(
        ["underlay", "subnets", i, "cidr"],
        `"${s.cidr}" is not a subnet (like 192.168.1.0/24, at most /30)`,
      );
      return;
    }
    const parsed = parseCidr(s.cidr);
    if (parsed && parsed.ip !== cidr.addr)
      report(
        ["underlay", "subnets", i, "cidr"],
        `"${s.cidr}" has host bits set; the subnet is ${formatCidr(cidr)}`,
      );
    let gateway = cidr.addr + 1;
    if (s.gateway !== undefined) {
      const gw = parseIpv4(s.gateway);
      if (gw === null || networkOf(gw, cidr.len) !== cidr.addr)
        report(
          ["underlay", "subnets", i, "gateway"],
          `"${s.gateway}" is not an address in ${formatCidr(cidr)}`,
        );
      else gateway = gw;
    }
    for (const [j, other] of subnets.entries())
      if (overlaps(other.cidr, cidr))
        report(
          ["underlay", "subnets", i, "cidr"],
          `${formatCidr(cidr)} overlaps subnet ${j + 1} (${formatCidr(other.cidr)})`,
        );
    subnets.push({ cidr, gateway });
  });
  // Nodes are placed by subnet: with a subnet unreadable, every node would be reported too.
  if (subnets.length !== file.underlay.subnets.length) return null;
  const cni = file.cni;
  // Cilium's cluster pool may list several CIDRs; the others have one pod network.
  const poolTexts: [string, Path][] =
    cni.plugin === "flannel"
      ? [[cni.network, ["cni", "network"]]]
      : cni.plugin === "calico"
        ? [[cni.ipPool.cidr, ["cni", "ipPool", "cidr"]]]
        : cni.plugin === "weave"
          ? [[cni.ipallocRange, ["cni", "ipallocRange"]]]
          : cni.clusterPoolIPv4PodCIDRList.map((t, i) => [
              t,
              ["cni", "clusterPoolIPv4PodCIDRList", i],
            ]);
  const pools: Cidr[] = [];
  for (const [poolText, poolPath] of poolTexts) {
    const pool = cidrOf(poolText);
    if (pool === null) {
      report(poolPath, `"${poolText}" is not a network (like 10.244.0.0/16)`);
      continue;
    }
    for (const s of subnets)
      if (overlaps(s.cidr, pool))
        report(
          poolPath,
          `the pod network ${formatCidr(pool)} overlaps the node subnet ${formatCidr(s.cidr)}`,
        );
    for (const other of pools)
      if (overlaps(other, pool))
        report(poolPath, `${formatCidr(pool)} overlaps ${formatCidr(other)}, listed before it`);
    pools.push(pool);
  }
  const podNetwork = pools[0];
  if (podNetwork === undefined || pools.length !== poolTexts.length) return null;
  if (cni.plugin === "cilium") checkCilium(cni, file.kubeProxy?.mode, report);
  if (
    cni.plugin === "calico" &&
    cni.ipPool.ipipMode !== "Never" &&
    cni.ipPool.vxlanMode !== "Never"
  )
    report(
      ["cni", "ipPool", "vxlanMode"],
      "an IP pool uses IPIP or VXLAN, not both: set ipipMode or vxlanMode to Never",
    );
  // Weave's peers split the range between them (equal parts here, one per node, a power of two).
  const leaseLen =
    cni.plugin === "flannel"
      ? cni.subnetLen
      : cni.plugin === "calico"
        ? cni.ipPool.blockSize
        : cni.plugin === "cilium"
          ? cni.clusterPoolIPv4MaskSize
          : Math.min(
              30,
              podNetwork.len + Math.max(1, Math.ceil(Math.log2(Math.max(2, file.nodes.length)))),
            );
  // cidrset accepts a pool exactly one node CIDR wide; the others need room for several.
  const tooBig = pools.find((p) =>
    cni.plugin === "cilium" ? leaseLen < p.len : leaseLen <= p.len,
  );
  if (tooBig) {
    report(
      cni.plugin === "flannel"
        ? ["cni", "subnetLen"]
        : cni.plugin === "cilium"
          ? ["cni", "clusterPoolIPv4MaskSize"]
          : ["cni", "ipPool", "blockSize"],
      `a node's /${leaseLen} must be ${cni.plugin === "cilium" ? "no larger" : "smaller"} than the pod network ${formatCidr(tooBig)}`,
    );
    return null;
  }

  const nodes: PlannedNode[] = [];
  // Every lease is a /leaseLen (a podCIDR of another length is refused before it is taken), so
  // two overlap only when they start at the same address: a set, not a scan over every node's.
  const taken = new Set<Ipv4>();
  const names = new Set<string>();
  // Leases go in order; Flannel skips the network's first /SubnetLen (10.244.0.0/24), as flanneld
  // does. Cilium's operator starts at the pool's first /maskSize (cilium/ipam cidrset,
  // AllocateNext from index 0) and moves to the next listed pool when one is full.
  let nextLease = cni.plugin === "flannel" ? 1 : 0;
  const perPool = pools.map((p) => 2 ** (leaseLen - p.len));
  const leaseCount = perPool.reduce((a, b) => a + b, 0);
  const leaseAt = (index: number): Cidr => {
    let i = index;
    let k = 0;
    while (i >= (perPool[k] as number)) i -= perPool[k++] as number;
    const pool = pools[k] as Cidr;
    return { addr: (pool.addr + i * 2 ** (32 - leaseLen)) >>> 0, len: leaseLen };
  };
  // Indexes, so that 5,000 nodes and 150,000 pods plan in linear time.
  const nodeIps = new Set<Ipv4>();
  const nodeByName = new Map<string, PlannedNode>();
  file.nodes.forEach((n, i) => {
    if (isReserved(n.name))
      report(
        ["nodes", i, "name"],
        `"${n.name}" is the name of the underlay's router or a switch; pick another`,
      );
    if (names.has(n.name)) report(["nodes", i, "name"], `a second node named "${n.name}"`);
    names.add(n.name);
    const ip = parseIpv4(n.ip);
    if (ip === null) {
      report(["nodes", i, "ip"], `"${n.ip}" is not an IPv4 address`);
      return;
    }
    const subnet = subnets.findIndex((s) => networkOf(ip, s.cidr.len) === s.cidr.addr);
    if (subnet < 0) {
      report(
        ["nodes", i, "ip"],
        `${n.ip} is in none of the underlay subnets (${subnets.map((s) => formatCidr(s.cidr)).join(", ")})`,
      );
      return;
    }
    const s = subnets[subnet] as { cidr: Cidr; gateway: Ipv4 };
    if (ip === s.gateway)
      report(["nodes", i, "ip"], `${n.ip} is the router's address on that subnet`);
    if (nodeIps.has(ip)) report(["nodes", i, "ip"], `${n.ip} is already another node's address`);
    let podCidr: Cidr | null = null;
    if (n.podCIDR !== undefined) {
      if (cni.plugin !== "flannel")
        report(
          ["nodes", i, "podCIDR"],
          cni.plugin === "cilium"
            ? "podCIDR is Flannel's per-node lease; Cilium's operator hands out podCIDRs from clusterPoolIPv4PodCIDRList itself"
            : "podCIDR is Flannel's per-node lease; Calico hands out IPAM blocks itself",
        );
      podCidr = cidrOf(n.podCIDR);
      if (
        podCidr === null ||
        podCidr.len !== leaseLen ||
        networkOf(podCidr.addr, podNetwork.len) !== podNetwork.addr
      ) {
        report(
          ["nodes", i, "podCIDR"],
          `"${n.podCIDR}" is not a /${leaseLen} inside the pod network ${formatCidr(podNetwork)}`,
        );
        return;
      }
      if (taken.has(podCidr.addr))
        report(
          ["nodes", i, "podCIDR"],
          `${formatCidr(podCidr)} overlaps another node's ${formatCidr(podCidr)}`,
        );
    } else {
      while (nextLease < leaseCount) {
        const candidate = leaseAt(nextLease);
        nextLease++;
        if (!taken.has(candidate.addr)) {
          podCidr = candidate;
          break;
        }
      }
      if (podCidr === null) {
        report(
          ["nodes", i],
          `the pod network ${formatCidr(podNetwork)} has no /${leaseLen} left for ${n.name}`,
        );
        return;
      }
    }
    taken.add(podCidr.addr);
    // cilium-agent allocates its router IP first, before any pod.
    const routerIp =
      cni.plugin === "cilium" ? randomScan(podCidr, new Set(), `${n.name}/router`) : null;
    nodes.push({ name: n.name, ip, subnet, podCidr, routerIp });
    nodeIps.add(ip);
    nodeByName.set(n.name, nodes[nodes.length - 1] as PlannedNode);
  });

  const pods: PlannedPod[] = [];
  const used = new Map<string, number>();
  const podIps = new Set<Ipv4>();
  /** Addresses taken in each node's range (pods are always in their node's range). */
  const busyOn = new Map<string, Set<Ipv4>>();
  file.pods.forEach((p, i) => {
    if (isReserved(p.name))
      report(
        ["pods", i, "name"],
        `"${p.name}" is the name of the underlay's router or a switch; pick another`,
      );
    if (names.has(p.name))
      report(["pods", i, "name"], `"${p.name}" is already the name of a node or pod`);
    names.add(p.name);
    const node = nodeByName.get(p.node);
    if (!node) {
      if (!file.nodes.some((n) => n.name === p.node))
        report(
          ["pods", i, "node"],
          `no node named "${p.node}" (nodes: ${file.nodes.map((n) => n.name).join(", ")})`,
        );
      return;
    }
    const cidr = node.podCidr;
    let ip: Ipv4;
    if (p.ip !== undefined) {
      const given = parseIpv4(p.ip);
      if (given === null || networkOf(given, cidr.len) !== cidr.addr) {
        report(
          ["pods", i, "ip"],
          `"${p.ip}" is not in ${node.name}'s pod range ${formatCidr(cidr)}`,
        );
        return;
      }
      if (given === node.routerIp) {
        report(["pods", i, "ip"], `${p.ip} is ${node.name}'s cilium_host (router) address`);
        return;
      }
      if (
        node.routerIp !== null &&
        (given === cidr.addr || given === cidr.addr + 2 ** (32 - cidr.len) - 1)
      ) {
        // ipallocator hands out neither the network nor the broadcast address of the range.
        report(
          ["pods", i, "ip"],
          `${p.ip} is the network or broadcast address of ${formatCidr(cidr)}`,
        );
        return;
      }
      ip = given;
    } else if (node.routerIp !== null) {
      // Cilium's IPAM (ipallocator's random scan over the CIDR but its network and broadcast
      // addresses): the pod takes a free address at a seemingly random offset, here a stable one.
      let busy = busyOn.get(node.name);
      if (!busy) {
        busy = new Set([node.routerIp]);
        busyOn.set(node.name, busy);
      }
      const picked = randomScan(cidr, busy, p.name);
      if (picked === null) {
        report(["pods", i], `${node.name}'s ${formatCidr(cidr)} has no address left for ${p.name}`);
        return;
      }
      ip = picked;
    } else {
      // host-local (Flannel's bridge plugin) starts at .2 (.1 is cni0); Calico's IPAM at the
      // block's first address, which tunl0 or vxlan.calico takes when the pool encapsulates.
      const tunnel =
        cni.plugin === "calico" &&
        (cni.ipPool.ipipMode !== "Never" || cni.ipPool.vxlanMode !== "Never");
      // Weave: the range's first address is skipped and the next is the node's `weave` bridge.
      let ordinal =
        used.get(node.name) ??
        (cni.plugin === "flannel" || cni.plugin === "weave" ? 2 : tunnel ? 1 : 0);
      const size = 2 ** (32 - cidr.len);
      while (ordinal < size - 1 && podIps.has(cidr.addr + ordinal)) ordinal++;
      if (ordinal >= size - 1) {
        report(["pods", i], `${node.name}'s ${formatCidr(cidr)} has no address left for ${p.name}`);
        return;
      }
      ip = (cidr.addr + ordinal) >>> 0;
      used.set(node.name, ordinal + 1);
    }
    if (podIps.has(ip))
      report(["pods", i, "ip"], `${formatIpv4(ip)} is already another pod's address`);
    pods.push({ name: p.name, node: node.name, ip });
    podIps.add(ip);
    if (node.routerIp !== null) {
      const busy = busyOn.get(node.name) ?? new Set([node.routerIp]);
      busy.add(ip);
      busyOn.set(node.name, busy);
    }
  });
  const { kubeProxy, services } = planServices(file, pods, podNetwork, report);
  return { file, mtu: file.underlay.mtu, subnets, podNetwork, nodes, pods, kubeProxy, services };
}

/**
 * cilium-agent refuses these configurations at startup (pkg/option/config.go): native routing
 * with IPv4 masquerading (on by default) needs the native routing CIDR (checkIPv4NativeRoutingCIDR),
 * and auto-direct-node-routes cannot be combined with tunneling. The socket-LB options only exist
 * with the kube-proxy replacement, which turns socket LB on.
 */
function checkCilium(
  cni: Extract<ClusterFile["cni"], { plugin: "cilium" }>,
  proxyMode: string | undefined,
  report: (path: Path, message: string) => void,
): void {
  if (cni.socketLB !== undefined) {
    if (proxyMode !== "ebpf")
      report(
        ["cni", "socketLB"],
        "socketLB belongs to Cilium's kube-proxy replacement: set kubeProxy.mode: ebpf (socket LB beside kube-proxy is not modelled)",
      );
    else if (cni.socketLB.enabled === false)
      // daemon/cmd/kube_proxy_replacement.go, initKubeProxyReplacementOptions.
      report(
        ["cni", "socketLB", "enabled"],
        "with the kube-proxy replacement cilium-agent turns socket LB on whatever socketLB.enabled says; to balance pods' traffic per packet at bpf_lxc instead, set socketLB.hostNamespaceOnly: true",
      );
  }
  if (cni.ipv4NativeRoutingCIDR !== undefined && cidrOf(cni.ipv4NativeRoutingCIDR) === null)
    report(
      ["cni", "ipv4NativeRoutingCIDR"],
      `"${cni.ipv4NativeRoutingCIDR}" is not a network (like 10.0.0.0/8)`,
    );
  if (cni.routingMode === "native" && cni.ipv4NativeRoutingCIDR === undefined)
    report(
      ["cni", "routingMode"],
      "native routing needs ipv4NativeRoutingCIDR: with masquerading on (Cilium's default) the agent does not start without it",
    );
  if (cni.routingMode === "tunnel" && cni.autoDirectNodeRoutes)
    report(
      ["cni", "autoDirectNodeRoutes"],
      "autoDirectNodeRoutes cannot be used with tunneling (packets must be routed through the tunnel device): set routingMode: native",
    );
}

/**
 * The agent's IPAM (k8s ipallocator, random scan): a start offset in the CIDR less its network and
 * broadcast addresses, then the next free one upwards. The start is a hash of `seed`, so the
 * addresses look random, as on a real node, and are the same every time.
 */
function randomScan(cidr: Cidr, busy: ReadonlySet<Ipv4>, seed: string): Ipv4 | null {
  const count = 2 ** (32 - cidr.len) - 2;
  if (count <= 0) return null;
  const start = stableHash(seed) % count;
  for (let i = 0; i < count; i++) {
    const ip = (cidr.addr + 1 + ((start + i) % count)) >>> 0;
    if (!busy.has(ip)) return ip;
  }
  return null;
}

const nodeIndexes = new WeakMap<ClusterPlan, Map<string, PlannedNode>>();

/** The node a pod is on (indexed once per plan: installers ask for each of 150,000 pods). */
export function nodeOfPod(plan: ClusterPlan, pod: PlannedPod): PlannedNode {
  let index = nodeIndexes.get(plan);
  if (!index) {
    index = new Map(plan.nodes.map((n) => [n.name, n]));
    nodeIndexes.set(plan, index);
  }
  return index.get(pod.node) as PlannedNode;
}

const podIndexes = new WeakMap<ClusterPlan, Map<string, PlannedPod[]>>();

/** The pods on a node, in plan order. */
export function podsOnNode(plan: ClusterPlan, node: PlannedNode): readonly PlannedPod[] {
  let index = podIndexes.get(plan);
  if (!index) {
    index = new Map();
    for (const pod of plan.pods) {
      const list = index.get(pod.node) ?? [];
      list.push(pod);
      index.set(pod.node, list);
    }
    podIndexes.set(plan, index);
  }
  return index.get(node.name) ?? [];
}
