import type { ClusterPlan } from "../sim";
import type { PlannedService } from "../sim/cluster/services";
import { stableHash } from "../sim/cni/names";
import { formatIpv4 } from "../sim/ipv4";
import { unreachable } from "../sim/unreachable";
import { type Printed, stderr } from "./printed";
import { POD_NAMESPACE } from "./resolve";

/**
 * The fixed facts a real API server would report and a cluster file does not hold. There is no
 * clock (AGE would change between two runs of a lesson), so ages are fixed; the versions are
 * those of a current kubeadm cluster on Ubuntu nodes.
 */
const NODE_AGE = "12d";
const OBJECT_AGE = "3d";
const KUBELET_VERSION = "v1.31.4";
const OS_IMAGE = "Ubuntu 22.04.4 LTS";
const KERNEL_VERSION = "5.15.0-113-generic";
const CONTAINER_RUNTIME = "containerd://1.7.12";

/** `kubectl exec … POD -- COMMAND…`: the session runs the command in the pod's namespace. */
export interface KubectlExec {
  readonly kind: "exec";
  readonly pod: string;
  readonly command: readonly string[];
}

type Resource = "pods" | "nodes" | "services" | "endpoints" | "endpointslices";

/** kubectl's names and short names for the resources it can list here. */
const RESOURCES: Record<string, Resource> = {
  pods: "pods",
  pod: "pods",
  po: "pods",
  nodes: "nodes",
  node: "nodes",
  no: "nodes",
  services: "services",
  service: "services",
  svc: "services",
  endpoints: "endpoints",
  endpoint: "endpoints",
  ep: "endpoints",
  endpointslices: "endpointslices",
  endpointslice: "endpointslices",
  "endpointslices.discovery.k8s.io": "endpointslices",
};

interface Flags {
  namespace: string;
  allNamespaces: boolean;
  wide: boolean;
  noHeaders: boolean;
  /** `-l k=v,…`: equality selectors on the pods' labels. */
  selector: Record<string, string> | null;
  /** The words that are not flags: the verb, the resource type, names. */
  positional: string[];
  /** The words after `--`, or null when there was no `--`. */
  afterDashes: string[] | null;
}

const HELP_HINT =
  "podnet-learn: this kubectl runs get (pods, nodes, svc, endpoints, endpointslices) and exec";

/**
 * `kubectl get …` from the cluster plan, in kubectl's own columns, or the command to run for
 * `kubectl exec`. Everything else kubectl does is refused with a note.
 */
export function runKubectl(plan: ClusterPlan, args: readonly string[]): Printed | KubectlExec {
  const parsed = parseFlags(args);
  if (typeof parsed === "string") return stderr(parsed);
  const [verb, ...rest] = parsed.positional;
  if (verb === undefined)
    return stderr(`kubectl controls the Kubernetes cluster manager.\n${HELP_HINT}\n`);
  if (verb === "get") return get(plan, parsed, rest);
  if (verb === "exec") return exec(plan, parsed, rest);
  return stderr(`podnet-learn: kubectl ${verb} is not modelled here\n${HELP_HINT}\n`);
}

function parseFlags(args: readonly string[]): Flags | string {
  const flags: Flags = {
    namespace: POD_NAMESPACE,
    allNamespaces: false,
    wide: false,
    noHeaders: false,
    selector: null,
    positional: [],
    afterDashes: null,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--") {
      flags.afterDashes = args.slice(i + 1);
      break;
    }
    const long = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    const [name, inline] = long ? [long[1] as string, long[2]] : [arg, undefined];
    const value = (): string | undefined => inline ?? args[++i];
    if (arg === "-n" || name === "namespace") {
      const ns = value();
      if (ns === undefined) return "error: flag needs an argument: 'n' in -n";
      flags.namespace = ns;
    } else if (/^-n.+/.test(arg)) flags.namespace = arg.slice(2);
    else if (arg === "-A" || name === "all-namespaces") flags.allNamespaces = true;
    else if (arg === "-o" || name === "output" || /^-o.+/.test(arg)) {
      const format =
        arg.startsWith("-o") && arg.length > 2 ? arg.slice(2).replace(/^=/, "") : value();
      if (format !== "wide")
        return `podnet-learn: kubectl -o ${format ?? ""} is not modelled here (-o wide is)`;
      flags.wide = true;
    } else if (name === "no-headers") flags.noHeaders = true;
    else if (arg === "-l" || name === "selector") {
      const text = value();
      if (text === undefined) return "error: flag needs an argument: 'l' in -l";
      const selector = parseSelector(text);
      if (selector === null)
        return `podnet-learn: this kubectl takes equality selectors (-l app=web,tier=front), not "${text}"`;
      flags.selector = selector;
    } else if (/^-[it]+$/.test(arg) || name === "stdin" || name === "tty") {
      // exec's -i and -t: the shell is always interactive.
    } else if (arg === "-c" || name === "container") value();
    else if (arg.startsWith("-")) return `error: unknown flag: ${arg}\n${HELP_HINT}`;
    else flags.positional.push(arg);
  }
  return flags;
}

