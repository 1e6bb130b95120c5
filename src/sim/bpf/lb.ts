/**
 * Cilium's load-balancing maps (cilium/cilium 1.17: bpf/lib/lb.h, pkg/maps/lbmap), which the
 * kube-proxy replacement fills from the cluster's Services (proxy/ebpf.ts) and its programs read
 * (bpf/sock.ts at the cgroup hooks, bpf/cilium.ts at TC):
 * - cilium_lb4_services_v2: key struct lb4_key {address, dport, backend_slot, proto, scope}. Slot 0
 *   of a frontend holds the Service itself (backend count, rev-NAT index, flags); slots 1..count
 *   hold one backend ID each. Protocol differentiation is on by default since 1.17
 *   (--bpf-lb-proto-diff), so the protocol is part of the key.
 * - cilium_lb4_backends_v3: backend ID → address, port, protocol (struct lb4_backend).
 * - cilium_lb4_reverse_nat: rev-NAT index (the frontend's service ID) → frontend address and port,
 *   what a reply's source is rewritten back to.
 * - cilium_lb4_reverse_sk (bpf_sock.c): socket cookie + backend → frontend, written at connect()
 *   or sendmsg() and read by recvmsg() and getpeername(); it lives in the walk (BpfConntrack).
 * - cilium_lb4_affinity / cilium_lb_affinity_match: sessionAffinity ClientIP; the LRU entries live
 *   in the walk too.
 * The same Services give every node the same entries but for the frontends on the node's own
 * address (NodePort) and internalTrafficPolicy Local Services, whose backends are the node's own:
 * those live in the node's own table, the rest is shared (a 5,000-node cluster keeps one copy).
 */
import { formatIpv4, type Ipv4 } from "../ipv4";

export type LbProto = "TCP" | "UDP";

/** LB_LOOKUP_SCOPE_EXT (0) or LB_LOOKUP_SCOPE_INT (1): two-scope Services have both. */
export type LbScope = "ext" | "int";

export interface LbKey {
  readonly address: Ipv4;
  readonly port: number;
  readonly proto: LbProto;
  readonly scope: LbScope;
  readonly slot: number;
}

/** The ServiceFlags the model sets (pkg/loadbalancer: SVC_FLAG_* in bpf/lib/common.h). */
export interface LbFlags {
  readonly type: "ClusterIP" | "NodePort";
  /** SVC_FLAG_EXT_LOCAL_SCOPE: externalTrafficPolicy Local. */
  readonly extLocal: boolean;
  /** SVC_FLAG_INT_LOCAL_SCOPE: internalTrafficPolicy Local. */
  readonly intLocal: boolean;
  /** SVC_FLAG_TWO_SCOPES: the frontend also has an internal-scope entry with other backends. */
  readonly twoScopes: boolean;
  /** SVC_FLAG_AFFINITY: sessionAffinity ClientIP. */
  readonly affinity: boolean;
  /** SVC_FLAG_ROUTABLE: off for ClusterIPs (unless bpf.lbExternalClusterIP) and NodePort's 0.0.0.0 surrogate. */
  readonly routable: boolean;
}

/** A cilium_lb4_services_v2 value (struct lb4_service). */
export interface LbServiceValue {
  /** Slots 1..count: the backend's ID; slot 0: 0. */
  readonly backendId: number;
  /** Slot 0: active backends. */
  readonly count: number;
  readonly revNat: number;
  readonly flags: LbFlags;
  /** Session affinity timeout in seconds (Kubernetes' default 10800), slot 0 of affinity Services. */
  readonly affinityTimeout: number;
}

/** A cilium_lb4_backends_v3 value. */
export interface LbBackend {
  readonly id: number;
  readonly address: Ipv4;
  readonly port: number;
  readonly proto: LbProto;
}

/** A cilium_lb4_reverse_nat value. */
export interface LbRevNat {
  readonly id: number;
  readonly address: Ipv4;
  readonly port: number;
}

