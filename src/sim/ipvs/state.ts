/**
 * IPVS, the kernel's layer-4 load balancer (net/netfilter/ipvs/), as one namespace holds it: the
 * virtual services and their real servers that `ipvsadm` (or kube-proxy's netlink calls) writes.
 * The operations refuse what ip_vs_ctl.c refuses, with the errno that ipvsadm turns into its
 * messages (libipvs/libipvs.c, ipvs_strerror). What a walk learns on the way (connection entries,
 * persistence templates, the scheduler's position) is the walk's, not this state: see
 * proxy/ipvs-datapath.ts.
 */
import type { Ipv4 } from "../ipv4";
import type { Netns } from "../model";
import { fail, ok, type Result } from "../state/result";

export type IpvsProtocol = "TCP" | "UDP";

/** The forwarding method of a real server: `-m` masquerading (NAT), `-g` direct routing, `-i` IP-in-IP. */
export type IpvsForward = "masq" | "route" | "tunnel";

export interface IpvsDest {
  readonly ip: Ipv4;
  readonly port: number;
  forward: IpvsForward;
  weight: number;
}

export interface IpvsService {
  readonly protocol: IpvsProtocol;
  readonly vip: Ipv4;
  readonly port: number;
  scheduler: string;
  /** `-p`: persistence timeout in seconds (kube-proxy's sessionAffinity ClientIP), or null. */
  persistent: number | null;
  /** `-M`: the persistence granularity mask (255.255.255.255 unless given). */
  netmask: Ipv4;
  /**
   * Real servers in the kernel's list order: ip_vs_add_dest puts each new one at the head of
   * svc->destinations (list_add_rcu), so the last one added is the first a scheduler meets.
   */
  readonly dests: IpvsDest[];
}

export interface IpvsState {
  /**
   * ipvs->enable: set when the first virtual service is added and never cleared (ip_vs_ctl.c);
   * until then IPVS's netfilter hooks let every packet pass without a look.
   */
  enabled: boolean;
  /**
   * net.ipv4.vs.conntrack (default 0): keep netfilter conntrack for IPVS connections, so the
   * nat table's POSTROUTING rules (kube-proxy's masquerade) see them and replies are ESTABLISHED.
   */
  conntrack: boolean;
  /** Virtual services by protocol, address and port: the kernel's ip_vs_svc_table hash. */
  readonly services: Map<string, IpvsService>;
}

/** The errno the kernel answers with; ipvsadm words it per call (ipvs_strerror). */
export type IpvsErrno = "EEXIST" | "ENOENT" | "ESRCH" | "EINVAL";

/** The schedulers the kernel ships (net/netfilter/ipvs/ip_vs_*.c). */
export const KERNEL_SCHEDULERS = [
  "rr",
  "wrr",
  "lc",
  "wlc",
  "lblc",
  "lblcr",
  "dh",
  "sh",
  "sed",
  "nq",
  "fo",
  "ovf",
  "mh",
  "twos",
] as const;

/** The schedulers whose choice the simulator models (proxy/ipvs-datapath.ts). */
export const MODELLED_SCHEDULERS = ["rr", "wrr", "lc", "wlc", "dh", "sh", "sed", "nq"] as const;

/** The default persistence timeout, `-p` without a value (IPVS_SVC_PERSISTENT_TIMEOUT). */
export const DEFAULT_PERSISTENT_TIMEOUT = 300;

export function serviceKey(protocol: IpvsProtocol, vip: Ipv4, port: number): string {
  return `${protocol}|${vip}|${port}`;
}

/** The namespace's IPVS state, made on first use (the ip_vs module loading for the namespace). */
export function ipvsOf(ns: Netns): IpvsState {
  if (!ns.ipvs) ns.ipvs = { enabled: false, conntrack: false, services: new Map() };
  return ns.ipvs;
}

export interface ServiceSpec {
  readonly protocol: IpvsProtocol;
  readonly vip: Ipv4;
  readonly port: number;
  readonly scheduler: string;
  readonly persistent: number | null;
  readonly netmask: Ipv4;
}

export type IpvsResult<T = undefined> =
  | Result<T>
  | { ok: false; errno: IpvsErrno; message: string };

function refuse(
  errno: IpvsErrno,
  message: string,
): { ok: false; errno: IpvsErrno; message: string } {
  return { ok: false, errno, message };
}

/** A scheduler name the kernel has no module for: ENOENT (ip_vs_scheduler_get fails). */
function schedulerProblem(name: string): IpvsResult | null {
  if (!(KERNEL_SCHEDULERS as readonly string[]).includes(name))
    return refuse("ENOENT", "Scheduler or persistence engine not found");
  if (!(MODELLED_SCHEDULERS as readonly string[]).includes(name))
    return fail(
      `podnet-learn: the ${name} scheduler is not modelled (${MODELLED_SCHEDULERS.join(", ")} are)`,
    );
  return null;
}