function parseSelector(text: string): Record<string, string> | null {
  const selector: Record<string, string> = {};
  for (const term of text.split(",")) {
    const match = /^([^=!]+)==?([^=]*)$/.exec(term);
    if (!match) return null;
    selector[match[1] as string] = match[2] as string;
  }
  return selector;
}

function get(plan: ClusterPlan, flags: Flags, words: readonly string[]): Printed {
  const [first, ...names] = words;
  if (first === undefined)
    return stderr(
      'You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported resources.\n\nerror: Required resource not specified.\n',
    );
  // `pod/pod-a` names the type and one object.
  const [typed, name] = first.includes("/") ? (first.split("/", 2) as [string, string]) : [first];
  const resource = RESOURCES[typed];
  if (resource === undefined)
    return stderr(
      `error: the server doesn't have a resource type "${typed}"\n${first.includes(",") ? "podnet-learn: list one resource type at a time\n" : ""}`,
    );
  const wanted = name === undefined ? names : [name, ...names];
  switch (resource) {
    case "pods":
      return pods(plan, flags, wanted);
    case "nodes":
      return nodes(plan, flags, wanted);
    case "services":
      return services(plan, flags, wanted);
    case "endpoints":
      return endpoints(plan, flags, wanted);
    case "endpointslices":
      return endpointSlices(plan, flags, wanted);
    default:
      return unreachable(resource);
  }
}

/** A namespaced object as the listing needs it. */
interface Row {
  readonly name: string;
  readonly namespace: string;
  readonly cells: readonly string[];
  readonly wide: readonly string[];
}

/**
 * The listing kubectl prints for namespaced objects: one namespace's (or all with -A, then a
 * NAMESPACE column first), the names asked for (each missing one is NotFound), the wide columns
 * with -o wide.
 */
function listing(
  kind: string,
  flags: Flags,
  header: readonly string[],
  wideHeader: readonly string[],
  rows: readonly Row[],
  wanted: readonly string[],
): Printed {
  const inScope = rows.filter((r) => flags.allNamespaces || r.namespace === flags.namespace);
  let shown = inScope;
  let missing = "";
  if (wanted.length > 0) {
    shown = [];
    for (const name of wanted) {
      const found = inScope.find((r) => r.name === name);
      if (found) shown.push(found);
      else missing += `Error from server (NotFound): ${kind} "${name}" not found\n`;
    }
  }
  if (shown.length === 0 && missing === "")
    return stderr(
      flags.allNamespaces
        ? "No resources found\n"
        : `No resources found in ${flags.namespace} namespace.\n`,
      0,
    );
  const table: string[][] = [];
  const withNamespace = flags.allNamespaces;
  if (!flags.noHeaders)
    table.push([
      ...(withNamespace ? ["NAMESPACE"] : []),
      "NAME",
      ...header,
      ...(flags.wide ? wideHeader : []),
    ]);
  for (const r of shown)
    table.push([
      ...(withNamespace ? [r.namespace] : []),
      r.name,
      ...r.cells,
      ...(flags.wide ? r.wide : []),
    ]);
  const out = shown.length > 0 ? tabwriter(table) : "";
  return {
    chunks: [
      ...(out === "" ? [] : [{ stream: "stdout" as const, text: out }]),
      ...(missing === "" ? [] : [{ stream: "stderr" as const, text: missing }]),
    ],
    status: missing === "" ? 0 : 1,
    changed: false,
  };
}

function pods(plan: ClusterPlan, flags: Flags, wanted: readonly string[]): Printed {
  const labels = new Map(plan.file.pods.map((p) => [p.name, p.labels ?? {}]));
  const selected = plan.pods.filter((p) =>
    Object.entries(flags.selector ?? {}).every(([k, v]) => labels.get(p.name)?.[k] === v),
  );
  const rows: Row[] = selected.map((p) => ({
    name: p.name,
    namespace: POD_NAMESPACE,
    cells: ["1/1", "Running", "0", OBJECT_AGE],
    wide: [formatIpv4(p.ip), p.node, "<none>", "<none>"],
  }));
  return listing(
    "pods",
    flags,
    ["READY", "STATUS", "RESTARTS", "AGE"],
    ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"],
    rows,
    wanted,
  );
}

/** Nodes are not namespaced: -n and -A change nothing. */
function nodes(plan: ClusterPlan, flags: Flags, wanted: readonly string[]): Printed {
  const rows: Row[] = plan.nodes.map((n) => ({
    name: n.name,
    namespace: "",
    cells: ["Ready", "<none>", NODE_AGE, KUBELET_VERSION],
    wide: [formatIpv4(n.ip), "<none>", OS_IMAGE, KERNEL_VERSION, CONTAINER_RUNTIME],
  }));
  return listing(
    "nodes",
    { ...flags, allNamespaces: false, namespace: "" },
    ["STATUS", "ROLES", "AGE", "VERSION"],
    ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"],
    rows,
    wanted,
  );
}

