/**
 * Cilium's TC programs as pure functions over the node's maps (maps.ts): given the frame at a
 * device's hook, each says what the real program would do with it: pass it to the kernel, drop it
 * with Cilium's drop reason, redirect it to a device, or set a tunnel key and redirect it to the
 * tunnel device. The walker runs them (walk/walker.ts, tcHook) and records each run as an `ebpf`
 * hop.
 *
 * Modelled configuration (Helm defaults, cilium/cilium 1.17): no BPF masquerading, hence legacy
 * host routing (no ENABLE_HOST_ROUTING: redirects go through the lxc's egress, not
 * bpf_redirect_peer, and packets for other nodes in native routing are passed to the kernel's
 * routing); per-endpoint routes off (ENABLE_ROUTING); ARP responder on; no host firewall, IPsec,
 * WireGuard or L7 proxy; IPv4 only. With the kube-proxy replacement (kubeProxy.mode ebpf, maps in
 * lb.ts) the socket LB (sock.ts) translates Services before packets exist; with
 * socketLB.hostNamespaceOnly, bpf_lxc balances pods' packets itself (ENABLE_PER_PACKET_LB:
 * lb4_lookup_service, lb4_local) and the receiving endpoint's policy program undoes the
 * translation on replies (lb4_rev_nat). BPF NodePort for packets from outside the cluster
 * (nodeport_lb4 in bpf_host: DNAT, SNAT or DSR) is not modelled: such a packet stops with a
 * message saying so.
 *
 * Every map lookup a program makes is counted (TcResult.lookups); the tunnel key a
 * collect-metadata device attached is not a map.
 */
import { formatIpv4, type Ipv4, networkOf } from "../ipv4";
import type { Link, Netns, World } from "../model";
import type { Rng } from "../rng";
import type { EbpfRun } from "../walk/hop";
import { type Datagram, type Frame, type Tuple, tupleOf } from "../walk/packet";
import {
  backendText,
  DROP_NO_SERVICE,
  type LbBackend,
  type LbKey,
  type LbMaps,
  type LbProto,
  lbKeyText,
} from "./lb";
import {
  type BpfConntrack,
  type CiliumMaps,
  type CtPacket,
  type CtStatus,
  ctMapName,
  describeIpcache,
  describePolicy,
  type EndpointEntry,
  IDENTITY_HOST,
  IDENTITY_REMOTE_NODE,
  IDENTITY_WORLD,
  type IpcacheEntry,
  identityName,
  policyMapName,
  type TcAttachment,
  type TcHook,
} from "./maps";
import { lookupService } from "./sock";

/** bpf_skb_set_tunnel_key's view: where the outer packet goes and the VNI it carries. */
export interface TunnelKey {
  readonly remote: Ipv4;
  readonly vni: number;
}

/** What a hook's programs decided, as the kernel acts on their return code. */
export type TcVerdict =
  /** TC_ACT_OK: the kernel's own path continues, with the frame as the program left it. */
  | { readonly kind: "pass"; readonly frame: Frame }
  /** TC_ACT_SHOT, with Cilium's drop reason (pkg/monitor/api/drop.go) and its DROP_* name. */
  | { readonly kind: "drop"; readonly reason: string; readonly code: string }
  /** bpf_redirect(ifindex, 0): transmitted out of `dev`; with BPF_F_INGRESS, received on it. */
  | {
      readonly kind: "redirect";
      readonly dev: string;
      readonly ingress: boolean;
      readonly frame: Frame;
    }
  /** bpf_redirect_peer: straight into the ingress of `dev`'s veth peer, in the peer's namespace. */
  | { readonly kind: "redirect-peer"; readonly dev: string; readonly frame: Frame }
  /** bpf_skb_set_tunnel_key then bpf_redirect to the collect-metadata tunnel device `dev`. */
  | {
      readonly kind: "encap";
      readonly dev: string;
      readonly key: TunnelKey;
      readonly frame: Frame;
    };

