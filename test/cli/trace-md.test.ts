import { describe, expect, test } from "vitest";
import { probe } from "../../src/sim";
import { formatTraceMarkdown } from "../../src/sim/render/trace-md";
import { buildCluster, exampleCluster } from "../cni/helpers";
import { runCli } from "./run-cli";

/** A ping from pod-a to pod-b on the Flannel VXLAN example. */
const PING = [
  "trace",
  "--cluster",
  "examples/clusters/flannel-vxlan.yaml",
  "--from",
  "pod-a",
  "--to",
  "pod-b",
];

describe("trace --format md", () => {
  test("a title, both verdicts, and one table row per hop with the headers where they change", async () => {
    const run = await runCli([...PING, "--format", "md"]);
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines[0]).toBe("# ping pod-a → pod-b (10.244.2.2)");
    expect(run.stdout).toContain("- **request:** delivered to `pod-b`");
    expect(run.stdout).toContain(
      "| # | flow | namespace | device | step | what happened | headers |",
    );
    const encap = lines.find((l) => l.includes("| encap |"));
    expect(encap).toMatch(
      /^\| \d+ \| request \| node1 \| flannel\.1 \| encap \| .*UDP 8472.* \| `.*vxlan vni 1.*` \|$/,
    );
    const rows = lines.filter((l) => /^\| \d+ \|/.test(l));
    const json = await runCli([...PING, "--json"]);
    expect(rows).toHaveLength(JSON.parse(json.stdout).hops.length);
  });

  test("a dropped packet: where, why, and what the sender sees", () => {
    const { world } = buildCluster(exampleCluster("flannel-vxlan"));
    const r = probe(world, { from: "pod-a", to: "10.244.9.9", proto: "icmp" });
    if ("error" in r) throw new Error(r.error);
    const md = formatTraceMarkdown(r, "ping pod-a → 10.244.9.9");
    expect(md).toMatch(/- \*\*request:\*\* dropped in `\w+` \(`[a-z-]+`\): /);
    expect(md).toContain("- **reply:** not sent");
  });

  test("--json with --format md is refused, and so is an unknown format", async () => {
    const both = await runCli([...PING, "--json", "--format", "md"]);
    expect([both.code, both.stderr]).toEqual([2, expect.stringContaining("two formats")]);
    const xml = await runCli([...PING, "--format", "xml"]);
    expect([xml.code, xml.stderr]).toEqual([2, expect.stringContaining("text, json or md")]);
  });
});
