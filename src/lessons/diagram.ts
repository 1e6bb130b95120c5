/**
 * The topology a `read` step shows (docs/lessons.md, `diagram: NAME`): drawn from the cluster
 * plan, never pasted. The underlay's subnets hang off the router that joins them (the nodes'
 * default gateway, which knows no pod CIDR); on each subnet its nodes, each a box with its
 * address, its pod CIDR (Calico's IPAM block, Weave's share), the devices its CNI installs and its
 * pods; then the Services and their endpoints. Boxes sit side by side as far as `width` allows
 * and wrap onto further rows; every line fits `width`, measured in terminal columns.
 */
import type { ClusterPlan } from "../sim";
import type { PlannedNode } from "../sim/cluster/load";
import { formatCidr, podsOnNode } from "../sim/cluster/load";
import type { PlannedService } from "../sim/cluster/services";
import { describeCni } from "../sim/cni";
import { formatIpv4 } from "../sim/ipv4";
import { unreachable } from "../sim/unreachable";

export interface DiagramOptions {
  /** Terminal columns the diagram must fit (80 is the common case). */
  readonly width: number;
  /** Plain ASCII (`+-|`, `->`) instead of box-drawing characters, for terminals that draw those double-wide. */
  readonly ascii?: boolean;
}

/** The characters a diagram is drawn with. */
interface Pen {
  readonly h: string;
  readonly v: string;
  readonly topLeft: string;
  readonly topRight: string;
  readonly bottomLeft: string;
  readonly bottomRight: string;
  readonly tee: string;
  readonly corner: string;
  readonly arrow: string;
  readonly ellipsis: string;
}

const BOX: Pen = {
  h: "─",
  v: "│",
  topLeft: "┌",
  topRight: "┐",
  bottomLeft: "└",
  bottomRight: "┘",
  tee: "├",
  corner: "└",
  arrow: "→",
  ellipsis: "…",
};

const ASCII: Pen = {
  h: "-",
  v: "|",
  topLeft: "+",
  topRight: "+",
  bottomLeft: "+",
  bottomRight: "+",
  tee: "+",
  corner: "`",
  arrow: "->",
  ellipsis: "...",
};

/** Columns between the trunk and a subnet's node boxes, and between two boxes. */
const INDENT = 3;
const GAP = 1;
/** Pods listed in a node's box; the rest are counted. */
const MAX_PODS = 8;

/** Draws the cluster; one string per terminal line, none wider than `width`. */
export function drawTopology(plan: ClusterPlan, options: DiagramOptions): string[] {
  const pen = options.ascii ? ASCII : BOX;
  const width = Math.max(1, Math.floor(options.width));
  const out: string[] = [];
  const title = plan.file.name ? `${plan.file.name}: ${describeCni(plan)}` : describeCni(plan);
  out.push(...wrap(title, width, ""));
  out.push("");
  out.push(...wrap("router: the nodes' default gateway; it knows no pod CIDR", width, "  "));
  // One box width for every node, so boxes line up across subnets too.
  const content = Math.min(
    Math.max(...plan.nodes.map((n) => fixedWidth(plan, n, pen))),
    Math.max(1, width - INDENT - 4),
  );
  plan.subnets.forEach((subnet, i) => {
    const last = i === plan.subnets.length - 1;
    const trunk = last ? " ".repeat(INDENT) : padToWidth(pen.v, INDENT);
    out.push(pen.v);
    const branch = `${last ? pen.corner : pen.tee}${pen.h} `;
    const cidr = `${branch}${formatCidr(subnet.cidr)} `;
    const router = `(router ${formatIpv4(subnet.gateway)}) `;
    // The router's address goes under the subnet when both do not fit on one line.
    if (displayWidth(cidr + router) + 2 <= width) out.push(rule(cidr + router, width, pen));
    else out.push(rule(cidr, width, pen), `${trunk}${router.trimEnd()}`);
    const nodes = plan.nodes.filter((n) => n.subnet === i);
    for (const line of drawNodes(plan, nodes, content, width - INDENT, pen)) out.push(trunk + line);
  });
  if (plan.services.length > 0) {
    out.push("");
    out.push(...drawServices(plan, width, pen));
  }
  let cut = false;
  const fitted = out.map((line) => {
    if (displayWidth(line) <= width) return line;
    cut = true;
    return truncateToWidth(line, width, pen.ellipsis);
  });
  if (cut)
    fitted.push(
      "",
      ...wrap(
        `(narrow: lines cut at ${pen.ellipsis}; a wider terminal shows them whole)`,
        width,
        "",
      ),
    );
  return fitted;
}

/** `text` followed by a horizontal line to the right edge. */
function rule(text: string, width: number, pen: Pen): string {
  return text + pen.h.repeat(Math.max(2, width - displayWidth(text)));
}