/** `ipvsadm -A` (ip_vs_add_service). */
export function addService(ns: Netns, spec: ServiceSpec): IpvsResult {
  const state = ipvsOf(ns);
  const key = serviceKey(spec.protocol, spec.vip, spec.port);
  if (state.services.has(key)) return refuse("EEXIST", "Service already exists");
  const bad = schedulerProblem(spec.scheduler);
  if (bad) return bad;
  state.services.set(key, { ...spec, dests: [] });
  state.enabled = true;
  return ok();
}

/** `ipvsadm -E` (ip_vs_edit_service): the scheduler and persistence change in place. */
export function editService(ns: Netns, spec: ServiceSpec): IpvsResult {
  const svc = ns.ipvs?.services.get(serviceKey(spec.protocol, spec.vip, spec.port));
  if (!svc) return refuse("ESRCH", "No such service");
  const bad = schedulerProblem(spec.scheduler);
  if (bad) return bad;
  svc.scheduler = spec.scheduler;
  svc.persistent = spec.persistent;
  svc.netmask = spec.netmask;
  return ok();
}

/** `ipvsadm -D` (ip_vs_del_service). */
export function deleteService(
  ns: Netns,
  protocol: IpvsProtocol,
  vip: Ipv4,
  port: number,
): IpvsResult {
  if (!ns.ipvs?.services.delete(serviceKey(protocol, vip, port)))
    return refuse("ESRCH", "No such service");
  return ok();
}

/** `ipvsadm -C` (ip_vs_flush): every service goes; IPVS stays enabled. */
export function flushServices(ns: Netns): void {
  ns.ipvs?.services.clear();
}

export interface DestSpec {
  readonly ip: Ipv4;
  readonly port: number;
  readonly forward: IpvsForward;
  readonly weight: number;
}

function serviceOf(
  ns: Netns,
  protocol: IpvsProtocol,
  vip: Ipv4,
  port: number,
): IpvsService | undefined {
  return ns.ipvs?.services.get(serviceKey(protocol, vip, port));
}

/**
 * `ipvsadm -a` (ip_vs_add_dest, ip_vs_new_dest): the real server must be a unicast or local
 * address (inet_addr_type), else EINVAL.
 */
export function addDest(
  ns: Netns,
  protocol: IpvsProtocol,
  vip: Ipv4,
  port: number,
  dest: DestSpec,
): IpvsResult {
  const svc = serviceOf(ns, protocol, vip, port);
  if (!svc) return refuse("ESRCH", "Service not defined");
  if (svc.dests.some((d) => d.ip === dest.ip && d.port === dest.port))
    return refuse("EEXIST", "Destination already exists");
  if (!isUnicast(dest.ip))
    return refuse(
      "EINVAL",
      "Invalid operation.  Possibly wrong module version, address not unicast, ...",
    );
  svc.dests.unshift({ ...dest });
  return ok();
}

/** `ipvsadm -e` (ip_vs_edit_dest). */
export function editDest(
  ns: Netns,
  protocol: IpvsProtocol,
  vip: Ipv4,
  port: number,
  dest: DestSpec,
): IpvsResult {
  const svc = serviceOf(ns, protocol, vip, port);
  if (!svc) return refuse("ESRCH", "Service not defined");
  const found = svc.dests.find((d) => d.ip === dest.ip && d.port === dest.port);
  if (!found) return refuse("ENOENT", "No such destination");
  found.forward = dest.forward;
  found.weight = dest.weight;
  return ok();
}

/** `ipvsadm -d` (ip_vs_del_dest). */
export function deleteDest(
  ns: Netns,
  protocol: IpvsProtocol,
  vip: Ipv4,
  port: number,
  ip: Ipv4,
  destPort: number,
): IpvsResult {
  const svc = serviceOf(ns, protocol, vip, port);
  if (!svc) return refuse("ESRCH", "Service not defined");
  const at = svc.dests.findIndex((d) => d.ip === ip && d.port === destPort);
  if (at < 0) return refuse("ENOENT", "No such destination");
  svc.dests.splice(at, 1);
  return ok();
}

/** RTN_UNICAST or RTN_LOCAL for inet_addr_type: not 0.0.0.0, multicast, class E or broadcast. */
function isUnicast(ip: Ipv4): boolean {
  return ip !== 0 && ip >>> 28 < 14 && ip !== 0xffffffff;
}

/** The virtual service a packet's protocol, destination and port name, if any. */
export function findService(
  state: IpvsState,
  protocol: IpvsProtocol,
  vip: Ipv4,
  port: number,
): IpvsService | undefined {
  return state.services.get(serviceKey(protocol, vip, port));
}