function services(plan: ClusterPlan, flags: Flags, wanted: readonly string[]): Printed {
  const rows: Row[] = plan.services.map((s) => ({
    name: s.name,
    namespace: s.namespace,
    cells: [s.type, formatIpv4(s.clusterIp), "<none>", portsOf(s), OBJECT_AGE],
    wide: [selectorOf(plan, s)],
  }));
  return listing(
    "services",
    flags,
    ["TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
    ["SELECTOR"],
    rows,
    wanted,
  );
}

/** `80/TCP`, `80:30080/TCP` for a NodePort, comma-separated (kubectl's makePortString). */
function portsOf(s: PlannedService): string {
  return s.ports
    .map((p) => `${p.port}${p.nodePort === null ? "" : `:${p.nodePort}`}/${p.protocol}`)
    .join(",");
}

function selectorOf(plan: ClusterPlan, s: PlannedService): string {
  const spec = plan.file.services.find((f) => f.name === s.name && f.namespace === s.namespace);
  const selector = spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return "<none>";
  return Object.keys(selector)
    .sort()
    .map((k) => `${k}=${selector[k]}`)
    .join(",");
}

/** The first three entries and how many more (kubectl's formatEndpoints, formatDiscoveryEndpoints). */
function firstThree(list: readonly string[], none: string): string {
  if (list.length === 0) return none;
  const shown = list.slice(0, 3).join(",");
  return list.length > 3 ? `${shown} + ${list.length - 3} more...` : shown;
}

function endpoints(plan: ClusterPlan, flags: Flags, wanted: readonly string[]): Printed {
  const rows: Row[] = plan.services.map((s) => {
    // The endpoints controller sorts a subset's addresses; every port lists every address.
    const addresses = s.endpoints.map((e) => formatIpv4(e.ip)).sort();
    const list = s.ports.flatMap((p) => addresses.map((a) => `${a}:${p.targetPort}`));
    return {
      name: s.name,
      namespace: s.namespace,
      cells: [firstThree(list, "<none>"), OBJECT_AGE],
      wide: [],
    };
  });
  return listing("endpoints", flags, ["ENDPOINTS", "AGE"], [], rows, wanted);
}

/** generateName's alphabet (k8s.io/apimachinery/pkg/util/rand): no vowels, no look-alikes. */
const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** `<service>-<5 characters>`: the name the EndpointSlice controller's generateName gives. */
function sliceName(s: PlannedService): string {
  let h = stableHash(`${s.namespace}/${s.name}/endpointslice`);
  let suffix = "";
  for (let i = 0; i < 5; i++) {
    suffix += NAME_ALPHABET[h % NAME_ALPHABET.length];
    h = Math.floor(h / NAME_ALPHABET.length);
  }
  return `${s.name}-${suffix}`;
}

function endpointSlices(plan: ClusterPlan, flags: Flags, wanted: readonly string[]): Printed {
  const rows: Row[] = plan.services.map((s) => {
    const addresses = s.endpoints.map((e) => formatIpv4(e.ip));
    // A Service without endpoints gets a placeholder slice: no ports, no endpoints.
    const ports =
      addresses.length === 0 ? "<unset>" : s.ports.map((p) => String(p.targetPort)).join(",");
    return {
      name: sliceName(s),
      namespace: s.namespace,
      cells: ["IPv4", ports, firstThree(addresses, "<unset>"), OBJECT_AGE],
      wide: [],
    };
  });
  return listing(
    "endpointslices.discovery.k8s.io",
    flags,
    ["ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"],
    [],
    rows,
    wanted,
  );
}

/**
 * kubectl's table layout (cli-runtime printers: text/tabwriter with minwidth 6, padding 3): every
 * column but the last is as wide as its widest cell plus 3, at least 6. Names are ASCII (the
 * cluster file's schema says so), so a string's length is its width.
 */
export function tabwriter(rows: readonly (readonly string[])[]): string {
  const columns = Math.max(...rows.map((r) => r.length));
  const widths: number[] = [];
  for (let c = 0; c < columns - 1; c++)
    widths.push(Math.max(6, ...rows.map((r) => (r[c] ?? "").length + 3)));
  return rows
    .map((r) =>
      r.map((cell, c) => (c < r.length - 1 ? cell.padEnd(widths[c] as number) : cell)).join(""),
    )
    .map((line) => `${line}\n`)
    .join("");
}

/** `kubectl exec [-it] [-n NS] POD -- COMMAND…`, or kubectl's complaint. */
function exec(plan: ClusterPlan, flags: Flags, words: readonly string[]): Printed | KubectlExec {
  const see = "See 'kubectl exec -h' for help and examples";
  const [target] = words;
  if (flags.afterDashes === null) {
    if (words.length > 1)
      return stderr(
        `error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\n${see}\n`,
      );
  }
  const command = flags.afterDashes ?? [];
  if (target === undefined || command.length === 0)
    return stderr(
      `error: expected 'exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND [args...]'.\nPOD or TYPE/NAME is a required argument for the exec command\n${see}\n`,
    );
  const pod = target.replace(/^(pods?|po)\//, "");
  const found = plan.pods.find((p) => p.name === pod);
  if (!found || (!flags.allNamespaces && flags.namespace !== POD_NAMESPACE))
    return stderr(`Error from server (NotFound): pods "${pod}" not found\n`);
  return { kind: "exec", pod, command };
}
