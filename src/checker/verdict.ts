/**
 * What the checker says about an answer: passed or not, and when not, the first thing that went
 * wrong, with the simulator's own sentence and what decided it; the request's path for each
 * probe; and the hops of the probe that decided, for the trace viewer.
 */

import type { Condition, DropReasonCode, FactValue } from "../lessons/vocabulary";
import type { Hop, ProbeSpec } from "../sim";

/** Why an answer failed (docs/lessons.md, "Why a wrong answer fails: `fails`"). */
export type FailureKind =
  | "refused"
  | "dropped"
  | "noReply"
  | "condition"
  | "notTheFact"
  | "unparsable";

/** The first thing that went wrong. */
export interface Failure {
  readonly kind: FailureKind;
  /** The goal probe it is about (0-based; the step's `probe` for predict and quiz), or null. */
  readonly probe: number | null;
  /** Where the packet died (dropped, noReply), or where the refused command ran. */
  readonly netns: string | null;
  /** The drop reason code (dropped, noReply). */
  readonly dropReason: DropReasonCode | null;
  /**
   * One sentence, in English: the simulator's for a drop, the kernel's or tool's for a refused
   * command, the checker's for a condition, a fact or an answer it cannot read.
   */
  readonly message: string;
  /** refused: the command line that was refused, as the answer wrote it. */
  readonly command?: string;
  /** condition: the condition that was not met. */
  readonly condition?: Condition;
  /**
   * condition and notTheFact: what the goal or the option wanted (expect: `dropped`; notNode: the
   * namespace to avoid; encap, translatedBy: the value, `none` included).
   */
  readonly expected?: string;
  /** condition and notTheFact: what the trace shows (expect: where the request arrived). */
  readonly actual?: string;
  /** dropped, noReply: the iptables or nftables rule that dropped it, when one did. */
  readonly rule?: NonNullable<Hop["rule"]>;
  /** dropped, noReply: the route the namespace chose last before the drop, as `ip route` prints it. */
  readonly route?: string;
  /** dropped: what the sending tool printed (`From 10.244.1.1 icmp_seq=1 Destination Net Unreachable`). */
  readonly reported?: string | null;
}

/** A stop of the request's path: a namespace, the devices it crossed there, what happened. */
export interface PathStop {
  readonly netns: string;
  /** Devices in the order the packet met them (in, then out). */
  readonly devices: readonly string[];
  /** What was done to it here: `VXLAN VNI 1, UDP 8472, 192.168.1.11 → 192.168.1.12`, `decapsulated`, `DNAT …`. */
  readonly notes: readonly string[];
}

/** How one probe went, in short. */
export interface ProbePath {
  /** The goal probe (0-based; 0 for a predict or quiz step's probe). */
  readonly probe: number;
  readonly spec: ProbeSpec;
  /** The request's stops, the underlay's switches left out. */
  readonly stops: readonly PathStop[];
  readonly delivered: boolean;
  /** Whether the reply came back (false when the request never arrived). */
  readonly replied: boolean;
  /** Where and why the request or reply died. */
  readonly drop: {
    readonly flow: "request" | "reply";
    readonly netns: string;
    readonly reason: DropReasonCode;
  } | null;
}

export interface Verdict {
  readonly passed: boolean;
  /** The first thing that went wrong; absent when passed. */
  readonly failure?: Failure;
  /** One summary per probe that ran (goal probes in order, up to the one that failed). */
  readonly path: readonly ProbePath[];
  /** The hops of the probe that decided (the failing one; when passed, the first). */
  readonly hops: readonly Hop[];
  /** predict and quiz: the fact read from the trace. */
  readonly fact?: FactValue;
  /**
   * Scenario changes that did not apply (a broken lesson: `validate` reports them); the answer
   * was still checked on what did.
   */
  readonly scenarioErrors: readonly { readonly line: string; readonly message: string }[];
}