/** One program run: its `ebpf` hop (text and structured form) and the frame it left. */
export interface ProgramStep {
  readonly run: EbpfRun;
  readonly text: string;
  readonly frame: Frame;
}

export interface TcResult {
  readonly steps: readonly ProgramStep[];
  readonly verdict: TcVerdict;
  /** BPF map lookups the programs made (map_lookup_elem and tail calls through a program array). */
  readonly lookups: number;
}

/**
 * Runs the program attached at `hook` of `link` (sch_handle_ingress / sch_handle_egress), or
 * returns null when none is. `tunnelKey` is the metadata a collect-metadata tunnel device attached
 * on receive (what bpf_skb_get_tunnel_key reads).
 */
export function runTcHook(
  world: World,
  ns: Netns,
  link: Link,
  hook: TcHook,
  frame: Frame,
  tunnelKey: TunnelKey | null,
  ct: BpfConntrack,
  /** The walk's seeded generator, where a program calls get_prandom_u32(). */
  rng: Rng,
): TcResult | null {
  const attach = link.tc?.find((a) => a.hook === hook);
  if (!attach) return null;
  const c = new Ctx(world, ns, link, attach, ct, frame, rng);
  const maps = ns.bpf;
  if (!maps) {
    c.end("pass", "no Cilium maps are loaded on this node: the program finds nothing and passes");
    return c.result({ kind: "pass", frame });
  }
  return c.result(PROGRAMS[attach.program](c, maps, frame, tunnelKey));
}

type Program = (c: Ctx, maps: CiliumMaps, frame: Frame, key: TunnelKey | null) => TcVerdict;

const PROGRAMS: Record<TcAttachment["program"], Program> = {
  cil_from_container: fromContainer,
  cil_from_overlay: fromOverlay,
  cil_to_overlay: (c, _maps, frame) => {
    c.end("pass", "nothing to do without BPF NodePort (bpf_overlay.c): passes to the device");
    return { kind: "pass", frame };
  },
  cil_from_netdev: fromNetdev,
  cil_from_host: fromHost,
  cil_to_host: (c, _maps, frame) => {
    c.end(
      "pass",
      "nothing to do without the host firewall, IPsec or the L7 proxy (bpf_host.c): passes to the stack",
    );
    return { kind: "pass", frame };
  },
};

/** Records the steps of one hook's run: map accesses accumulate until a program ends. */
class Ctx {
  private readonly steps: ProgramStep[] = [];
  private maps: { map: string; key: string; value: string }[] = [];
  private notes: string[] = [];
  private program: string;
  private object: string;
  private current: Frame;
  lookups = 0;

  constructor(
    readonly world: World,
    readonly ns: Netns,
    readonly link: Link,
    readonly attach: TcAttachment,
    readonly ct: BpfConntrack,
    frame: Frame,
    readonly rng: Rng,
  ) {
    this.current = frame;
    this.program = attach.program;
    this.object = attach.object;
  }

  /** A map lookup (the tunnel key a device attached is read, not looked up: not counted). */
  map(map: string, key: string, value: string): void {
    if (map !== "tunnel key") this.lookups++;
    this.maps.push({ map, key, value });
  }

  /** A map write: shown, not counted as a lookup. */
  update(map: string, key: string, value: string): void {
    this.maps.push({ map, key, value: `${value} (update)` });
  }

  /** What the running program did before its final action, said first when it ends. */
  note(text: string): void {
    this.notes.push(text);
  }

  /** The recorder interface sock.ts's lookupService takes: the same as `map`. */
  lookup(map: string, key: string, value: string): void {
    this.map(map, key, value);
  }

  /** The frame as the running program has rewritten it so far. */
  frame(f: Frame): void {
    this.current = f;
  }

