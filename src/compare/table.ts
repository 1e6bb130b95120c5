/**
 * The comparison as rows of cells: one row per property, one cell per mode (a cell may hold
 * several lines), each row marked when the modes differ in it.
 */
import type { ModeSummary } from "./summary";

export type CompareProperty =
  | "verdict"
  | "encap"
  | "overhead"
  | "podMtu"
  | "routes"
  | "devices"
  | "hops"
  | "ebpfRuns"
  | "work";

export interface CompareRow {
  readonly property: CompareProperty;
  readonly cells: readonly (readonly string[])[];
  /** Not every mode has the same value here. */
  readonly differs: boolean;
}

const PROPERTIES: readonly CompareProperty[] = [
  "verdict",
  "encap",
  "overhead",
  "podMtu",
  "routes",
  "devices",
  "hops",
  "ebpfRuns",
  "work",
];

function cell(summary: ModeSummary, property: CompareProperty): string[] {
  switch (property) {
    case "verdict":
      return summary.delivered && summary.replied
        ? ["delivered and back"]
        : [`dropped (${summary.drop ?? "?"})`];
    case "encap":
      return [summary.encap];
    case "overhead":
      return [`${summary.overhead} bytes`];
    case "podMtu":
      return [summary.podMtu === null ? "?" : String(summary.podMtu)];
    case "routes":
      return summary.routes.length > 0 ? [...summary.routes] : ["(none: eBPF maps)"];
    case "devices":
      return [...summary.devices];
    case "hops":
      return [String(summary.hops)];
    case "ebpfRuns":
      return [String(summary.ebpfRuns)];
    case "work":
      return [`${summary.rulesEvaluated} rules, ${summary.mapLookups} lookups`];
  }
}

export function compareRows(summaries: readonly ModeSummary[]): CompareRow[] {
  return PROPERTIES.map((property) => {
    const cells = summaries.map((s) => cell(s, property));
    const first = JSON.stringify(cells[0]);
    return { property, cells, differs: cells.some((c) => JSON.stringify(c) !== first) };
  });
}
