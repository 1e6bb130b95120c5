import type { Datagram, Frame } from "./packet";

/** Which packet of a probe a hop belongs to. */
export type Flow = "request" | "reply";

export type HopKind =
  | "send"
  | "route"
  | "netfilter"
  | "nat"
  | "conntrack"
  | "neighbour"
  | "xmit"
  | "receive"
  | "bridge"
  | "encap"
  | "decap"
  | "forward"
  | "deliver"
  | "icmp"
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
}