/** `address:port/PROTO[/i] (slot)`, as Service4Key.String prints a key (pkg/maps/lbmap/ipv4.go). */
export function lbKeyText(k: LbKey): string {
  return `${formatIpv4(k.address)}:${k.port}/${k.proto}${k.scope === "int" ? "/i" : ""} (${k.slot})`;
}

/** ServiceFlags.String (pkg/loadbalancer). */
export function lbFlagsText(f: LbFlags): string {
  const out: string[] = [f.type];
  if (f.extLocal) out.push("Local");
  if (f.intLocal) out.push("InternalLocal");
  if (f.twoScopes) out.push("two-scopes");
  if (f.affinity) out.push("sessionAffinity");
  if (!f.routable) out.push("non-routable");
  return out.join(", ");
}

export function backendText(b: LbBackend): string {
  return `${formatIpv4(b.address)}:${b.port}/${b.proto}`;
}

/** Entries of the three maps, in the order the agent wrote them. */
export class LbTable {
  readonly services = new Map<string, { readonly key: LbKey; readonly value: LbServiceValue }>();
  readonly backends = new Map<number, LbBackend>();
  readonly revNat = new Map<number, LbRevNat>();

  setService(key: LbKey, value: LbServiceValue): void {
    this.services.set(lbKeyText(key), { key, value });
  }
}

/**
 * The socket-LB options (Helm socketLB.enabled, socketLB.hostNamespaceOnly; agent flags
 * bpf-lb-sock, bpf-lb-sock-hostns-only). With kubeProxyReplacement=true the agent turns socket LB
 * on whatever bpf-lb-sock says (daemon/cmd/kube_proxy_replacement.go,
 * initKubeProxyReplacementOptions); hostNamespaceOnly then leaves pods' sockets alone, and bpf_lxc
 * is compiled with per-packet load balancing for them (ENABLE_SOCKET_LB_HOST_ONLY →
 * ENABLE_PER_PACKET_LB).
 */
export interface SocketLbConfig {
  readonly hostNamespaceOnly: boolean;
}

/** One node's view of the LB maps: its own entries over the shared ones. */
export class LbMaps {
  constructor(
    private readonly shared: LbTable,
    private readonly own: LbTable,
    readonly socketLb: SocketLbConfig,
  ) {}

  /** A cilium_lb4_services_v2 lookup (one map_lookup_elem). */
  service(key: LbKey): LbServiceValue | undefined {
    const text = lbKeyText(key);
    return (this.own.services.get(text) ?? this.shared.services.get(text))?.value;
  }

  backend(id: number): LbBackend | undefined {
    return this.own.backends.get(id) ?? this.shared.backends.get(id);
  }

  revNat(id: number): LbRevNat | undefined {
    return this.own.revNat.get(id) ?? this.shared.revNat.get(id);
  }

  /** Every services entry, shared then own. */
  *services(): Iterable<{ readonly key: LbKey; readonly value: LbServiceValue }> {
    yield* this.shared.services.values();
    yield* this.own.services.values();
  }

  *backendEntries(): Iterable<LbBackend> {
    yield* this.shared.backends.values();
    yield* this.own.backends.values();
  }

  *revNatEntries(): Iterable<LbRevNat> {
    yield* this.shared.revNat.values();
    yield* this.own.revNat.values();
  }
}

/** NODEPORT_PORT_MIN / NODEPORT_PORT_MAX: the NodePort range (--service-node-port-range). */
export const NODEPORT_PORT_MIN = 30000;
export const NODEPORT_PORT_MAX = 32767;

/** What the kube-proxy replacement adds to the datapath: the tables and the socket-LB options. */
export interface LbDatapath {
  readonly shared: LbTable;
  /** Per node name: the node's own entries. */
  readonly own: ReadonlyMap<string, LbTable>;
  readonly socketLb: SocketLbConfig;
}

/** The DROP_NO_SERVICE drop (pkg/monitor/api/drop.go). */
export const DROP_NO_SERVICE = { code: "DROP_NO_SERVICE", reason: "Service backend not found" };