  /** Ends the running program; a tail call names the next one. */
  end(action: string, did0: string, next?: { program: string; object: string }): void {
    const did = [...this.notes, did0].join("; ");
    this.notes = [];
    const maps = this.maps.map((m) => `${m.map}: ${m.key} → ${m.value}`).join("; ");
    const where = `eBPF program ${this.program} (${this.object}) at ${this.attach.hook} on ${this.link.name}`;
    this.steps.push({
      run: {
        program: this.program,
        object: this.object,
        hook: this.attach.hook,
        maps: this.maps,
        action,
      },
      text: `${where}: ${did}${maps === "" ? "" : ` (${maps})`}`,
      frame: this.current,
    });
    this.maps = [];
    if (next) {
      this.program = next.program;
      this.object = next.object;
    }
  }

  drop(code: string, reason: string, why: string): TcVerdict {
    this.end("drop", `drops the packet: ${reason} (${code}), ${why}`);
    return { kind: "drop", reason, code };
  }

  result(verdict: TcVerdict): TcResult {
    return { steps: this.steps, verdict, lookups: this.lookups };
  }
}

function tupleText(t: Tuple): string {
  const proto = t.proto === 1 ? "ICMP" : t.proto === 6 ? "TCP" : t.proto === 17 ? "UDP" : t.proto;
  const ports = t.proto === 1 ? ` id ${t.sport}` : "";
  return t.proto === 1
    ? `${proto} ${formatIpv4(t.src)} → ${formatIpv4(t.dst)}${ports}`
    : `${proto} ${formatIpv4(t.src)}:${t.sport} → ${formatIpv4(t.dst)}:${t.dport}`;
}

const CT_TEXT: Record<CtStatus, string> = {
  new: "no entry: a new connection",
  established: "an established connection",
  reply: "the reply of a tracked connection (CT_REPLY: no policy check)",
};

/** The ipcache always has an answer: its 0.0.0.0/0 entry is `world`. */
function ipcache(c: Ctx, maps: CiliumMaps, ip: Ipv4): IpcacheEntry {
  const hit = maps.ipcache.lookup(ip) ?? {
    prefix: 0,
    len: 0,
    identity: IDENTITY_WORLD,
    tunnelEndpoint: null,
  };
  c.map("cilium_ipcache", formatIpv4(ip), describeIpcache(hit));
  return hit;
}

function endpoint(c: Ctx, maps: CiliumMaps, ip: Ipv4): EndpointEntry | undefined {
  const ep = maps.endpoints.get(ip);
  c.map(
    "cilium_lxc",
    formatIpv4(ip),
    ep === undefined
      ? "no entry (not a local endpoint)"
      : ep.host
        ? "a host address"
        : `endpoint ${ep.endpointId} on ${ep.ifname}`,
  );
  return ep;
}

/**
 * policy_can_egress4 / policy_can_ingress4 against the endpoint's policy map: a deny entry for
 * the peer's identity (or any) wins, then an allow entry; no entry at all is a drop.
 */
function policy(
  c: Ctx,
  maps: CiliumMaps,
  endpointId: number,
  dir: "ingress" | "egress",
  peer: number,
): TcVerdict | null {
  const entries = maps.policy.get(endpointId) ?? [];
  const matches = (e: (typeof entries)[number]) =>
    e.direction === dir && (e.identity === 0 || e.identity === peer);
  const deny = entries.find((e) => e.deny && matches(e));
  const allow = entries.find((e) => !e.deny && matches(e));
  const key = `${dir} ${dir === "ingress" ? "from" : "to"} identity ${identityName(peer)}`;
  const name = policyMapName(endpointId);
  if (deny) {
    c.map(name, key, describePolicy(deny));
    return c.drop("DROP_POLICY_DENY", "Policy denied by denylist", "a deny rule matches");
  }
  if (allow) {
    c.map(name, key, describePolicy(allow));
    return null;
  }
  c.map(name, key, "no entry");
  return c.drop("DROP_POLICY", "Policy denied", "no policy entry allows it");
}

/** ipv4_l3 (lib/l3.h): TTL decremented (a packet at TTL 1 is dropped), MACs rewritten. */
function l3(c: Ctx, frame: Frame, src: string | null, dst: string): Frame | TcVerdict {
  if (frame.ip.ttl <= 1)
    return c.drop("DROP_TTL_EXCEEDED", "TTL exceeded", "its TTL would reach 0");
  return {
    src: (src ?? frame.src) as Frame["src"],
    dst: dst as Frame["dst"],
    ip: { ...frame.ip, ttl: frame.ip.ttl - 1 },
  };
}

