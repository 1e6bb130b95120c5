/**
 * Cilium's socket-level load balancer (bpf/bpf_sock.c, cilium/cilium 1.17), the kube-proxy
 * replacement's default: programs at the node's root cgroup v2 that run inside the socket calls
 * of every process on the node, pods included, before any packet exists:
 * - cil_sock4_connect (cgroup/connect4, in connect()) and cil_sock4_sendmsg (cgroup/sendmsg4, in
 *   a UDP sendmsg()): __sock4_xlate_fwd looks the destination up in cilium_lb4_services_v2 (then,
 *   for a node's address in the NodePort range, the 0.0.0.0 surrogate), picks a backend slot,
 *   reads the backend, records socket cookie + backend → frontend in cilium_lb4_reverse_sk and
 *   rewrites the socket's destination: the kernel routes, and the packet leaves, to the backend.
 *   A Service without backends makes connect() fail with EHOSTUNREACH.
 * - cil_sock4_recvmsg (cgroup/recvmsg4) and cil_sock4_getpeername (cgroup/getpeername4):
 *   __sock4_xlate_rev finds the cookie + peer in cilium_lb4_reverse_sk and shows the frontend
 *   instead: the application sees replies from the ClusterIP it asked for.
 * Backend choice (sock_select_slot): a random slot for TCP, the socket cookie for UDP (so one
 * socket keeps its backend); with sessionAffinity ClientIP the netns cookie's entry in
 * cilium_lb4_affinity wins. Maglev is never used here. ICMP sockets are left alone
 * (sock_proto_enabled knows TCP and UDP only): a ping to a ClusterIP leaves untranslated.
 * Every map lookup is counted; updates are not lookups.
 */
import { formatIpv4, type Ipv4 } from "../ipv4";
import type { Netns, World } from "../model";
import type { Rng } from "../rng";
import type { EbpfRun } from "../walk/hop";
import type { Datagram } from "../walk/packet";
import {
  backendText,
  type LbBackend,
  type LbKey,
  type LbMaps,
  type LbProto,
  type LbServiceValue,
  lbFlagsText,
  lbKeyText,
  NODEPORT_PORT_MAX,
  NODEPORT_PORT_MIN,
} from "./lb";
import {
  type BpfConntrack,
  type CiliumMaps,
  describeIpcache,
  IDENTITY_HOST,
  IDENTITY_REMOTE_NODE,
} from "./maps";

export interface SockStep {
  readonly run: EbpfRun;
  readonly text: string;
}

export interface SockResult {
  readonly steps: readonly SockStep[];
  /** Map lookups made (map_lookup_elem calls). */
  readonly lookups: number;
}

/** What connect()/sendmsg() goes on with: the (maybe rewritten) destination, or an error. */
export type SockSendVerdict =
  | { readonly kind: "proceed"; readonly datagram: Datagram }
  | { readonly kind: "reject"; readonly errno: "EHOSTUNREACH"; readonly text: string };

type Hook = "cgroup/connect4" | "cgroup/sendmsg4" | "cgroup/recvmsg4" | "cgroup/getpeername4";

/** Records one program run: its map accesses and what it did. */
class Run {
  readonly maps: { map: string; key: string; value: string }[] = [];
  lookups = 0;

  constructor(
    readonly program: string,
    readonly hook: Hook,
  ) {}

  lookup(map: string, key: string, value: string): void {
    this.lookups++;
    this.maps.push({ map, key, value });
  }

  update(map: string, key: string, value: string): void {
    this.maps.push({ map, key, value: `${value} (update)` });
  }

  step(action: string, did: string): SockStep {
    const maps = this.maps.map((m) => `${m.map}: ${m.key} → ${m.value}`).join("; ");
    return {
      run: {
        program: this.program,
        object: "bpf_sock.o",
        hook: this.hook,
        maps: this.maps,
        action,
      },
      text: `eBPF program ${this.program} (bpf_sock.o) at cgroup ${this.hook.slice(7)}: ${did}${maps === "" ? "" : ` (${maps})`}`,
    };
  }
}

/** The node maps whose cgroup programs run for `ns`'s sockets, when the replacement is loaded. */
function lbOf(world: World, ns: Netns): { node: Netns; maps: CiliumMaps; lb: LbMaps } | null {
  if (ns.cgroupBpf === undefined) return null;
  const node = world.netns.get(ns.cgroupBpf);
  const maps = node?.bpf;
  if (!node || !maps?.lb) return null;
  return { node, maps, lb: maps.lb };
}

function protoOf(d: Datagram): LbProto | null {
  return d.l4.kind === "tcp" ? "TCP" : d.l4.kind === "udp" && d.l4.vxlan === null ? "UDP" : null;
}

function addr(ip: Ipv4, port: number): string {
  return `${formatIpv4(ip)}:${port}`;
}

/**
 * lb4_lookup_service(key, scope_switch = true): the external-scope entry, then for a two-scope
 * Service the internal one (traffic from inside the node uses the internal scope).
 */
