import { formatIpv4, type Ipv4 } from "../ipv4";

/** FNV-1a, for device names and MACs that look random but replay identically. */
export function stableHash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h >>> 0;
}

export function hex(n: number, digits: number): string {
  return n.toString(16).padStart(digits, "0").slice(-digits);
}

/**
 * `0a:58:` followed by the IPv4 address: the MAC the CNI plugins' `SetHWAddrByIP` gives a pod or
 * a VTEP, so it can be read straight from the address (0a:58:0a:f4:01:00 is 10.244.1.0).
 */
export function macFromIp(ip: Ipv4): string {
  return [
    "0a",
    "58",
    hex(ip >>> 24, 2),
    hex((ip >>> 16) & 255, 2),
    hex((ip >>> 8) & 255, 2),
    hex(ip & 255, 2),
  ].join(":");
}

/** The bridge plugin's host-side veth name: `veth` and 8 hex digits. */
export function vethName(pod: string): string {
  return `veth${hex(stableHash(pod), 8)}`;
}

/** Calico's host-side veth name: `cali` and 11 hex digits of a hash of the workload. */
export function caliName(pod: string): string {
  return `cali${hex(stableHash(pod), 8)}${hex(stableHash(`${pod}/eth0`), 3)}`;
}

export const ip = formatIpv4;