function isVerdict(x: Frame | TcVerdict): x is TcVerdict {
  return "kind" in x;
}

/**
 * ipv4_local_delivery (lib/l3.h) and the destination endpoint's policy program it tail-calls
 * (cilium_call_policy[endpoint] → cil_lxc_policy in that endpoint's bpf_lxc.o: ipv4_policy, then
 * redirect_ep). Without BPF host routing redirect_ep is a plain bpf_redirect to the lxc device,
 * whose transmit hands the frame to the endpoint's eth0.
 */
function localDelivery(
  c: Ctx,
  maps: CiliumMaps,
  ep: EndpointEntry,
  srcIdentity: number,
  frame: Frame,
): TcVerdict {
  const f = l3(c, frame, ep.lxcMac, ep.podMac);
  if (isVerdict(f)) return f;
  c.frame(f);
  c.map("cilium_call_policy", String(ep.endpointId), `cil_lxc_policy of endpoint ${ep.endpointId}`);
  c.end(
    "tail-call",
    `local endpoint ${ep.endpointId} (${formatIpv4(ep.ip)}): TTL ${frame.ip.ttl} → ${f.ip.ttl}, MACs rewritten to ${ep.lxcMac} → ${ep.podMac}, tail call into its policy program`,
    { program: "cil_lxc_policy", object: `bpf_lxc.o, endpoint ${ep.endpointId}` },
  );
  const t = tupleOf(f.ip);
  const { status, entry } = c.ct.find(c.ns.name, t, "ingress", ctPacket(f.ip));
  c.map(ctMapName(t.proto), `${tupleText(t)} (ingress)`, CT_TEXT[status]);
  if (status !== "reply") {
    const denied = policy(c, maps, ep.endpointId, "ingress", srcIdentity);
    if (denied) return denied;
    if (status === "new")
      c.ct.create(c.ns.name, t, "ingress", srcIdentity, { packet: ctPacket(f.ip) });
  }
  // ipv4_policy: the reply of a connection the per-packet load balancer translated gets its
  // source back (lb4_rev_nat through the entry's rev-NAT index).
  const back =
    status === "reply" && entry && entry.revNat !== 0 ? revNat(c, maps, entry.revNat, f) : f;
  c.end(
    "redirect",
    `${status === "reply" ? "a reply, no policy check" : `source identity ${identityName(srcIdentity)} allowed in`}; bpf_redirect to ${ep.ifname} (its egress, which hands the frame to the endpoint's eth0)`,
  );
  return { kind: "redirect", dev: ep.ifname, ingress: false, frame: back };
}

/** lb4_rev_nat: cilium_lb4_reverse_nat gives the frontend the reply's source becomes again. */
function revNat(c: Ctx, maps: CiliumMaps, index: number, f: Frame): Frame {
  const nat = maps.lb?.revNat(index);
  c.map(
    "cilium_lb4_reverse_nat",
    String(index),
    nat ? `${formatIpv4(nat.address)}:${nat.port}` : "no entry",
  );
  const l4 = f.ip.l4;
  if (!nat || (l4.kind !== "tcp" && l4.kind !== "udp")) return f;
  const back: Frame = {
    ...f,
    ip: { ...f.ip, src: nat.address, l4: { ...l4, sport: nat.port } },
  };
  c.frame(back);
  c.note(
    `reverse NAT (rev-NAT ${index}): source ${formatIpv4(f.ip.src)}:${l4.sport} → ${formatIpv4(nat.address)}:${nat.port}, the service the client asked for`,
  );
  return back;
}