export function lookupService(
  run: { lookup(map: string, key: string, value: string): void },
  lb: LbMaps,
  address: Ipv4,
  port: number,
  proto: LbProto,
): { key: LbKey; svc: LbServiceValue } | null {
  const ext: LbKey = { address, port, proto, scope: "ext", slot: 0 };
  const svc = lb.service(ext);
  run.lookup("cilium_lb4_services_v2", lbKeyText(ext), svc ? frontendText(svc) : "no entry");
  if (!svc) return null;
  if (!svc.flags.twoScopes) return { key: ext, svc };
  const int: LbKey = { ...ext, scope: "int" };
  const inner = lb.service(int);
  run.lookup("cilium_lb4_services_v2", lbKeyText(int), inner ? frontendText(inner) : "no entry");
  return inner ? { key: int, svc: inner } : null;
}

export function frontendText(svc: LbServiceValue): string {
  return `${svc.count} backend${svc.count === 1 ? "" : "s"}, rev-NAT ${svc.revNat} [${lbFlagsText(svc.flags)}]`;
}

/**
 * connect() of a TCP socket or sendmsg() of a UDP one in `ns`: runs cil_sock4_connect or
 * cil_sock4_sendmsg when the node's cgroup has them. Null when no program runs (no kube-proxy
 * replacement on the node, or not a TCP/UDP socket).
 */
export function sockSend(
  world: World,
  ns: Netns,
  d: Datagram,
  ct: BpfConntrack,
  rng: Rng,
): (SockResult & { readonly verdict: SockSendVerdict }) | null {
  const found = lbOf(world, ns);
  const proto = protoOf(d);
  if (!found || proto === null || (d.l4.kind !== "tcp" && d.l4.kind !== "udp")) return null;
  const { node, maps, lb } = found;
  const run =
    proto === "TCP"
      ? new Run("cil_sock4_connect", "cgroup/connect4")
      : new Run("cil_sock4_sendmsg", "cgroup/sendmsg4");
  const dport = d.l4.dport;
  const done = (action: string, did: string, verdict: SockSendVerdict) => ({
    steps: [run.step(action, did)],
    lookups: run.lookups,
    verdict,
  });
  const unchanged: SockSendVerdict = { kind: "proceed", datagram: d };
  const inHostns = ns.name === node.name;
  if (lb.socketLb.hostNamespaceOnly && !inHostns)
    return done(
      "skip",
      `the socket is in a pod's namespace and socket LB serves the host namespace only (socketLB.hostNamespaceOnly): ${addr(d.dst, dport)} is left alone for bpf_lxc to balance per packet`,
      unchanged,
    );
  let hit = lookupService(run, lb, d.dst, dport, proto);
  if (!hit) hit = wildcard(run, maps, lb, d.dst, dport, proto);
  if (!hit)
    return done(
      "proceed",
      `${addr(d.dst, dport)}/${proto} is no Service: the socket's destination is left alone`,
      unchanged,
    );
  const { key, svc } = hit;
  const front = addr(d.dst, dport);
  if (svc.count === 0)
    return done(
      "reject",
      `service ${front} has no backends: the call fails with EHOSTUNREACH (no packet is sent)`,
      {
        kind: "reject",
        errno: "EHOSTUNREACH",
        text: `service ${front} has no backends`,
      },
    );
  const cookie = ct.cookie(ns.name, d.proto, d.l4.sport);
  let backend: LbBackend | undefined;
  let how = "";
  // lb4_affinity_backend_id_by_netns: the client is the socket's network namespace (its cookie).
  const client = `netns ${ns.name}`;
  if (svc.flags.affinity) {
    const id = ct.affinityLookup(node.name, svc.revNat, client);
    run.lookup(
      "cilium_lb4_affinity",
      `${client}, rev-NAT ${svc.revNat}`,
      id === undefined ? "no entry" : `backend ${id}`,
    );
    if (id !== undefined) {
      backend = lookupBackend(run, lb, id);
      if (backend) how = ", session affinity";
    }
  }
  if (!backend) {
    // sock_select_slot: get_prandom_u32() for TCP, the socket cookie for UDP.
    const draw = proto === "TCP" ? Math.floor(rng() * 2 ** 32) : cookie;
    const slot = (draw % svc.count) + 1;
    const slotKey: LbKey = { ...key, slot };
    const value = lb.service(slotKey);
    run.lookup(
      "cilium_lb4_services_v2",
      lbKeyText(slotKey),
      value ? `backend ${value.backendId}` : "no entry",
    );
    if (!value)
      return done("reject", `slot ${slot} of ${front} is missing: EHOSTUNREACH`, {
        kind: "reject",
        errno: "EHOSTUNREACH",
        text: `slot ${slot} of service ${front} is missing`,
      });
    backend = lookupBackend(run, lb, value.backendId);
    how =
      proto === "TCP"
        ? `, random slot ${slot} of ${svc.count}`
        : `, slot ${slot} of ${svc.count} from the socket cookie ${cookie}`;
    if (backend && svc.flags.affinity)
      run.update(
        "cilium_lb4_affinity",
        `${client}, rev-NAT ${svc.revNat}`,
        `backend ${backend.id}`,
      );
  }
  if (!backend)
    return done("reject", `the backend of ${front} is missing: EHOSTUNREACH`, {
      kind: "reject",
      errno: "EHOSTUNREACH",
      text: `the backend of service ${front} is missing`,
    });
  // sock4_update_revnat: look the entry up, write it when missing or different.
  const revKey = `cookie ${cookie}, ${addr(backend.address, backend.port)}`;
  const known = ct.sockRevNatLookup(node.name, cookie, backend.address, backend.port);
  run.lookup("cilium_lb4_reverse_sk", revKey, known ? "already there" : "no entry");
  ct.sockRevNatUpdate(node.name, cookie, backend.address, backend.port, {
    address: d.dst,
    port: dport,
    revNat: svc.revNat,
  });
  if (!known) run.update("cilium_lb4_reverse_sk", revKey, `${front}, rev-NAT ${svc.revNat}`);
  const l4 = { ...d.l4, dport: backend.port };
  return done(
    "translate",
    `service ${front} → backend ${addr(backend.address, backend.port)} (socket-level LB${how}): the socket now talks to the backend, before any packet exists`,
    { kind: "proceed", datagram: { ...d, dst: backend.address, l4 } },
  );
}

