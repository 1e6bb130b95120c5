import type { Datagram, Frame } from "./packet";

/** Which packet of a probe a hop belongs to. */
export type Flow = "request" | "reply";

export type HopKind =
  | "send"
  | "route"
  | "netfilter"
  | "nat"
  | "neighbour"
  | "xmit"
  | "receive"
  | "bridge"
  | "encap"
  | "decap"
  | "forward"
  | "deliver"
  | "icmp"
  | "ebpf"
  | "ipvs"
  | "drop";

/**
 * One step of a trace. `packet` is the packet as it was at this step (packets are immutable, so
 * this is a reference, not a copy); the JSON form renders it as headers.
 */
export interface Hop {
  readonly kind: HopKind;
  readonly flow: Flow;
  /** True for an ICMP error the kernel generated about the flow's packet. */
  readonly error: boolean;
  readonly netns: string;
  readonly dev: string | null;
  /** One readable sentence: what happened here and why. */
  readonly text: string;
  readonly packet: Frame | Datagram;
  /** The iptables rule that decided, when one did. */
  readonly rule?: {
    readonly table: string;
    readonly chain: string;
    readonly index: number;
    readonly text: string;
  };
  /** The routing table entry used, as `ip route` prints it. */
  readonly route?: string;
  /** An `ebpf` hop: the program that ran, where, the maps it read or wrote and what it did. */
  readonly ebpf?: EbpfRun;
}

/**
 * One eBPF program run at a TC hook or, for Cilium's socket LB (bpf_sock.c), at a cgroup hook
 * (the program's section name: cgroup/connect4 runs in connect(), cgroup/sendmsg4 in a UDP
 * sendmsg(), cgroup/recvmsg4 in a UDP recvmsg(), cgroup/getpeername4 in getpeername()).
 */
export interface EbpfRun {
  readonly program: string;
  /** The object file it came from (bpf_lxc.o…). */
  readonly object: string;
  readonly hook:
    | "tc-ingress"
    | "tc-egress"
    | "cgroup/connect4"
    | "cgroup/sendmsg4"
    | "cgroup/recvmsg4"
    | "cgroup/getpeername4";
  /** Map lookups and updates, in order: `cilium_ipcache` `10.0.1.5` → `identity 4242, …`. */
  readonly maps: readonly { readonly map: string; readonly key: string; readonly value: string }[];
  /** The outcome: `pass`, `drop`, `redirect`, `redirect-peer`, `encapsulate`, `tail-call`. */
  readonly action: string;
}
