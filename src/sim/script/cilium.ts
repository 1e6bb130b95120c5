import { LbMaps, LbTable } from "../bpf/lb";
import type { World } from "../model";
import { formatCtList, formatLbList } from "../render/cilium";
import { fail, ok, type Result } from "../state/result";
import { netnsByName } from "./command";

/**
 * `cilium-dbg bpf lb list [--revnat]` and `cilium-dbg bpf ct list global` (also as `cilium`, the
 * name before 1.15), run on a node: they read the node's pinned maps. Other subcommands are not
 * modelled.
 */
export function runCilium(
  world: World,
  words: readonly string[],
  netns: string | null,
): Result<string> {
  const found = netnsByName(world, netns);
  if (!found.ok) return found;
  const ns = found.value;
  const maps = ns.bpf;
  const args = words.filter((w) => !w.startsWith("-"));
  const flags = words.filter((w) => w.startsWith("-"));
  const command = args.join(" ");
  if (!maps)
    return fail(
      `cilium-dbg: no Cilium maps in ${ns.name} (/sys/fs/bpf/tc/globals is empty): run it on a node of a Cilium cluster`,
    );
  if (command === "bpf lb list" || command === "bpf lb ls") {
    const unknown = flags.find((f) => f !== "--revnat");
    if (unknown !== undefined)
      return fail(
        `podnet-learn: "cilium-dbg bpf lb list ${unknown}" is not modelled (--revnat is)`,
      );
    // Without the kube-proxy replacement the maps exist but stay empty.
    const lb = maps.lb ?? new LbMaps(new LbTable(), new LbTable(), { hostNamespaceOnly: false });
    return ok(formatLbList(lb, flags.includes("--revnat")));
  }
  if (command === "bpf ct list global") {
    if (flags.length > 0)
      return fail(`podnet-learn: "cilium-dbg bpf ct list global ${flags[0]}" is not modelled`);
    // The connection tracking entries are what packets leave behind, and `show` sends none.
    return ok(formatCtList(null, ns.name));
  }
  return fail(
    `podnet-learn: "cilium-dbg ${words.join(" ")}" is not modelled ("bpf lb list" and "bpf ct list global" are)`,
  );
}
