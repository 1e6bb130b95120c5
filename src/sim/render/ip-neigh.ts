/**
 * `ip neigh [show [dev DEV]]` as iproute2 prints the IPv4 neighbour table (ip/ipneigh.c,
 * print_neigh). Verified against Linux 6.18 with iproute2 6.1; pinned in
 * test/sim/render/ip-neigh.test.ts.
 */
import { formatIpv4 } from "../ipv4";
import type { Neighbour, Netns, World } from "../model";

export interface IpNeighOptions {
  /** `ip neigh show nud all`: include NOARP entries, which a plain `ip neigh` hides. */
  all?: boolean;
}

/**
 * One entry a line, each field followed by a space: `10.244.2.0 dev flannel.1 lladdr
 * 0a:58:0a:f4:02:00 PERMANENT `; with `dev` the device is left out. FAILED and INCOMPLETE
 * entries have no lladdr.
 *
 * Order: devices by interface index, entries in the order they were made. The kernel dumps its
 * hash table, whose order depends on a per-boot random seed, so no order is more faithful; with
 * one entry per device (the usual case: flanneld's one per remote node) the text is the same.
 */
export function renderIpNeigh(
  world: World,
  ns: Netns,
  dev?: string,
  options: IpNeighOptions = {},
): string {
  void world;
  const devices = [...ns.links.values()]
    .filter((l) => dev === undefined || l.name === dev)
    .sort((a, b) => a.ifindex - b.ifindex);
  const lines: string[] = [];
  for (const link of devices) {
    for (const entry of ns.neighbours.get(link.name)?.values() ?? []) {
      // iproute2 shows every state but NOARP unless asked for `nud all` (filter.state in ipneigh.c).
      if (entry.state === "NOARP" && !options.all) continue;
      lines.push(neighbourLine(entry, dev === undefined));
    }
  }
  return lines.join("");
}

function neighbourLine(entry: Neighbour, withDev: boolean): string {
  const fields = [formatIpv4(entry.ip)];
  if (withDev) fields.push(`dev ${entry.dev}`);
  if (entry.mac !== null) fields.push(`lladdr ${entry.mac}`);
  fields.push(entry.state);
  return `${fields.map((f) => `${f} `).join("")}\n`;
}
