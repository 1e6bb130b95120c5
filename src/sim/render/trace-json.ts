import type { Hop } from "../walk/hop";
import { type PacketView, viewOf } from "../walk/packet";
import type { ProbeResult } from "../walk/probe";
import { conntrackLine } from "./conntrack";

/** One hop as `trace --json` prints it. */
export interface HopJson {
  step: number;
  kind: Hop["kind"];
  flow: Hop["flow"];
  error: boolean;
  netns: string;
  dev: string | null;
  text: string;
  packet: PacketView;
  rule?: Hop["rule"];
  route?: string;
  /** `ebpf` hops: program, object, hook, maps read or written, action. */
  ebpf?: Hop["ebpf"];
}

export function hopsToJson(hops: readonly Hop[]): HopJson[] {
  return hops.map((h, i) => {
    const json: HopJson = {
      step: i + 1,
      kind: h.kind,
      flow: h.flow,
      error: h.error,
      netns: h.netns,
      dev: h.dev,
      text: h.text,
      packet: viewOf(h.packet),
    };
    if (h.rule) json.rule = h.rule;
    if (h.route) json.route = h.route;
    if (h.ebpf) json.ebpf = h.ebpf;
    return json;
  });
}

/** The `trace --json` object: a public interface, documented in docs/trace-json.md. */
export function traceToJson(
  setupErrors: readonly { line: number; command: string; message: string }[],
  result: ProbeResult,
) {
  return {
    setupErrors,
    request: result.request,
    reply: result.reply,
    icmpHeard: result.icmpHeard,
    rulesEvaluated: result.rulesEvaluated,
    mapLookups: result.mapLookups,
    conntrack: result.conntrack.map((e) => ({
      netns: e.netns,
      dnat: e.dnat,
      snat: e.snat,
      line: conntrackLine(e),
    })),
    hops: hopsToJson(result.hops),
  };
}
