import { readFileSync } from "node:fs";

/** The example scenario scripts the README and the tests share (`examples/scripts/`). */
export function example(name: "flannel-vxlan" | "calico-bgp" | "clusterip-iptables"): string {
  return readFileSync(new URL(`../../examples/scripts/${name}.sh`, import.meta.url), "utf8");
}

/** The script with one line removed; fails loudly if the line is not there, so a test cannot pass vacuously. */
export function without(script: string, line: string): string {
  const lines = script.split("\n");
  const at = lines.indexOf(line);
  if (at < 0) throw new Error(`line not in script: ${line}`);
  lines.splice(at, 1);
  return lines.join("\n");
}

/** The script with one line replaced by another; fails loudly if the line is not there. */
export function replacing(script: string, line: string, by: string): string {
  const lines = script.split("\n");
  const at = lines.indexOf(line);
  if (at < 0) throw new Error(`line not in script: ${line}`);
  lines[at] = by;
  return lines.join("\n");
}
