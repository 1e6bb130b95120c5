import type { Link, World } from "../model";
import { unreachable } from "../unreachable";

/**
 * Whether a device has carrier (LOWER_UP): what decides if a frame sent through it goes anywhere.
 * A veth has carrier only when both ends are up; a bridge only when one of its ports does
 * (a fresh `cni0` with no pod is NO-CARRIER); vxlan, dummy and lo follow their own admin state.
 */
export function hasCarrier(world: World, link: Link): boolean {
  if (!link.adminUp) return false;
  switch (link.kind) {
    case "loopback":
    case "ipip":
    case "vxlan":
    case "geneve":
    case "dummy":
      return true;
    case "veth":
      return link.peer.adminUp;
    case "bridge": {
      // Until a port joins (or its MAC is set) a bridge reports carrier; then it follows its ports.
      if (!link.hadPort && !link.macSet) return true;
      const ns = world.netns.get(link.netns);
      if (!ns) return false;
      for (const port of ns.links.values())
        if (port.master === link.name && hasCarrier(world, port)) return true;
      return false;
    }
    default:
      return unreachable(link);
  }
}

/** The operational state `ip link` prints after `state`. */
export function operState(world: World, link: Link): "UP" | "DOWN" | "UNKNOWN" | "LOWERLAYERDOWN" {
  if (!link.adminUp) return "DOWN";
  if (
    link.kind === "loopback" ||
    link.kind === "vxlan" ||
    link.kind === "geneve" ||
    link.kind === "dummy" ||
    link.kind === "ipip"
  )
    return "UNKNOWN";
  if (link.kind === "bridge" && !link.hadPort && !link.macSet) return "UNKNOWN";
  if (hasCarrier(world, link)) return "UP";
  return link.kind === "veth" ? "LOWERLAYERDOWN" : "DOWN";
}