/** What the conntrack entry counts of a packet: its length and TCP flags (SYN 0x02, ACK 0x10, RST 0x04). */
function ctPacket(d: Datagram): CtPacket {
  const flags = d.l4.kind === "tcp" ? d.l4.flags.split(",") : [];
  const bits = flags.reduce(
    (n, f) => n | (f === "SYN" ? 0x02 : f === "ACK" ? 0x10 : f === "RST" ? 0x04 : 0),
    0,
  );
  return { bytes: d.length, tcpFlags: bits };
}

/**
 * bpf_lxc's per-packet load balancer (__per_packet_lb_svc_xlate_4): lb4_lookup_service on the
 * destination; for a Service, lb4_local looks the connection up in conntrack as CT_SERVICE, picks
 * a backend for a new one (sessionAffinity ClientIP: the client address's entry in
 * cilium_lb4_affinity first; otherwise a random slot: bpf_lxc always uses LB_SELECTION_RANDOM,
 * Maglev only serves NodePort traffic from outside), records it in the CT_SERVICE entry, and
 * rewrites the destination address and port (lb4_xlate). ICMP gets no lookup
 * (lb4_extract_tuple: DROP_UNSUPP_SERVICE_PROTO): a ping to a ClusterIP leaves untranslated.
 */
function perPacketLb(
  c: Ctx,
  lb: LbMaps,
  frame: Frame,
): { frame: Frame; revNat: number } | TcVerdict | null {
  const d = frame.ip;
  if (d.l4.kind === "icmp") {
    c.note(
      "ICMP gets no service lookup (lb4_extract_tuple: DROP_UNSUPP_SERVICE_PROTO), whatever its destination",
    );
    return null;
  }
  if (d.l4.kind !== "tcp" && d.l4.kind !== "udp") return null;
  const proto: LbProto = d.l4.kind === "tcp" ? "TCP" : "UDP";
  const hit = lookupService(c, lb, d.dst, d.l4.dport, proto);
  if (!hit) return null;
  const { key, svc } = hit;
  const front = `${formatIpv4(d.dst)}:${d.l4.dport}`;
  if (svc.count === 0)
    return c.drop(DROP_NO_SERVICE.code, DROP_NO_SERVICE.reason, `service ${front} has no backends`);
  const t = tupleOf(d);
  const found = c.ct.find(c.ns.name, t, "service", ctPacket(d));
  c.map(
    ctMapName(t.proto),
    `${tupleText(t)} (service)`,
    found.entry
      ? `backend ${found.entry.backendId}, rev-NAT ${found.entry.revNat}`
      : "no entry: a new connection",
  );
  let backend: LbBackend | undefined;
  let how = "";
  if (found.entry && found.entry.revNat === svc.revNat) {
    backend = lookupBackend(c, lb, found.entry.backendId);
    how = ", the connection's backend";
  }
  if (!backend) {
    const client = `client ${formatIpv4(d.src)}`;
    if (svc.flags.affinity) {
      const id = c.ct.affinityLookup(c.ns.name, svc.revNat, client);
      c.map(
        "cilium_lb4_affinity",
        `${client}, rev-NAT ${svc.revNat}`,
        id === undefined ? "no entry" : `backend ${id}`,
      );
      if (id !== undefined) {
        backend = lookupBackend(c, lb, id);
        if (backend) how = ", session affinity";
      }
    }
    if (!backend) {
      // lb4_select_backend_id (LB_SELECTION_RANDOM): get_prandom_u32() % count + 1.
      const slot = (Math.floor(c.rng() * 2 ** 32) % svc.count) + 1;
      const slotKey: LbKey = { ...key, slot };
      const value = lb.service(slotKey);
      c.map(
        "cilium_lb4_services_v2",
        lbKeyText(slotKey),
        value ? `backend ${value.backendId}` : "no entry",
      );
      if (value) backend = lookupBackend(c, lb, value.backendId);
      how = `, random slot ${slot} of ${svc.count}`;
    }
    if (!backend)
      return c.drop(DROP_NO_SERVICE.code, DROP_NO_SERVICE.reason, `no backend for ${front}`);
    c.ct.create(c.ns.name, t, "service", 0, {
      revNat: svc.revNat,
      backendId: backend.id,
      packet: ctPacket(d),
    });
    c.update(
      ctMapName(t.proto),
      `${tupleText(t)} (service)`,
      `backend ${backend.id}, rev-NAT ${svc.revNat}`,
    );
    if (svc.flags.affinity) {
      c.ct.affinityUpdate(c.ns.name, svc.revNat, client, backend.id);
      c.update("cilium_lb4_affinity", `${client}, rev-NAT ${svc.revNat}`, `backend ${backend.id}`);
    }
  }
  if (backend.address === d.src)
    // lb4_local's loopback case: not modelled, and without it the pod would drop its own
    // packet as a martian, which Cilium avoids.
    return c.drop(
      "not a real drop",
      "a pod balanced to itself: loopback load balancing is not modelled, the simulator stops here",
      `lb4_local would also rewrite the source to IPV4_LOOPBACK (169.254.42.1) so that ${formatIpv4(d.src)} accepts its own packet`,
    );
  const ip: Datagram = { ...d, dst: backend.address, l4: { ...d.l4, dport: backend.port } };
  const f: Frame = { ...frame, ip };
  c.frame(f);
  c.note(
    `service ${front} → backend ${formatIpv4(backend.address)}:${backend.port} (per-packet LB, lb4_local${how}): destination rewritten at TC before conntrack and policy`,
  );
  return { frame: f, revNat: svc.revNat };
}