/** What a node's box says, top to bottom (without its name, which is in the border). */
function nodeLines(plan: ClusterPlan, node: PlannedNode, pen: Pen, contentWidth: number): string[] {
  const lines = [`eth0 ${formatIpv4(node.ip)}`, `${cidrLabel(plan)} ${formatCidr(node.podCidr)}`];
  lines.push(...wrapWords(cniDevices(plan, node), contentWidth, "  "));
  const pods = podsOnNode(plan, node);
  const nameWidth = Math.max(0, ...pods.map((p) => displayWidth(p.name)));
  for (const pod of pods.slice(0, MAX_PODS))
    lines.push(`${padToWidth(pod.name, nameWidth)} ${formatIpv4(pod.ip)}`);
  if (pods.length > MAX_PODS) lines.push(`${pen.ellipsis} ${pods.length - MAX_PODS} more pods`);
  return lines;
}

/**
 * The columns a node's box needs inside: its widest line with every device on a line of its own
 * (the device list is the one thing that wraps), and room for its name in the border.
 */
function fixedWidth(plan: ClusterPlan, node: PlannedNode, pen: Pen): number {
  const lines = nodeLines(plan, node, pen, 0);
  return Math.max(displayWidth(node.name) + 2, ...lines.map(displayWidth));
}

/**
 * The boxes of one subnet's nodes, `content` columns wide inside, as many side by side as fit
 * `width`, in rows; boxes in a row are one height.
 */
function drawNodes(
  plan: ClusterPlan,
  nodes: readonly PlannedNode[],
  content: number,
  width: number,
  pen: Pen,
): string[] {
  if (nodes.length === 0) return ["(no nodes)"];
  const boxWidth = content + 4;
  const perRow = Math.max(1, Math.floor((width + GAP) / (boxWidth + GAP)));
  const out: string[] = [];
  for (let start = 0; start < nodes.length; start += perRow) {
    const row = nodes.slice(start, start + perRow);
    const boxes = row.map((n) => box(n.name, nodeLines(plan, n, pen, content), content, pen));
    const height = Math.max(...boxes.map((b) => b.length));
    for (const b of boxes) {
      const bottom = b.pop() as string;
      while (b.length < height - 1) b.push(`${pen.v}${" ".repeat(content + 2)}${pen.v}`);
      b.push(bottom);
    }
    for (let k = 0; k < height; k++)
      out.push(boxes.map((b) => b[k] as string).join(" ".repeat(GAP)));
  }
  return out;
}

/** A box of `content` columns inside its borders, its title in the top border. */
function box(title: string, lines: readonly string[], content: number, pen: Pen): string[] {
  const inner = content + 2;
  const head = `${pen.h} ${truncateToWidth(title, inner - 3, pen.ellipsis)} `;
  const top = `${pen.topLeft}${head}${pen.h.repeat(inner - displayWidth(head))}${pen.topRight}`;
  const body = lines.map(
    (l) => `${pen.v} ${padToWidth(truncateToWidth(l, content, pen.ellipsis), content)} ${pen.v}`,
  );
  return [top, ...body, `${pen.bottomLeft}${pen.h.repeat(inner)}${pen.bottomRight}`];
}

/** What the node's pod range is called by its CNI. */
function cidrLabel(plan: ClusterPlan): string {
  const plugin = plan.file.cni.plugin;
  switch (plugin) {
    case "flannel":
    case "cilium":
      return "pod CIDR";
    case "calico":
      return "IPAM block";
    case "weave":
      return "IPAM share";
    default:
      return unreachable(plugin);
  }
}

/**
 * The devices the CNI installs on a node, as its installer does (src/sim/cni/): Flannel's
 * `flannel.<VNI>` and `cni0` (made with the node's first pod), Calico's `tunl0` or `vxlan.calico`
 * (plain routes need none), Cilium's `cilium_host`/`cilium_net` pair and its tunnel device,
 * Weave's bridge and its fast datapath or sleeve pair.
 */
export function cniDevices(plan: ClusterPlan, node: PlannedNode): string[] {
  const cni = plan.file.cni;
  const hasPods = podsOnNode(plan, node).length > 0;
  switch (cni.plugin) {
    case "flannel":
      return [
        ...(hasPods ? ["cni0"] : []),
        ...(cni.backend.type === "vxlan" ? [`flannel.${cni.backend.vni}`] : []),
      ];
    case "calico":
      return [
        ...(cni.ipPool.ipipMode !== "Never" ? ["tunl0"] : []),
        ...(cni.ipPool.vxlanMode !== "Never" ? ["vxlan.calico"] : []),
      ];
    case "cilium":
      return [
        "cilium_host",
        "cilium_net",
        ...(cni.routingMode === "tunnel"
          ? [cni.tunnelProtocol === "vxlan" ? "cilium_vxlan" : "cilium_geneve"]
          : []),
      ];
    case "weave":
      return cni.mode === "fastdp"
        ? ["weave", "datapath", "vxlan-6784"]
        : ["weave", "vethwe-bridge", "vethwe-pcap"];
    default:
      return unreachable(cni);
  }
}