function lookupBackend(run: Run, lb: LbMaps, id: number): LbBackend | undefined {
  const backend = lb.backend(id);
  run.lookup("cilium_lb4_backends_v3", String(id), backend ? backendText(backend) : "no entry");
  return backend;
}

/**
 * sock4_wildcard_lookup_full: a NodePort port on an address the ipcache says is this node's or
 * another node's is looked up as the 0.0.0.0 surrogate (HostPort, the inverse match, is not
 * modelled).
 */
function wildcard(
  run: Run,
  maps: CiliumMaps,
  lb: LbMaps,
  address: Ipv4,
  port: number,
  proto: LbProto,
): { key: LbKey; svc: LbServiceValue } | null {
  if (port < NODEPORT_PORT_MIN || port > NODEPORT_PORT_MAX) return null;
  const info = maps.ipcache.lookup(address);
  run.lookup("cilium_ipcache", formatIpv4(address), info ? describeIpcache(info) : "no entry");
  if (!info || (info.identity !== IDENTITY_HOST && info.identity !== IDENTITY_REMOTE_NODE))
    return null;
  const hit = lookupService(run, lb, 0, port, proto);
  return hit?.svc.flags.type === "NodePort" ? hit : null;
}

/**
 * recvmsg() on a UDP socket, or getpeername() on a TCP socket the socket LB translated: the peer
 * the application sees. Null when no program runs (or, for TCP, when the socket was not
 * translated: the model shows getpeername only where it changes something).
 */
export function sockReceive(
  world: World,
  ns: Netns,
  d: Datagram,
  ct: BpfConntrack,
): (SockResult & { readonly view: Datagram }) | null {
  const found = lbOf(world, ns);
  const proto = protoOf(d);
  if (!found || proto === null || (d.l4.kind !== "tcp" && d.l4.kind !== "udp")) return null;
  const { node, maps, lb } = found;
  const cookie = ct.cookie(ns.name, d.proto, d.l4.dport);
  const entry = ct.sockRevNatLookup(node.name, cookie, d.src, d.l4.sport);
  if (proto === "TCP" && !entry) return null;
  const run =
    proto === "TCP"
      ? new Run("cil_sock4_getpeername", "cgroup/getpeername4")
      : new Run("cil_sock4_recvmsg", "cgroup/recvmsg4");
  const peer = addr(d.src, d.l4.sport);
  run.lookup(
    "cilium_lb4_reverse_sk",
    `cookie ${cookie}, ${peer}`,
    entry ? `${addr(entry.address, entry.port)}, rev-NAT ${entry.revNat}` : "no entry",
  );
  const result = (action: string, did: string, view: Datagram) => ({
    steps: [run.step(action, did)],
    lookups: run.lookups,
    view,
  });
  if (!entry) return result("proceed", `${peer} was no Service's backend for this socket`, d);
  // The frontend must still be the same Service with backends, or the entry is stale.
  const hit =
    lookupService(run, lb, entry.address, entry.port, proto) ??
    wildcard(run, maps, lb, entry.address, entry.port, proto);
  if (!hit || hit.svc.revNat !== entry.revNat || hit.svc.count === 0)
    return result("proceed", "the Service is gone: the stale entry is deleted", d);
  const front = addr(entry.address, entry.port);
  const view: Datagram = {
    ...d,
    src: entry.address,
    l4: { ...d.l4, sport: entry.port },
  };
  return result(
    "translate",
    proto === "TCP"
      ? `the socket is connected to the backend ${peer}; getpeername() reports the service ${front}, the address the application connected to`
      : `the datagram came from the backend ${peer}; recvmsg() reports it from the service ${front}, the address the application sent to`,
    view,
  );
}
