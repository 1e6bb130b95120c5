import type { Tuple } from "../walk/packet";

/**
 * One namespace's connection tracking table. The first packet of a connection creates an entry
 * with its original tuple and the tuple a reply will carry; NAT on that first packet rewrites the
 * reply tuple, and every later packet (the reply above all) is translated from the entry, without
 * consulting the nat table again (net/netfilter/nf_conntrack_core.c, nf_nat_core.c).
 */
export interface ConntrackEntry {
  readonly original: Tuple;
  /** The tuple a reply is expected to carry (after NAT: the inverse of the translated packet). */
  reply: Tuple;
  /** The destination was rewritten (DNAT) / the source was rewritten (SNAT, MASQUERADE). */
  dnat: boolean;
  snat: boolean;
  /** A packet has been seen in the reply direction. */
  seenReply: boolean;
  /** Where the entry was made, for `conntrack -L`. */
  readonly netns: string;
}

export type Direction = "original" | "reply";

export function tupleKey(t: Tuple): string {
  return `${t.proto}|${t.src}|${t.sport}|${t.dst}|${t.dport}`;
}

export function invert(t: Tuple): Tuple {
  return { src: t.dst, dst: t.src, proto: t.proto, sport: t.dport, dport: t.sport };
}

export class ConntrackTable {
  private readonly byTuple = new Map<string, { entry: ConntrackEntry; dir: Direction }>();
  readonly entries: ConntrackEntry[] = [];

  constructor(readonly netns: string) {}

  find(t: Tuple): { entry: ConntrackEntry; dir: Direction } | null {
    return this.byTuple.get(tupleKey(t)) ?? null;
  }

  create(t: Tuple): ConntrackEntry {
    const entry: ConntrackEntry = {
      original: t,
      reply: invert(t),
      dnat: false,
      snat: false,
      seenReply: false,
      netns: this.netns,
    };
    this.entries.push(entry);
    this.byTuple.set(tupleKey(entry.original), { entry, dir: "original" });
    this.byTuple.set(tupleKey(entry.reply), { entry, dir: "reply" });
    return entry;
  }

  /** Records a NAT decision: the reply tuple changes, and so does its index. */
  rewriteReply(entry: ConntrackEntry, reply: Tuple): void {
    this.byTuple.delete(tupleKey(entry.reply));
    entry.reply = reply;
    this.byTuple.set(tupleKey(reply), { entry, dir: "reply" });
  }
}