/** The Service proxy, as the Services heading names it. */
function proxyLabel(plan: ClusterPlan): string {
  const mode = plan.kubeProxy?.mode;
  if (mode === undefined) return "Services";
  if (mode === "ebpf") return "Services (Cilium's eBPF kube-proxy replacement)";
  return `Services (kube-proxy, ${mode} mode)`;
}

/**
 * One line per Service port, `NAME CLUSTER-IP:PORT/PROTO → ENDPOINT, …`; when that does not fit,
 * the endpoints go one a line under it.
 */
function drawServices(plan: ClusterPlan, width: number, pen: Pen): string[] {
  const out = wrap(proxyLabel(plan), width, "");
  const nameWidth = Math.max(...plan.services.map((s) => displayWidth(serviceName(s))));
  for (const s of plan.services) {
    for (const port of s.ports) {
      const node = port.nodePort === null ? "" : ` (node port ${port.nodePort})`;
      const front = `  ${padToWidth(serviceName(s), nameWidth)}  ${formatIpv4(s.clusterIp)}:${port.port}/${port.protocol}${node}`;
      const backs =
        s.endpoints.length === 0
          ? ["no endpoints"]
          : s.endpoints.map((e) => `${e.pod} ${formatIpv4(e.ip)}:${port.targetPort}`);
      const one = `${front} ${pen.arrow} ${backs.join(", ")}`;
      if (displayWidth(one) <= width) out.push(one);
      else out.push(front, ...backs.map((b) => `      ${pen.arrow} ${b}`));
    }
  }
  return out;
}

/** A Service's name as kubectl shows it with -A: namespace/name, or name in `default`. */
function serviceName(s: PlannedService): string {
  return s.namespace === "default" ? s.name : `${s.namespace}/${s.name}`;
}

/** Words joined by `separator`, wrapped so no line is wider than `width` (a longer word stands alone). */
function wrapWords(words: readonly string[], width: number, separator: string): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of words) {
    const candidate = line === "" ? word : `${line}${separator}${word}`;
    if (line !== "" && displayWidth(candidate) > width) {
      out.push(line);
      line = word;
    } else line = candidate;
  }
  if (line !== "") out.push(line);
  return out;
}

/** A sentence wrapped at spaces to `width`, further lines indented by `indent`. */
function wrap(text: string, width: number, indent: string): string[] {
  const words = text.split(" ");
  const out: string[] = [];
  let line = "";
  for (const word of words) {
    const candidate = line === "" ? word : `${line} ${word}`;
    if (line !== "" && displayWidth(candidate) > width) {
      out.push(line);
      line = `${indent}${word}`;
    } else line = candidate;
  }
  out.push(line);
  return out.map((l) => truncateToWidth(l, width, "..."));
}

/**
 * Terminal columns a string takes: East Asian wide and fullwidth characters (Hangul, CJK, kana,
 * fullwidth forms, most emoji) take 2, combining marks, zero-width characters and variation
 * selectors 0, everything else 1 (Unicode's EastAsianWidth W and F; ambiguous characters, such as
 * the box-drawing ones, are counted as 1, as most terminals draw them: the ascii option exists
 * for those that do not).
 */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += charWidth(char.codePointAt(0) as number);
  return width;
}

function charWidth(cp: number): number {
  if (cp === 0 || cp < 32 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (
    (cp >= 0x300 && cp <= 0x36f) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0x1160 && cp <= 0x11ff) ||
    cp === 0x2060 ||
    cp === 0xfeff
  )
    return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xa960 && cp <= 0xa97f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  )
    return 2;
  return 1;
}

/** `text` followed by spaces up to `width` columns (never `padEnd`: it counts code units, not columns). */
export function padToWidth(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - displayWidth(text)));
}

/** `text` cut to at most `width` columns, ending in `ellipsis` when cut (a wide character is never split). */
export function truncateToWidth(text: string, width: number, ellipsis: string): string {
  if (displayWidth(text) <= width) return text;
  const room = width - displayWidth(ellipsis);
  if (room < 0) return ellipsis.slice(0, Math.max(0, width));
  let out = "";
  let used = 0;
  for (const char of text) {
    const w = charWidth(char.codePointAt(0) as number);
    if (used + w > room) break;
    out += char;
    used += w;
  }
  return out + ellipsis;
}