function lookupBackend(c: Ctx, lb: LbMaps, id: number): LbBackend | undefined {
  const backend = lb.backend(id);
  c.map("cilium_lb4_backends_v3", String(id), backend ? backendText(backend) : "no entry");
  return backend;
}

function encap(c: Ctx, maps: CiliumMaps, remote: Ipv4, identity: number, frame: Frame): TcVerdict {
  const dev = maps.config.tunnel?.device as string;
  c.end(
    "encapsulate",
    `sets the tunnel key (remote ${formatIpv4(remote)}, VNI ${identity}: the source's security identity) and redirects to ${dev}`,
  );
  return { kind: "encap", dev, key: { remote, vni: identity }, frame };
}

/**
 * cil_from_container (bpf_lxc.c, at the lxc's TC ingress: packets leaving the pod):
 * handle_ipv4_from_lxc. Source check, conntrack (egress), destination identity from the ipcache,
 * egress policy, then: a local endpoint gets the packet directly (ENABLE_ROUTING); in tunnel mode
 * a remote one is encapsulated to the tunnel endpoint from the ipcache (or, failing that, the
 * tunnel map); everything else is passed to the kernel after ipv4_l3 (pass_to_stack).
 */
function fromContainer(c: Ctx, maps: CiliumMaps, frame0: Frame): TcVerdict {
  let frame = frame0;
  let d = frame.ip;
  const self = [...maps.endpoints.values()].find((e) => e.endpointId === c.attach.endpoint);
  if (!self || d.src !== self.ip)
    return c.drop(
      "DROP_INVALID_SIP",
      "Invalid source ip",
      `the source ${formatIpv4(d.src)} is not the endpoint's address (is_valid_lxc_src_ipv4)`,
    );
  // ENABLE_PER_PACKET_LB: compiled in when socket LB leaves pods alone (hostNamespaceOnly).
  let revNat = 0;
  if (maps.lb?.socketLb.hostNamespaceOnly) {
    const lb = perPacketLb(c, maps.lb, frame);
    if (lb && "kind" in lb) return lb;
    if (lb) {
      frame = lb.frame;
      d = frame.ip;
      revNat = lb.revNat;
    }
  }
  const t = tupleOf(d);
  const status = c.ct.find(c.ns.name, t, "egress", ctPacket(d)).status;
  c.map(ctMapName(t.proto), `${tupleText(t)} (egress)`, CT_TEXT[status]);
  const info = ipcache(c, maps, d.dst);
  if (status !== "reply") {
    const denied = policy(c, maps, self.endpointId, "egress", info.identity);
    if (denied) return denied;
    // The rev-NAT index the load balancer picked goes into the entry, for the reply.
    if (status === "new")
      c.ct.create(c.ns.name, t, "egress", self.identity, { revNat, packet: ctPacket(d) });
  }
  const ep = endpoint(c, maps, d.dst);
  if (ep && !ep.host) return localDelivery(c, maps, ep, self.identity, frame);
  if (!ep && maps.config.tunnel) {
    let remote = info.tunnelEndpoint;
    if (remote === null) {
      // encap_and_redirect_lxc falls back on the tunnel map, keyed by the address under IPV4_MASK.
      const len = maps.config.podCidr.len;
      const hit = maps.tunnel.exact(networkOf(d.dst, len), len);
      c.map(
        "cilium_tunnel_map",
        formatIpv4(networkOf(d.dst, len)),
        hit
          ? formatIpv4(hit.endpoint)
          : "no entry (DROP_NO_TUNNEL_ENDPOINT: via the native device)",
      );
      remote = hit?.endpoint ?? null;
    }
    if (remote !== null) return encap(c, maps, remote, self.identity, frame);
  }
  // pass_to_stack: ipv4_l3 with the lxc's own MAC as destination, so the kernel takes it.
  const f = l3(c, frame, null, c.link.mac);
  if (isVerdict(f)) return f;
  c.frame(f);
  c.end(
    "pass",
    `${ep?.host ? "the destination is this node" : "not a local endpoint"}${maps.config.tunnel && !ep ? " and no tunnel endpoint" : ""}: TTL ${d.ttl} → ${f.ip.ttl}, passed to the kernel's routing`,
  );
  return { kind: "pass", frame: f };
}

/**
 * cil_from_overlay (bpf_overlay.c, at the tunnel device's TC ingress): the source identity is the
 * VNI of the tunnel key; a local endpoint gets the packet (ipv4_local_delivery), anything else
 * goes to the host: ipv4_l3, then bpf_redirect to cilium_host.
 */
function fromOverlay(c: Ctx, maps: CiliumMaps, frame: Frame, key: TunnelKey | null): TcVerdict {
  if (key === null)
    return c.drop("DROP_NO_TUNNEL_KEY", "No tunnel key", "the packet did not come out of a tunnel");
  const identity = key.vni;
  c.map(
    "tunnel key",
    `from ${formatIpv4(key.remote)}`,
    `VNI ${key.vni}: source identity ${identityName(identity)}`,
  );
  const ep = endpoint(c, maps, frame.ip.dst);
  if (ep && !ep.host) return localDelivery(c, maps, ep, identity, frame);
  const host = c.ns.links.get("cilium_host");
  if (!host)
    return c.drop(
      "DROP_UNROUTABLE",
      "Stale or unroutable IP",
      "there is no cilium_host to deliver to",
    );
  const f = l3(c, frame, c.link.mac, host.mac);
  if (isVerdict(f)) return f;
  c.frame(f);
  c.end(
    "redirect",
    `not a local endpoint: to the host, bpf_redirect to cilium_host (TTL ${frame.ip.ttl} → ${f.ip.ttl})`,
  );
  return { kind: "redirect", dev: "cilium_host", ingress: false, frame: f };
}

/**
 * cil_from_netdev (bpf_host.c, at the native device's TC ingress). The source identity comes from
 * the ipcache; without BPF host routing handle_ipv4_cont leaves delivery to the kernel (a redirect
 * there would bypass netfilter's conntrack), so the packet is passed up.
 */
function fromNetdev(c: Ctx, maps: CiliumMaps, frame: Frame): TcVerdict {
  const src = ipcache(c, maps, frame.ip.src);
  // With the kube-proxy replacement (ENABLE_NODEPORT) nodeport_lb4 looks every TCP and UDP
  // packet up in the services map first.
  const l4 = frame.ip.l4;
  if (maps.lb && (l4.kind === "tcp" || l4.kind === "udp")) {
    const proto: LbProto = l4.kind === "tcp" ? "TCP" : "UDP";
    const hit = lookupService(c, maps.lb, frame.ip.dst, l4.dport, proto);
    if (hit?.svc.flags.type === "NodePort")
      return c.drop(
        "not a real drop",
        "a NodePort packet from outside the cluster: BPF NodePort (nodeport_lb4) is not modelled, the simulator stops here",
        `nodeport_lb4 would translate ${formatIpv4(frame.ip.dst)}:${l4.dport} to a backend (and SNAT it for one on another node); the simulator stops here rather than pretend a socket on the node answers`,
      );
  }
  c.end(
    "pass",
    `source identity ${identityName(src.identity)}; without BPF host routing it leaves delivery to the kernel: passed to the stack`,
  );
  return { kind: "pass", frame };
}

/**
 * cil_from_host (bpf_host.c, at cilium_host's TC egress: what the kernel routed into cilium_host).
 * The source identity is the ipcache's (SECCTX_FROM_IPCACHE); a local endpoint gets the packet,
 * a host address is passed on to cilium_net; in tunnel mode an address with a tunnel endpoint is
 * encapsulated; an address only the world entry covers is dropped (DROP_UNROUTABLE).
 */
function fromHost(c: Ctx, maps: CiliumMaps, frame: Frame): TcVerdict {
  const d = frame.ip;
  const src = ipcache(c, maps, d.src);
  const identity = src.identity;
  const ep = endpoint(c, maps, d.dst);
  const toNet = (): TcVerdict => {
    // rewrite_dmac_to_host: the frame goes on to cilium_net, cilium_host's peer.
    const net = c.ns.links.get("cilium_net");
    const f = net ? { ...frame, dst: net.mac } : frame;
    c.frame(f);
    c.end("pass", "for the host: destination MAC set to cilium_net's, passed on");
    return { kind: "pass", frame: f };
  };
  if (ep?.host) return toNet();
  if (ep) return localDelivery(c, maps, ep, identity, frame);
  const info = ipcache(c, maps, d.dst);
  if (maps.config.tunnel && info.tunnelEndpoint !== null)
    // lib/encap.h: the host's own identity is sent as the node's (remote-node to the peer).
    return encap(
      c,
      maps,
      info.tunnelEndpoint,
      identity === IDENTITY_HOST ? IDENTITY_REMOTE_NODE : identity,
      frame,
    );
  if (info.identity === IDENTITY_WORLD)
    return c.drop(
      "DROP_UNROUTABLE",
      "Stale or unroutable IP",
      `no ipcache entry covers ${formatIpv4(d.dst)} but the world's`,
    );
  return toNet();
}

/**
 * bpf_lxc's ARP responder (tail_handle_arp, reached from cil_from_container): an ARP request from
 * the pod for any address but the pod's own is answered with the lxc device's MAC
 * (THIS_INTERFACE_MAC) and sent straight back; the host stack never sees it.
 */
export function arpResponder(
  world: World,
  requester: Link,
  target: Ipv4,
): { responder: Link; run: EbpfRun; text: string } | null {
  if (requester.kind !== "veth" || !requester.adminUp) return null;
  const lxc = requester.peer;
  const attach = lxc.tc?.find((a) => a.hook === "tc-ingress" && a.program === "cil_from_container");
  if (!attach || !lxc.adminUp) return null;
  const maps = world.netns.get(lxc.netns)?.bpf;
  const self = maps
    ? [...maps.endpoints.values()].find((e) => e.endpointId === attach.endpoint)
    : undefined;
  if (self && self.ip === target) return null;
  return {
    responder: lxc,
    run: {
      program: attach.program,
      object: attach.object,
      hook: attach.hook,
      maps: [],
      action: "arp-reply",
    },
    text: `eBPF program ${attach.program} (${attach.object}) at ${attach.hook} on ${lxc.name}: answers the ARP request for ${formatIpv4(target)} with ${lxc.name}'s MAC ${lxc.mac} and sends the reply straight back (bpf_lxc's ARP responder answers for every address but the pod's own)`,
  };
}
